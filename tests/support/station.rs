//! A Station instance of its own for one test: `HOME` and the XDG folders in a temporary
//! folder, so a test never sees (or stops) the user's agent, and its agent is stopped when
//! the test ends, whatever happened.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tempfile::TempDir;

use super::conn::Conn;
use super::wait;

/// Exit status and both outputs of a finished command, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "{}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The `station` binary Cargo built for this test run.
pub const STATION_BIN: &str = env!("CARGO_BIN_EXE_station");

/// Isolated folders for one Station instance; see the module documentation.
pub struct StationEnv {
    dir: TempDir,
}

impl StationEnv {
    /// Creates `home/`, `config/`, `state/` and `runtime/` (0700) in a new temporary folder.
    #[track_caller]
    pub fn new() -> StationEnv {
        let dir = tempfile::Builder::new()
            .prefix("station-e2e-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temporary folder: {e}"));
        for sub in ["home", "config", "state", "runtime"] {
            let path = dir.path().join(sub);
            fs::create_dir(&path).unwrap_or_else(|e| panic!("cannot create {path:?}: {e}"));
        }
        StationEnv { dir }
    }

    /// The temporary folder holding everything.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `HOME`, the XDG variables and `PATH`/`LANG`: the whole environment a Station process
    /// of this instance gets.
    pub fn vars(&self) -> Vec<(OsString, OsString)> {
        let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
        let sub = |name: &str| self.dir.path().join(name).into_os_string();
        vec![
            ("PATH".into(), path),
            ("LANG".into(), "C.UTF-8".into()),
            ("HOME".into(), sub("home")),
            ("XDG_CONFIG_HOME".into(), sub("config")),
            ("XDG_STATE_HOME".into(), sub("state")),
            ("XDG_RUNTIME_DIR".into(), sub("runtime")),
            ("STATION_LOG".into(), "debug".into()),
        ]
    }

    /// `station ARGS` with exactly [`vars`](Self::vars) as its environment.
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = Command::new(STATION_BIN);
        command.env_clear().envs(self.vars()).args(args);
        command
    }

    /// Runs `station ARGS` to completion, panicking only when it cannot be started.
    #[track_caller]
    pub fn run<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.command(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {STATION_BIN}: {e}"))
    }

    /// `$XDG_RUNTIME_DIR/station/`: the agent's socket and pidfile.
    pub fn runtime_dir(&self) -> PathBuf {
        self.dir.path().join("runtime/station")
    }

    /// The agent's socket.
    pub fn socket(&self) -> PathBuf {
        self.runtime_dir().join("agent.sock")
    }

    /// The agent's pidfile.
    pub fn pidfile(&self) -> PathBuf {
        self.runtime_dir().join("agent.pid")
    }

    /// The pid in the pidfile when that process still runs.
    pub fn agent_pid(&self) -> Option<i32> {
        let text = fs::read_to_string(self.pidfile()).ok()?;
        let pid = text.split_whitespace().next()?.parse().ok()?;
        (!wait::process_ended(pid)).then_some(pid)
    }

    /// `$XDG_CONFIG_HOME/station/`.
    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config/station")
    }

    /// The agent's log file.
    pub fn agent_log(&self) -> PathBuf {
        self.dir.path().join("state/station/agent.log")
    }

    /// What the agent has logged so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.agent_log()).unwrap_or_default()
    }

    /// `station agent --sample-interval 250 EXTRA…` (detached), asserting it started;
    /// returns the agent's pid.
    #[track_caller]
    pub fn start_agent(&self, extra: &[&str]) -> i32 {
        let output = self.run(["agent", "--sample-interval", "250"].iter().chain(extra));
        assert!(
            output.status.success(),
            "station agent failed: {}",
            describe(&output)
        );
        self.agent_pid()
            .expect("a running agent in the pidfile after start")
    }

    /// A raw protocol connection to this instance's agent.
    #[track_caller]
    pub fn connect(&self) -> Conn {
        Conn::open(&self.socket())
    }

    /// `station agent stop`, asserting that it succeeds and that the socket is gone after.
    #[track_caller]
    pub fn stop_agent(&self) {
        let output = self.run(["agent", "stop"]);
        assert!(
            output.status.success(),
            "station agent stop failed ({}):\nstdout: {}\nstderr: {}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        assert!(
            !self.socket().exists(),
            "station agent stop returned but {:?} is still there",
            self.socket()
        );
    }
}

impl StationEnv {
    /// Every process running with this instance's runtime folder in its environment: the
    /// agent, and bridges or autostarts still under way (an SSH session that a test's end cut
    /// short can be starting an agent right now).
    fn processes(&self) -> Vec<(i32, bool)> {
        let marker = format!(
            "XDG_RUNTIME_DIR={}",
            self.dir.path().join("runtime").display()
        );
        let Ok(entries) = fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
            .filter(|pid| *pid != std::process::id() as i32)
            .filter_map(|pid| {
                let environ = fs::read(format!("/proc/{pid}/environ")).ok()?;
                let ours = environ
                    .split(|b| *b == 0)
                    .any(|var| var == marker.as_bytes());
                let cmdline = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
                let agent = cmdline.split(|b| *b == 0).any(|arg| arg == b"--foreground");
                ours.then_some((pid, agent))
            })
            .collect()
    }
}

impl Drop for StationEnv {
    /// Stops what still runs in this instance: bridges and autostarts first (so none starts
    /// an agent after the stop), then the agents: SIGTERM, then SIGKILL if they do not end.
    fn drop(&mut self) {
        for (pid, agent) in self.processes() {
            if !agent {
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            }
        }
        let mut agents: Vec<i32> = self.agent_pid().into_iter().collect();
        agents.extend(
            self.processes()
                .into_iter()
                .filter(|(_, a)| *a)
                .map(|(p, _)| p),
        );
        agents.sort_unstable();
        agents.dedup();
        for pid in agents {
            let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
            let ended = || wait::process_ended(pid).then_some(());
            if wait::poll(Duration::from_secs(5), ended).is_err() {
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
                let _ = wait::poll(Duration::from_secs(2), ended);
            }
        }
    }
}
