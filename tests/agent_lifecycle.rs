//! The agent's life as a user sees it, through the real binary: start, a second agent
//! refused, status, stop, SIGTERM, a stale socket after `kill -9`, and autostart.

#![allow(clippy::unwrap_used)] // a test that cannot set up should panic

mod sandbox;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use sandbox::{Sandbox, alive, describe, wait_until};

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn start_refuse_second_status_and_stop() {
    let sandbox = Sandbox::new();
    let pid = sandbox.start_agent(&[]);
    assert!(alive(pid));

    let socket = fs::symlink_metadata(sandbox.socket()).expect("socket exists");
    assert_eq!(socket.mode() & 0o777, 0o600, "socket mode");
    let dir = fs::metadata(sandbox.runtime_dir()).unwrap();
    assert_eq!(dir.mode() & 0o777, 0o700, "runtime folder mode");

    for args in [&["agent"][..], &["agent", "--foreground"][..]] {
        let second = sandbox.run(args);
        assert_eq!(second.status.code(), Some(1), "{}", describe(&second));
        assert!(
            stderr(&second).contains(&format!("already running (pid {pid})")),
            "{}",
            describe(&second)
        );
    }
    assert!(alive(pid), "the first agent survives the attempts");

    let status = sandbox.run(&["agent", "status"]);
    assert!(status.status.success(), "{}", describe(&status));
    assert!(
        stdout(&status).contains(&format!("running (pid {pid})")),
        "{}",
        describe(&status)
    );

    let json = sandbox.run(&["agent", "status", "--json"]);
    let info: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(info["pid"], pid);
    assert_eq!(info["station_version"], env!("CARGO_PKG_VERSION"));

    let stop = sandbox.run(&["agent", "stop"]);
    assert!(stop.status.success(), "{}", describe(&stop));
    assert!(
        stdout(&stop).contains(&format!("stopped (pid {pid})")),
        "{}",
        describe(&stop)
    );
    assert!(!sandbox.socket().exists(), "socket removed");
    assert!(!sandbox.pidfile().exists(), "pidfile removed");
    wait_until("the agent process is gone", || !alive(pid));

    let after = sandbox.run(&["agent", "status"]);
    assert_eq!(after.status.code(), Some(3), "{}", describe(&after));
    assert!(stdout(&after).contains("not running"));
    let stop_again = sandbox.run(&["agent", "stop"]);
    assert!(
        stop_again.status.success(),
        "stopping a stopped agent is fine: {}",
        describe(&stop_again)
    );

    let log = sandbox.log();
    assert!(
        log.contains("agent started") && log.contains("agent stopped"),
        "log:\n{log}"
    );
}

#[test]
fn sigterm_stops_cleanly() {
    let sandbox = Sandbox::new();
    let pid = sandbox.start_agent(&[]);
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    wait_until("the agent exits after SIGTERM", || !alive(pid));
    assert!(!sandbox.socket().exists(), "socket removed after SIGTERM");
    assert!(!sandbox.pidfile().exists(), "pidfile removed after SIGTERM");
    assert!(sandbox.log().contains("SIGTERM: stopping"));
}

#[test]
fn stale_socket_after_kill_9_is_replaced() {
    let sandbox = Sandbox::new();
    let first = sandbox.start_agent(&[]);
    let kill = std::process::Command::new("kill")
        .args(["-KILL", &first.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    wait_until("the killed agent is gone", || !alive(first));
    assert!(
        sandbox.socket().exists(),
        "kill -9 leaves the socket behind"
    );

    let status = sandbox.run(&["agent", "status"]);
    assert_eq!(
        status.status.code(),
        Some(3),
        "a stale socket is not a running agent: {}",
        describe(&status)
    );

    let second = sandbox.start_agent(&[]);
    assert_ne!(first, second);
    assert!(
        sandbox.log().contains("replaced a stale socket"),
        "log:\n{}",
        sandbox.log()
    );
    let mut conn = sandbox.connect();
    let ready = conn.hello();
    assert_eq!(ready["body"]["agent_pid"], second);
}

#[test]
fn verbs_start_the_agent_when_it_is_not_running() {
    let sandbox = Sandbox::new();
    assert!(sandbox.agent_pid().is_none());
    let status = sandbox.run(&["status"]);
    assert!(status.status.success(), "{}", describe(&status));
    let hostname = fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert!(
        stdout(&status).starts_with(hostname.trim()),
        "{}",
        describe(&status)
    );
    assert!(stdout(&status).contains("cpu "), "{}", describe(&status));
    let pid = sandbox.agent_pid().expect("the verb started an agent");
    assert!(alive(pid));

    let json = sandbox.run(&["status", "--json", "--processes", "3"]);
    assert!(json.status.success(), "{}", describe(&json));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(
        report["agent"]["pid"], pid,
        "the same agent serves the second verb"
    );
    assert_eq!(report["host"]["hostname"], hostname.trim());
    let rows = report["sample"]["processes"]["rows"]
        .as_array()
        .expect("rows");
    assert!(!rows.is_empty() && rows.len() <= 3, "{rows:?}");
}

#[test]
fn broken_config_stops_the_agent_with_a_located_error() {
    let sandbox = Sandbox::new();
    fs::create_dir_all(sandbox.config_dir()).unwrap();
    fs::write(
        sandbox.config_dir().join("config.toml"),
        "[agent]\nsample_interval_ms = 5\n",
    )
    .unwrap();
    let output = sandbox.run(&["agent", "--foreground"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(
        stderr(&output).contains("config.toml:2:22"),
        "{}",
        describe(&output)
    );
    assert!(!sandbox.socket().exists());

    let detached = sandbox.run(&["agent"]);
    assert_eq!(detached.status.code(), Some(2), "{}", describe(&detached));
    assert!(
        stderr(&detached).contains("between 250 and 60000"),
        "{}",
        describe(&detached)
    );
}

#[test]
fn runtime_folder_of_another_mode_is_tightened() {
    let sandbox = Sandbox::new();
    fs::create_dir_all(sandbox.runtime_dir()).unwrap();
    fs::set_permissions(sandbox.runtime_dir(), fs::Permissions::from_mode(0o755)).unwrap();
    sandbox.start_agent(&[]);
    assert_eq!(
        fs::metadata(sandbox.runtime_dir()).unwrap().mode() & 0o777,
        0o700
    );
}
