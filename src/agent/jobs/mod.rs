//! The job runner inside the agent: the durable queue, the shims that own running jobs, and
//! the manager that schedules and watches them.
//!
//! - [`store`]: SQLite (WAL); every job, committed before `submit` returns.
//! - [`dir`]: a job's folder: launch file, lock, status file, logs; `probe` after a restart.
//! - [`status`]: the shim's status file, fixed-size and rewritten in place.
//! - [`log_read`]: a chunk of a log as UTF-8 text with exact byte offsets.
//! - [`shim`]: `station job-shim DIR`, the process that owns one job and outlives the agent.

pub mod dir;
pub mod log_read;
pub mod shim;
pub mod status;
pub mod store;
