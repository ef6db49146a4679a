//! One scheduling pass's view of the resources: who has each GPU, how many CPU slots are
//! held or claimed, and the wait reasons that follow from them.

use std::collections::BTreeSet;

use super::{Capacity, Running, Waiting, list, quantity};
use crate::proto::jobs::{GpuHolder, GpuRequest, GpuSlot, JobId};

/// Who has a GPU during a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Free,
    /// Held by a running job or one started in this pass.
    Job(JobId),
    /// Claimed by the waiting job at this rank in the sorted queue.
    Claimed(usize),
    Foreign,
}

/// The state of the resources as a pass walks the queue.
pub(super) struct Pass {
    /// GPU indices present, ascending, without duplicates.
    pub(super) gpus: Vec<u32>,
    /// Who has `gpus[i]`.
    slots: Vec<Slot>,
    /// How many slots are `Free` (the GPU pool).
    pool_gpus: usize,
    /// How many slots are `Claimed`.
    claimed_gpus: usize,
    /// CPU slots held by no running or started job (claimed ones included).
    cpus_unheld: u32,
    /// CPU slots claimed by waiting jobs.
    cpus_claimed: u32,
    /// CPU slots held by running and started jobs.
    pub(super) cpu_used: u32,
    /// The highest-ranked job that claimed a GPU, and one that claimed CPU slots.
    first_gpu_claim: Option<usize>,
    first_cpu_claim: Option<usize>,
}

impl Pass {
    pub(super) fn new(capacity: &Capacity, running: &[Running]) -> Pass {
        let gpus: Vec<u32> = capacity
            .gpus
            .iter()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut slots: Vec<Slot> = gpus
            .iter()
            .map(|gpu| {
                if capacity.foreign.contains(gpu) {
                    Slot::Foreign
                } else {
                    Slot::Free
                }
            })
            .collect();
        for job in running {
            for gpu in &job.gpus {
                if let Ok(at) = gpus.binary_search(gpu) {
                    slots[at] = Slot::Job(job.id);
                }
            }
        }
        let cpu_used = running
            .iter()
            .fold(0u32, |sum, job| sum.saturating_add(job.cpus));
        Pass {
            pool_gpus: slots.iter().filter(|slot| **slot == Slot::Free).count(),
            claimed_gpus: 0,
            cpus_unheld: capacity.cpu_slots.saturating_sub(cpu_used),
            cpus_claimed: 0,
            cpu_used,
            first_gpu_claim: None,
            first_cpu_claim: None,
            gpus,
            slots,
        }
    }

    /// Starts `queue[rank]` (returning its GPUs) or makes its claim (returning why it waits).
    pub(super) fn place(&mut self, rank: usize, queue: &[&Waiting]) -> Result<Vec<u32>, String> {
        let job = queue[rank];
        let cpu_pool = self.cpus_unheld - self.cpus_claimed;
        let cpus_short = cpu_pool < job.cpus;
        // The pool slots it would take, how many it needs, whether it would fit if nothing
        // were claimed, and the first job whose GPU claim is in its way.
        let (wanted, needed, fits_unclaimed, gpu_blocker) = match &job.gpus {
            GpuRequest::Count(n) => {
                let n = usize::try_from(*n).unwrap_or(usize::MAX);
                let wanted = self.lowest_free(n);
                let blocker = (wanted.len() < n).then_some(self.first_gpu_claim).flatten();
                let fits_unclaimed = self.pool_gpus + self.claimed_gpus >= n;
                (wanted, n, fits_unclaimed, blocker)
            }
            GpuRequest::Ids(ids) => {
                let at: BTreeSet<usize> = ids
                    .iter()
                    .filter_map(|id| self.gpus.binary_search(id).ok())
                    .collect();
                let claimed_by = |&i: &usize| match self.slots[i] {
                    Slot::Claimed(rank) => Some(rank),
                    _ => None,
                };
                let fits_unclaimed = at
                    .iter()
                    .all(|&i| matches!(self.slots[i], Slot::Free | Slot::Claimed(_)));
                let blocker = at.iter().filter_map(claimed_by).min();
                let needed = at.len();
                let wanted = at.into_iter().filter(|&i| self.slots[i] == Slot::Free);
                (wanted.collect(), needed, fits_unclaimed, blocker)
            }
        };
        let gpus_short = wanted.len() < needed;
        if !gpus_short && !cpus_short {
            self.take(&wanted, Slot::Job(job.id));
            self.cpus_unheld -= job.cpus;
            self.cpu_used = self.cpu_used.saturating_add(job.cpus);
            return Ok(wanted.iter().map(|&i| self.gpus[i]).collect());
        }
        let blocker = [
            gpu_blocker,
            cpus_short.then_some(self.first_cpu_claim).flatten(),
        ]
        .into_iter()
        .flatten()
        .min()
        .filter(|_| fits_unclaimed && self.cpus_unheld >= job.cpus);
        let reason = match blocker {
            Some(ahead) => behind(job, queue[ahead]),
            None => self.shortages(job, gpus_short.then_some(wanted.len()), queue),
        };
        self.take(&wanted, Slot::Claimed(rank));
        if !wanted.is_empty() {
            self.first_gpu_claim.get_or_insert(rank);
        }
        let cpus = job.cpus.min(cpu_pool);
        if cpus > 0 {
            self.cpus_claimed += cpus;
            self.first_cpu_claim.get_or_insert(rank);
        }
        Err(reason)
    }

