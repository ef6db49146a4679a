#![allow(clippy::unwrap_used)]
//! `station agent install-service` / `uninstall-service` through the real binary, in
//! isolated folders, with `systemctl` and `loginctl` replaced by small scripts on `PATH`
//! that record how they were called and succeed or fail as each test needs: the real ones
//! are never run, so a test can neither enable anything on a machine that runs systemd nor
//! depend on one. The user unit is exercised as an unprivileged user (`nobody` when the
//! suite runs as root, as CI does); the system unit as root.

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use nix::unistd::{Gid, Uid, User, chown, geteuid};
use support::station::{STATION_BIN, StationEnv, describe};
use support::wait::{process_ended, wait_for};

/// The conventional unprivileged user.
const NOBODY: u32 = 65534;

const BUS_ERROR: &str = "Failed to connect to bus: No medium found";

/// A Station environment whose commands run as an ordinary user, with a `bin/` of fake
/// systemd tools as the whole `PATH`.
struct ServiceEnv {
    station: StationEnv,
    /// The uid the commands run as: ours, or `nobody` when we are root.
    uid: u32,
}

impl ServiceEnv {
    fn new() -> ServiceEnv {
        let station = StationEnv::new();
        let uid = if geteuid().is_root() {
            NOBODY
        } else {
            geteuid().as_raw()
        };
        fs::create_dir(station.root().join("bin")).unwrap();
        let env = ServiceEnv { station, uid };
        env.give_to_user(env.station.root());
        env
    }

    fn root(&self) -> &Path {
        self.station.root()
    }

    /// The user's name, as the unit and `loginctl` see it.
    fn user_name(&self) -> String {
        User::from_uid(Uid::from_raw(self.uid))
            .unwrap()
            .unwrap()
            .name
    }

    /// Hands `path` (recursively) to the user the commands run as.
    fn give_to_user(&self, path: &Path) {
        if geteuid().as_raw() == self.uid {
            return;
        }
        chown(
            path,
            Some(Uid::from_raw(self.uid)),
            Some(Gid::from_raw(self.uid)),
        )
        .unwrap();
        if path.is_dir() && !path.is_symlink() {
            for entry in fs::read_dir(path).unwrap() {
                self.give_to_user(&entry.unwrap().path());
            }
        }
    }

