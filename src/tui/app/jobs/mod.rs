//! The jobs pane's state: every job the agent reported, who holds what, the filter and the
//! selection, and the log view, confirmation and form opened from it.
//!
//! Jobs arrive only as events: a snapshot when the link subscribes (and again after a
//! reconnection or when the console fell behind), then batches of changed jobs. The pane
//! never asks; runtimes of running jobs advance with the console's clock.
//!
//! - [`actions`]: what keys do to this state.
//! - [`events`]: what the agent's messages and the clock do to it.
//! - [`logs`]: the bounded log buffer.
//! - [`form`]: the submit form and its checks.
//! - [`words`]: shell-like word splitting for the form's command.

mod actions;
mod events;
pub mod form;
pub mod logs;
pub mod words;

use std::collections::{BTreeMap, BTreeSet};

use crate::proto::jobs::{
    JobCapacity, JobDetail, JobId, JobState, JobView, JobsSnapshot, JobsUpdate,
};
use crate::tui::app::ListState;

pub use form::{Field, FormProblem, JobDefaults, JobForm};
pub use logs::LogView;

/// A cancel waiting for the user's yes or no.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelConfirm {
    pub id: JobId,
    /// The job's name or command, for the question.
    pub label: String,
    /// The job is running (it gets a signal) rather than queued (it leaves the queue).
    pub running: bool,
}

/// Everything the jobs pane shows and remembers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobsState {
    /// Ascending by id.
    pub jobs: Vec<JobView>,
    pub capacity: Option<JobCapacity>,
    /// A snapshot has arrived on this connection.
    pub loaded: bool,
    /// Why the agent has no jobs to show (it refused the subscription).
    pub unavailable: Option<String>,
    /// `/` filter: id, name, command or state.
    pub filter: Option<String>,
    pub list: ListState,
    /// The job the selection follows when rows come and go.
    pub selected_id: Option<JobId>,
    /// The agent's clock now, in milliseconds since the Unix epoch (for runtimes).
    pub now_ms: u64,
    pub logs: Option<LogView>,
    pub confirm: Option<CancelConfirm>,
    pub form: Option<JobForm>,
    /// Jobs in full, as far as asked for (the selected ones), by id.
    pub details: BTreeMap<JobId, JobDetail>,
    /// Jobs whose detail was asked for on this connection (so each is asked once).
    details_asked: BTreeSet<JobId>,
    /// Numbers log follow requests.
    next_follow: u64,
}

/// Details kept at most.
const MAX_DETAILS: usize = 256;

impl JobsState {
    /// Replaces everything held with `snapshot`.
    pub fn replace(&mut self, snapshot: JobsSnapshot) {
        let mut jobs = snapshot.jobs;
        jobs.sort_by_key(|job| job.id);
        jobs.dedup_by_key(|job| job.id);
        self.jobs = jobs;
        self.capacity = Some(snapshot.capacity);
        self.loaded = true;
        self.unavailable = None;
        let jobs = &self.jobs;
        self.details.retain(|id, detail| {
            jobs.iter()
                .any(|j| j.id == *id && j.state == detail.view.state)
        });
        self.details_asked.clear();
        self.reselect();
    }

    /// Merges changed jobs (by id) and the new capacity; false when nothing differs.
    pub fn merge(&mut self, update: JobsUpdate) -> bool {
        let mut changed = false;
        for view in update.changed {
            match self.jobs.binary_search_by_key(&view.id, |job| job.id) {
                Ok(at) if self.jobs[at] == view => {}
                Ok(at) => {
                    if self.jobs[at].state != view.state {
                        // Started or ended: the process and its group are new facts.
                        self.details.remove(&view.id);
                        self.details_asked.remove(&view.id);
                    }
                    self.jobs[at] = view;
                    changed = true;
                }
                Err(at) => {
                    self.jobs.insert(at, view);
                    changed = true;
                }
            }
        }
        if let Some(capacity) = update.capacity
            && self.capacity.as_ref() != Some(&capacity)
        {
            self.capacity = Some(capacity);
            changed = true;
        }
        if changed {
            self.reselect();
        }
        changed
    }

    /// The agent has no job runner (or refused): nothing to show, and why.
    pub fn set_unavailable(&mut self, reason: String) {
        self.jobs.clear();
        self.capacity = None;
        self.loaded = false;
        self.unavailable = Some(reason);
        self.reselect();
    }

    pub fn job(&self, id: JobId) -> Option<&JobView> {
        self.jobs
            .binary_search_by_key(&id, |job| job.id)
            .ok()
            .map(|at| &self.jobs[at])
    }

    /// The jobs the filter lets through, ascending by id.
    pub fn visible(&self) -> Vec<&JobView> {
        let filter = self.filter.as_deref();
        self.jobs
            .iter()
            .filter(|job| matches(job, filter))
            .collect()
    }

    /// The selected job, when the list is not empty.
    pub fn selected(&self) -> Option<&JobView> {
        self.selected_id.and_then(|id| self.job(id))
    }

    /// (running, queued) jobs, for the header.
    pub fn counts(&self) -> (usize, usize) {
        let count = |state| self.jobs.iter().filter(|j| j.state == state).count();
        (count(JobState::Running), count(JobState::Queued))
    }

