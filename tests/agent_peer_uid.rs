//! The agent serves only its owner: a client running as another uid is refused with a clear
//! message, and the refusal is logged. Needs root (to run the client as another user); CI runs
//! as root, and this test fails loudly rather than skip when it is not.

#![allow(clippy::unwrap_used)] // a test that cannot set up should panic

mod support;

use support::station::{StationEnv, describe};
use support::wait::{process_ended, wait_for};

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;

/// The conventional unprivileged user.
const NOBODY: u32 = 65534;

#[test]
fn another_uid_is_refused_with_a_message_and_a_log_line() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test runs a client as uid {NOBODY} and so needs root; run the suite as root (CI does)"
    );
    let station = StationEnv::new();
    let pid = station.start_agent(&[]);

    // Open the way to the socket for everyone: the 0700 folder and the 0600 socket are the
    // first line of defence; this test is about the second (SO_PEERCRED).
    let open = |path: &std::path::Path, mode| {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap()
    };
    open(station.root(), 0o755);
    open(&station.root().join("runtime"), 0o755);
    open(&station.runtime_dir(), 0o755);
    open(&station.socket(), 0o666);

    let output = station
        .command(["agent", "status"])
        .uid(NOBODY)
        .gid(NOBODY)
        .output()
        .expect("run station as nobody");
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("refused"), "{}", describe(&output));
    assert!(
        stderr.contains("uid 0"),
        "names the owner: {}",
        describe(&output)
    );
    assert!(
        stderr.contains(&format!("uid {NOBODY}")),
        "names the caller: {}",
        describe(&output)
    );

    wait_for("the refusal is logged", || {
        station.log().contains(&format!("uid={NOBODY}"))
            && station
                .log()
                .contains("refused a connection from another user")
    });
    // The owner is still served.
    assert!(station.run(["agent", "status"]).status.success());
    assert!(alive(pid));
}

fn alive(pid: i32) -> bool {
    !process_ended(pid)
}
