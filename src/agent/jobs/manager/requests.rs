//! Requests from sessions: submit, list, show, cancel, requeue, subscribe, logs.

use std::path::Path;

use super::{Manager, now_ms};
use crate::agent::jobs::dir::JobDir;
use crate::agent::jobs::handle::{JobsError, LogTarget, Request};
use crate::agent::jobs::store::{StoreError, StoredJob};
use crate::agent::jobs::views;
use crate::core::jobs::{scheduler, spec};
use crate::proto::jobs::{
    CancelAction, CancelOutcome, JobDetail, JobFilter, JobId, JobList, JobSpec, JobState, JobView,
    JobsSnapshot,
};

fn store_failed(error: &StoreError) -> JobsError {
    tracing::error!(%error, "jobs: store failed");
    JobsError::internal(error.to_string())
}

impl Manager {
    pub(super) fn handle(&mut self, request: Request) {
        match request {
            Request::Submit { spec, reply } => {
                let _ = reply.send(self.submit(*spec));
            }
            Request::List { filter, reply } => {
                let _ = reply.send(self.list(&filter));
            }
            Request::Show { id, reply } => {
                let _ = reply.send(self.show(id).map(Box::new));
            }
            Request::Cancel {
                ids,
                force,
                grace_secs,
                reply,
            } => {
                let _ = reply.send(self.cancel(&ids, force, grace_secs));
            }
            Request::Requeue { id, reply } => {
                let _ = reply.send(self.requeue(id));
            }
            Request::Subscribe { only, reply } => {
                // Publish pending changes first so the snapshot and the stream line up.
                self.finish_turn();
                let receiver = self.updates.subscribe();
                let _ = reply.send(self.snapshot(&only).map(|snapshot| (snapshot, receiver)));
            }
            Request::LogTarget { id, reply } => {
                let _ = reply.send(self.log_target(id));
            }
            Request::Hold { reason } => {
                if self.held != reason {
                    tracing::info!(?reason, "jobs: queue hold changed");
                    self.held = reason;
                    self.needs_pass = true;
                }
            }
        }
    }

    fn submit(&mut self, spec: JobSpec) -> Result<JobView, JobsError> {
        spec::validate(&spec).map_err(|e| JobsError::invalid(e.0))?;
        let spec = on_this_machine(spec);
        check_folder(Path::new(&spec.cwd))?;
        if self.gpus.known {
            scheduler::check_fits(&self.scheduler_capacity(), spec.cpus, &spec.gpus)
                .map_err(JobsError::invalid)?;
        }
        if !spec.after.is_empty() {
            let states = self
                .store
                .states_of(&spec.after)
                .map_err(|e| store_failed(&e))?;
            if let Some((missing, _)) = states.iter().find(|(_, state)| state.is_none()) {
                return Err(JobsError::invalid(format!(
                    "--after {missing}: there is no job {missing}"
                )));
            }
        }
        let submitted_at = now_ms();
        let id = self
            .store
            .insert(&spec, submitted_at)
            .map_err(|e| store_failed(&e))?;
        tracing::info!(job = id, "jobs: submitted");
        self.insert_active(StoredJob::queued(id, spec, submitted_at));
        self.touch(id);
        // Answered now, once committed; the pass that may start it runs right after.
        self.needs_pass = true;
        self.view_of(id)
    }

    /// The current view of any job, active or not.
    fn view_of(&self, id: JobId) -> Result<JobView, JobsError> {
        if let Some(active) = self.active.get(&id) {
            return Ok(views::view(
                &active.job,
                &active.command,
                Some(&active.live),
            ));
        }
        let job = self
            .store
            .get(id)
            .map_err(|e| store_failed(&e))?
            .ok_or_else(|| JobsError::unknown_job(id))?;
        Ok(views::view(&job, &job.spec.command.to_string(), None))
    }

    fn list(&self, filter: &JobFilter) -> Result<JobList, JobsError> {
        let (jobs, finished_hidden) = self.store.list(filter).map_err(|e| store_failed(&e))?;
        let jobs = jobs
            .into_iter()
            .map(|job| match self.active.get(&job.id) {
                Some(active) => views::view(&active.job, &active.command, Some(&active.live)),
                None => views::view(&job, &job.spec.command.to_string(), None),
            })
            .collect();
        Ok(JobList {
            jobs,
            finished_hidden,
        })
    }

    fn show(&self, id: JobId) -> Result<JobDetail, JobsError> {
        let dir = JobDir::new(&self.paths.jobs_root, id);
        if let Some(active) = self.active.get(&id) {
            return Ok(views::detail(&active.job, &dir, Some(&active.live)));
        }
        let job = self
            .store
            .get(id)
            .map_err(|e| store_failed(&e))?
            .ok_or_else(|| JobsError::unknown_job(id))?;
        Ok(views::detail(&job, &dir, None))
    }

