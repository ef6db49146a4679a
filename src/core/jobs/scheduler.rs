//! Which queued jobs start now, on which GPUs, and why the others wait.
//!
//! [`plan`] is one scheduling pass. It is given what the instance has ([`Capacity`]), what the
//! running jobs hold ([`Running`]), the queue ([`Waiting`]) and where each `--after`
//! dependency stands, and returns a [`Plan`]. It is pure and deterministic (no I/O, no clock,
//! the queue's input order does not matter); the agent runs it whenever something changes (a
//! submit, an exit, a cancel, a GPU turning foreign-busy or free) and starts what it says.
//! [`check_fits`] refuses, at submit, a job the instance could never run.
//!
//! # Rules
//!
//! 1. **Order.** Queued jobs are considered by priority, highest first, then by id (submission
//!    order), lowest first.
//! 2. **Dependencies.** If a job's `after` list names a job that failed, was cancelled or does
//!    not exist, the job is *doomed*: it will never start, and says why with the first such
//!    job in its list: "job 12, which it runs after, failed" / "…, was cancelled" /
//!    "…, does not exist". Otherwise, while one of them is still queued or running, it waits
//!    "after job 12" (the first such job in its list). These jobs claim nothing.
//! 3. **Never fits.** A job asking for more than the instance has (the [`check_fits`] test;
//!    possible when the instance changed after the job was submitted) waits with
//!    [`check_fits`]'s message and claims nothing, so it cannot block the queue forever.
//! 4. **Free resources.** Free CPU slots = `cpu_slots` − the running jobs' CPU slots (never
//!    below 0). Free GPUs = `capacity.gpus` − GPUs held by running jobs − foreign-busy GPUs.
//! 5. **Starting.** Jobs are walked in order with a *pool*: what is free and not yet claimed.
//!    `Count(n)` starts when the pool has `cpus` CPU slots and `n` GPUs, and gets the `n`
//!    lowest GPU indices in the pool. `Ids(ids)` starts when every one of `ids` is in the pool
//!    and the CPU slots suffice. What a started job gets leaves the pool.
//! 6. **Reservation.** A job that cannot start claims what it can of what it needs: the
//!    `min(n, GPUs in pool)` lowest GPUs of the pool (for `Ids`, those of its GPUs that are in
//!    the pool) and `min(cpus, CPU slots in pool)` CPU slots. Claims leave the pool, so a job
//!    behind it (lower priority, or equal priority and submitted later) only backfills onto
//!    resources that no job ahead of it is waiting for: a waiting 4-GPU job cannot be starved
//!    by a stream of 1-GPU jobs, while CPU-only jobs still run on spare CPU slots. Claimed
//!    GPUs show as [`GpuHolder::Reserved`].
//! 7. **Wait reasons**, decided before the job makes its own claim:
//!    - if the resources free now (counting what jobs ahead claimed in this pass as free)
//!      would be enough, the claims are what stops it, and it names the highest-ranked job
//!      ahead whose claim is in its way (a claim on GPUs it is short of, or on CPU slots when
//!      it is short of those): "behind higher-priority job 9", or "behind job 9, submitted
//!      earlier" when job 9 has the same priority;
//!    - otherwise it names its shortages, GPUs first, joined by "; ". GPUs, when the pool has
//!      too few: "needs 2 GPUs, 1 free" ("needs 1 GPU, 0 free"; *free* counts the pool: free
//!      and not reserved), followed by " (GPU 3 busy outside Station)" /
//!      " (GPUs 2, 3 busy outside Station)" when some GPUs are foreign-busy; for `Ids`, one
//!      clause per GPU of its list not in the pool, ascending: "needs GPU 2, held by job 7" /
//!      "needs GPU 2, busy outside Station" / "needs GPU 2, reserved for job 9". CPU slots,
//!      when fewer are held by no job than it needs: "needs 4 CPU slots, 2 free"
//!      ("needs 1 CPU slot, 0 free"); CPU claims are shown nowhere, so here they count as
//!      free (the number matches the slots shown in use) and are not named as a shortage.
//! 8. **Result.** `start`, `waiting` and `doomed` follow the order of rule 1, and every queued
//!    job is in exactly one of them. A start's GPU list is ascending. `gpus` lists every GPU of
//!    `capacity.gpus`, ascending: `Job(id)` when a running or newly started job holds it,
//!    `Reserved(id)` when a waiting job claimed it, `Foreign` when foreign-busy (and held by
//!    no job), else `Free`. `cpu_slots_used` = running + started CPU slots.
//!
//! A pass costs O(jobs × GPUs) after sorting the queue.

use std::collections::BTreeSet;

#[cfg(doc)]
use crate::proto::jobs::GpuHolder;
use crate::proto::jobs::{GpuRequest, GpuSlot, JobId};

use pass::Pass;

mod pass;
#[cfg(test)]
mod tests;

/// What the instance has for jobs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capacity {
    /// CPU slots in all (default: one per vCPU).
    pub cpu_slots: u32,
    /// Indices of the GPUs present (from NVML or the simulated set), ascending.
    pub gpus: Vec<u32>,
    /// GPUs used by a process that belongs to no job: never handed out.
    pub foreign: BTreeSet<u32>,
}

