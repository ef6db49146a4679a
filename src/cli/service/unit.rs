//! The systemd units, as text: a user unit (`~/.config/systemd/user/station-agent.service`)
//! and a system unit for one user (`/etc/systemd/system/station-agent-USER.service`). Pure
//! functions, so the text is tested as it is written; `assets/station-agent.service` is the
//! user unit with `%h/.cargo/bin/station` as the program, and a test keeps it so.
//!
//! Both units:
//! - run `station agent --foreground` (the agent stays in the foreground for its manager);
//! - restart it when it fails, except on exit code 2 (a broken configuration file: restarting
//!   cannot help, and the journal shows why);
//! - `KillMode=process`: stopping or restarting the service stops the agent alone, as
//!   `station agent stop` does. Jobs (and setup scripts) run in sessions of their own and
//!   outlive the agent by design; the default `control-group` would kill them all.
//!
//! The system unit also sets `XDG_RUNTIME_DIR=/run/user/UID`, so the agent puts its socket
//! where the user's sessions look for it, and wants `user-runtime-dir@UID.service`, which
//! creates that folder at boot. Without lingering, logind removes the folder at the user's
//! last logout (with the socket in it), so installing a system unit turns lingering on.

use std::path::Path;

/// The user unit's file name.
pub const USER_UNIT_NAME: &str = "station-agent.service";

/// The first lines of every unit `install-service` writes.
pub const WRITTEN_BY: &str = "\
# Written by `station agent install-service`, which replaces this file when run again;
# `station agent uninstall-service` removes it.
";

/// The system unit's file name for `user`.
pub fn system_unit_name(user: &str) -> String {
    format!("station-agent-{user}.service")
}

/// The user unit: `exec` is the program as [`exec_word`] writes it; `environment` holds
/// variables the agent needs to find the same files as the user's shell.
pub fn user_unit(exec: &str, environment: &[(String, String)]) -> String {
    let mut text = String::from(
        "[Unit]\n\
         Description=Station agent (telemetry, jobs and setup scripts for the Station console)\n\
         \n\
         [Service]\n\
         Type=simple\n",
    );
    for (name, value) in environment {
        text.push_str(&environment_line(name, value));
    }
    text.push_str(&service_tail(exec));
    text.push_str("\n[Install]\nWantedBy=default.target\n");
    text
}

/// The system unit running the agent as `user` (uid `uid`).
pub fn system_unit(exec: &str, user: &str, uid: u32) -> String {
    format!(
        "[Unit]\n\
         Description=Station agent of {user}\n\
         # The agent's socket goes in {user}'s runtime folder, where their sessions look for it.\n\
         # user-runtime-dir@{uid} creates the folder; lingering (loginctl enable-linger {user})\n\
         # keeps it from boot to shutdown instead of removing it at {user}'s last logout.\n\
         Wants=user-runtime-dir@{uid}.service\n\
         After=user-runtime-dir@{uid}.service\n\
         \n\
         [Service]\n\
         Type=simple\n\
         User={user}\n\
         {runtime}\
         {tail}\
         \n\
         [Install]\n\
         WantedBy=multi-user.target\n",
        runtime = environment_line("XDG_RUNTIME_DIR", &format!("/run/user/{uid}")),
        tail = service_tail(exec),
    )
}

/// The part of `[Service]` both units share.
fn service_tail(exec: &str) -> String {
    format!(
        "ExecStart={exec} agent --foreground\n\
         Restart=on-failure\n\
         RestartSec=2\n\
         # Exit code 2 is a broken configuration file: fix it, then restart the service.\n\
         RestartPreventExitStatus=2\n\
         # Stop the agent alone: jobs run in sessions of their own and outlive it.\n\
         KillMode=process\n"
    )
}

/// `Environment="NAME=value"`, escaped for systemd (`%` specifiers, quotes, backslashes).
pub fn environment_line(name: &str, value: &str) -> String {
    format!("Environment=\"{name}={}\"\n", escape_in_quotes(value))
}