    fn cancel(
        &mut self,
        ids: &[JobId],
        force: bool,
        grace_secs: Option<u32>,
    ) -> Result<Vec<CancelOutcome>, JobsError> {
        if ids.is_empty() {
            return Err(JobsError::invalid("name at least one job to cancel"));
        }
        // Every id must exist before anything is cancelled.
        let mut states = Vec::with_capacity(ids.len());
        for &id in ids {
            let state = match self.active.get(&id) {
                Some(active) => active.job.state,
                None => self.view_of(id)?.state,
            };
            states.push((id, state));
        }
        let grace = grace_secs.unwrap_or(self.settings.cancel_grace_secs);
        let mut outcomes = Vec::with_capacity(ids.len());
        for (id, state) in states {
            let action = match state {
                JobState::Queued => {
                    self.end_without_running(
                        id,
                        JobState::Cancelled,
                        "cancelled before it started".into(),
                    );
                    CancelAction::Dequeued
                }
                JobState::Running => self.signal_running(id, force, grace),
                state => CancelAction::AlreadyEnded { state },
            };
            tracing::info!(job = id, ?action, "jobs: cancel");
            outcomes.push(CancelOutcome { id, action });
        }
        Ok(outcomes)
    }

    fn requeue(&mut self, id: JobId) -> Result<JobView, JobsError> {
        let job = match self.active.get(&id) {
            Some(active) => {
                return Err(JobsError::invalid(format!(
                    "job {id} is {}; only a finished job can be requeued",
                    active.job.state
                )));
            }
            None => self
                .store
                .get(id)
                .map_err(|e| store_failed(&e))?
                .ok_or_else(|| JobsError::unknown_job(id))?,
        };
        let dir = JobDir::new(&self.paths.jobs_root, id);
        dir.keep_previous_run().map_err(|error| {
            JobsError::internal(format!(
                "cannot set aside the previous logs in {}: {error}",
                dir.prefix().display()
            ))
        })?;
        self.store.requeue(id).map_err(|e| store_failed(&e))?;
        tracing::info!(job = id, "jobs: requeued");
        self.recent.retain(|view| view.id != id);
        self.insert_active(job.requeued());
        self.touch(id);
        self.schedule();
        self.view_of(id)
    }

    fn snapshot(&self, only: &[JobId]) -> Result<JobsSnapshot, JobsError> {
        if !only.is_empty() {
            let jobs = only
                .iter()
                .map(|&id| self.view_of(id))
                .collect::<Result<_, _>>()?;
            return Ok(JobsSnapshot {
                jobs,
                capacity: self.capacity.clone(),
            });
        }
        let mut jobs: Vec<JobView> = self.recent.iter().cloned().collect();
        jobs.extend(
            self.active
                .values()
                .map(|a| views::view(&a.job, &a.command, Some(&a.live))),
        );
        jobs.sort_by_key(|view| view.id);
        Ok(JobsSnapshot {
            jobs,
            capacity: self.capacity.clone(),
        })
    }

    fn log_target(&self, id: JobId) -> Result<LogTarget, JobsError> {
        let state = match self.active.get(&id) {
            Some(active) => active.job.state,
            None => self.view_of(id)?.state,
        };
        Ok(LogTarget {
            files: JobDir::new(&self.paths.jobs_root, id),
            state,
        })
    }
}

/// Variables a clean-environment job gets from the agent when the submitter sent none (a job
/// sent from another machine with `--on` carries only its `--env`).
const CLEAN_ENV_FROM_AGENT: [&str; 6] = ["HOME", "USER", "LOGNAME", "SHELL", "LANG", "PATH"];

/// Resolves what only this machine knows: `~` in the working folder (the agent user's home),
/// and the basic variables of a clean environment.
fn on_this_machine(mut spec: JobSpec) -> JobSpec {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/".to_owned());
    if spec.cwd == "~" {
        spec.cwd = home;
    } else if let Some(rest) = spec.cwd.strip_prefix("~/") {
        spec.cwd = Path::new(&home).join(rest).display().to_string();
    }
    if spec.clean_env {
        for name in CLEAN_ENV_FROM_AGENT {
            if let (false, Ok(value)) = (spec.env.contains_key(name), std::env::var(name)) {
                spec.env.insert(name.to_owned(), value);
            }
        }
        spec.env
            .entry("PATH".to_owned())
            .or_insert_with(|| "/usr/local/bin:/usr/bin:/bin".to_owned());
    }
    spec
}

/// The working folder must exist and be a folder.
fn check_folder(cwd: &Path) -> Result<(), JobsError> {
    match std::fs::metadata(cwd) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(JobsError::invalid(format!(
            "the working folder {} is not a folder",
            cwd.display()
        ))),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(JobsError::invalid(
            format!("the working folder {} does not exist", cwd.display()),
        )),
        Err(error) => Err(JobsError::invalid(format!(
            "the working folder {} cannot be used: {error}",
            cwd.display()
        ))),
    }
}
