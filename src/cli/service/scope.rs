//! Whose agent, which manager, which file: a user unit for the caller, or (as root) a system
//! unit for another user.
//!
//! - Not root: a user unit in `$XDG_CONFIG_HOME/systemd/user` (default `~/.config/...`),
//!   managed by `systemctl --user`. `XDG_CONFIG_HOME` and `XDG_STATE_HOME`, when set, go into
//!   the unit, so the agent reads and writes the same files as the user's shell (the systemd
//!   user manager does not see a shell's variables). `--user` is refused: a system unit
//!   needs root.
//! - Root: a system unit `/etc/systemd/system/station-agent-USER.service` running the agent
//!   as USER (`--user NAME`, else `$SUDO_USER`). Root itself is refused: the agent runs
//!   jobs with its own rights.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use nix::unistd::{User, geteuid};

use super::unit::{USER_UNIT_NAME, is_plain_user_name, system_unit_name};
use crate::config::Paths;

/// Bad usage, reported with exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Which systemd instance manages the unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    /// The user's own manager (`systemctl --user`).
    User,
    /// The system manager (`systemctl`).
    System,
}

/// What kind of unit, with what only that kind needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitKind {
    User { environment: Vec<(String, String)> },
    System { uid: u32 },
}

/// Everything install and uninstall need to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub manager: Manager,
    pub kind: UnitKind,
    /// The user whose agent the unit runs.
    pub user: String,
    pub unit_dir: PathBuf,
    pub unit_name: String,
    /// That user's agent pidfile (to stop an agent running outside systemd).
    pub pidfile: PathBuf,
}

impl Target {
    /// The unit file.
    pub fn unit_path(&self) -> PathBuf {
        self.unit_dir.join(&self.unit_name)
    }
}

/// Resolves the target from the options and this process's user and environment.
pub fn resolve(user: Option<&str>, unit_dir: Option<&Path>) -> Result<Target, UsageError> {
    if geteuid().is_root() {
        system_target(user, unit_dir, std::env::var("SUDO_USER").ok())
    } else {
        if let Some(name) = user {
            return Err(UsageError(format!(
                "--user {name} installs a system unit and needs root \
                 (sudo station agent install-service --user {name}); \
                 without --user, a user unit is installed for you"
            )));
        }
        user_target(unit_dir, |name| std::env::var_os(name))
    }
}

fn user_target(
    unit_dir: Option<&Path>,
    var: impl Fn(&str) -> Option<OsString>,
) -> Result<Target, UsageError> {
    let absolute = |name: &str| var(name).map(PathBuf::from).filter(|p| p.is_absolute());
    let unit_dir = match unit_dir {
        Some(dir) => dir.to_owned(),
        None => {
            let config_home = absolute("XDG_CONFIG_HOME")
                .or_else(|| absolute("HOME").map(|home| home.join(".config")))
                .ok_or_else(|| {
                    UsageError("neither XDG_CONFIG_HOME nor HOME is set: use --unit-dir".into())
                })?;
            config_home.join("systemd/user")
        }
    };
    let environment = ["XDG_CONFIG_HOME", "XDG_STATE_HOME"]
        .into_iter()
        .filter_map(|name| Some((name.to_owned(), absolute(name)?.to_str()?.to_owned())))
        .collect();
    let uid = geteuid();
    let user = User::from_uid(uid)
        .ok()
        .flatten()
        .map(|user| user.name)
        .or_else(|| var("USER")?.into_string().ok())
        .unwrap_or_else(|| uid.to_string());
    Ok(Target {
        manager: Manager::User,
        kind: UnitKind::User { environment },
        user,
        unit_dir,
        unit_name: USER_UNIT_NAME.to_owned(),
        pidfile: Paths::from_vars(var, uid.as_raw()).pidfile(),
    })
}

fn system_target(
    user: Option<&str>,
    unit_dir: Option<&Path>,
    sudo_user: Option<String>,
) -> Result<Target, UsageError> {
    let name = match user.map(str::to_owned).or(sudo_user) {
        Some(name) => name,
        None => {
            return Err(UsageError(
                "as root, say whose agent the service runs: --user NAME (SUDO_USER is not set)"
                    .into(),
            ));
        }
    };
    let refuse_root = || {
        UsageError(format!(
            "refusing to run the agent as root ({name}): it would run every job with root's \
             rights; name the user who uses Station: --user NAME"
        ))
    };
    if name == "root" {
        return Err(refuse_root());
    }
    if !is_plain_user_name(&name) {
        return Err(UsageError(format!(
            "{name:?} is not a user name a unit can carry (letters, digits, '.', '_', '-')"
        )));
    }
    let account = User::from_name(&name)
        .map_err(|error| UsageError(format!("cannot look up user {name}: {error}")))?
        .ok_or_else(|| UsageError(format!("there is no user {name} on this machine")))?;
    if account.uid.is_root() {
        return Err(refuse_root());
    }
    let uid = account.uid.as_raw();
    Ok(Target {
        manager: Manager::System,
        kind: UnitKind::System { uid },
        unit_dir: unit_dir.map_or_else(|| PathBuf::from("/etc/systemd/system"), Path::to_owned),
        unit_name: system_unit_name(&name),
        user: name,
        pidfile: PathBuf::from(format!("/run/user/{uid}/station/agent.pid")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<OsString> {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| OsString::from(value))
        }
    }

    #[test]
    fn a_user_unit_goes_to_the_config_home_and_carries_the_xdg_folders() {
        let target = user_target(
            None,
            vars(&[
                ("HOME", "/home/ana"),
                ("XDG_CONFIG_HOME", "/cfg"),
                ("XDG_STATE_HOME", "relative/is/ignored"),
                ("XDG_RUNTIME_DIR", "/run/user/1000"),
            ]),
        )
        .unwrap();
        assert_eq!(
            target.unit_path(),
            PathBuf::from("/cfg/systemd/user/station-agent.service")
        );
        assert_eq!(
            target.kind,
            UnitKind::User {
                environment: vec![("XDG_CONFIG_HOME".into(), "/cfg".into())]
            }
        );
        assert_eq!(
            target.pidfile,
            PathBuf::from("/run/user/1000/station/agent.pid")
        );
        let plain = user_target(None, vars(&[("HOME", "/home/ana")])).unwrap();
        assert_eq!(
            plain.unit_dir,
            PathBuf::from("/home/ana/.config/systemd/user")
        );
        assert!(user_target(None, vars(&[])).is_err());
    }

    #[test]
    fn a_system_unit_is_for_a_real_user_other_than_root() {
        let nobody = system_target(Some("nobody"), None, None).unwrap();
        assert_eq!(nobody.manager, Manager::System);
        assert_eq!(
            nobody.unit_path(),
            PathBuf::from("/etc/systemd/system/station-agent-nobody.service")
        );
        let from_sudo = system_target(None, None, Some("nobody".into())).unwrap();
        assert_eq!(from_sudo.user, "nobody");
        let refused = |user: Option<&str>, sudo: Option<&str>| {
            system_target(user, None, sudo.map(str::to_owned))
                .unwrap_err()
                .to_string()
        };
        assert!(refused(Some("root"), None).contains("refusing to run the agent as root"));
        assert!(refused(None, Some("root")).contains("refusing"));
        assert!(refused(None, None).contains("--user NAME"));
        assert!(refused(Some("no-such-user-here"), None).contains("no user no-such-user-here"));
        assert!(refused(Some("a b"), None).contains("not a user name"));
    }
}
