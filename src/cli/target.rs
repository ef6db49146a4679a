//! Where a verb runs: this machine's agent, or another host's over SSH (`--on INSTANCE`).
//!
//! The one place that makes that choice, so every verb takes `--on` the same way: `None`
//! connects to the local agent (starting it when none runs); `Some(name)` connects over SSH to
//! the inventory's instance of that name (its host, user, port and identity over
//! `~/.ssh/config`), or else to the host as `~/.ssh/config` names it, asking host-key and
//! passphrase questions on the terminal ([`TerminalPrompt`]). Either way the caller gets the
//! same [`Client`].

use std::sync::Arc;

use clap::Args;

use crate::client::autostart::Autostart;
use crate::client::ssh::{self, SshOptions};
use crate::client::target::overrides_for;
use crate::client::{Client, local};
use crate::config::{Inventory, Paths};

/// `--on INSTANCE`, shared by every verb that talks to an agent.
#[derive(Debug, Clone, Default, Args)]
pub struct OnArg {
    /// Run on another instance over SSH: a name from `station fleet ls`, or an SSH host or
    /// alias as `ssh` takes it (`[user@]host`).
    #[arg(long, value_name = "INSTANCE")]
    pub on: Option<String>,
}

use super::ssh_prompt::TerminalPrompt;

/// Connects to the agent the verb should talk to, warning on stderr when it runs another
/// Station version. Errors are [`crate::client::ClientError`] (local) or
/// [`crate::client::ssh::SshError`] (remote), ready to print.
pub async fn connect(on: Option<&str>, client_name: &str) -> anyhow::Result<Client> {
    let (client, place) = match on {
        None => {
            let client =
                local::connect(&Paths::from_env(), client_name, &Autostart::enabled()).await?;
            (client, String::new())
        }
        Some(name) => {
            let (destination, options) = remote(name)?;
            let client = ssh::connect_agent(&destination, &options, client_name).await?;
            (client, format!("on {name}: "))
        }
    };
    if let Some(warning) = client.version_warning() {
        eprintln!("station: warning: {place}{warning}");
    }
    Ok(client)
}

/// Where `--on NAME` leads and how to get there: the inventory's instance of that name (its
/// host, with its user, port and identity over `~/.ssh/config`), else the SSH host `NAME`;
/// questions are asked on the terminal.
pub fn remote(name: &str) -> anyhow::Result<(String, SshOptions)> {
    let mut options = SshOptions::from_env(Arc::new(TerminalPrompt::new()))?;
    let inventory = Inventory::load(&Paths::from_env().instances_file())
        .map_err(|problem| anyhow::anyhow!("{problem}"))?;
    let destination = match inventory.get(name) {
        Some(instance) => {
            options.overrides = overrides_for(instance, &options.home);
            instance.host().to_owned()
        }
        None => name.to_owned(),
    };
    Ok((destination, options))
}
