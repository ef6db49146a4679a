#![allow(clippy::unwrap_used)]
//! Installing Station on a remote that lacks it, through the real binary and a real sshd whose
//! sessions see a home and a PATH without `station` (sshd's `SetEnv`): the launcher's exit
//! 127 is reported with how to install; `station fleet install` checks the platform, uploads
//! over SFTP and the next connection runs the installed binary; another architecture is
//! refused before anything is uploaded.

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;

use support::ssh_world::{ALIAS, SshWorld};
use support::station::{STATION_BIN, describe};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_remote_without_station_gets_this_binary_and_uses_it() {
    let world = SshWorld::without_station(None);
    world.trust_server();
    world.write_default_config();
    let port = world.sshd.port();

    let output = world.station_default(&["status", "--on", ALIAS]);
    assert!(!output.status.success(), "{}", describe(&output));
    let message = text(&output.stderr);
    for expected in [
        format!("station is not installed on {ALIAS} (127.0.0.1:{port})"),
        "exit status 127".to_owned(),
        format!("`station fleet install {ALIAS}` installs it"),
    ] {
        assert!(message.contains(&expected), "{expected:?} in {message}");
    }
    assert!(
        !world.installed_binary().exists(),
        "nothing without consent"
    );

    // An older version already there is replaced, not kept beside.
    let bin_dir = world.installed_binary().parent().unwrap().to_owned();
    fs::create_dir_all(&bin_dir).unwrap();
    fs::write(bin_dir.join("station-0.0.1"), "an old station").unwrap();

    let output = world.station_default(&["fleet", "install", ALIAS]);
    assert!(output.status.success(), "{}", describe(&output));
    let remote_pid = world.remote.agent_pid().expect("the installed agent runs");
    assert_eq!(
        text(&output.stdout),
        format!(
            "station {} runs on {ALIAS} (agent pid {remote_pid})\n",
            env!("CARGO_PKG_VERSION")
        )
    );
    assert!(
        text(&output.stderr).contains("uploading station"),
        "{}",
        describe(&output)
    );
    let installed = fs::metadata(world.installed_binary()).unwrap();
    assert_eq!(installed.len(), fs::metadata(STATION_BIN).unwrap().len());
    assert_eq!(installed.permissions().mode() & 0o777, 0o755);
    let left: Vec<String> = fs::read_dir(&bin_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left,
        [format!("station-{}", env!("CARGO_PKG_VERSION"))],
        "no old version and no partial upload left"
    );
    let command_line = fs::read(format!("/proc/{remote_pid}/cmdline")).unwrap();
    assert!(
        text(&command_line).starts_with(&world.installed_binary().display().to_string()),
        "the agent runs from the installed binary: {}",
        text(&command_line)
    );

    // From now on every verb reaches it, and installing again uploads nothing.
    let output = world.station_default(&["status", "--on", ALIAS, "--json"]);
    assert!(output.status.success(), "{}", describe(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["agent"]["pid"], remote_pid);
    let output = world.station_default(&["fleet", "install", ALIAS]);
    assert!(output.status.success(), "{}", describe(&output));
    assert!(
        !text(&output.stderr).contains("uploading"),
        "{}",
        describe(&output)
    );
}

#[test]
fn a_remote_of_another_architecture_is_refused_before_any_upload() {
    let tools = tempfile::tempdir().unwrap();
    let uname = tools.path().join("uname");
    fs::write(&uname, "#!/bin/sh\necho aarch64\n").unwrap();
    fs::set_permissions(&uname, fs::Permissions::from_mode(0o755)).unwrap();
    let world = SshWorld::without_station(Some(tools.path()));
    world.trust_server();
    world.write_default_config();

    let output = world.station_default(&["fleet", "install", ALIAS]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let expected = format!(
        "cannot install station on {ALIAS} (127.0.0.1:{}): it is a aarch64 machine and this station is built for {}",
        world.sshd.port(),
        std::env::consts::ARCH
    );
    assert!(
        text(&output.stderr).contains(&expected),
        "{expected:?} in {}",
        describe(&output)
    );
    assert!(!world.installed_binary().parent().unwrap().exists());
}
