//! `station agent install-service` and `uninstall-service`: a systemd unit that starts the
//! agent at boot, written, enabled and started (or disabled and removed), saying what was
//! written and what was run.
//!
//! - [`scope`]: a user unit for the caller, or as root a system unit for `--user NAME`.
//! - [`unit`]: the unit text (pure; `assets/station-agent.service` is generated from it).
//! - [`steps`]: the `systemctl` / `loginctl` commands and their errors.
//!
//! When `systemctl` is missing or cannot reach its manager (containers, `su` shells), the
//! unit is still written (or removed), and the error names the command and what it printed;
//! the exit code is 1. `--no-enable` / `--no-disable` only write or remove the file and print
//! the commands to run. Exit codes: 0 done; 1 a command failed, or there is no unit to
//! remove; 2 bad usage (`--user` without root, root as the agent's user, an unknown user).

mod install;
pub mod scope;
pub mod steps;
mod uninstall;
pub mod unit;

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

pub use self::install::install;
use self::scope::{Manager, Target, UsageError};
use self::steps::{Step, StepError};
pub use self::uninstall::uninstall;
use crate::agent::lifecycle::running_pid;

/// Exit code for bad usage.
const EXIT_USAGE: u8 = 2;

/// How long an agent running outside systemd gets to stop before the service starts.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

const EXIT_CODES: &str = "Exit codes: 0 done; 1 a systemctl or loginctl command failed (the \
unit is written or removed all the same), or there is no unit to remove; 2 bad usage.";

/// `station agent install-service`.
#[derive(Debug, Clone, Args)]
#[command(after_help = EXIT_CODES)]
pub struct InstallArgs {
    /// As root: install a system unit that runs the agent as NAME (default: $SUDO_USER).
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// Write the unit into DIR instead of ~/.config/systemd/user (user unit) or
    /// /etc/systemd/system (system unit).
    #[arg(long, value_name = "DIR")]
    pub unit_dir: Option<PathBuf>,
    /// Only write the unit, and print the commands that would enable and start it.
    #[arg(long)]
    pub no_enable: bool,
    /// Also run `loginctl enable-linger USER`, so that your systemd user manager (and the
    /// agent with it) starts at boot rather than at your first login. A system unit always
    /// does this.
    #[arg(long, conflicts_with = "no_enable")]
    pub linger: bool,
}

/// `station agent uninstall-service`.
#[derive(Debug, Clone, Args)]
#[command(after_help = EXIT_CODES)]
pub struct UninstallArgs {
    /// As root: remove the system unit of NAME (default: $SUDO_USER).
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// Remove the unit from DIR instead of the usual folder.
    #[arg(long, value_name = "DIR")]
    pub unit_dir: Option<PathBuf>,
    /// Only remove the file (and its links in *.wants/), and print the commands that tell
    /// systemd.
    #[arg(long)]
    pub no_disable: bool,
}

/// Resolves the target, or reports bad usage.
fn target(user: Option<&str>, unit_dir: Option<&Path>) -> Result<Target, ExitCode> {
    scope::resolve(user, unit_dir).map_err(|UsageError(message)| {
        eprintln!("station: error: {message}");
        ExitCode::from(EXIT_USAGE)
    })
}

/// Runs `step`, printing `ran: COMMAND` and what it printed.
fn run_step(step: &Step) -> Result<(), StepError> {
    let printed = step.run()?;
    println!("ran: {}", step.line());
    print_indented(&printed);
    Ok(())
}

/// Prints `text` indented by four spaces (nothing for empty text).
fn print_indented(text: &str) {
    for line in text.lines() {
        if line.is_empty() {
            println!();
        } else {
            println!("    {line}");
        }
    }
}

/// What to say when a step failed: the command and its words, then what state things are
/// in and what to run once systemd can be reached.
fn report_failure(error: &StepError, manager: Manager, state: &str, then: &[Step]) {
    eprintln!("station: error: {error}");
    eprintln!("station: {state}");
    if matches!(error, StepError::Failed { .. }) {
        let hint = match manager {
            Manager::User => {
                "Is a systemd user manager running for you? Containers, and shells opened with \
                 `su` or `sudo -u`, have none."
            }
            Manager::System => "Is systemd running on this machine? Most containers have none.",
        };
        eprintln!("station: {hint}");
    }
    if !then.is_empty() {
        eprintln!("station: once it can be reached, run:");
        for step in then {
            eprintln!("    {}", step.line());
        }
    }
}

/// Writes `text` to `path` (0644) through a temporary file, creating the folder.
fn write_unit(path: &Path, text: &str) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("the unit path has no folder"))?;
    fs::create_dir_all(dir)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot create {}: {e}", dir.display())))?;
    let temporary = dir.join(format!(
        ".{}.tmp",
        path.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    ));
    let written = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o644)
        .open(&temporary)
        .and_then(|mut file| {
            file.write_all(text.as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&temporary, path));
    written.map_err(|e| {
        let _ = fs::remove_file(&temporary);
        io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display()))
    })
}

/// Stops an agent running outside systemd (started by hand or by the console) so that the
/// service's agent can take the pidfile lock. Its jobs keep running: they outlive the agent.
/// Returns the pid it stopped.
fn stop_agent_outside_systemd(pidfile: &Path) -> anyhow::Result<Option<u32>> {
    let Some(pid) = running_pid(pidfile) else {
        return Ok(None);
    };
    let raw = i32::try_from(pid).map_err(|_| anyhow::anyhow!("invalid pid {pid}"))?;
    kill(Pid::from_raw(raw), Signal::SIGTERM)
        .map_err(|error| anyhow::anyhow!("cannot stop the running agent (pid {pid}): {error}"))?;
    let started = Instant::now();
    while running_pid(pidfile) == Some(pid) {
        if started.elapsed() > STOP_TIMEOUT {
            anyhow::bail!(
                "the running agent (pid {pid}) did not stop within {} s",
                STOP_TIMEOUT.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(Some(pid))
}
