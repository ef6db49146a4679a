//! `station completions SHELL`: print a completion script generated from the clap definitions.

use std::process::ExitCode;

use clap::CommandFactory;

use super::Cli;

pub fn run(shell: clap_complete::Shell) -> anyhow::Result<ExitCode> {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "station", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}
