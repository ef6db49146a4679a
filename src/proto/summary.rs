//! An instance at a glance: what the fleet view shows per row, a few hundred bytes per sample
//! instead of a whole telemetry sample (whose GPU part alone grows by ~0.5 KB per GPU).

use serde::{Deserialize, Serialize};

use super::telemetry::{GpuSource, Sample};

/// One instance's figures at one tick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceSummary {
    /// The sample it was made from.
    pub seq: u64,
    pub interval_ms: u32,
    pub uptime_secs: u64,
    /// CPU busy share, 0–100.
    pub cpu: f32,
    pub memory_used: u64,
    pub memory_total: u64,
    /// `None` when no GPU can be read (none, no driver, still loading).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpus: Option<GpuTotals>,
    pub jobs_running: u32,
    pub jobs_queued: u32,
}

/// All GPUs of an instance together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuTotals {
    pub count: u32,
    /// Simulated GPUs (label them SIMULATED).
    pub simulated: bool,
    /// Mean busy share of the GPUs that report one, 0–100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utilization: Option<u32>,
    pub memory_used: u64,
    pub memory_total: u64,
}

impl InstanceSummary {
    /// The summary of `sample`, with the job counts the job runner reports.
    pub fn of(sample: &Sample, jobs_running: u32, jobs_queued: u32) -> InstanceSummary {
        InstanceSummary {
            seq: sample.seq,
            interval_ms: sample.interval_ms,
            uptime_secs: sample.uptime_secs,
            cpu: sample.cpu.total,
            memory_used: sample.memory.used,
            memory_total: sample.memory.total,
            gpus: GpuTotals::of(sample),
            jobs_running,
            jobs_queued,
        }
    }
}

impl GpuTotals {
    fn of(sample: &Sample) -> Option<GpuTotals> {
        let panel = &sample.gpus;
        let readable = matches!(panel.source, GpuSource::Nvml { .. } | GpuSource::Simulated);
        if !readable || panel.gpus.is_empty() {
            return None;
        }
        let utilizations: Vec<u32> = panel.gpus.iter().filter_map(|g| g.utilization).collect();
        let count = u32::try_from(utilizations.len()).unwrap_or(u32::MAX);
        let utilization = (count > 0).then(|| utilizations.iter().sum::<u32>() / count);
        let (memory_used, memory_total) = panel
            .gpus
            .iter()
            .filter_map(|g| Some((g.memory_used?, g.memory_total?)))
            .fold((0, 0), |(u, t), (used, total)| (u + used, t + total));
        Some(GpuTotals {
            count: u32::try_from(panel.gpus.len()).unwrap_or(u32::MAX),
            simulated: panel.is_simulated() || panel.gpus.iter().any(|g| g.simulated),
            utilization,
            memory_used,
            memory_total,
        })
    }
}
