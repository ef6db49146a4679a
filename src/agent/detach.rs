//! `station agent` without `--foreground`: start the daemon detached and report.
//!
//! This process re-executes itself as `station agent --foreground` in a new session
//! (`setsid`: no controlling terminal, its own process group, immune to the shell's hangup),
//! with stdin and stdout on `/dev/null` and stderr on a pipe. It waits until the daemon accepts
//! connections, then prints its pid and exits 0; if the daemon exits first, what it printed
//! ("already running (pid N)", a config error, …) is passed on with its exit code. The daemon
//! drops the pipe once it listens, so nothing of this process lingers in it.

use std::fs::File;
use std::io::Read;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

use super::lifecycle::running_pid;
use super::{AgentOverrides, DETACHED_ENV};
use crate::config::Paths;

/// How long to wait for the daemon to listen.
const START_TIMEOUT: Duration = Duration::from_millis(2500);

/// Starts the daemon and reports how that went.
pub fn start(paths: &Paths, overrides: &AgentOverrides) -> anyhow::Result<ExitCode> {
    if let Some(pid) = running_pid(&paths.pidfile()) {
        eprintln!("station agent: already running (pid {pid})");
        return Ok(ExitCode::FAILURE);
    }
    let exe = std::env::current_exe().context("cannot find the station executable")?;
    let mut command = Command::new(exe);
    command.args(["agent", "--foreground"]);
    if let Some(n) = overrides.simulate_gpus {
        command.args(["--simulate-gpus", &n.to_string()]);
    }
    if let Some(ms) = overrides.sample_interval_ms {
        command.args(["--sample-interval", &ms.to_string()]);
    }
    if overrides.ignore_config {
        command.arg("--ignore-config");
    }
    command
        .env(DETACHED_ENV, "1")
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            nix::unistd::setsid()
                .map(drop)
                .map_err(std::io::Error::from)
        });
    }
    let mut child = command
        .spawn()
        .context("cannot start `station agent --foreground`")?;
    let socket = paths.socket();
    let started = Instant::now();
    loop {
        if let Some(status) = child
            .try_wait()
            .context("cannot watch the starting agent")?
        {
            let mut printed = String::new();
            if let Some(mut stderr) = child.stderr.take() {
                let _ = stderr.read_to_string(&mut printed);
            }
            eprint!("{printed}");
            let code = status
                .code()
                .and_then(|c| u8::try_from(c).ok())
                .unwrap_or(1);
            return Ok(ExitCode::from(code.max(1)));
        }
        if UnixStream::connect(&socket).is_ok() {
            println!("station agent started (pid {})", child.id());
            println!("  socket: {}", socket.display());
            println!("  log:    {}", paths.agent_log().display());
            return Ok(ExitCode::SUCCESS);
        }
        if started.elapsed() > START_TIMEOUT {
            anyhow::bail!(
                "the agent (pid {}) did not listen on {} within {:.1} s; see {}",
                child.id(),
                socket.display(),
                START_TIMEOUT.as_secs_f32(),
                paths.agent_log().display()
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Points stdin, stdout and stderr at `/dev/null`, so the daemon holds no pipe of the process
/// that started it. Failures are logged; the daemon works either way.
pub fn drop_inherited_stdio() {
    let result = File::options()
        .read(true)
        .write(true)
        .open("/dev/null")
        .and_then(|null| {
            nix::unistd::dup2_stdin(&null)?;
            nix::unistd::dup2_stdout(&null)?;
            nix::unistd::dup2_stderr(&null)?;
            Ok(())
        });
    if let Err(error) = result {
        tracing::warn!(%error, "could not detach stdio");
    }
}
