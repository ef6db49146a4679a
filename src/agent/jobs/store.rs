//! The job store: every job in SQLite (WAL) at `$XDG_STATE_HOME/station/jobs.db`.
//!
//! One table, `jobs`, with one row per job; the id is `INTEGER PRIMARY KEY AUTOINCREMENT`,
//! so an id is never handed out twice, even after the newest jobs are deleted. The spec is
//! stored as JSON text; everything the agent changes while a job lives has a column of its
//! own. An index on `(state, id)` keeps [`Store::load_active`] and the listing of recent
//! finished jobs independent of how much history the table holds.
//!
//! Durability: the journal is WAL with `synchronous=NORMAL`, so a committed transaction
//! survives a crash or `kill -9` of the agent (only a power loss can take back the last
//! commits). Every write method commits before it returns.
//!
//! [`Store::open`] refuses a file it cannot trust instead of starting with an empty queue:
//! see `store/open.rs` for the checks.

mod open;
mod row;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use self::row::{encode_gpus, job_from_row, parse_state, to_sql_u64};

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

impl StoredJob {
    /// A job just submitted: queued, never started.
    pub fn queued(id: JobId, spec: JobSpec, submitted_at_ms: u64) -> StoredJob {
        StoredJob {
            id,
            spec,
            state: JobState::Queued,
            submitted_at_ms,
            started_at_ms: None,
            ended_at_ms: None,
            exit_code: None,
            signal: None,
            reason: None,
            gpus: Vec::new(),
            shim_pid: None,
            master_port: None,
            logs_truncated: false,
            cancel_requested: false,
            kill_deadline_ms: None,
            runs: 0,
        }
    }

    /// The job back in the queue, as [`Store::requeue`] records it: its run fields cleared,
    /// its count of runs kept.
    pub fn requeued(self) -> StoredJob {
        StoredJob {
            runs: self.runs,
            ..StoredJob::queued(self.id, self.spec, self.submitted_at_ms)
        }
    }
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
    conn: Connection,
}

/// The columns every read selects, in the order [`job_from_row`] reads them.
const COLUMNS: &str = "id, state, priority, submitted_at_ms, started_at_ms, ended_at_ms, \
     exit_code, signal, reason, gpus, shim_pid, master_port, logs_truncated, \
     cancel_requested, kill_deadline_ms, runs, spec";

/// The states of finished jobs, as stored.
const FINISHED: [JobState; 3] = [JobState::Succeeded, JobState::Failed, JobState::Cancelled];

/// The states of jobs that are not finished, as stored.
const ACTIVE: [JobState; 2] = [JobState::Queued, JobState::Running];

