//! A row's figures from what its agent sends: the instance summary (`subscribe_summary`: a
//! few hundred bytes per tick, job counts included). Values are rounded to what the row
//! shows, so a row task sends news only when the row would look different.

use crate::proto::summary::{GpuTotals, InstanceSummary};
use crate::tui::app::fleet::{GpuSummary, JobCounts, RowStats};

/// GPU memory is rounded to this many bytes (what the row shows is coarser still).
const MEMORY_STEP: u64 = 1 << 26;

/// The row's figures from `summary` of the machine called `hostname`.
pub fn stats(hostname: &str, summary: &InstanceSummary) -> RowStats {
    let memory_share = if summary.memory_total == 0 {
        0.0
    } else {
        summary.memory_used as f64 * 100.0 / summary.memory_total as f64
    };
    RowStats {
        hostname: hostname.to_owned(),
        cpu: percent(f64::from(summary.cpu)),
        memory: percent(memory_share),
        gpus: summary.gpus.as_ref().map(gpu_summary),
        jobs: Some(JobCounts {
            running: summary.jobs_running,
            queued: summary.jobs_queued,
        }),
        uptime_secs: summary.uptime_secs / 60 * 60,
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

fn gpu_summary(totals: &GpuTotals) -> GpuSummary {
    let round = |bytes: u64| (bytes + MEMORY_STEP / 2) / MEMORY_STEP * MEMORY_STEP;
    GpuSummary {
        count: totals.count,
        simulated: totals.simulated,
        utilization: totals.utilization.map(|u| percent(f64::from(u))),
        memory_used: round(totals.memory_used),
        memory_total: round(totals.memory_total),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures;

    fn summary(gpus: usize) -> InstanceSummary {
        InstanceSummary::of(&fixtures::sample_at(600, gpus), 2, 5)
    }

    #[test]
    fn a_summary_becomes_rounded_figures() {
        let summary = summary(2);
        let stats = stats("gpu-box", &summary);
        assert_eq!(stats.hostname, "gpu-box");
        assert_eq!(stats.cpu, percent(f64::from(summary.cpu)));
        assert!(stats.memory > 0 && stats.memory < 100, "{stats:?}");
        assert_eq!(stats.uptime_secs % 60, 0);
        assert_eq!(
            stats.jobs,
            Some(JobCounts {
                running: 2,
                queued: 5
            })
        );
        let gpus = stats.gpus.unwrap();
        assert_eq!((gpus.count, gpus.simulated), (2, true));
        assert!(gpus.memory_total > gpus.memory_used, "{gpus:?}");
        assert_eq!(gpus.memory_used % MEMORY_STEP, 0);
    }

    #[test]
    fn no_gpu_reading_is_no_summary() {
        assert_eq!(stats("x", &summary(0)).gpus, None);
    }

    #[test]
    fn a_summary_is_small_whatever_the_gpus() {
        for gpus in [0, 2, 8] {
            let bytes = serde_json::to_vec(&summary(gpus)).unwrap().len();
            assert!(bytes < 400, "{gpus} GPUs: {bytes} bytes");
        }
    }
}
