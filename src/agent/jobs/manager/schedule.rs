//! The scheduling pass and starting jobs.
//!
//! The rules are `core::jobs::scheduler`'s; this file feeds it the manager's state, applies
//! its plan (start, doom, new wait reasons) and records each step in the store before acting:
//! a job is marked running — committed — before its shim is spawned, so an agent killed in
//! between finds the job's status without a live shim and puts the job back in the queue
//! instead of losing it or running it twice (see `adopt`).

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Internal, Manager, now_ms};
use crate::agent::jobs::dir::{JobDir, Launch};
use crate::agent::jobs::exit_watch::Shim;
use crate::agent::jobs::launch;
use crate::agent::jobs::store::JobEnd;
use crate::core::jobs::scheduler::{self, Capacity, Dependency, Running, Waiting};
use crate::proto::jobs::{GpuHolder, GpuSlot, JobCapacity, JobId, JobState};

/// When starting a job failed for a reason that may pass (no processes left, say).
const RETRY_AFTER: Duration = Duration::from_secs(5);

impl Manager {
    /// What the instance has for jobs now.
    pub(super) fn scheduler_capacity(&self) -> Capacity {
        Capacity {
            cpu_slots: self.settings.cpu_slots,
            gpus: self.gpus.indices.clone(),
            foreign: if self.settings.avoid_foreign_gpus {
                self.attribution.foreign.clone()
            } else {
                Default::default()
            },
        }
    }

    /// One pass: decide, then start, doom and explain.
    pub(super) fn schedule(&mut self) {
        self.needs_pass = false;
        if !self.gpus.known {
            return;
        }
        let capacity = self.scheduler_capacity();
        let mut running = Vec::new();
        let mut waiting = Vec::new();
        for (id, active) in &self.active {
            let spec = &active.job.spec;
            match active.job.state {
                JobState::Running => running.push(Running {
                    id: *id,
                    cpus: spec.cpus,
                    gpus: active.job.gpus.clone(),
                }),
                // A job that no longer fits (GPUs gone missing) waits with the reason and
                // claims nothing; it is never failed for a passing loss of capacity.
                JobState::Queued => {
                    waiting.push(Waiting {
                        id: *id,
                        priority: spec.priority,
                        cpus: spec.cpus,
                        gpus: spec.gpus.clone(),
                        after: spec.after.clone(),
                    });
                }
                _ => {}
            }
        }
        let finished = self.dependency_states(&waiting);
        let active = &self.active;
        let dependency = |id: JobId| -> Dependency {
            match active.get(&id) {
                Some(_) => Dependency::Pending,
                None => match finished.get(&id) {
                    Some(JobState::Succeeded) => Dependency::Succeeded,
                    Some(JobState::Failed) => Dependency::Failed,
                    Some(JobState::Cancelled) => Dependency::Cancelled,
                    Some(JobState::Queued | JobState::Running) => Dependency::Pending,
                    None => Dependency::Missing,
                },
            }
        };
        let mut plan = scheduler::plan(&capacity, &running, &waiting, &dependency);
        if let Some(reason) = &self.held {
            let held = std::mem::take(&mut plan.start);
            plan.waiting
                .extend(held.into_iter().map(|start| (start.id, reason.clone())));
        }
        for (id, why) in plan.doomed {
            self.end_without_running(id, JobState::Failed, why);
        }
        for (id, why) in plan.waiting {
            if let Some(active) = self.active.get_mut(&id)
                && active.live.wait_reason.as_deref() != Some(why.as_str())
            {
                active.live.wait_reason = Some(why);
                self.touch(id);
            }
        }
        let started = !plan.start.is_empty();
        for start in plan.start {
            self.start_job(start.id, &start.gpus);
        }
        if started {
            // Off the path of the jobs just started: the next one finds a shim waiting.
            self.spare.refill(&self.paths.exe);
        }
        self.refresh_capacity(plan.gpus, plan.cpu_slots_used);
    }

    /// States of the finished jobs that waiting jobs name in `after`.
    fn dependency_states(&self, waiting: &[Waiting]) -> BTreeMap<JobId, JobState> {
        let mut wanted: Vec<JobId> = waiting
            .iter()
            .flat_map(|w| w.after.iter().copied())
            .filter(|id| !self.active.contains_key(id))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut states = BTreeMap::new();
        for view in &self.recent {
            if wanted.binary_search(&view.id).is_ok() {
                states.insert(view.id, view.state);
            }
        }
        wanted.retain(|id| !states.contains_key(id));
        if !wanted.is_empty() {
            match self.store.states_of(&wanted) {
                Ok(found) => {
                    states.extend(found.into_iter().filter_map(|(id, s)| Some((id, s?))));
                }
                Err(error) => tracing::error!(%error, "jobs: cannot read dependencies"),
            }
        }
        states
    }

