//! Starting a script: which file, how (directly or with `/bin/sh`), and the process it gets.
//!
//! An executable file runs directly (its `#!` line picks the interpreter; a file without
//! one runs with `/bin/sh`, as shells do); any other file runs as `/bin/sh FILE`. The
//! process gets a session and process group of its own (`setsid`), stdin from `/dev/null`,
//! stdout and stderr on the log, the agent's environment plus `STATION_SETUP=creation` or
//! `startup` and `HOME` (the home `~/` means in `[setup]`), and that home as its working
//! folder.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use nix::errno::Errno;
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
use nix::unistd::AccessFlags;
use tokio::process::{Child, Command};

use crate::agent::DETACHED_ENV;
use crate::config::setup::script_path;
use crate::proto::setup::ScriptKind;

/// The variable that tells a script which one it is (`creation` or `startup`).
pub const SETUP_ENV: &str = "STATION_SETUP";

/// The shell for scripts that are not executable.
const SHELL: &str = "/bin/sh";

/// A script found on disk, ready to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    pub kind: ScriptKind,
    /// As configured (`~/x.sh`), for messages.
    pub shown: String,
    pub path: PathBuf,
    /// Executable: run directly rather than with `/bin/sh`.
    pub executable: bool,
}

impl Script {
    /// Finds `configured` (with `~/` against `home`); the error is the message for the user,
    /// e.g. "creation script ~/x.sh: No such file".
    pub fn find(kind: ScriptKind, configured: &str, home: &Path) -> Result<Script, String> {
        let path = script_path(configured, home);
        let label = format!("{} script {configured}", kind.name());
        match fs::metadata(&path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(format!("{label}: No such file")),
            Err(e) => Err(format!("{label}: {e}")),
            Ok(meta) if meta.is_dir() => Err(format!("{label}: is a folder, not a script")),
            Ok(_) => Ok(Script {
                kind,
                shown: configured.to_owned(),
                executable: nix::unistd::access(&path, AccessFlags::X_OK).is_ok(),
                path,
            }),
        }
    }

    /// How it is run, for the log: `/home/ana/x.sh` or `/bin/sh /home/ana/x.sh`.
    pub fn command_line(&self) -> String {
        if self.executable {
            self.path.display().to_string()
        } else {
            format!("{SHELL} {}", self.path.display())
        }
    }

    /// Starts the script with its output on `log`, in `home` (or `/` when that is no
    /// folder). The error is the message for the user.
    pub fn spawn(&mut self, home: &Path, log: &File) -> Result<Child, String> {
        let cwd = if home.is_dir() { home } else { Path::new("/") };
        match self
            .command(home, cwd, log)
            .and_then(|mut command| command.spawn())
        {
            // An executable without a `#!` line: what a shell would do.
            Err(e) if self.executable && e.raw_os_error() == Some(Errno::ENOEXEC as i32) => {
                self.executable = false;
                self.command(home, cwd, log)
                    .and_then(|mut command| command.spawn())
                    .map_err(|e| self.cannot_run(&e))
            }
            other => other.map_err(|e| self.cannot_run(&e)),
        }
    }

    fn command(&self, home: &Path, cwd: &Path, log: &File) -> io::Result<Command> {
        let mut command = if self.executable {
            Command::new(&self.path)
        } else {
            let mut command = Command::new(SHELL);
            command.arg(&self.path);
            command
        };
        command
            .current_dir(cwd)
            .env("HOME", home)
            .env(SETUP_ENV, self.kind.name())
            .env_remove(DETACHED_ENV)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log.try_clone()?)
            .kill_on_drop(false);
        // SAFETY: runs in the forked child before exec; setsid and sigaction are
        // async-signal-safe and nothing here allocates.
        unsafe {
            command.pre_exec(|| {
                nix::unistd::setsid()?;
                // Start with default dispositions, as from a login shell, whatever the agent
                // ignores.
                let default = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
                for signal in [
                    Signal::SIGHUP,
                    Signal::SIGINT,
                    Signal::SIGPIPE,
                    Signal::SIGTERM,
                ] {
                    sigaction(signal, &default)?;
                }
                Ok(())
            });
        }
        Ok(command)
    }

    fn cannot_run(&self, error: &io::Error) -> String {
        let label = format!("{} script {}", self.kind.name(), self.shown);
        if error.kind() == io::ErrorKind::NotFound
            && let Some(interpreter) = self.interpreter()
        {
            return format!(
                "{label}: cannot run it: its interpreter {interpreter} (the #! line) was not found"
            );
        }
        format!("{label}: cannot run it: {error}")
    }

    /// The program on the script's `#!` line, if it has one.
    fn interpreter(&self) -> Option<String> {
        let mut head = [0u8; 256];
        let read = File::open(&self.path).ok()?.read(&mut head).ok()?;
        let line = head[..read].strip_prefix(b"#!")?;
        let line = String::from_utf8_lossy(line);
        line.lines()
            .next()?
            .split_whitespace()
            .next()
            .map(str::to_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn missing_and_folder_scripts_are_named_in_the_message() {
        let tmp = tempfile::tempdir().unwrap();
        let missing = Script::find(ScriptKind::Creation, "~/x.sh", tmp.path()).unwrap_err();
        assert_eq!(missing, "creation script ~/x.sh: No such file");
        fs::create_dir(tmp.path().join("d")).unwrap();
        let folder = Script::find(ScriptKind::Startup, "~/d", tmp.path()).unwrap_err();
        assert_eq!(folder, "startup script ~/d: is a folder, not a script");
    }

    #[test]
    fn the_execute_bit_decides_how_it_runs() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("s.sh");
        fs::write(&path, "#!/no/such/interpreter -x\necho hi\n").unwrap();
        let plain = Script::find(ScriptKind::Startup, "~/s.sh", tmp.path()).unwrap();
        assert!(!plain.executable);
        assert_eq!(plain.command_line(), format!("/bin/sh {}", path.display()));
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        let direct = Script::find(ScriptKind::Startup, "~/s.sh", tmp.path()).unwrap();
        assert!(direct.executable);
        assert_eq!(
            direct.interpreter().as_deref(),
            Some("/no/such/interpreter")
        );
    }
}
