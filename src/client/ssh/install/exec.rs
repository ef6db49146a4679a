//! Runs one short command on the remote and collects what it printed and how it ended.

use std::time::Duration;

use russh::ChannelMsg;

use crate::client::ssh::error::{RemoteEnd, SshError};
use crate::client::ssh::session::SshSession;

/// Output kept per stream; the probe and `--version` print a few lines.
const OUTPUT_KEPT: usize = 64 * 1024;

/// A finished command.
#[derive(Debug, Clone)]
pub struct Captured {
    /// `None` when the channel closed without an exit status.
    pub end: Option<RemoteEnd>,
    pub stdout: String,
    pub stderr: String,
}

impl Captured {
    pub fn succeeded(&self) -> bool {
        matches!(self.end, Some(RemoteEnd::Exited(0)))
    }
}

/// Runs `command` and waits for its end, at most `limit`.
pub async fn run(
    session: &SshSession,
    command: &str,
    limit: Duration,
    what: &'static str,
) -> Result<Captured, SshError> {
    let host = session.endpoint().clone();
    let work = async {
        let mut channel = session.open_session_channel().await?;
        channel
            .exec(true, command)
            .await
            .map_err(|error| SshError::Disconnected {
                host: host.clone(),
                reason: format!("cannot start `{command}`: {error}"),
            })?;
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let mut end = None;
        while let Some(message) = channel.wait().await {
            match message {
                ChannelMsg::Data { data } => keep(&mut stdout, &data),
                ChannelMsg::ExtendedData { data, ext: 1 } => keep(&mut stderr, &data),
                ChannelMsg::ExitStatus { exit_status } => {
                    end = Some(RemoteEnd::Exited(exit_status))
                }
                ChannelMsg::ExitSignal { signal_name, .. } => {
                    end = Some(RemoteEnd::Signal(format!("{signal_name:?}")));
                }
                ChannelMsg::Failure => {
                    return Err(SshError::ExecRefused {
                        host: host.clone(),
                        command: command.to_owned(),
                    });
                }
                _ => {}
            }
        }
        Ok(Captured {
            end,
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        })
    };
    tokio::time::timeout(limit, work).await.unwrap_or_else(|_| {
        Err(SshError::Timeout {
            host: host.clone(),
            what,
            after: limit,
        })
    })
}

fn keep(buffer: &mut Vec<u8>, data: &[u8]) {
    let room = OUTPUT_KEPT.saturating_sub(buffer.len());
    buffer.extend_from_slice(&data[..data.len().min(room)]);
}