    /// Changes the filter and keeps the selection on the same job when it still shows, else
    /// puts it on the first job that does.
    pub fn set_filter(&mut self, filter: Option<String>) -> bool {
        let filter = filter.filter(|f| !f.trim().is_empty());
        if self.filter == filter {
            return false;
        }
        self.filter = filter;
        let visible = self.visible();
        if !visible.iter().any(|job| Some(job.id) == self.selected_id) {
            self.selected_id = visible.first().map(|job| job.id);
            self.list.selected = 0;
        }
        self.reselect();
        true
    }

    /// Moves the selection by `delta` rows (clamped).
    pub fn move_selection(&mut self, delta: isize) -> bool {
        let before = self.selected_id;
        let ids: Vec<JobId> = self.visible().iter().map(|job| job.id).collect();
        self.list.move_by(delta, ids.len());
        self.selected_id = ids.get(self.list.selected).copied();
        self.selected_id != before
    }

    /// Puts the selection back on the job it was on; when that job is gone (or filtered
    /// out), on the row where it was. The first time, on the first job that has not ended.
    fn reselect(&mut self) {
        let ids: Vec<JobId> = self.visible().iter().map(|job| job.id).collect();
        let found = self
            .selected_id
            .and_then(|id| ids.iter().position(|x| *x == id));
        self.list.selected = match (found, self.selected_id) {
            (Some(at), _) => at,
            (None, Some(_)) => self.list.selected.min(ids.len().saturating_sub(1)),
            (None, None) => self
                .jobs
                .iter()
                .filter(|job| matches(job, self.filter.as_deref()))
                .position(|job| !job.state.is_terminal())
                .unwrap_or(ids.len().saturating_sub(1)),
        };
        self.selected_id = ids.get(self.list.selected).copied();
    }

    /// Keeps the selection in range and visible in `page` rows.
    pub fn fit(&mut self, page: usize) {
        let len = self.visible().len();
        self.list.fit(len, page, 1);
    }

    /// Keeps a job's detail (dropping the oldest beyond [`MAX_DETAILS`]); true when it is
    /// the selected job's, so the panel changes.
    pub fn add_detail(&mut self, detail: JobDetail) -> bool {
        let id = detail.view.id;
        self.details.insert(id, detail);
        while self.details.len() > MAX_DETAILS {
            self.details.pop_first();
        }
        self.selected_id == Some(id)
    }

    /// The selected job when its detail is neither here nor asked for yet; marks it asked.
    pub fn detail_to_ask(&mut self) -> Option<JobId> {
        let id = self.selected_id?;
        if self.details.contains_key(&id) || !self.details_asked.insert(id) {
            return None;
        }
        Some(id)
    }

    /// Forgets which details were asked for (a new connection answers nothing old).
    pub fn forget_asked(&mut self) {
        self.details_asked.clear();
    }

    /// Selects job `id` when it shows.
    pub fn select(&mut self, id: JobId) {
        if self.visible().iter().any(|job| job.id == id) {
            self.selected_id = Some(id);
            self.reselect();
        }
    }

    /// A fresh number for a log follow request.
    pub fn next_follow_id(&mut self) -> u64 {
        self.next_follow += 1;
        self.next_follow
    }
}

/// Whether `job` passes `filter`: its id (`12` or `#12`), or text in its name, command or
/// state, case-insensitively.
pub fn matches(job: &JobView, filter: Option<&str>) -> bool {
    let Some(filter) = filter.map(str::trim).filter(|f| !f.is_empty()) else {
        return true;
    };
    if filter
        .trim_start_matches('#')
        .parse::<JobId>()
        .is_ok_and(|id| id == job.id)
    {
        return true;
    }
    let needle = filter.to_lowercase();
    job.name
        .as_deref()
        .is_some_and(|name| name.to_lowercase().contains(&needle))
        || job.command.to_lowercase().contains(&needle)
        || job.state.as_str().contains(&needle)
}

/// How long `job` has run: until now while it runs, until it ended after; `None` before it
/// started.
pub fn runtime_ms(job: &JobView, now_ms: u64) -> Option<u64> {
    let started = job.started_at_ms?;
    let until = match (job.state, job.ended_at_ms) {
        (JobState::Running, _) | (_, None) => now_ms,
        (_, Some(ended)) => ended,
    };
    Some(until.saturating_sub(started))
}

/// Durations the way the table shows them: "42s", "4m05s", "1h02m", "3d04h".
pub fn duration(ms: u64) -> String {
    let secs = ms / 1000;
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    if d > 0 {
        format!("{d}d{h:02}h")
    } else if h > 0 {
        format!("{h}h{m:02}m")
    } else if m > 0 {
        format!("{m}m{s:02}s")
    } else {
        format!("{s}s")
    }
}

/// A signal's name: "SIGKILL", or "signal 64" for one without a name here.
pub fn signal_name(signal: i32) -> String {
    nix::sys::signal::Signal::try_from(signal)
        .map_or_else(|_| format!("signal {signal}"), |s| s.as_str().to_owned())
}

/// How a finished job ended: its exit code or the signal that killed it.
pub fn exit_text(job: &JobView) -> Option<String> {
    match (job.exit_code, job.signal) {
        (Some(code), _) => Some(code.to_string()),
        (None, Some(signal)) => Some(signal_name(signal)),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests;
