//! After an agent restart: what became of the jobs the store says are running.
//!
//! Each such job's status file and its lock answer (see `dir::Probe`):
//! - its shim still holds the lock → the job runs: watch the shim (adopted, through a pidfd);
//! - the shim recorded an end → record it, as if the agent had been there;
//! - no shim ever started the program (the agent died between recording the start and the
//!   shim taking its lock) → back to the queue: it never ran, so running it later runs it once;
//! - the shim started the program and was then killed → the program died with it (the shim
//!   sets PDEATHSIG): failed, and never run again behind the user's back.
//!
//! This happens before the manager's first scheduling pass, so queued work never starts
//! beside a job the last agent left running.

use super::now_ms;
use crate::agent::jobs::dir::{JobDir, Probe};
use crate::agent::jobs::exit_watch::{PidFd, Shim};
use crate::agent::jobs::store::{JobEnd, Store, StoreError};
use crate::proto::jobs::{JobId, JobState};

/// Settles every running job in the store; returns the shims still alive, to be watched.
pub(super) fn settle(
    store: &mut Store,
    jobs_root: &std::path::Path,
) -> anyhow::Result<Vec<(JobId, Shim)>> {
    let mut alive = Vec::new();
    for job in store.load_active()? {
        if job.state != JobState::Running {
            continue;
        }
        let dir = JobDir::new(jobs_root, job.id);
        match probe_settled(&dir)? {
            Probe::Alive(status) => {
                let pid = status.map(|s| s.shim_pid).or(job.shim_pid);
                match pid.map(PidFd::open).transpose()?.flatten() {
                    // Still alive after the pidfd was opened: the pidfd is that shim's.
                    Some(pidfd) if matches!(probe(&dir)?, Probe::Alive(_)) => {
                        tracing::info!(job = job.id, "jobs: re-adopted a running job");
                        if let Some(pid) = pid {
                            store.set_shim_pid(job.id, pid)?;
                        }
                        alive.push((job.id, Shim::Adopted(pidfd)));
                    }
                    _ => settle_ended(store, &dir, job.id, job.cancel_requested)?,
                }
            }
            _ => settle_ended(store, &dir, job.id, job.cancel_requested)?,
        }
    }
    Ok(alive)
}

/// The folder's answer once a shim that holds the lock has also written its status (it does
/// so right after taking the lock), so that its pid is known.
fn probe_settled(dir: &JobDir) -> anyhow::Result<Probe> {
    for _ in 0..200 {
        match probe(dir)? {
            Probe::Alive(None) => std::thread::sleep(std::time::Duration::from_millis(5)),
            settled => return Ok(settled),
        }
    }
    probe(dir)
}

/// The folder's answer, a folder that does not exist counting as "never started".
fn probe(dir: &JobDir) -> anyhow::Result<Probe> {
    match dir.probe() {
        Ok(probe) => Ok(probe),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Probe::NeverStarted),
        Err(error) => Err(anyhow::anyhow!(
            "cannot tell whether job folder {} has a live job: {error}",
            dir.prefix().display()
        )),
    }
}

/// Records what happened to a job whose shim is gone.
fn settle_ended(
    store: &mut Store,
    dir: &JobDir,
    id: JobId,
    cancelled: bool,
) -> Result<(), StoreError> {
    let end = |state, exit_code, signal, reason: Option<&str>, logs_truncated| JobEnd {
        state,
        ended_at_ms: now_ms(),
        exit_code,
        signal,
        reason: reason.map(str::to_owned),
        logs_truncated,
    };
    match probe(dir).unwrap_or(Probe::Vanished(None)) {
        Probe::Exited(status) => {
            let state = if cancelled {
                JobState::Cancelled
            } else if status.exit_code == Some(0) {
                JobState::Succeeded
            } else {
                JobState::Failed
            };
            let mut recorded = end(
                state,
                status.exit_code,
                status.signal,
                status.spawn_error.as_deref(),
                status.logs_truncated,
            );
            recorded.ended_at_ms = status.ended_at_ms.unwrap_or(recorded.ended_at_ms);
            tracing::info!(job = id, %state, "jobs: recorded an end that happened while no agent ran");
            store.finish(id, &recorded)
        }
        Probe::NeverStarted => {
            tracing::info!(job = id, "jobs: a start was interrupted; back in the queue");
            // A shim of the interrupted start cannot run it twice: it never got its launch,
            // or it holds the lock (and is adopted when it is found), or it finds the job ran.
            store.requeue(id)
        }
        Probe::Vanished(_) | Probe::Alive(_) => {
            let reason = "its shim was killed while no agent ran, and the job with it";
            tracing::warn!(job = id, reason, "jobs: lost a running job");
            let state = if cancelled {
                JobState::Cancelled
            } else {
                JobState::Failed
            };
            store.finish(id, &end(state, None, None, Some(reason), false))
        }
    }
}
