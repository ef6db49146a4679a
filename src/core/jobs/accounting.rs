//! Which GPU processes belong to which job, and which GPUs are busy with processes that belong
//! to no job ("foreign").

use std::collections::{BTreeMap, BTreeSet};

use crate::proto::jobs::JobId;

/// One process seen on one GPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GpuUse {
    pub gpu: u32,
    pub pid: u32,
    /// Memory it holds on that GPU, when the driver says.
    pub memory: Option<u64>,
}

/// GPU use split between jobs and everything else.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attribution {
    /// Per job: memory per GPU index (a process with unknown memory counts 0).
    pub per_job: BTreeMap<JobId, BTreeMap<u32, u64>>,
    /// GPUs with at least one process that belongs to no job.
    pub foreign: BTreeSet<u32>,
}

impl Attribution {
    /// Total GPU memory of one job.
    pub fn job_memory(&self, job: JobId) -> Option<u64> {
        self.per_job.get(&job).map(|by_gpu| by_gpu.values().sum())
    }
}

/// Splits `uses` by the job each process belongs to (`job_of` answers for a pid).
pub fn attribute(uses: &[GpuUse], job_of: &dyn Fn(u32) -> Option<JobId>) -> Attribution {
    let mut attribution = Attribution::default();
    for usage in uses {
        match job_of(usage.pid) {
            Some(job) => {
                *attribution
                    .per_job
                    .entry(job)
                    .or_default()
                    .entry(usage.gpu)
                    .or_default() += usage.memory.unwrap_or(0);
            }
            None => {
                attribution.foreign.insert(usage.gpu);
            }
        }
    }
    attribution
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processes_split_between_jobs_and_foreign() {
        let uses = [
            GpuUse {
                gpu: 0,
                pid: 10,
                memory: Some(100),
            },
            GpuUse {
                gpu: 1,
                pid: 11,
                memory: Some(50),
            },
            GpuUse {
                gpu: 1,
                pid: 12,
                memory: None,
            },
            GpuUse {
                gpu: 2,
                pid: 99,
                memory: Some(7),
            },
        ];
        let job_of = |pid: u32| match pid {
            10 | 11 => Some(1),
            12 => Some(2),
            _ => None,
        };
        let got = attribute(&uses, &job_of);
        assert_eq!(got.job_memory(1), Some(150));
        assert_eq!(got.job_memory(2), Some(0));
        assert_eq!(got.job_memory(3), None);
        assert_eq!(got.foreign, BTreeSet::from([2]));
        assert_eq!(got.per_job[&1], BTreeMap::from([(0, 100), (1, 50)]));
    }
}
