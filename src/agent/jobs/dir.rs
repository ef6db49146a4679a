//! A job's files, side by side in `$XDG_STATE_HOME/station/jobs/`, named after its id:
//!
//! | file | written by | what |
//! | --- | --- | --- |
//! | `<id>.status` | shim, in place, 0600 | [`ShimStatus`] ([`super::status`]); also the lock |
//! | `<id>.stdout.log`, `<id>.stderr.log` | shim, appended, 0600, at the first output | the output |
//! | `<id>.stdout.prev.log`, `<id>.stderr.prev.log` | agent, on requeue | the previous run's output |
//!
//! What to run ([`Launch`]) is not a file: the agent writes it to the shim's stdin.
//!
//! The shim holds an exclusive `flock` on the status file for its whole life. The lock, not
//! what the file says, tells whether a shim is alive: a shim killed with `kill -9` leaves a
//! status that says `running`, but the kernel releases its lock. The status file is never
//! removed (a requeue empties it), so every shim of a job locks the same file.
//!
//! Every file a job creates costs an inode — and a folder costs more — which is most of what
//! starting a short job costs on a busy file system: so there is no folder per job, no
//! separate lock or launch file, and a job that prints nothing has no log files (a missing
//! log reads as empty).

use std::collections::BTreeMap;
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};

pub use super::status::{Phase, ShimStatus};
use crate::proto::jobs::{JobId, LogStream};

/// The status file's suffix (`<id>.status`).
pub const STATUS_FILE: &str = "status";

/// What the shim runs: written by the agent to the shim's stdin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Launch {
    pub job: JobId,
    /// The job's files (`<jobs folder>/<id>`, see [`JobDir::at`]).
    pub prefix: PathBuf,
    /// Which start of the job this is (1, then 2 after a requeue …).
    pub run: u32,
    pub argv: Vec<String>,
    pub cwd: String,
    /// The complete environment, Station's variables included.
    pub env: BTreeMap<String, String>,
}

impl Launch {
    /// Reads the launch the agent wrote to `input` (the shim's stdin) up to its end.
    pub fn read_from(mut input: impl io::Read) -> io::Result<Launch> {
        let mut bytes = Vec::new();
        input.read_to_end(&mut bytes)?;
        serde_json::from_slice(&bytes)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("not a launch: {e}")))
    }

    pub fn to_json(&self) -> io::Result<Vec<u8>> {
        serde_json::to_vec(self).map_err(io::Error::other)
    }
}

/// What the folder says about a job the agent believes is running (after an agent restart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// The shim holds the lock: the job is alive. Its status may be missing (the shim has
    /// only just taken the lock), `Starting`, `Running`, or even `Exited` (the shim has
    /// recorded the end and is about to exit).
    Alive(Option<ShimStatus>),
    /// The shim finished and recorded how the program ended.
    Exited(ShimStatus),
    /// No shim ever started the program: safe to run it (again from the queue).
    NeverStarted,
    /// The shim started the program and then died without recording an end (it was killed;
    /// the program died with it). `None` when the status file could not be read.
    Vanished(Option<ShimStatus>),
}

/// One job's files: `<jobs folder>/<id>.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobDir {
    /// `<jobs folder>/<id>`: every file of the job is this plus `.` and a suffix.
    prefix: PathBuf,
}

impl JobDir {
    pub fn new(jobs_root: &Path, id: JobId) -> JobDir {
        JobDir {
            prefix: jobs_root.join(id.to_string()),
        }
    }

    /// The files of a shim started as `station job-shim PREFIX` (`<jobs folder>/<id>`).
    pub fn at(prefix: &Path) -> JobDir {
        JobDir {
            prefix: prefix.to_owned(),
        }
    }

    /// `<jobs folder>/<id>`, what the shim is given.
    pub fn prefix(&self) -> &Path {
        &self.prefix
    }

    /// The folder that holds the job's files.
    pub fn folder(&self) -> &Path {
        self.prefix.parent().unwrap_or(Path::new("/"))
    }

    fn file(&self, suffix: &str) -> PathBuf {
        let mut name = self.prefix.clone().into_os_string();
        name.push(".");
        name.push(suffix);
        PathBuf::from(name)
    }

