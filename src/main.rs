//! `station`: parse the command line and hand over to the part that runs it.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = station::cli::Cli::parse();
    station::cli::run(cli)
}
