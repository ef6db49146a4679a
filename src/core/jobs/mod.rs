//! The job runner's pure logic: checking what a job asks for, deciding what starts next, and
//! attributing GPU use to jobs. No I/O; the agent's `jobs` module does that.
//!
//! - [`spec`]: validation of a submitted job and of `--env K=V`.
//! - [`scheduler`]: which queued jobs start now, on which GPUs, and why the others wait.
//! - [`accounting`]: which GPU processes belong to which job, and which GPUs are foreign-busy.

pub mod accounting;
pub mod scheduler;
pub mod spec;
