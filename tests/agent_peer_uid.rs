//! The agent serves only its owner: a client running as another uid is refused with a clear
//! message, and the refusal is logged. Needs root (to run the client as another user); CI runs
//! as root, and this test fails loudly rather than skip when it is not.

#![allow(clippy::unwrap_used)] // a test that cannot set up should panic

mod sandbox;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;

use sandbox::{Sandbox, describe};

/// The conventional unprivileged user.
const NOBODY: u32 = 65534;

#[test]
fn another_uid_is_refused_with_a_message_and_a_log_line() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test runs a client as uid {NOBODY} and so needs root; run the suite as root (CI does)"
    );
    let sandbox = Sandbox::new();
    let pid = sandbox.start_agent(&[]);

    // Open the way to the socket for everyone: the 0700 folder and the 0600 socket are the
    // first line of defence; this test is about the second (SO_PEERCRED).
    let open = |path: &std::path::Path, mode| {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap()
    };
    open(sandbox.root(), 0o755);
    open(&sandbox.root().join("run"), 0o755);
    open(&sandbox.runtime_dir(), 0o755);
    open(&sandbox.socket(), 0o666);

    let output = sandbox
        .command(&["agent", "status"])
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

    sandbox::wait_until("the refusal is logged", || {
        sandbox.log().contains(&format!("uid={NOBODY}"))
            && sandbox
                .log()
                .contains("refused a connection from another user")
    });
    // The owner is still served.
    assert!(sandbox.run(&["agent", "status"]).status.success());
    assert!(sandbox::alive(pid));
}
