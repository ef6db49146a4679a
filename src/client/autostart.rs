//! Starting the agent on behalf of a client.
//!
//! The client runs `station agent` (this same executable), which detaches the daemon into its
//! own session and exits once the daemon listens. Waiting for that short-lived process means
//! the daemon is never left a zombie of the console.

use std::process::Stdio;

use tokio::process::Command;

use super::local::START_TIMEOUT;

/// Whether and how a client may start the agent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Autostart {
    pub enabled: bool,
    /// `--simulate-gpus` for the started agent.
    pub simulate_gpus: Option<u32>,
    /// `--sample-interval` for the started agent.
    pub sample_interval_ms: Option<u32>,
    /// `--ignore-config` for the started agent: the user chose to go on with the defaults
    /// despite a broken `config.toml`.
    pub ignore_config: bool,
}

impl Autostart {
    pub fn enabled() -> Autostart {
        Autostart {
            enabled: true,
            ..Autostart::default()
        }
    }

    pub fn disabled() -> Autostart {
        Autostart::default()
    }
}

/// Runs `station agent` and waits for it to report; `Err` carries what it printed.
pub async fn start_agent(options: &Autostart) -> Result<(), String> {
    let exe =
        std::env::current_exe().map_err(|e| format!("cannot find the station executable: {e}"))?;
    let mut command = Command::new(exe);
    command.arg("agent");
    if let Some(n) = options.simulate_gpus {
        command.args(["--simulate-gpus", &n.to_string()]);
    }
    if let Some(ms) = options.sample_interval_ms {
        command.args(["--sample-interval", &ms.to_string()]);
    }
    if options.ignore_config {
        command.arg("--ignore-config");
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = command
        .spawn()
        .map_err(|e| format!("cannot run `station agent`: {e}"))?;
    let output = tokio::time::timeout(START_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| "`station agent` did not report within 2.5 s".to_owned())?
        .map_err(|e| format!("`station agent` failed: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        Err(if stderr.is_empty() {
            format!("`station agent` exited with {}", output.status)
        } else {
            stderr
        })
    }
}
