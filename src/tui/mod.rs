//! The console: a full-screen dashboard of one instance.

pub mod action;
pub mod keymap;
pub mod problems;
pub mod theme;

use std::process::ExitCode;

use crate::cli::ConsoleArgs;

/// Runs the console until the user quits.
pub fn run(args: ConsoleArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("the console is not built yet")
}
