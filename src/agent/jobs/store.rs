//! The job store: every job in SQLite (WAL) at `$XDG_STATE_HOME/station/jobs.db`.
//!
//! STUB: the API is the contract; being written.

use std::path::{Path, PathBuf};

use crate::proto::jobs::{JobFilter, JobId, JobSpec, JobState};

/// Why the store cannot be used; always names the file.
#[derive(Debug, thiserror::Error)]
#[error("job store {path}: {reason}")]
pub struct StoreError {
    pub path: PathBuf,
    pub reason: String,
}

/// One job as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredJob {
    pub id: JobId,
    pub spec: JobSpec,
    pub state: JobState,
    pub submitted_at_ms: u64,
    pub started_at_ms: Option<u64>,
    pub ended_at_ms: Option<u64>,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    /// Why it ended without an exit status (or any note on how it ended).
    pub reason: Option<String>,
    /// GPU indices assigned at start.
    pub gpus: Vec<u32>,
    pub shim_pid: Option<u32>,
    pub master_port: Option<u16>,
    pub logs_truncated: bool,
    pub cancel_requested: bool,
    /// When a cancelled running job gets SIGKILL.
    pub kill_deadline_ms: Option<u64>,
    /// How many times it was started.
    pub runs: u32,
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobEnd {
    pub state: JobState,
    pub ended_at_ms: u64,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub reason: Option<String>,
    pub logs_truncated: bool,
}

/// The open database.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
}

impl Store {
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Ok(Store {
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn insert(&mut self, _spec: &JobSpec, _submitted_at_ms: u64) -> Result<JobId, StoreError> {
        todo_store()
    }

    pub fn mark_running(
        &mut self,
        _id: JobId,
        _started_at_ms: u64,
        _gpus: &[u32],
        _master_port: Option<u16>,
    ) -> Result<(), StoreError> {
        todo_store()
    }

    pub fn set_shim_pid(&mut self, _id: JobId, _shim_pid: u32) -> Result<(), StoreError> {
        todo_store()
    }

    pub fn finish(&mut self, _id: JobId, _end: &JobEnd) -> Result<(), StoreError> {
        todo_store()
    }

    pub fn request_cancel(
        &mut self,
        _id: JobId,
        _kill_deadline_ms: Option<u64>,
    ) -> Result<(), StoreError> {
        todo_store()
    }

    pub fn requeue(&mut self, _id: JobId) -> Result<(), StoreError> {
        todo_store()
    }

    pub fn load_active(&self) -> Result<Vec<StoredJob>, StoreError> {
        todo_store()
    }

    pub fn get(&self, _id: JobId) -> Result<Option<StoredJob>, StoreError> {
        todo_store()
    }

    pub fn list(&self, _filter: &JobFilter) -> Result<(Vec<StoredJob>, u64), StoreError> {
        todo_store()
    }

    pub fn recent_finished(&self, _limit: u32) -> Result<Vec<StoredJob>, StoreError> {
        todo_store()
    }

    pub fn states_of(&self, _ids: &[JobId]) -> Result<Vec<(JobId, Option<JobState>)>, StoreError> {
        todo_store()
    }
}

fn todo_store<T>() -> Result<T, StoreError> {
    Err(StoreError {
        path: PathBuf::new(),
        reason: "not written yet".into(),
    })
}
