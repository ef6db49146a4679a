//! What clients see of a job: [`JobView`] and [`JobDetail`] built from the stored record and
//! what the manager knows of it now (wait reason, GPU memory).

use std::collections::BTreeMap;

use super::dir::{JobDir, Phase};
use super::store::StoredJob;
use crate::proto::jobs::{JobDetail, JobState, JobView, LogStream};

/// What the manager knows of a job beyond its stored record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveFacts {
    /// Why a queued job waits.
    pub wait_reason: Option<String>,
    /// GPU memory per GPU index of a running job's processes.
    pub gpu_memory: BTreeMap<u32, u64>,
}

/// The one-line view of `job`.
pub fn view(job: &StoredJob, command: &str, live: Option<&LiveFacts>) -> JobView {
    let wait_reason = live.and_then(|l| l.wait_reason.clone());
    let reason = match job.state {
        JobState::Queued => wait_reason,
        _ => job.reason.clone(),
    };
    let gpu_memory = live
        .filter(|l| job.state == JobState::Running && !l.gpu_memory.is_empty())
        .map(|l| l.gpu_memory.values().sum());
    JobView {
        id: job.id,
        name: job.spec.name.clone(),
        state: job.state,
        command: command.to_owned(),
        cpus: job.spec.cpus,
        gpus_requested: job.spec.gpus.clone(),
        gpus: job.gpus.clone(),
        priority: job.spec.priority,
        submitted_at_ms: job.submitted_at_ms,
        started_at_ms: job.started_at_ms,
        ended_at_ms: job.ended_at_ms,
        exit_code: job.exit_code,
        signal: job.signal,
        reason,
        gpu_memory,
        logs_truncated: job.logs_truncated,
        cancel_requested: job.cancel_requested && !job.state.is_terminal(),
    }
}

/// Everything `show` prints about `job`.
pub fn detail(job: &StoredJob, dir: &JobDir, live: Option<&LiveFacts>) -> JobDetail {
    let command = job.spec.command.to_string();
    let mut detail = JobDetail {
        view: view(job, &command, live),
        spec: job.spec.clone(),
        dir: dir.folder().display().to_string(),
        stdout_path: dir.log_path(LogStream::Stdout).display().to_string(),
        stderr_path: dir.log_path(LogStream::Stderr).display().to_string(),
        shim_pid: None,
        pgid: None,
        master_port: job.master_port,
        gpu_memory_by_gpu: live
            .filter(|_| job.state == JobState::Running)
            .map(|l| l.gpu_memory.clone())
            .unwrap_or_default(),
        runs: job.runs,
    };
    if job.state == JobState::Running {
        if let Ok(Some(status)) = dir.read_status() {
            detail.shim_pid = Some(status.shim_pid);
            if status.phase == Phase::Running {
                detail.pgid = status.child_pid;
            }
        }
        detail.shim_pid = detail.shim_pid.or(job.shim_pid);
    }
    if let Ok(Some(status)) = dir.read_status() {
        detail.view.logs_truncated |= status.logs_truncated;
    }
    detail
}