    pub fn log_path(&self, stream: LogStream) -> PathBuf {
        self.file(stream.file_name())
    }

    /// Where the previous run's log went on requeue.
    pub fn previous_log_path(&self, stream: LogStream) -> PathBuf {
        self.file(previous_log_name(stream))
    }

    pub fn status_path(&self) -> PathBuf {
        self.file(STATUS_FILE)
    }

    /// Creates the jobs folder (0700) when missing; an existing one is fine.
    pub fn create(&self) -> io::Result<()> {
        let folder = self.folder();
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(folder)
            .map_err(|e| with_path(e, "cannot create", folder))
    }

    /// The shim's status; `None` when it has written none (yet). A status file that cannot
    /// be parsed is an `InvalidData` error.
    pub fn read_status(&self) -> io::Result<Option<ShimStatus>> {
        match fs::read(self.status_path()) {
            Ok(bytes) => ShimStatus::decode(&bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(with_path(e, "cannot read", &self.status_path())),
        }
    }

    /// Opens one of the logs for appending (created 0600 when missing).
    pub fn open_log(&self, stream: LogStream) -> io::Result<File> {
        open_append_private(&self.log_path(stream))
    }

    /// Whether a shim holds the job and, if none does, what the last one left behind.
    ///
    /// Tries the shim's lock without waiting (and lets go of it at once). Only probe a job
    /// whose shim this agent is not starting right now: a shim that finds the lock taken by a
    /// probe exits without running anything.
    pub fn probe(&self) -> io::Result<Probe> {
        let lock_path = self.status_path();
        // Read-write: an exclusive lock over NFS needs a file open for writing.
        match OpenOptions::new().read(true).write(true).open(&lock_path) {
            Ok(file) => match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
                Ok(held) => drop(held),
                Err((_, Errno::EWOULDBLOCK)) => {
                    return Ok(Probe::Alive(self.read_status().ok().flatten()));
                }
                Err((_, errno)) => {
                    return Err(with_path(errno.into(), "cannot lock", &lock_path));
                }
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(with_path(e, "cannot open", &lock_path)),
        }
        Ok(match self.read_status() {
            Ok(None) => Probe::NeverStarted,
            Ok(Some(status)) => match status.phase {
                Phase::Starting => Probe::NeverStarted,
                Phase::Running => Probe::Vanished(Some(status)),
                Phase::Exited => Probe::Exited(status),
            },
            // Unreadable: the program may have run, so never treat it as not started.
            Err(e) if e.kind() == io::ErrorKind::InvalidData => Probe::Vanished(None),
            Err(e) => return Err(e),
        })
    }

    /// Before a requeue: keeps the last run's logs as `*.prev.log` (replacing older ones)
    /// and empties the status file, so the job is ready for a fresh run. Only for a job no shim holds ([`probe`](Self::probe) is not `Alive`).
    pub fn keep_previous_run(&self) -> io::Result<()> {
        for stream in [LogStream::Stdout, LogStream::Stderr] {
            let from = self.log_path(stream);
            match fs::rename(&from, self.previous_log_path(stream)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    return Err(with_path(e, "cannot rename", &from));
                }
                _ => {}
            }
        }
        let status = self.status_path();
        match OpenOptions::new().write(true).open(&status) {
            Ok(file) => file
                .set_len(0)
                .map_err(|e| with_path(e, "cannot empty", &status))?,
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(with_path(e, "cannot open", &status));
            }
            Err(_) => {}
        }
        Ok(())
    }
}

/// Opens `path` for appending, creating it 0600 when missing.
pub fn open_append_private(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
}

fn previous_log_name(stream: LogStream) -> &'static str {
    match stream {
        LogStream::Stdout => "stdout.prev.log",
        LogStream::Stderr => "stderr.prev.log",
    }
}

/// `error` with what was being done and to which file, keeping its kind.
fn with_path(error: io::Error, doing: &str, path: &Path) -> io::Error {
    io::Error::new(error.kind(), format!("{doing} {}: {error}", path.display()))
}

#[cfg(test)]
mod tests;