    fn refresh_capacity(&mut self, gpus: Vec<GpuSlot>, cpu_slots_used: u32) {
        let gpus = if gpus.is_empty() {
            // The plan lists the GPUs; without queued work it may still have none to list.
            self.gpus
                .indices
                .iter()
                .map(|&index| GpuSlot {
                    index,
                    holder: GpuHolder::Free,
                })
                .collect()
        } else {
            gpus
        };
        let capacity = JobCapacity {
            cpu_slots: self.settings.cpu_slots,
            cpu_slots_used,
            gpus,
            simulated_gpus: self.gpus.simulated,
            gpus_unavailable: self.gpus.unavailable.clone(),
        };
        if capacity != self.capacity {
            self.capacity = capacity;
            self.capacity_changed = true;
        }
    }

    /// Marks a queued job ended without having run (cancelled, or a dependency failed).
    pub(super) fn end_without_running(&mut self, id: JobId, state: JobState, reason: String) {
        let Some(active) = self.active.get(&id) else {
            return;
        };
        let end = JobEnd {
            state,
            ended_at_ms: now_ms(),
            exit_code: None,
            signal: None,
            reason: Some(reason),
            logs_truncated: false,
        };
        if let Err(error) = self.store.finish(id, &end) {
            tracing::error!(%error, job = id, "jobs: cannot record the end of a job");
            return;
        }
        let mut job = active.job.clone();
        job.state = end.state;
        job.ended_at_ms = Some(end.ended_at_ms);
        job.reason = end.reason;
        tracing::info!(job = id, state = %job.state, reason = ?job.reason, "jobs: ended without running");
        self.retire(job);
    }

    /// Records the start, then spawns the shim.
    fn start_job(&mut self, id: JobId, gpus: &[u32]) {
        let Some(active) = self.active.get(&id) else {
            return;
        };
        let spec = active.job.spec.clone();
        let master_port = match launch::free_local_port() {
            Ok(port) => Some(port),
            Err(error) => {
                tracing::warn!(%error, "jobs: no free port for MASTER_PORT");
                None
            }
        };
        let started_at = now_ms();
        if let Err(error) = self.store.mark_running(id, started_at, gpus, master_port) {
            tracing::error!(%error, job = id, "jobs: cannot record a start; the job stays queued");
            self.retry_later();
            return;
        }
        let runs = active.job.runs + 1;
        let dir = JobDir::new(&self.paths.jobs_root, id);
        let launch = Launch {
            job: id,
            prefix: dir.prefix().to_owned(),
            run: runs,
            argv: spec.command.argv(),
            cwd: spec.cwd.clone(),
            env: launch::job_environment(&spec, id, gpus, master_port),
        };
        if let Some(active) = self.active.get_mut(&id) {
            active.job.state = JobState::Running;
            active.job.started_at_ms = Some(started_at);
            active.job.gpus = gpus.to_vec();
            active.job.master_port = master_port;
            active.job.runs = runs;
            active.live.wait_reason = None;
        }
        match self.spare.hand_over(&self.paths.exe, &dir, &launch) {
            Ok(child) => {
                // Kept in memory only: the status file holds it for a restarted agent, which
                // stores it when it adopts the job; one commit less per job.
                if let (Some(pid), Some(active)) = (child.id(), self.active.get_mut(&id)) {
                    active.job.shim_pid = Some(pid);
                }
                tracing::info!(job = id, ?gpus, "jobs: started");
                self.watch_shim(id, Shim::Child(child));
                self.touch(id);
            }
            Err(error) => {
                tracing::error!(%error, job = id, "jobs: cannot start the shim");
                self.end_running(
                    id,
                    JobState::Failed,
                    None,
                    None,
                    Some(format!("could not be started: {error}")),
                    false,
                );
            }
        }
    }

    fn retry_later(&self) {
        let internal = self.internal.clone();
        tokio::spawn(async move {
            tokio::time::sleep(RETRY_AFTER).await;
            let _ = internal.send(Internal::Retry);
        });
    }
}