impl Store {
    /// Opens (or creates) the store at `path`, whose folder must exist.
    ///
    /// Refuses, naming the file and what to do, a file that is not a Station job database or
    /// is corrupt, one written by a newer Station, and one it cannot write; nothing is changed
    /// in those cases.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = open::open_checked(path)?;
        Ok(Store {
            path: path.to_owned(),
            conn,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Adds a queued job; returns its id once the row is committed.
    pub fn insert(&mut self, spec: &JobSpec, submitted_at_ms: u64) -> Result<JobId, StoreError> {
        let spec_json = serde_json::to_string(spec)
            .map_err(|e| self.error(format!("cannot encode a job's spec: {e}")))?;
        let mut statement = self
            .conn
            .prepare_cached(
                "INSERT INTO jobs (state, priority, submitted_at_ms, spec) VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(|e| self.sql_error("cannot add a job", e))?;
        statement
            .execute(params![
                JobState::Queued.as_str(),
                spec.priority,
                to_sql_u64(submitted_at_ms),
                spec_json
            ])
            .map_err(|e| self.sql_error("cannot add a job", e))?;
        drop(statement);
        let id = self.conn.last_insert_rowid();
        JobId::try_from(id).map_err(|_| self.error(format!("the database gave job id {id}")))
    }

    /// Records that the job started: state running, its start time, GPUs and port, and one
    /// more run.
    pub fn mark_running(
        &mut self,
        id: JobId,
        started_at_ms: u64,
        gpus: &[u32],
        master_port: Option<u16>,
    ) -> Result<(), StoreError> {
        self.update_one(
            id,
            "mark it running",
            "UPDATE jobs SET state = ?2, started_at_ms = ?3, gpus = ?4, master_port = ?5, \
             runs = runs + 1 WHERE id = ?1",
            params![
                to_sql_u64(id),
                JobState::Running.as_str(),
                to_sql_u64(started_at_ms),
                encode_gpus(gpus),
                master_port
            ],
        )
    }

    /// Records the pid of the shim that owns the running job.
    pub fn set_shim_pid(&mut self, id: JobId, shim_pid: u32) -> Result<(), StoreError> {
        self.update_one(
            id,
            "record its shim",
            "UPDATE jobs SET shim_pid = ?2 WHERE id = ?1",
            params![to_sql_u64(id), shim_pid],
        )
    }

    /// Records how the job ended (and clears any pending kill deadline).
    pub fn finish(&mut self, id: JobId, end: &JobEnd) -> Result<(), StoreError> {
        self.update_one(
            id,
            "record its end",
            "UPDATE jobs SET state = ?2, ended_at_ms = ?3, exit_code = ?4, signal = ?5, \
             reason = ?6, logs_truncated = ?7, kill_deadline_ms = NULL WHERE id = ?1",
            params![
                to_sql_u64(id),
                end.state.as_str(),
                to_sql_u64(end.ended_at_ms),
                end.exit_code,
                end.signal,
                end.reason,
                end.logs_truncated
            ],
        )
    }

    /// Records that a cancel was asked for, and when a running job gets SIGKILL.
    pub fn request_cancel(
        &mut self,
        id: JobId,
        kill_deadline_ms: Option<u64>,
    ) -> Result<(), StoreError> {
        self.update_one(
            id,
            "record its cancel",
            "UPDATE jobs SET cancel_requested = 1, kill_deadline_ms = ?2 WHERE id = ?1",
            params![to_sql_u64(id), kill_deadline_ms.map(to_sql_u64)],
        )
    }

    /// Puts the job back in the queue: everything about its last run is cleared except the
    /// count of runs.
    pub fn requeue(&mut self, id: JobId) -> Result<(), StoreError> {
        self.update_one(
            id,
            "requeue it",
            "UPDATE jobs SET state = ?2, started_at_ms = NULL, ended_at_ms = NULL, \
             exit_code = NULL, signal = NULL, reason = NULL, gpus = '', shim_pid = NULL, \
             master_port = NULL, logs_truncated = 0, cancel_requested = 0, \
             kill_deadline_ms = NULL WHERE id = ?1",
            params![to_sql_u64(id), JobState::Queued.as_str()],
        )
    }

    /// Queued and running jobs, ascending by id.
    pub fn load_active(&self) -> Result<Vec<StoredJob>, StoreError> {
        let mut jobs = Vec::new();
        for state in ACTIVE {
            jobs.extend(self.in_state(state)?);
        }
        jobs.sort_by_key(|job| job.id);
        Ok(jobs)
    }

    pub fn get(&self, id: JobId) -> Result<Option<StoredJob>, StoreError> {
        let context = || format!("cannot read job {id}");
        let mut statement = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"))
            .map_err(|e| self.sql_error(&context(), e))?;
        statement
            .query_row([to_sql_u64(id)], job_from_row)
            .optional()
            .map_err(|e| self.sql_error(&context(), e))?
            .transpose()
            .map_err(|e| self.error(e))
    }

    /// The jobs `filter` selects, ascending by id, and how many finished jobs that match its
    /// states it left out.
    ///
    /// Without `states`, `all` decides whether finished jobs are included; with `states`,
    /// exactly those states are. `limit` caps the finished jobs (the newest are kept); queued
    /// and running jobs are always all listed.
    pub fn list(&self, filter: &JobFilter) -> Result<(Vec<StoredJob>, u64), StoreError> {
        let wanted = |state: &JobState| filter.states.is_empty() || filter.states.contains(state);
        let mut jobs = Vec::new();
        for state in ACTIVE.iter().filter(|s| wanted(s)) {
            jobs.extend(self.in_state(*state)?);
        }
        let finished_states: Vec<JobState> = FINISHED.into_iter().filter(wanted).collect();
        let mut matching_finished = 0;
        for state in &finished_states {
            matching_finished += self.count_in_state(*state)?;
        }
        let include_finished = filter.all || !filter.states.is_empty();
        let mut shown_finished = 0;
        if include_finished {
            let limit = filter.limit.unwrap_or(u32::MAX);
            let finished = self.newest_finished(&finished_states, limit)?;
            shown_finished = finished.len() as u64;
            jobs.extend(finished);
        }
        jobs.sort_by_key(|job| job.id);
        Ok((jobs, matching_finished.saturating_sub(shown_finished)))
    }

    /// The newest `limit` finished jobs, ascending by id.
    pub fn recent_finished(&self, limit: u32) -> Result<Vec<StoredJob>, StoreError> {
        let mut jobs = self.newest_finished(&FINISHED, limit)?;
        jobs.sort_by_key(|job| job.id);
        Ok(jobs)
    }

    /// The state of each of `ids` (in the same order), `None` for an id the store never gave.
    pub fn states_of(&self, ids: &[JobId]) -> Result<Vec<(JobId, Option<JobState>)>, StoreError> {
        let context = "cannot read the states of jobs";
        let mut statement = self
            .conn
            .prepare_cached("SELECT state FROM jobs WHERE id = ?1")
            .map_err(|e| self.sql_error(context, e))?;
        let mut states = Vec::with_capacity(ids.len());
        for &id in ids {
            let text: Option<String> = statement
                .query_row([to_sql_u64(id)], |row| row.get(0))
                .optional()
                .map_err(|e| self.sql_error(context, e))?;
            let state = text
                .map(|text| parse_state(&text).map_err(|e| self.error(e)))
                .transpose()?;
            states.push((id, state));
        }
        Ok(states)
    }

    /// Every job in `state`, ascending by id.
    fn in_state(&self, state: JobState) -> Result<Vec<StoredJob>, StoreError> {
        let context = format!("cannot read the {state} jobs");
        let mut statement = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM jobs WHERE state = ?1 ORDER BY id"
            ))
            .map_err(|e| self.sql_error(&context, e))?;
        let rows = statement
            .query_map([state.as_str()], job_from_row)
            .map_err(|e| self.sql_error(&context, e))?;
        self.collect_rows(rows, &context)
    }

    /// The newest `limit` jobs in any of `states`, newest first.
    fn newest_finished(
        &self,
        states: &[JobState],
        limit: u32,
    ) -> Result<Vec<StoredJob>, StoreError> {
        let context = "cannot read the finished jobs";
        let mut jobs = Vec::new();
        for state in states {
            let mut statement = self
                .conn
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM jobs WHERE state = ?1 ORDER BY id DESC LIMIT ?2"
                ))
                .map_err(|e| self.sql_error(context, e))?;
            let rows = statement
                .query_map(params![state.as_str(), i64::from(limit)], job_from_row)
                .map_err(|e| self.sql_error(context, e))?;
            jobs.extend(self.collect_rows(rows, context)?);
        }
        jobs.sort_by_key(|job| std::cmp::Reverse(job.id));
        jobs.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(jobs)
    }

    fn count_in_state(&self, state: JobState) -> Result<u64, StoreError> {
        let context = "cannot count jobs";
        let mut statement = self
            .conn
            .prepare_cached("SELECT COUNT(*) FROM jobs WHERE state = ?1")
            .map_err(|e| self.sql_error(context, e))?;
        let count: i64 = statement
            .query_row([state.as_str()], |row| row.get(0))
            .map_err(|e| self.sql_error(context, e))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    fn collect_rows(
        &self,
        rows: impl Iterator<Item = rusqlite::Result<Result<StoredJob, String>>>,
        context: &str,
    ) -> Result<Vec<StoredJob>, StoreError> {
        let mut jobs = Vec::new();
        for row in rows {
            let job = row
                .map_err(|e| self.sql_error(context, e))?
                .map_err(|e| self.error(e))?;
            jobs.push(job);
        }
        Ok(jobs)
    }

    /// Runs an `UPDATE` of job `id` (its first parameter) and fails when no such job exists.
    fn update_one(
        &mut self,
        id: JobId,
        what: &str,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<(), StoreError> {
        let context = || format!("cannot {what} (job {id})");
        let mut statement = self
            .conn
            .prepare_cached(sql)
            .map_err(|e| self.sql_error(&context(), e))?;
        let changed = statement
            .execute(params)
            .map_err(|e| self.sql_error(&context(), e))?;
        if changed == 0 {
            return Err(self.error(format!("{}: there is no such job", context())));
        }
        Ok(())
    }

    fn error(&self, reason: impl Into<String>) -> StoreError {
        StoreError {
            path: self.path.clone(),
            reason: reason.into(),
        }
    }

    fn sql_error(&self, context: &str, error: rusqlite::Error) -> StoreError {
        self.error(format!("{context}: {error}"))
    }
}
