//! How running jobs end: their shim exits (on its own or after a cancel), or a cancel's grace
//! period runs out and the job's process group gets SIGKILL.

use std::time::Duration;

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

use super::{Internal, Manager, now_ms};
use crate::agent::jobs::dir::{JobDir, Phase, Probe};
use crate::agent::jobs::exit_watch::{PidFd, Shim};
use crate::agent::jobs::store::JobEnd;
use crate::proto::jobs::{CancelAction, JobId, JobState};

/// How soon to look again at a shim that was reported gone but still holds its lock.
const RECHECK_AFTER: Duration = Duration::from_millis(200);

impl Manager {
    /// A shim exited: read how the job ended and record it.
    pub(super) fn shim_exited(&mut self, id: JobId) {
        if !self.active.contains_key(&id) {
            return;
        }
        let dir = JobDir::new(&self.paths.jobs_root, id);
        let probe = match dir.probe() {
            Ok(probe) => probe,
            Err(error) => {
                tracing::error!(%error, job = id, "jobs: cannot read the job's status file");
                self.end_running(
                    id,
                    JobState::Failed,
                    None,
                    None,
                    Some(format!("its end could not be read: {error}")),
                    false,
                );
                return;
            }
        };
        match probe {
            Probe::Exited(status) => {
                let cancelled = self.active.get(&id).is_some_and(|a| a.job.cancel_requested);
                let state = if cancelled {
                    JobState::Cancelled
                } else if status.exit_code == Some(0) {
                    JobState::Succeeded
                } else {
                    JobState::Failed
                };
                let reason = status
                    .spawn_error
                    .clone()
                    .or_else(|| cancelled.then(|| "cancelled while running".to_owned()));
                self.end_running(
                    id,
                    state,
                    status.exit_code,
                    status.signal,
                    reason,
                    status.logs_truncated,
                );
            }
            Probe::Alive(status) => {
                // Another shim of this job holds the lock (one the last agent started just
                // before it died): watch that one instead.
                let pid = status.map(|s| s.shim_pid);
                match pid.map(PidFd::open) {
                    Some(Ok(Some(pidfd))) => self.watch_shim(id, Shim::Adopted(pidfd)),
                    _ => {
                        let internal = self.internal.clone();
                        tokio::spawn(async move {
                            tokio::time::sleep(RECHECK_AFTER).await;
                            let _ = internal.send(Internal::ShimExited(id));
                        });
                    }
                }
            }
            Probe::NeverStarted => {
                let cancelled = self.active.get(&id).is_some_and(|a| a.job.cancel_requested);
                let state = if cancelled {
                    JobState::Cancelled
                } else {
                    JobState::Failed
                };
                self.end_running(
                    id,
                    state,
                    None,
                    None,
                    Some("its shim exited before starting it".into()),
                    false,
                );
            }
            Probe::Vanished(_) => {
                let cancelled = self.active.get(&id).is_some_and(|a| a.job.cancel_requested);
                let (state, reason) = if cancelled {
                    (JobState::Cancelled, "cancelled; its shim was killed")
                } else {
                    (JobState::Failed, "its shim was killed, and the job with it")
                };
                self.end_running(id, state, None, None, Some(reason.into()), false);
            }
        }
    }

    /// Records the end of a running job and frees what it held.
    pub(super) fn end_running(
        &mut self,
        id: JobId,
        state: JobState,
        exit_code: Option<i32>,
        signal: Option<i32>,
        reason: Option<String>,
        logs_truncated: bool,
    ) {
        let Some(active) = self.active.get(&id) else {
            return;
        };
        let end = JobEnd {
            state,
            ended_at_ms: now_ms(),
            exit_code,
            signal,
            reason,
            logs_truncated,
        };
        if let Err(error) = self.store.finish(id, &end) {
            // The job is over either way; the store will be told again on the next restart,
            // when the job's status file still says how it ended.
            tracing::error!(%error, job = id, "jobs: cannot record the end of a job");
        }
        let mut job = active.job.clone();
        job.state = end.state;
        job.ended_at_ms = Some(end.ended_at_ms);
        job.exit_code = end.exit_code;
        job.signal = end.signal;
        job.reason = end.reason;
        job.logs_truncated = end.logs_truncated;
        tracing::info!(job = id, state = %job.state, exit_code = ?job.exit_code, signal = ?job.signal, "jobs: ended");
        self.retire(job);
    }

    /// Signals a running job: SIGTERM now and SIGKILL after `grace` (or SIGKILL at once).
    pub(super) fn signal_running(
        &mut self,
        id: JobId,
        force: bool,
        grace_secs: u32,
    ) -> CancelAction {
        let deadline = (!force).then(|| now_ms() + u64::from(grace_secs) * 1000);
        if let Err(error) = self.store.request_cancel(id, deadline) {
            tracing::error!(%error, job = id, "jobs: cannot record a cancel");
        }
        if let Some(active) = self.active.get_mut(&id) {
            active.job.cancel_requested = true;
            active.job.kill_deadline_ms = deadline;
        }
        self.touch(id);
        if force {
            self.signal_job(id, Signal::SIGKILL);
            CancelAction::Killed
        } else {
            self.signal_job(id, Signal::SIGTERM);
            self.arm_kill_timer(id, Duration::from_secs(u64::from(grace_secs)));
            CancelAction::Terminating { grace_secs }
        }
    }

    /// Sends `signal` to the job's process group; before the program has started, the shim
    /// itself is killed (the program, if it just started, dies with it).
    fn signal_job(&self, id: JobId, signal: Signal) {
        let dir = JobDir::new(&self.paths.jobs_root, id);
        let status = dir.read_status().ok().flatten();
        match status {
            Some(status) if status.phase == Phase::Running => {
                if let Some(pgid) = status.child_pid.and_then(|p| i32::try_from(p).ok())
                    && let Err(error) = killpg(Pid::from_raw(pgid), signal)
                {
                    tracing::debug!(%error, job = id, "jobs: signalling the job's group");
                }
            }
            Some(status) if status.phase == Phase::Exited => {}
            other => {
                let shim = other
                    .map(|s| s.shim_pid)
                    .or_else(|| self.active.get(&id).and_then(|a| a.job.shim_pid));
                if let Some(pid) = shim.and_then(|p| i32::try_from(p).ok()) {
                    let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
                }
            }
        }
    }

    fn arm_kill_timer(&self, id: JobId, after: Duration) {
        let internal = self.internal.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            let _ = internal.send(Internal::KillDeadline(id));
        });
    }

    /// The grace period is over: SIGKILL whatever is left of the job.
    pub(super) fn kill_deadline(&mut self, id: JobId) {
        let running = self
            .active
            .get(&id)
            .is_some_and(|a| a.job.state == JobState::Running && a.job.cancel_requested);
        if running {
            tracing::info!(job = id, "jobs: grace period over; SIGKILL");
            self.signal_job(id, Signal::SIGKILL);
        }
    }

    /// After a restart: cancels whose grace period was still running get their timer back.
    pub(super) fn rearm_cancel_timers(&self) {
        let now = now_ms();
        for (id, active) in &self.active {
            if let (JobState::Running, Some(deadline)) =
                (active.job.state, active.job.kill_deadline_ms)
            {
                self.arm_kill_timer(*id, Duration::from_millis(deadline.saturating_sub(now)));
            }
        }
    }
}
