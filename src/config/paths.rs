//! Where Station keeps things, following the XDG base directory specification.
//!
//! | what | where |
//! | --- | --- |
//! | config, fleet inventory, themes, keymaps | `$XDG_CONFIG_HOME/station/` (default `~/.config/station/`) |
//! | logs | `$XDG_STATE_HOME/station/` (default `~/.local/state/station/`) |
//! | agent socket and pidfile | `$XDG_RUNTIME_DIR/station/`, or `/tmp/station-<uid>/` without it |
//!
//! The runtime folder is created 0700 and refused when someone else owns it.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

const APP: &str = "station";

/// The resolved folders of one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub state_dir: PathBuf,
    pub runtime_dir: PathBuf,
}

impl Paths {
    /// Resolves the folders from the process environment (nothing is created).
    pub fn from_env() -> Paths {
        Paths::from_vars(
            |name| std::env::var_os(name),
            nix::unistd::geteuid().as_raw(),
        )
    }

    /// Resolves the folders from `var` (an environment lookup) for user `uid`.
    pub fn from_vars(var: impl Fn(&str) -> Option<OsString>, uid: u32) -> Paths {
        let absolute = |name: &str| var(name).map(PathBuf::from).filter(|p| p.is_absolute());
        let home = absolute("HOME").unwrap_or_else(|| PathBuf::from("/"));
        let base =
            |name: &str, fallback: &str| absolute(name).unwrap_or_else(|| home.join(fallback));
        Paths {
            config_dir: base("XDG_CONFIG_HOME", ".config").join(APP),
            state_dir: base("XDG_STATE_HOME", ".local/state").join(APP),
            runtime_dir: match absolute("XDG_RUNTIME_DIR") {
                Some(dir) => dir.join(APP),
                None => std::env::temp_dir().join(format!("{APP}-{uid}")),
            },
        }
    }

    /// The agent's Unix socket.
    pub fn socket(&self) -> PathBuf {
        self.runtime_dir.join("agent.sock")
    }

    /// The agent's pidfile, locked for as long as the agent runs.
    pub fn pidfile(&self) -> PathBuf {
        self.runtime_dir.join("agent.pid")
    }

    pub fn agent_log(&self) -> PathBuf {
        self.state_dir.join("agent.log")
    }

    /// The job store (SQLite).
    pub fn jobs_database(&self) -> PathBuf {
        self.state_dir.join("jobs.db")
    }

    /// The jobs' files: `<id>.status`, `<id>.stdout.log`, `<id>.stderr.log`.
    pub fn jobs_dir(&self) -> PathBuf {
        self.state_dir.join("jobs")
    }

    pub fn console_log(&self) -> PathBuf {
        self.state_dir.join("console.log")
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    /// The agent's own settings (`[power]`, `[setup]`), which the agent may rewrite.
    pub fn agent_settings_file(&self) -> PathBuf {
        self.config_dir.join("agent.toml")
    }

    /// The power event log (JSON lines).
    pub fn power_events(&self) -> PathBuf {
        self.state_dir.join("power-events.jsonl")
    }

    /// When the agent was last awake (unix ms), for reporting missed schedules.
    pub fn power_awake(&self) -> PathBuf {
        self.state_dir.join("power-awake")
    }

    /// Start plans learned from the fleet's instances, one file per instance.
    pub fn fleet_start_dir(&self) -> PathBuf {
        self.state_dir.join("fleet-start")
    }

    /// Setup scripts' markers and logs.
    pub fn setup_dir(&self) -> PathBuf {
        self.state_dir.join("setup")
    }

    /// The fleet inventory (`config::instances`).
    pub fn instances_file(&self) -> PathBuf {
        self.config_dir.join("instances.toml")
    }

    pub fn themes_dir(&self) -> PathBuf {
        self.config_dir.join("themes")
    }

    pub fn keymaps_dir(&self) -> PathBuf {
        self.config_dir.join("keymaps")
    }
}

/// Creates `dir` (and its parents) if needed and makes sure only its owner can enter it.
///
/// Fails when `dir` is a symlink, not a folder, or owned by another user: a socket in a
/// folder someone else controls could be swapped for theirs.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = dir.parent() {
                fs::create_dir_all(parent)?;
            }
            match fs::DirBuilder::new().mode(0o700).create(dir) {
                Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
                _ => {}
            }
        }
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    let meta = fs::symlink_metadata(dir)?;
    let uid = nix::unistd::geteuid().as_raw();
    if !meta.is_dir() {
        return Err(io::Error::other(format!(
            "{} is not a folder",
            dir.display()
        )));
    }
    if meta.uid() != uid {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "{} belongs to uid {}, not to you (uid {uid}); remove it or set XDG_RUNTIME_DIR",
                dir.display(),
                meta.uid()
            ),
        ));
    }
    if meta.mode() & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<OsString> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn xdg_variables_win() {
        let paths = Paths::from_vars(
            vars(&[
                ("HOME", "/home/ana"),
                ("XDG_CONFIG_HOME", "/cfg"),
                ("XDG_STATE_HOME", "/state"),
                ("XDG_RUNTIME_DIR", "/run/user/1000"),
            ]),
            1000,
        );
        assert_eq!(
            paths.config_file(),
            PathBuf::from("/cfg/station/config.toml")
        );
        assert_eq!(
            paths.instances_file(),
            PathBuf::from("/cfg/station/instances.toml")
        );
        assert_eq!(paths.agent_log(), PathBuf::from("/state/station/agent.log"));
        assert_eq!(
            paths.socket(),
            PathBuf::from("/run/user/1000/station/agent.sock")
        );
    }

    #[test]
    fn defaults_follow_home_and_relative_values_are_ignored() {
        let paths = Paths::from_vars(
            vars(&[("HOME", "/home/ana"), ("XDG_CONFIG_HOME", "rel")]),
            7,
        );
        assert_eq!(paths.config_dir, PathBuf::from("/home/ana/.config/station"));
        assert_eq!(
            paths.state_dir,
            PathBuf::from("/home/ana/.local/state/station")
        );
        assert_eq!(paths.runtime_dir, std::env::temp_dir().join("station-7"));
    }

    #[test]
    fn private_dir_is_created_0700_and_tightened() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        ensure_private_dir(&dir).unwrap();
        assert_eq!(fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        ensure_private_dir(&dir).unwrap();
        assert_eq!(fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
    }

    #[test]
    fn private_dir_refuses_symlinks() {
        let tmp = tempfile::tempdir().unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(tmp.path(), &link).unwrap();
        assert!(ensure_private_dir(&link).is_err());
    }
}
