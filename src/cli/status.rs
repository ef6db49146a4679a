//! `station status`: the instance summary and one telemetry sample.

use std::process::ExitCode;

use super::StatusArgs;

pub fn run(args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`station status` is not built yet")
}