/// `path` as the program of an `ExecStart=` line: `%` and `$` doubled (systemd expands
/// both), quoted when it holds spaces, quotes or backslashes. Refuses what cannot be
/// written on one line of a unit.
pub fn exec_word(path: &Path) -> Result<String, String> {
    let Some(text) = path.to_str() else {
        return Err(format!(
            "{} is not valid UTF-8, which a unit file cannot hold",
            path.display()
        ));
    };
    if text.contains(['\n', '\r']) {
        return Err(format!("{text:?} contains a line break"));
    }
    let doubled = text.replace('%', "%%").replace('$', "$$");
    if text.contains(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '\\' | ';')) {
        Ok(format!(
            "\"{}\"",
            doubled.replace('\\', "\\\\").replace('"', "\\\"")
        ))
    } else {
        Ok(doubled)
    }
}

/// Backslashes and double quotes escaped, `%` doubled (for text inside double quotes).
fn escape_in_quotes(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('%', "%%")
}

/// Whether `name` is safe in a unit name and a `User=` line: letters, digits, `.`, `_`,
/// `-`, not starting with `-`.
pub fn is_plain_user_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// The comment above the unit in `assets/station-agent.service`.
    const ASSET_HEADER: &str = "\
# A systemd user unit for the Station agent. `station agent install-service` writes this unit
# with the path of the station you run and enables it; to do it by hand instead:
#   mkdir -p ~/.config/systemd/user && cp assets/station-agent.service ~/.config/systemd/user/
#   systemctl --user daemon-reload && systemctl --user enable --now station-agent
# Adjust ExecStart if station is not in ~/.cargo/bin.

";

    #[test]
    fn the_bundled_unit_is_the_generated_one() {
        let expected = format!("{ASSET_HEADER}{}", user_unit("%h/.cargo/bin/station", &[]));
        let bundled = include_str!("../../../assets/station-agent.service");
        assert_eq!(bundled, expected, "regenerate assets/station-agent.service");
    }

    #[test]
    fn the_user_unit_carries_the_environment() {
        let environment = [(
            "XDG_CONFIG_HOME".to_owned(),
            "/home/ana/cfg 100%".to_owned(),
        )];
        assert_eq!(
            user_unit("/usr/local/bin/station", &environment),
            "[Unit]\n\
             Description=Station agent (telemetry, jobs and setup scripts for the Station console)\n\
             \n\
             [Service]\n\
             Type=simple\n\
             Environment=\"XDG_CONFIG_HOME=/home/ana/cfg 100%%\"\n\
             ExecStart=/usr/local/bin/station agent --foreground\n\
             Restart=on-failure\n\
             RestartSec=2\n\
             # Exit code 2 is a broken configuration file: fix it, then restart the service.\n\
             RestartPreventExitStatus=2\n\
             # Stop the agent alone: jobs run in sessions of their own and outlive it.\n\
             KillMode=process\n\
             \n\
             [Install]\n\
             WantedBy=default.target\n"
        );
    }

    #[test]
    fn the_system_unit_runs_as_the_user_with_their_runtime_folder() {
        let text = system_unit("/usr/bin/station", "ana", 1000);
        let lines: Vec<&str> = text.lines().collect();
        for expected in [
            "Description=Station agent of ana",
            "Wants=user-runtime-dir@1000.service",
            "After=user-runtime-dir@1000.service",
            "User=ana",
            "Environment=\"XDG_RUNTIME_DIR=/run/user/1000\"",
            "ExecStart=/usr/bin/station agent --foreground",
            "KillMode=process",
            "WantedBy=multi-user.target",
        ] {
            assert!(lines.contains(&expected), "{expected:?} in\n{text}");
        }
        assert_eq!(system_unit_name("ana"), "station-agent-ana.service");
    }

    #[test]
    fn programs_are_escaped_for_exec_start() {
        let word = |path: &str| exec_word(&PathBuf::from(path));
        assert_eq!(word("/usr/bin/station").unwrap(), "/usr/bin/station");
        assert_eq!(word("/opt/100%/st$x").unwrap(), "/opt/100%%/st$$x");
        assert_eq!(
            word("/home/ana/my tools/station").unwrap(),
            "\"/home/ana/my tools/station\""
        );
        assert_eq!(word("/a\"b\\c").unwrap(), "\"/a\\\"b\\\\c\"");
        assert!(word("/a\nb").is_err());
    }

    #[test]
    fn user_names_that_fit_a_unit_name() {
        assert!(is_plain_user_name("ana.b-c_1"));
        assert!(!is_plain_user_name("-x"));
        assert!(!is_plain_user_name("a b"));
        assert!(!is_plain_user_name(""));
    }
}
