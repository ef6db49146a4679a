#![allow(clippy::unwrap_used)]
//! The job verbs with `--on`, through a real OpenSSH sshd on loopback: a job submitted to the
//! remote instance runs there (in its home, with a clean environment plus `--env`), and
//! `wait`, `logs` (also `-f`) and `jobs` reach it; an inventory name works as `--on` too.

mod support;

use std::io::Read;
use std::process::Stdio;

use support::ssh_world::{ALIAS, SshWorld};
use support::station::describe;

fn trusted_world() -> SshWorld {
    let world = SshWorld::new();
    world.trust_server();
    world.write_default_config();
    world
}

#[test]
fn a_job_submitted_on_a_remote_instance_runs_there() {
    let world = trusted_world();
    let output = world.station(
        &[
            "submit",
            "--on",
            ALIAS,
            "--env",
            "FOO=bar",
            "--shell",
            "echo \"job $STATION_JOB_ID in $PWD FOO=$FOO HOME=$HOME\"; exit 3",
        ],
        &[("FOO", "local-value-must-not-travel")],
    );
    assert!(output.status.success(), "{}", describe(&output));
    let id = String::from_utf8(output.stdout).unwrap().trim().to_owned();

    let waited = world.station(&["wait", "--on", ALIAS, &id], &[]);
    assert_eq!(waited.status.code(), Some(3), "{}", describe(&waited));
    let logs = world.station(&["logs", "--on", ALIAS, &id], &[]);
    assert!(logs.status.success(), "{}", describe(&logs));
    let remote_home = world.remote.root().join("home");
    assert_eq!(
        String::from_utf8_lossy(&logs.stdout),
        format!("job {id} in {0} FOO=bar HOME={0}\n", remote_home.display())
    );
    let listed = world.station(&["jobs", "--on", ALIAS, "--all", "--json"], &[]);
    let list: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(list["jobs"][0]["exit_code"], 3, "{list}");
    assert!(
        world.local.agent_pid().is_none(),
        "no local agent was involved"
    );
    assert!(
        world.remote.agent_pid().is_some(),
        "the remote agent ran the job"
    );
}

#[test]
fn logs_follow_streams_a_remote_job_and_an_inventory_name_works_as_on() {
    let world = trusted_world();
    let added = world.station(&["fleet", "add", "lab", "--host", ALIAS], &[]);
    assert!(added.status.success(), "{}", describe(&added));
    let output = world.station(
        &[
            "submit",
            "--on",
            "lab",
            "--shell",
            "for i in 1 2 3; do echo line $i; sleep 0.2; done",
        ],
        &[],
    );
    assert!(output.status.success(), "{}", describe(&output));
    let id = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let mut follow = world
        .local
        .command(["logs", "--on", "lab", "-f", &id])
        .env("STATION_REMOTE_COMMAND", world.remote_command())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut text = String::new();
    follow
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert!(follow.wait().unwrap().success());
    assert_eq!(text, "line 1\nline 2\nline 3\n");
}

#[test]
fn a_remote_cwd_must_be_a_path_there() {
    let world = trusted_world();
    let output = world.station(
        &["submit", "--on", ALIAS, "--cwd", "relative", "--", "true"],
        &[],
    );
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("with --on"));
    let output = world.station(
        &[
            "submit",
            "--on",
            ALIAS,
            "--cwd",
            "/no/such/folder",
            "--",
            "true",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/no/such/folder"));
}

#[test]
fn logs_follow_survives_a_dropped_connection_without_repeating_lines() {
    let world = trusted_world();
    let output = world.station(
        &[
            "submit",
            "--on",
            ALIAS,
            "--shell",
            "for i in 1 2 3 4 5 6 7 8; do echo line $i; sleep 0.3; done",
        ],
        &[],
    );
    assert!(output.status.success(), "{}", describe(&output));
    let id = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let mut follow = world
        .local
        .command(["logs", "--on", ALIAS, "-f", &id])
        .env("STATION_REMOTE_COMMAND", world.remote_command())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(follow.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).unwrap();
    assert_eq!(first, "line 1\n");
    // Drop the SSH connection under the follow (the job goes on on the remote side).
    for pid in world.sshd.connection_pids() {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let mut stderr = String::new();
    follow
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(follow.wait().unwrap().success(), "{stderr}");
    assert_eq!(
        format!("{first}{rest}"),
        (1..=8).map(|i| format!("line {i}\n")).collect::<String>(),
        "every line once; stderr: {stderr}"
    );
    assert!(stderr.contains("connecting again"), "{stderr}");
}
