//! The job runner inside the agent: the durable queue, the shims that own running jobs, and
//! the manager that schedules and watches them.
//!
//! - [`store`]: SQLite (WAL); every job, committed before `submit` returns.
//! - [`dir`]: a job's folder: launch file, lock, status file, logs.
//! - [`manager`]: the thread that schedules, starts, watches and cancels jobs; [`JobsHandle`]
//!   is how sessions reach it.
//! - [`log_follow`]: reading and following a job's log for a client.
//! - [`shim`]: `station job-shim DIR`, the process that owns one job and outlives the agent.

pub mod dir;
mod exit_watch;
mod handle;
mod launch;
pub mod log_follow;
pub mod log_read;
mod manager;
pub mod shim;
pub mod store;
mod views;

pub use handle::{JobsError, JobsHandle, LogTarget};
pub use manager::{JobPaths, JobSettings, start};
