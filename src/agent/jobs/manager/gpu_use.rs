//! What the sampler says about GPUs, as the job runner needs it: which GPUs exist, how much
//! GPU memory each running job's processes hold, and which GPUs are busy with processes that
//! belong to no job.
//!
//! A job's processes are found by session: the shim starts a new session, so every process
//! of the job (unless it starts a session of its own) has the shim's pid as its session id.

use std::collections::HashMap;

use super::Manager;
use crate::agent::sampler::Published;
use crate::core::jobs::accounting::{self, GpuUse};
use crate::proto::jobs::{JobId, JobState};
use crate::proto::telemetry::GpuSource;

impl Manager {
    pub(super) fn on_sample(&mut self, published: &Published) {
        let panel = &published.sample.gpus;
        if matches!(panel.source, GpuSource::Loading) {
            return;
        }
        let indices: Vec<u32> = panel.gpus.iter().map(|g| g.index).collect();
        let unavailable = match &panel.source {
            GpuSource::Unavailable { reason } => Some(reason.clone()),
            _ => None,
        };
        let simulated = panel.is_simulated();
        if indices != self.gpus.indices
            || unavailable != self.gpus.unavailable
            || simulated != self.gpus.simulated
        {
            self.gpus.indices = indices;
            self.gpus.unavailable = unavailable;
            self.gpus.simulated = simulated;
            self.needs_pass = true;
        }
        let uses: Vec<GpuUse> = panel
            .gpus
            .iter()
            .flat_map(|gpu| {
                gpu.processes.iter().map(|p| GpuUse {
                    gpu: gpu.index,
                    pid: p.pid,
                    memory: p.memory,
                })
            })
            .collect();
        if uses.is_empty()
            && self.attribution.per_job.is_empty()
            && self.attribution.foreign.is_empty()
        {
            return;
        }
        let sessions: HashMap<u32, JobId> = self
            .active
            .values()
            .filter(|a| a.job.state == JobState::Running)
            .filter_map(|a| Some((a.job.shim_pid?, a.job.id)))
            .collect();
        let job_of = |pid: u32| session_of(pid).and_then(|sid| sessions.get(&sid).copied());
        let attribution = accounting::attribute(&uses, &job_of);
        if attribution.foreign != self.attribution.foreign && self.settings.avoid_foreign_gpus {
            self.needs_pass = true;
        }
        let ids: Vec<JobId> = self.active.keys().copied().collect();
        for id in ids {
            let memory = attribution.per_job.get(&id).cloned().unwrap_or_default();
            let changed = self.active.get_mut(&id).is_some_and(|active| {
                let differs: bool = active.live.gpu_memory != memory;
                active.live.gpu_memory = memory;
                differs
            });
            if changed {
                self.touch(id);
            }
        }
        self.attribution = attribution;
    }
}

/// The session id of a process (field 6 of `/proc/PID/stat`).
fn session_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may contain anything; fields after the
    // last ')' are plain.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_ascii_whitespace().nth(3)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_session_is_read() {
        let me = std::process::id();
        let sid = nix::unistd::getsid(None).unwrap().as_raw();
        assert_eq!(session_of(me), u32::try_from(sid).ok());
        assert_eq!(session_of(u32::MAX), None);
    }
}
