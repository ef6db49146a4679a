//! A row's figures from what its agent sends: one sample, and the running and queued jobs
//! kept from the jobs snapshot and its changes. Values are rounded to what the row shows, so
//! a row task sends news only when the row would look different.

use std::collections::BTreeMap;

use crate::proto::jobs::{JobId, JobState, JobsSnapshot, JobsUpdate};
use crate::proto::telemetry::{GpuSource, Sample};
use crate::tui::app::fleet::{GpuSummary, JobCounts, RowStats};

/// GPU memory is rounded to this many bytes (what the row shows is coarser still).
const MEMORY_STEP: u64 = 1 << 26;

/// The jobs that have not ended, by id: enough to count the running and queued ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobCounter {
    live: BTreeMap<JobId, JobState>,
}

impl JobCounter {
    /// Starts over from a snapshot (the subscription's answer, or a resync).
    pub fn replace(&mut self, snapshot: &JobsSnapshot) {
        self.live = snapshot
            .jobs
            .iter()
            .filter(|job| !job.state.is_terminal())
            .map(|job| (job.id, job.state))
            .collect();
    }

    /// Takes a batch of changed jobs.
    pub fn merge(&mut self, update: &JobsUpdate) {
        for job in &update.changed {
            if job.state.is_terminal() {
                self.live.remove(&job.id);
            } else {
                self.live.insert(job.id, job.state);
            }
        }
    }

    pub fn counts(&self) -> JobCounts {
        let count = |wanted| {
            let n = self.live.values().filter(|state| **state == wanted).count();
            u32::try_from(n).unwrap_or(u32::MAX)
        };
        JobCounts {
            running: count(JobState::Running),
            queued: count(JobState::Queued),
        }
    }
}

/// The row's figures from `sample` of the machine called `hostname`.
pub fn stats(hostname: &str, sample: &Sample, jobs: Option<JobCounts>) -> RowStats {
    let memory = &sample.memory;
    let memory_share = if memory.total == 0 {
        0.0
    } else {
        memory.used as f64 * 100.0 / memory.total as f64
    };
    RowStats {
        hostname: hostname.to_owned(),
        cpu: percent(f64::from(sample.cpu.total)),
        memory: percent(memory_share),
        gpus: gpu_summary(sample),
        jobs,
        uptime_secs: sample.uptime_secs / 60 * 60,
    }
}

/// 0–100, rounded; anything that is not a number is 0.
fn percent(value: f64) -> u8 {
    if value.is_finite() {
        value.round().clamp(0.0, 100.0) as u8
    } else {
        0
    }
}

fn gpu_summary(sample: &Sample) -> Option<GpuSummary> {
    let panel = &sample.gpus;
    let readable = matches!(panel.source, GpuSource::Nvml { .. } | GpuSource::Simulated);
    if !readable || panel.gpus.is_empty() {
        return None;
    }
    let utilizations: Vec<u32> = panel.gpus.iter().filter_map(|g| g.utilization).collect();
    let utilization = (!utilizations.is_empty()).then(|| {
        let mean = f64::from(utilizations.iter().sum::<u32>()) / utilizations.len() as f64;
        percent(mean)
    });
    let round = |bytes: u64| (bytes + MEMORY_STEP / 2) / MEMORY_STEP * MEMORY_STEP;
    let with_memory = panel
        .gpus
        .iter()
        .filter_map(|g| Some((g.memory_used?, g.memory_total?)));
    let (used, total) = with_memory.fold((0, 0), |(u, t), (used, total)| (u + used, t + total));
    Some(GpuSummary {
        count: u32::try_from(panel.gpus.len()).unwrap_or(u32::MAX),
        simulated: panel.is_simulated() || panel.gpus.iter().any(|g| g.simulated),
        utilization,
        memory_used: round(used),
        memory_total: round(total),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures;

    #[test]
    fn a_sample_becomes_rounded_figures() {
        let sample = fixtures::sample_at(600, 2);
        let stats = stats("gpu-box", &sample, None);
        assert_eq!(stats.hostname, "gpu-box");
        assert_eq!(stats.cpu, percent(f64::from(sample.cpu.total)));
        assert!(stats.memory > 0 && stats.memory < 100, "{stats:?}");
        assert_eq!(stats.uptime_secs % 60, 0);
        let gpus = stats.gpus.unwrap();
        assert_eq!((gpus.count, gpus.simulated), (2, true));
        assert!(gpus.memory_total > gpus.memory_used, "{gpus:?}");
        assert_eq!(gpus.memory_used % MEMORY_STEP, 0);
    }

    #[test]
    fn no_gpu_reading_is_no_summary() {
        let sample = fixtures::sample_at(600, 0);
        assert_eq!(stats("x", &sample, None).gpus, None);
    }

    #[test]
    fn jobs_are_counted_from_the_snapshot_and_its_changes() {
        let snapshot = fixtures::jobs::snapshot();
        let mut counter = JobCounter::default();
        counter.replace(&snapshot);
        let before = counter.counts();
        let expected = |state| {
            let n = snapshot.jobs.iter().filter(|j| j.state == state).count();
            u32::try_from(n).unwrap()
        };
        assert_eq!(before.running, expected(JobState::Running));
        assert_eq!(before.queued, expected(JobState::Queued));
        let mut ended = snapshot
            .jobs
            .iter()
            .find(|j| j.state == JobState::Running)
            .unwrap()
            .clone();
        ended.state = JobState::Succeeded;
        counter.merge(&JobsUpdate {
            changed: vec![ended],
            capacity: None,
        });
        assert_eq!(counter.counts().running, before.running - 1);
        assert_eq!(counter.counts().queued, before.queued);
    }
}
