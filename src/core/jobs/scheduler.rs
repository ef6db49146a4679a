//! Which queued jobs start now, on which GPUs, and why the others wait.
//!
//! STUB: the types are the contract; `plan` and `check_fits` are being written.

use std::collections::BTreeSet;

use crate::proto::jobs::{GpuRequest, GpuSlot, JobId};

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

/// Decides what starts now.
pub fn plan(
    _capacity: &Capacity,
    _running: &[Running],
    _waiting: &[Waiting],
    _dependency: &dyn Fn(JobId) -> Dependency,
) -> Plan {
    Plan::default()
}

/// Refuses, at submit, a job this instance could never run.
pub fn check_fits(_capacity: &Capacity, _cpus: u32, _gpus: &GpuRequest) -> Result<(), String> {
    Ok(())
}
