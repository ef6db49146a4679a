//! `station fleet install NAME`: this station on an instance, asked for in so many words, so
//! scripts can do what the console and `--on` offer interactively.

use clap::Args;

use crate::cli::block_on;
use crate::cli::target;
use crate::client::ssh;
use crate::proto::STATION_VERSION;

#[derive(Debug, Clone, Args)]
pub struct InstallArgs {
    /// An instance from `station fleet ls`, or an SSH host or alias (`[user@]host`).
    pub name: String,
}

/// Connects with consent to install; the agent's hello afterwards proves the install.
pub fn run(args: &InstallArgs) -> anyhow::Result<()> {
    let (destination, mut options) = target::remote(&args.name)?;
    if !options.install.launcher {
        anyhow::bail!(
            "{} is set, so station would not use an installed binary; unset it to install",
            ssh::REMOTE_COMMAND_ENV
        );
    }
    options.install.consented = true;
    let client = block_on(ssh::connect_agent(&destination, &options, "fleet-install"))??;
    println!(
        "station {STATION_VERSION} runs on {} (agent pid {})",
        args.name,
        client.ready().agent_pid
    );
    Ok(())
}
