#![allow(clippy::unwrap_used)]
//! `station status --on HOST` through the real binary against a real OpenSSH sshd on
//! loopback: a trusted host end to end, and each way it can fail, with the message the user
//! sees (always naming the host, never hanging). Stdin is not a terminal here, so nobody can
//! be asked about an unknown host key.

mod support;

use std::fs;
use std::process::Output;

use support::ssh_world::{ALIAS, SshWorld};
use support::sshd::{SshAgent, Sshd, fingerprint, free_port};
use support::station::describe;

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs `station status --on ALIAS --json`, asserts it failed, and returns its stderr.
#[track_caller]
fn failed_status(world: &SshWorld, alias: &str, env: &[(&str, &str)]) -> String {
    let output = world.station(&["status", "--on", alias, "--json"], env);
    assert!(
        !output.status.success(),
        "status --on {alias} should fail: {}",
        describe(&output)
    );
    assert!(output.stdout.is_empty(), "{}", describe(&output));
    stderr(&output)
}

#[test]
fn status_on_a_trusted_host_reports_the_remote_agent() {
    let world = SshWorld::new();
    world.trust_server();
    world.write_default_config();
    let output = world.station(&["status", "--on", ALIAS, "--json"], &[]);
    assert!(output.status.success(), "{}", describe(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let remote_pid = world
        .remote
        .agent_pid()
        .expect("the bridge started the agent in the remote folders");
    assert_eq!(report["agent"]["pid"], remote_pid, "{report}");
    assert!(
        world.local.agent_pid().is_none(),
        "no local agent was started"
    );
    assert!(
        world.sshd.log().contains("Accepted publickey for root"),
        "{}",
        world.sshd.log()
    );

    // The text report too, from the agent now running.
    let output = world.station(&["status", "--on", ALIAS], &[]);
    assert!(output.status.success(), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains(&format!("agent   pid {remote_pid}")),
        "{}",
        describe(&output)
    );
}

#[test]
fn an_unknown_host_is_refused_without_a_terminal_to_ask() {
    let world = SshWorld::new();
    world.write_default_config();
    let message = failed_status(&world, ALIAS, &[]);
    let print = fingerprint(&world.sshd.host_public_key());
    let port = world.sshd.port();
    for expected in [
        format!("the authenticity of {ALIAS} (127.0.0.1:{port}) cannot be established"),
        format!("ED25519 key {print}"),
        "not a terminal".to_owned(),
        format!("station status --on {ALIAS}"),
    ] {
        assert!(message.contains(&expected), "{expected:?} in {message}");
    }
    assert!(
        !world.known_hosts().exists(),
        "nothing is recorded without consent"
    );
    assert!(world.remote.agent_pid().is_none());
}

#[test]
fn a_changed_host_key_is_refused_naming_the_known_hosts_line() {
    let world = SshWorld::new();
    let impostor = Sshd::start(&[]);
    // The real server's name with another server's key, on line 3 under two comments.
    let wrong = format!(
        "[127.0.0.1]:{} {}\n",
        world.sshd.port(),
        impostor.host_key()
    );
    fs::write(world.known_hosts(), format!("# hosts\n# more\n{wrong}")).unwrap();
    world.write_default_config();
    let message = failed_status(&world, ALIAS, &[]);
    let print = fingerprint(&world.sshd.host_public_key());
    for expected in [
        "WARNING: the host key of gpu-test".to_owned(),
        "has CHANGED".to_owned(),
        format!("{}:3", world.known_hosts().display()),
        format!("ED25519 key {print}"),
        format!("ssh-keygen -R '[127.0.0.1]:{}'", world.sshd.port()),
    ] {
        assert!(message.contains(&expected), "{expected:?} in {message}");
    }
    assert_eq!(
        fs::read_to_string(world.known_hosts()).unwrap(),
        format!("# hosts\n# more\n{wrong}"),
        "the file is left alone"
    );
}

#[test]
fn a_key_the_server_does_not_accept_is_rejected_with_what_was_tried() {
    let world = SshWorld::new();
    world.trust_server();
    let identity = format!(
        "    IdentityFile {}\n",
        world.ssh_dir().join("id_other").display()
    );
    world.write_config(&world.host_block(ALIAS, world.sshd.port(), &identity));
    let message = failed_status(&world, ALIAS, &[]);
    let expected = format!(
        "no key was accepted by {ALIAS} (127.0.0.1:{}) for user root: tried ~/.ssh/id_other (refused)",
        world.sshd.port()
    );
    assert!(message.contains(&expected), "{expected:?} in {message}");
}

#[test]
fn ssh_agent_keys_authenticate_without_any_identity_file() {
    let world = SshWorld::new();
    world.trust_server();
    let ssh = world.ssh_dir();
    let agent = SshAgent::start(&[&ssh.join("id_test")]);
    // No IdentityFile, and no default key file either: only the agent can do it.
    for name in ["id_test", "id_test.pub"] {
        fs::rename(ssh.join(name), world.local.root().join(name)).unwrap();
    }
    world.write_config(&world.host_block(ALIAS, world.sshd.port(), ""));
    let socket = agent.socket().display().to_string();
    let output = world.station(
        &["status", "--on", ALIAS, "--json"],
        &[("SSH_AUTH_SOCK", &socket)],
    );
    assert!(output.status.success(), "{}", describe(&output));

    // Without the agent there is nothing left to try, and the message says so.
    let message = failed_status(&world, ALIAS, &[]);
    assert!(message.contains("there was no key to try"), "{message}");
}

#[test]
fn proxy_jump_goes_through_the_jump_host() {
    let world = SshWorld::new();
    let jump = Sshd::start(&[&world.ssh_dir().join("id_test.pub")]);
    fs::write(
        world.known_hosts(),
        world.sshd.known_hosts_line() + &jump.known_hosts_line(),
    )
    .unwrap();
    let identity = format!(
        "    IdentityFile {}\n",
        world.ssh_dir().join("id_test").display()
    );
    let config = world.host_block(
        ALIAS,
        world.sshd.port(),
        &format!("{identity}    ProxyJump bastion\n"),
    ) + &world.host_block("bastion", jump.port(), &identity);
    world.write_config(&config);
    let output = world.station(&["status", "--on", ALIAS, "--json"], &[]);
    assert!(output.status.success(), "{}", describe(&output));
    let forwarded = format!("target 127.0.0.1 port {}", world.sshd.port());
    assert!(
        jump.log().contains(&forwarded),
        "the jump host forwarded to the target: {}",
        jump.log()
    );
}

#[test]
fn a_closed_port_and_an_unknown_name_fail_with_what_happened() {
    let world = SshWorld::new();
    let closed = free_port();
    let nowhere = world
        .host_block("nowhere", 22, "")
        .replace("127.0.0.1", "no-such-host.invalid");
    world.write_config(&(world.host_block("closed", closed, "") + &nowhere));
    let message = failed_status(&world, "closed", &[]);
    assert!(
        message.contains(&format!(
            "cannot reach closed (127.0.0.1:{closed}): connection refused"
        )),
        "{message}"
    );
    let message = failed_status(&world, "nowhere", &[]);
    assert!(
        message.contains(
            "cannot reach nowhere (no-such-host.invalid:22): the name \"no-such-host.invalid\" does not resolve"
        ),
        "{message}"
    );
}

#[test]
fn a_remote_without_station_gives_the_not_installed_error() {
    let world = SshWorld::new();
    world.trust_server();
    world.write_default_config();
    let message = failed_status(
        &world,
        ALIAS,
        &[(
            "STATION_REMOTE_COMMAND",
            "/nonexistent/station agent --stdio",
        )],
    );
    let expected = format!(
        "station is not installed on {ALIAS} (127.0.0.1:{}): `/nonexistent/station agent --stdio` was not found (exit status 127)",
        world.sshd.port()
    );
    assert!(message.contains(&expected), "{expected:?} in {message}");
    assert!(
        message.contains("No such file or directory"),
        "the remote shell's words: {message}"
    );
}