    /// A fake `PROGRAM` that appends `PROGRAM ARGS` to `calls` and exits with `code`,
    /// printing `stderr` when it fails.
    fn fake(&self, program: &str, code: i32, stderr: &str) {
        let path = self.root().join("bin").join(program);
        let calls = self.root().join("calls");
        fs::write(
            &path,
            format!(
                "#!/bin/sh\necho \"{program} $*\" >> '{}'\n[ {code} = 0 ] || echo '{stderr}' >&2\nexit {code}\n",
                calls.display()
            ),
        )
        .unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// The fake tools' calls so far, one per line.
    fn calls(&self) -> Vec<String> {
        fs::read_to_string(self.root().join("calls"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// `station ARGS` as the user, with only the fakes on `PATH`.
    fn run(&self, args: &[&str]) -> Output {
        let mut command = self.station.command(args);
        command.env("PATH", self.root().join("bin"));
        if geteuid().as_raw() != self.uid {
            command.uid(self.uid).gid(self.uid);
        }
        command.output().unwrap()
    }

    /// `station ARGS` as root (no `SUDO_USER`), with only the fakes on `PATH`.
    fn run_as_root(&self, args: &[&str]) -> Output {
        let mut command = self.station.command(args);
        command.env("PATH", self.root().join("bin"));
        command.output().unwrap()
    }

    fn unit_dir(&self) -> PathBuf {
        self.root().join("units")
    }

    fn unit(&self) -> PathBuf {
        self.unit_dir().join("station-agent.service")
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[track_caller]
fn assert_says(output: &Output, code: i32, out: &[&str], err: &[&str]) {
    assert_eq!(output.status.code(), Some(code), "{}", describe(output));
    for text in out {
        assert!(
            stdout(output).contains(text),
            "stdout should say {text:?}: {}",
            describe(output)
        );
    }
    for text in err {
        assert!(
            stderr(output).contains(text),
            "stderr should say {text:?}: {}",
            describe(output)
        );
    }
}

/// The user unit `install-service` writes for this environment.
fn expected_user_unit(env: &ServiceEnv) -> String {
    let exe = fs::canonicalize(STATION_BIN).unwrap();
    format!(
        "# Written by `station agent install-service`, which replaces this file when run again;\n\
         # `station agent uninstall-service` removes it.\n\
         [Unit]\n\
         Description=Station agent (telemetry, jobs and setup scripts for the Station console)\n\
         \n\
         [Service]\n\
         Type=simple\n\
         Environment=\"XDG_CONFIG_HOME={root}/config\"\n\
         Environment=\"XDG_STATE_HOME={root}/state\"\n\
         ExecStart={exe} agent --foreground\n\
         Restart=on-failure\n\
         RestartSec=2\n\
         # Exit code 2 is a broken configuration file: fix it, then restart the service.\n\
         RestartPreventExitStatus=2\n\
         # Stop the agent alone: jobs run in sessions of their own and outlive it.\n\
         KillMode=process\n\
         \n\
         [Install]\n\
         WantedBy=default.target\n",
        root = env.root().display(),
        exe = exe.display(),
    )
}

#[test]
fn install_with_no_enable_writes_the_user_unit_and_prints_the_commands() {
    let env = ServiceEnv::new();
    env.fake("systemctl", 0, "");
    let unit_dir = env.unit_dir();
    let output = env.run(&[
        "agent",
        "install-service",
        "--unit-dir",
        unit_dir.to_str().unwrap(),
        "--no-enable",
    ]);
    let written = fs::read_to_string(env.unit()).unwrap();
    assert_eq!(written, expected_user_unit(&env));
    assert_says(
        &output,
        0,
        &[
            &format!("wrote {}:", env.unit().display()),
            "    ExecStart=",
            "not run (--no-enable)",
            "    systemctl --user daemon-reload\n    systemctl --user enable --now station-agent.service",
            &format!("loginctl enable-linger {}", env.user_name()),
        ],
        &[],
    );
    assert_eq!(env.calls(), Vec::<String>::new(), "nothing run");
    let mode = fs::metadata(env.unit()).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o644);
}

#[test]
fn the_user_unit_goes_to_the_config_home_by_default() {
    let env = ServiceEnv::new();
    let output = env.run(&["agent", "install-service", "--no-enable"]);
    assert_says(&output, 0, &["wrote "], &[]);
    let unit = env.root().join("config/systemd/user/station-agent.service");
    assert_eq!(fs::read_to_string(unit).unwrap(), expected_user_unit(&env));
}

#[test]
fn without_a_systemd_manager_the_unit_is_written_and_the_error_names_the_command() {
    let env = ServiceEnv::new();
    env.fake("systemctl", 1, BUS_ERROR);
    let unit_dir = env.unit_dir();
    let output = env.run(&[
        "agent",
        "install-service",
        "--unit-dir",
        unit_dir.to_str().unwrap(),
    ]);
    assert_says(
        &output,
        1,
        &["wrote "],
        &[
            &format!("`systemctl --user daemon-reload` failed (exit status: 1): {BUS_ERROR}"),
            "the unit is written, but systemd has not taken it up",
            "Is a systemd user manager running for you?",
            "    systemctl --user enable --now station-agent.service",
        ],
    );
    assert!(env.unit().exists());
    assert_eq!(env.calls(), ["systemctl --user daemon-reload"]);
}

/// The real `systemctl` of this machine, where no systemd manager runs for the test's user
/// (CI and containers): the same outcome as the fake above, with the tool's own words.
#[test]
fn the_real_systemctl_without_a_manager_fails_clearly_and_the_unit_is_kept() {
    let env = ServiceEnv::new();
    let unit_dir = env.unit_dir();
    let mut command = env.station.command([
        "agent",
        "install-service",
        "--unit-dir",
        unit_dir.to_str().unwrap(),
    ]);
    command.env("PATH", "/usr/local/bin:/usr/bin:/bin");
    if geteuid().as_raw() != env.uid {
        command.uid(env.uid).gid(env.uid);
    }
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let said = stderr(&output);
    if Path::new("/usr/bin/systemctl").exists() || Path::new("/bin/systemctl").exists() {
        assert!(
            said.contains("`systemctl --user daemon-reload` failed"),
            "{said}"
        );
    } else {
        assert!(said.contains("systemctl was not found"), "{said}");
    }
    assert!(env.unit().exists(), "the unit is written either way");
}

#[test]
fn without_systemctl_the_unit_is_written_and_the_error_says_so() {
    let env = ServiceEnv::new();
    let unit_dir = env.unit_dir();
    let output = env.run(&[
        "agent",
        "install-service",
        "--unit-dir",
        unit_dir.to_str().unwrap(),
    ]);
    assert_says(
        &output,
        1,
        &[],
        &["cannot run `systemctl --user daemon-reload`: systemctl was not found"],
    );
    assert!(env.unit().exists());
}

#[test]
fn with_systemd_the_unit_is_enabled_and_started() {
    let env = ServiceEnv::new();
    env.fake("systemctl", 0, "");
    env.fake("loginctl", 0, "");
    let unit_dir = env.unit_dir();
    let output = env.run(&[
        "agent",
        "install-service",
        "--unit-dir",
        unit_dir.to_str().unwrap(),
        "--linger",
    ]);
    let user = env.user_name();
    assert_says(
        &output,
        0,
        &[
            &format!("ran: loginctl enable-linger {user}"),
            "ran: systemctl --user restart station-agent.service",
            "station-agent.service is enabled and running.",
            &format!("lingering is on for {user}"),
        ],
        &[],
    );
    assert_eq!(
        env.calls(),
        [
            format!("loginctl enable-linger {user}"),
            "systemctl --user daemon-reload".into(),
            "systemctl --user enable station-agent.service".into(),
            "systemctl --user restart station-agent.service".into(),
        ]
    );
    let again = env.run(&[
        "agent",
        "install-service",
        "--unit-dir",
        unit_dir.to_str().unwrap(),
    ]);
    assert_says(&again, 0, &["(replacing the unit that was there)"], &[]);
}

#[test]
fn an_agent_running_outside_systemd_is_stopped_so_the_service_can_run_it() {
    let env = ServiceEnv::new();
    env.fake("systemctl", 0, "");
    let mut start = env.station.command(["agent", "--sample-interval", "250"]);
    if geteuid().as_raw() != env.uid {
        start.uid(env.uid).gid(env.uid);
    }
    let started = start.output().unwrap();
    assert!(started.status.success(), "{}", describe(&started));
    let pid = env.station.agent_pid().unwrap();
    let unit_dir = env.unit_dir();
    let output = env.run(&[
        "agent",
        "install-service",
        "--unit-dir",
        unit_dir.to_str().unwrap(),
    ]);
    assert_says(
        &output,
        0,
        &[&format!(
            "stopped the agent that ran outside systemd (pid {pid})"
        )],
        &[],
    );
    wait_for("the agent to exit", || process_ended(pid));
}

#[test]
fn uninstall_disables_and_removes_the_unit_and_its_links() {
    let env = ServiceEnv::new();
    let unit_dir = env.unit_dir();
    let dir = unit_dir.to_str().unwrap();
    assert_says(
        &env.run(&["agent", "install-service", "--unit-dir", dir, "--no-enable"]),
        0,
        &[],
        &[],
    );
    let wants = unit_dir.join("default.target.wants");
    fs::create_dir(&wants).unwrap();
    let link = wants.join("station-agent.service");
    std::os::unix::fs::symlink(env.unit(), &link).unwrap();
    env.give_to_user(&unit_dir);
    env.fake("systemctl", 0, "");
    let output = env.run(&["agent", "uninstall-service", "--unit-dir", dir]);
    assert_says(
        &output,
        0,
        &[
            "ran: systemctl --user disable --now station-agent.service",
            &format!("removed {}", env.unit().display()),
            &format!("removed {}", link.display()),
            "ran: systemctl --user daemon-reload",
        ],
        &[],
    );
    assert!(!env.unit().exists());
    assert!(fs::symlink_metadata(&link).is_err());
    assert_eq!(
        env.calls(),
        [
            "systemctl --user disable --now station-agent.service",
            "systemctl --user daemon-reload"
        ]
    );
    let nothing = env.run(&["agent", "uninstall-service", "--unit-dir", dir]);
    assert_says(
        &nothing,
        1,
        &[],
        &["there is no unit at", "nothing to remove"],
    );
}

#[test]
fn uninstall_with_no_disable_only_removes_the_file() {
    let env = ServiceEnv::new();
    let dir = env.unit_dir();
    let dir = dir.to_str().unwrap();
    env.run(&["agent", "install-service", "--unit-dir", dir, "--no-enable"]);
    let output = env.run(&[
        "agent",
        "uninstall-service",
        "--unit-dir",
        dir,
        "--no-disable",
    ]);
    assert_says(
        &output,
        0,
        &[
            "removed ",
            "not run (--no-disable)",
            "    systemctl --user stop station-agent.service\n    systemctl --user daemon-reload",
        ],
        &[],
    );
    assert!(!env.unit().exists());
    assert_eq!(env.calls(), Vec::<String>::new());
}

#[test]
fn uninstall_without_a_systemd_manager_removes_the_unit_and_fails_clearly() {
    let env = ServiceEnv::new();
    let dir = env.unit_dir();
    let dir = dir.to_str().unwrap();
    env.run(&["agent", "install-service", "--unit-dir", dir, "--no-enable"]);
    env.fake("systemctl", 1, BUS_ERROR);
    let output = env.run(&["agent", "uninstall-service", "--unit-dir", dir]);
    assert_says(
        &output,
        1,
        &["removed "],
        &[
            "`systemctl --user disable --now station-agent.service` failed",
            BUS_ERROR,
            "the unit is removed, but systemd was not told",
        ],
    );
    assert!(!env.unit().exists());
}

#[test]
fn system_units_are_for_root_and_never_run_the_agent_as_root() {
    let env = ServiceEnv::new();
    let dir = env.unit_dir();
    let dir = dir.to_str().unwrap();
    if !geteuid().is_root() {
        let output = env.run(&["agent", "install-service", "--user", "nobody"]);
        assert_says(
            &output,
            2,
            &[],
            &["--user nobody installs a system unit and needs root"],
        );
        return;
    }
    let output = env.run_as_root(&[
        "agent",
        "install-service",
        "--user",
        "nobody",
        "--unit-dir",
        dir,
        "--no-enable",
    ]);
    assert_says(
        &output,
        0,
        &["    loginctl enable-linger nobody\n    systemctl daemon-reload"],
        &[],
    );
    let unit = fs::read_to_string(env.unit_dir().join("station-agent-nobody.service")).unwrap();
    for line in [
        "User=nobody",
        "Environment=\"XDG_RUNTIME_DIR=/run/user/65534\"",
        "Wants=user-runtime-dir@65534.service",
        "WantedBy=multi-user.target",
    ] {
        assert!(unit.lines().any(|l| l == line), "{line:?} in\n{unit}");
    }
    let refused = env.run_as_root(&[
        "agent",
        "install-service",
        "--user",
        "root",
        "--unit-dir",
        dir,
    ]);
    assert_says(&refused, 2, &[], &["refusing to run the agent as root"]);
    let unnamed = env.run_as_root(&["agent", "install-service", "--unit-dir", dir]);
    assert_says(&unnamed, 2, &[], &["--user NAME (SUDO_USER is not set)"]);
    let removed = env.run_as_root(&[
        "agent",
        "uninstall-service",
        "--user",
        "nobody",
        "--unit-dir",
        dir,
        "--no-disable",
    ]);
    assert_says(
        &removed,
        0,
        &["    systemctl stop station-agent-nobody.service"],
        &[],
    );
}
