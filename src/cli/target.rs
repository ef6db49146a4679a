//! Where a verb runs: this machine's agent, or another host's over SSH (`--on HOST`).
//!
//! The one place that makes that choice, so every verb takes `--on` the same way: `None`
//! connects to the local agent (starting it when none runs); `Some(host)` connects over SSH to
//! the host as `~/.ssh/config` names it, asking host-key and passphrase questions on the
//! terminal ([`TerminalPrompt`]). Either way the caller gets the same [`Client`].

use std::sync::Arc;

use crate::client::autostart::Autostart;
use crate::client::ssh::{self, SshOptions};
use crate::client::{Client, local};
use crate::config::Paths;

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
        Some(host) => {
            let options = SshOptions::from_env(Arc::new(TerminalPrompt::new()))?;
            let client = ssh::connect_agent(host, &options, client_name).await?;
            (client, format!("on {host}: "))
        }
    };
    if let Some(warning) = client.version_warning() {
        eprintln!("station: warning: {place}{warning}");
    }
    Ok(client)
}
