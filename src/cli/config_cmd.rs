//! `station config check|path`: find and validate the user's configuration files.

use std::process::ExitCode;

use super::ConfigCommand;

pub fn run(command: &ConfigCommand) -> anyhow::Result<ExitCode> {
    match command {
        ConfigCommand::Check | ConfigCommand::Path { .. } => {
            anyhow::bail!("`station config` is not built yet")
        }
    }
}
