//! A job's folder: `$XDG_STATE_HOME/station/jobs/<id>/` with the launch file the agent writes,
//! the lock and status file the shim keeps, and the logs.
//!
//! STUB: the API is the contract; being written.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::proto::jobs::{JobId, LogStream};

/// What the shim runs: written by the agent before it starts the shim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Launch {
    pub job: JobId,
    /// Which start of the job this is (1, then 2 after a requeue …); the shim is given the
    /// same number and refuses a launch file of another run.
    pub run: u32,
    pub argv: Vec<String>,
    pub cwd: String,
    /// The complete environment, Station's variables included.
    pub env: BTreeMap<String, String>,
}

/// Where the shim is with its job, as its status file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The shim holds the lock but has not started the program.
    Starting,
    /// The program runs.
    Running,
    /// The program ended (or could not be started: `spawn_error`).
    Exited,
}

/// The shim's status file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShimStatus {
    pub phase: Phase,
    pub shim_pid: u32,
    /// The program's pid, which is also its process group.
    pub child_pid: Option<u32>,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub logs_truncated: bool,
    /// Why the program could not be started (then `exit_code` is 127 or 126).
    pub spawn_error: Option<String>,
    pub ended_at_ms: Option<u64>,
}

/// What the folder says about a job the agent believes is running (after an agent restart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// The shim holds the lock: the job is alive.
    Alive(Option<ShimStatus>),
    /// The shim finished and recorded how the program ended.
    Exited(ShimStatus),
    /// No shim ever started the program: safe to run it (again from the queue).
    NeverStarted,
    /// The shim started the program and then died without recording an end (it was killed;
    /// the program died with it).
    Vanished(Option<ShimStatus>),
}

/// One job's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobDir {
    path: PathBuf,
}

impl JobDir {
    pub fn new(jobs_root: &Path, id: JobId) -> JobDir {
        JobDir {
            path: jobs_root.join(id.to_string()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn log_path(&self, stream: LogStream) -> PathBuf {
        self.path.join(stream.file_name())
    }

    pub fn create(&self) -> io::Result<()> {
        Err(io::Error::other("not written yet"))
    }

    pub fn write_launch(&self, _launch: &Launch) -> io::Result<()> {
        Err(io::Error::other("not written yet"))
    }

    pub fn read_status(&self) -> io::Result<Option<ShimStatus>> {
        Err(io::Error::other("not written yet"))
    }

    pub fn probe(&self) -> io::Result<Probe> {
        Err(io::Error::other("not written yet"))
    }

    pub fn keep_previous_run(&self) -> io::Result<()> {
        Err(io::Error::other("not written yet"))
    }
}