/// A job that holds resources now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Running {
    pub id: JobId,
    pub cpus: u32,
    pub gpus: Vec<u32>,
}

/// A queued job (any order: `plan` sorts by priority, then id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub id: JobId,
    pub priority: i32,
    pub cpus: u32,
    pub gpus: GpuRequest,
    pub after: Vec<JobId>,
}

/// Where a job named by `--after` stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dependency {
    /// Queued or running: wait for it.
    Pending,
    Succeeded,
    Failed,
    Cancelled,
    /// No such job.
    Missing,
}

/// A job to start now, on these GPUs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    pub id: JobId,
    pub gpus: Vec<u32>,
}

/// The outcome of one scheduling pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Jobs to start, in order.
    pub start: Vec<Start>,
    /// Jobs that stay queued, each with its reason.
    pub waiting: Vec<(JobId, String)>,
    /// Jobs that can never start (a dependency failed, was cancelled or does not exist).
    pub doomed: Vec<(JobId, String)>,
    /// Who holds each GPU once `start` has started.
    pub gpus: Vec<GpuSlot>,
    /// CPU slots held once `start` has started.
    pub cpu_slots_used: u32,
}

/// Decides what starts now (the rules are in the module documentation).
pub fn plan(
    capacity: &Capacity,
    running: &[Running],
    waiting: &[Waiting],
    dependency: &dyn Fn(JobId) -> Dependency,
) -> Plan {
    let mut queue: Vec<&Waiting> = waiting.iter().collect();
    queue.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.id.cmp(&b.id)));
    let mut pass = Pass::new(capacity, running);
    let mut plan = Plan::default();
    for (rank, job) in queue.iter().enumerate() {
        match dependency_block(job, dependency) {
            Some(Blocked::Doomed(reason)) => plan.doomed.push((job.id, reason)),
            Some(Blocked::Waits(reason)) => plan.waiting.push((job.id, reason)),
            None => {
                let placed = fits(capacity.cpu_slots, &pass.gpus, job.cpus, &job.gpus)
                    .and_then(|()| pass.place(rank, &queue));
                match placed {
                    Ok(gpus) => plan.start.push(Start { id: job.id, gpus }),
                    Err(reason) => plan.waiting.push((job.id, reason)),
                }
            }
        }
    }
    plan.gpus = pass.holders(&queue);
    plan.cpu_slots_used = pass.cpu_used;
    plan
}

/// Refuses, at submit, a job this instance could never run. Foreign-busy GPUs count as
/// present: they may free up.
pub fn check_fits(capacity: &Capacity, cpus: u32, gpus: &GpuRequest) -> Result<(), String> {
    let present: Vec<u32> = capacity
        .gpus
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    fits(capacity.cpu_slots, &present, cpus, gpus)
}

/// [`check_fits`] on a sorted, duplicate-free GPU list.
fn fits(cpu_slots: u32, present: &[u32], cpus: u32, request: &GpuRequest) -> Result<(), String> {
    if cpus > cpu_slots {
        return Err(format!(
            "asks for {}; this instance has {}",
            quantity(cpus, "CPU slot", "CPU slots"),
            number_or_none(u64::from(cpu_slots))
        ));
    }
    match request {
        GpuRequest::Count(n) if usize::try_from(*n).unwrap_or(usize::MAX) > present.len() => {
            Err(format!(
                "asks for {}; this instance has {}",
                quantity(*n, "GPU", "GPUs"),
                number_or_none(present.len() as u64)
            ))
        }
        GpuRequest::Count(_) => Ok(()),
        GpuRequest::Ids(ids) => match ids.iter().find(|id| present.binary_search(id).is_err()) {
            None => Ok(()),
            Some(missing) if present.is_empty() => Err(format!(
                "GPU {missing} does not exist here (this instance has no GPUs)"
            )),
            Some(missing) => Err(format!(
                "GPU {missing} does not exist here (GPUs: {})",
                list(present.iter())
            )),
        },
    }
}

/// Why a job cannot be considered for resources yet.
enum Blocked {
    Doomed(String),
    Waits(String),
}

/// The first dependency that dooms `job`, else the first it still waits for.
fn dependency_block(job: &Waiting, dependency: &dyn Fn(JobId) -> Dependency) -> Option<Blocked> {
    let mut first_pending = None;
    for &other in &job.after {
        let ending = match dependency(other) {
            Dependency::Succeeded => continue,
            Dependency::Pending => {
                first_pending.get_or_insert(other);
                continue;
            }
            Dependency::Failed => "failed",
            Dependency::Cancelled => "was cancelled",
            Dependency::Missing => "does not exist",
        };
        return Some(Blocked::Doomed(format!(
            "job {other}, which it runs after, {ending}"
        )));
    }
    first_pending.map(|other| Blocked::Waits(format!("after job {other}")))
}

/// "1 GPU", "2 GPUs".
fn quantity(n: u32, one: &str, many: &str) -> String {
    match n {
        1 => format!("1 {one}"),
        _ => format!("{n} {many}"),
    }
}

fn number_or_none(n: u64) -> String {
    match n {
        0 => "none".to_owned(),
        n => n.to_string(),
    }
}

/// "0, 1, 2".
fn list<'a>(items: impl Iterator<Item = &'a u32>) -> String {
    items.map(u32::to_string).collect::<Vec<_>>().join(", ")
}
