//! `station job-shim DIR`: the small process that owns one job.
//!
//! STUB: being written.

use std::path::Path;
use std::process::ExitCode;

/// Runs the job in `dir` and records how it ended.
pub fn run(_dir: &Path, _run: u32) -> ExitCode {
    ExitCode::FAILURE
}
