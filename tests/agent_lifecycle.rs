//! The agent's life as a user sees it, through the real binary: start, a second agent
//! refused, status, stop, SIGTERM, a stale socket after `kill -9`, and autostart.

#![allow(clippy::unwrap_used)] // a test that cannot set up should panic

mod support;

use support::station::{StationEnv, describe};
use support::wait::{self, process_ended, wait_for};

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn start_refuse_second_status_and_stop() {
    let station = StationEnv::new();
    let pid = station.start_agent(&[]);
    assert!(alive(pid));

    let socket = fs::symlink_metadata(station.socket()).expect("socket exists");
    assert_eq!(socket.mode() & 0o777, 0o600, "socket mode");
    let dir = fs::metadata(station.runtime_dir()).unwrap();
    assert_eq!(dir.mode() & 0o777, 0o700, "runtime folder mode");

    for args in [&["agent"][..], &["agent", "--foreground"][..]] {
        let second = station.run(args);
        assert_eq!(second.status.code(), Some(1), "{}", describe(&second));
        assert!(
            stderr(&second).contains(&format!("already running (pid {pid})")),
            "{}",
            describe(&second)
        );
    }
    assert!(alive(pid), "the first agent survives the attempts");

    let status = station.run(["agent", "status"]);
    assert!(status.status.success(), "{}", describe(&status));
    assert!(
        stdout(&status).contains(&format!("running (pid {pid})")),
        "{}",
        describe(&status)
    );

    let json = station.run(["agent", "status", "--json"]);
    let info: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(info["pid"], pid);
    assert_eq!(info["station_version"], env!("CARGO_PKG_VERSION"));

    let stop = station.run(["agent", "stop"]);
    assert!(stop.status.success(), "{}", describe(&stop));
    assert!(
        stdout(&stop).contains(&format!("stopped (pid {pid})")),
        "{}",
        describe(&stop)
    );
    assert!(!station.socket().exists(), "socket removed");
    assert!(!station.pidfile().exists(), "pidfile removed");
    wait_for("the agent process is gone", || !alive(pid));

    let after = station.run(["agent", "status"]);
    assert_eq!(after.status.code(), Some(3), "{}", describe(&after));
    assert!(stdout(&after).contains("not running"));
    let stop_again = station.run(["agent", "stop"]);
    assert!(
        stop_again.status.success(),
        "stopping a stopped agent is fine: {}",
        describe(&stop_again)
    );

    let log = station.log();
    assert!(
        log.contains("agent started") && log.contains("agent stopped"),
        "log:\n{log}"
    );
}

#[test]
fn sigterm_stops_cleanly() {
    let station = StationEnv::new();
    let pid = station.start_agent(&[]);
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    wait_for("the agent exits after SIGTERM", || !alive(pid));
    assert!(!station.socket().exists(), "socket removed after SIGTERM");
    assert!(!station.pidfile().exists(), "pidfile removed after SIGTERM");
    assert!(station.log().contains("SIGTERM: stopping"));
}

#[test]
fn stale_socket_after_kill_9_is_replaced() {
    let station = StationEnv::new();
    let first = station.start_agent(&[]);
    let kill = std::process::Command::new("kill")
        .args(["-KILL", &first.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    wait_for("the killed agent is gone", || !alive(first));
    assert!(
        station.socket().exists(),
        "kill -9 leaves the socket behind"
    );

    let status = station.run(["agent", "status"]);
    assert_eq!(
        status.status.code(),
        Some(3),
        "a stale socket is not a running agent: {}",
        describe(&status)
    );

    let second = station.start_agent(&[]);
    assert_ne!(first, second);
    // The log is written by a background thread: wait for the line rather than race it.
    wait::wait_until(
        "the log says the stale socket was replaced",
        wait::default_timeout(),
        || station.log().contains("replaced a stale socket"),
        || format!("log:\n{}", station.log()),
    );
    let mut conn = station.connect();
    let ready = conn.hello();
    assert_eq!(ready["body"]["agent_pid"], second);
}

#[test]
fn verbs_start_the_agent_when_it_is_not_running() {
    let station = StationEnv::new();
    assert!(station.agent_pid().is_none());
    let status = station.run(["status"]);
    assert!(status.status.success(), "{}", describe(&status));
    let hostname = fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert!(
        stdout(&status).starts_with(hostname.trim()),
        "{}",
        describe(&status)
    );
    assert!(stdout(&status).contains("cpu "), "{}", describe(&status));
    let pid = station.agent_pid().expect("the verb started an agent");
    assert!(alive(pid));

    let json = station.run(["status", "--json", "--processes", "3"]);
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
    let station = StationEnv::new();
    fs::create_dir_all(station.config_dir()).unwrap();
    fs::write(
        station.config_dir().join("config.toml"),
        "[agent]\nsample_interval_ms = 5\n",
    )
    .unwrap();
    let output = station.run(["agent", "--foreground"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(
        stderr(&output).contains("config.toml:2:22"),
        "{}",
        describe(&output)
    );
    assert!(!station.socket().exists());

    let detached = station.run(["agent"]);
    assert_eq!(detached.status.code(), Some(2), "{}", describe(&detached));
    assert!(
        stderr(&detached).contains("between 250 and 60000"),
        "{}",
        describe(&detached)
    );

    // What a console asks for when its user chose to go on with the defaults.
    let pid = station.start_agent(&["--ignore-config"]);
    let info = station.run(["agent", "status", "--json"]);
    let info: serde_json::Value = serde_json::from_slice(&info.stdout).expect("json");
    assert_eq!(info["pid"], pid);
    assert_eq!(
        info["sample_interval_ms"], 250,
        "the command line still applies"
    );
}

#[test]
fn runtime_folder_of_another_mode_is_tightened() {
    let station = StationEnv::new();
    fs::create_dir_all(station.runtime_dir()).unwrap();
    fs::set_permissions(station.runtime_dir(), fs::Permissions::from_mode(0o755)).unwrap();
    station.start_agent(&[]);
    assert_eq!(
        fs::metadata(station.runtime_dir()).unwrap().mode() & 0o777,
        0o700
    );
}

fn alive(pid: i32) -> bool {
    !process_ended(pid)
}
