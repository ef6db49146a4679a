//! The job runner inside the agent: the durable queue, the shims that own running jobs, and
//! the manager that schedules and watches them.
//!
//! - [`store`]: SQLite (WAL); every job, committed before `submit` returns.
//! - [`dir`]: a job's folder: launch file, lock, status file, logs.
//! - [`shim`]: `station job-shim DIR`, the process that owns one job and outlives the agent.

pub mod dir;
pub mod shim;
pub mod store;
