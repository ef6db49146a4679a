//! The job runner inside the agent: the durable queue, the shims that own running jobs, and
//! the manager that schedules and watches them.
//!
//! - [`store`]: SQLite (WAL); every job, committed before `submit` returns.
//! - [`dir`]: a job's files (status file, which is the shim's lock, and logs) and its launch;
//!   `probe` after a restart.
//! - [`status`]: the shim's status file, fixed-size and rewritten in place.
//! - [`shim`]: `station job-shim`, the process that owns one job and outlives the
//!   agent.
//! - [`manager`]: the thread that schedules, starts, watches and cancels jobs; [`JobsHandle`]
//!   is how sessions reach it.
//! - [`log_read`], [`log_follow`]: a chunk of a log as UTF-8 text with exact byte offsets, and
//!   following a log for a client.

pub mod dir;
mod exit_watch;
mod handle;
mod launch;
pub mod log_follow;
pub mod log_read;
mod manager;
pub mod shim;
pub mod status;
pub mod store;
mod views;

pub use handle::{JobsError, JobsHandle, LogTarget};
pub use manager::{JobPaths, JobSettings, start};