    /// Positions of the `n` lowest free GPUs (fewer when the pool has fewer).
    fn lowest_free(&self, n: usize) -> Vec<usize> {
        (0..self.slots.len())
            .filter(|&i| self.slots[i] == Slot::Free)
            .take(n)
            .collect()
    }

    /// Gives the free slots at `positions` to `holder`.
    fn take(&mut self, positions: &[usize], holder: Slot) {
        for &i in positions {
            self.slots[i] = holder;
        }
        self.pool_gpus -= positions.len();
        if matches!(holder, Slot::Claimed(_)) {
            self.claimed_gpus += positions.len();
        }
    }

    /// "needs 2 GPUs, 1 free; needs 4 CPU slots, 2 free" and the like. `gpus_in_pool` is set
    /// when the pool has too few GPUs for it.
    fn shortages(&self, job: &Waiting, gpus_in_pool: Option<usize>, queue: &[&Waiting]) -> String {
        let mut parts = Vec::new();
        match (&job.gpus, gpus_in_pool) {
            (_, None) => {}
            (GpuRequest::Count(n), Some(free)) => {
                let foreign: Vec<u32> = self.gpus_where(|slot| slot == Slot::Foreign);
                let mut part = format!("needs {}, {free} free", quantity(*n, "GPU", "GPUs"));
                match foreign.as_slice() {
                    [] => {}
                    [one] => part.push_str(&format!(" (GPU {one} busy outside Station)")),
                    many => part.push_str(&format!(
                        " (GPUs {} busy outside Station)",
                        list(many.iter())
                    )),
                }
                parts.push(part);
            }
            (GpuRequest::Ids(ids), Some(_)) => {
                let at: BTreeSet<usize> = ids
                    .iter()
                    .filter_map(|id| self.gpus.binary_search(id).ok())
                    .collect();
                for i in at {
                    let gpu = self.gpus[i];
                    match self.slots[i] {
                        Slot::Free => {}
                        Slot::Job(id) => parts.push(format!("needs GPU {gpu}, held by job {id}")),
                        Slot::Claimed(rank) => parts.push(format!(
                            "needs GPU {gpu}, reserved for job {}",
                            queue[rank].id
                        )),
                        Slot::Foreign => {
                            parts.push(format!("needs GPU {gpu}, busy outside Station"));
                        }
                    }
                }
            }
        }
        // CPU claims are shown nowhere, so they count as free here: the number matches the
        // CPU slots shown in use, and a shortage due to claims alone is not named.
        if self.cpus_unheld < job.cpus {
            parts.push(format!(
                "needs {}, {} free",
                quantity(job.cpus, "CPU slot", "CPU slots"),
                self.cpus_unheld
            ));
        }
        parts.join("; ")
    }

    fn gpus_where(&self, keep: impl Fn(Slot) -> bool) -> Vec<u32> {
        (0..self.slots.len())
            .filter(|&i| keep(self.slots[i]))
            .map(|i| self.gpus[i])
            .collect()
    }

    /// Who holds each GPU at the end of the pass.
    pub(super) fn holders(&self, queue: &[&Waiting]) -> Vec<GpuSlot> {
        self.gpus
            .iter()
            .zip(&self.slots)
            .map(|(&index, slot)| GpuSlot {
                index,
                holder: match *slot {
                    Slot::Free => GpuHolder::Free,
                    Slot::Job(id) => GpuHolder::Job(id),
                    Slot::Claimed(rank) => GpuHolder::Reserved(queue[rank].id),
                    Slot::Foreign => GpuHolder::Foreign,
                },
            })
            .collect()
    }
}

/// "behind higher-priority job 9" or "behind job 9, submitted earlier".
fn behind(job: &Waiting, ahead: &Waiting) -> String {
    if ahead.priority > job.priority {
        format!("behind higher-priority job {}", ahead.id)
    } else {
        format!("behind job {}, submitted earlier", ahead.id)
    }
}
