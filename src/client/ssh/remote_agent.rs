//! The remote agent's stdin and stdout as one byte stream, with its exit status kept.
//!
//! A session channel runs the remote command (`station agent --stdio` by default). russh's own
//! stream over a channel drops the exit status and stderr, so a remote that lacks `station`
//! would look like a connection that simply closed. Here a task reads the channel's messages:
//! stdout goes to the reader, the last [`STDERR_KEPT`] bytes of stderr are kept, and when the
//! channel ends its outcome is recorded. Reading past the end returns that outcome: a clean
//! end of file for exit status 0, else the error naming the host (exit 127: not installed;
//! another status or a signal: failed, with what it printed; no status at all: the connection
//! was lost). Writes go to the command's stdin; shutting down sends end of file.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use russh::ChannelMsg;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{mpsc, watch};

use super::error::{Endpoint, RemoteEnd, SshError};
use super::patience::CHANNEL_TIMEOUT;
use super::session::SshSession;

/// How much of the command's stderr is kept for error messages (the end of it).
pub const STDERR_KEPT: usize = 4096;

/// How a command ended: `Ok` for exit status 0.
type Outcome = Result<(), SshError>;

/// A running remote command as a byte stream; usable as a [`crate::client::Transport`].
pub struct RemoteAgentStream {
    incoming: mpsc::Receiver<Bytes>,
    pending: Bytes,
    writer: Pin<Box<dyn AsyncWrite + Send>>,
    ended: watch::Receiver<Option<Outcome>>,
    /// Keeps the connection open as long as the stream is.
    _session: Arc<SshSession>,
}

impl std::fmt::Debug for RemoteAgentStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteAgentStream")
            .field("session", &self._session)
            .finish_non_exhaustive()
    }
}

/// Tells how the remote command ended, once it has.
#[derive(Debug, Clone)]
pub struct RemoteExit(watch::Receiver<Option<Outcome>>);

impl RemoteExit {
    /// The outcome, waiting at most `limit` for it; `None` if the command still runs.
    pub async fn wait(mut self, limit: std::time::Duration) -> Option<Outcome> {
        let ended = tokio::time::timeout(limit, self.0.wait_for(Option::is_some)).await;
        match ended {
            Ok(Ok(outcome)) => outcome.clone(),
            _ => None,
        }
    }
}

impl RemoteAgentStream {
    /// Runs `command` on the session's host and returns its stdin/stdout.
    pub async fn start(session: Arc<SshSession>, command: &str) -> Result<Self, SshError> {
        let host = session.endpoint().clone();
        let channel = session.open_session_channel().await?;
        let (read_half, write_half) = channel.split();
        let exec = tokio::time::timeout(CHANNEL_TIMEOUT, write_half.exec(true, command));
        match exec.await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                return Err(SshError::Disconnected {
                    host,
                    reason: format!("cannot start `{command}`: {error}"),
                });
            }
            Err(_) => {
                return Err(SshError::Timeout {
                    host,
                    what: "starting the remote command",
                    after: CHANNEL_TIMEOUT,
                });
            }
        }
        let (data_tx, incoming) = mpsc::channel(64);
        let (ended_tx, ended) = watch::channel(None);
        let pump = Pump {
            host,
            command: command.to_owned(),
            data: data_tx,
            ended: ended_tx,
        };
        tokio::spawn(pump.run(read_half));
        Ok(RemoteAgentStream {
            incoming,
            pending: Bytes::new(),
            writer: Box::pin(write_half.make_writer()),
            ended,
            _session: session,
        })
    }

    /// A handle that learns how the command ended, usable after the stream is given away.
    pub fn exit(&self) -> RemoteExit {
        RemoteExit(self.ended.clone())
    }

    /// The recorded failure, if the command has ended badly.
    fn failure(&self) -> Option<SshError> {
        match &*self.ended.borrow() {
            Some(Err(error)) => Some(error.clone()),
            _ => None,
        }
    }
}

impl AsyncRead for RemoteAgentStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            if !self.pending.is_empty() {
                let n = self.pending.len().min(buf.remaining());
                let chunk = self.pending.split_to(n);
                buf.put_slice(&chunk);
                return Poll::Ready(Ok(()));
            }
            match self.incoming.poll_recv(cx) {
                Poll::Ready(Some(chunk)) => self.pending = chunk,
                // The pump records the outcome before it lets go of the data channel.
                Poll::Ready(None) => {
                    return Poll::Ready(match self.failure() {
                        Some(error) => Err(io::Error::other(error)),
                        None => Ok(()),
                    });
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl AsyncWrite for RemoteAgentStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = self.writer.as_mut().poll_write(cx, data);
        self.explain(written)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let flushed = self.writer.as_mut().poll_flush(cx);
        self.explain(flushed)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let shut = self.writer.as_mut().poll_shutdown(cx);
        self.explain(shut)
    }
}

impl RemoteAgentStream {
    /// A write error is better told as the command's end, when that is known.
    fn explain<T>(&self, result: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match result {
            Poll::Ready(Err(error)) => {
                Poll::Ready(Err(self.failure().map_or(error, io::Error::other)))
            }
            other => other,
        }
    }
}

/// Reads the channel's messages until it closes.
struct Pump {
    host: Arc<Endpoint>,
    command: String,
    data: mpsc::Sender<Bytes>,
    ended: watch::Sender<Option<Outcome>>,
}

impl Pump {
    async fn run(self, mut channel: russh::ChannelReadHalf) {
        let mut stderr = StderrTail::default();
        let mut end = None;
        let mut refused = false;
        while let Some(message) = channel.wait().await {
            match message {
                ChannelMsg::Data { data } => {
                    let delivered = self.data.send(data).await;
                    // An error means the stream was dropped: nobody is left to tell.
                    if delivered.is_err() {
                        return;
                    }
                }
                ChannelMsg::ExtendedData { data, ext: 1 } => stderr.push(&data),
                ChannelMsg::ExitStatus { exit_status } => {
                    end = Some(RemoteEnd::Exited(exit_status))
                }
                ChannelMsg::ExitSignal { signal_name, .. } => {
                    end = Some(RemoteEnd::Signal(format!("{signal_name:?}")));
                }
                // The only request sent with want_reply is the exec.
                ChannelMsg::Failure => {
                    refused = true;
                    break;
                }
                _ => {}
            }
        }
        let outcome = self.outcome(refused, end, stderr.text());
        if let Err(error) = &outcome {
            tracing::warn!(host = %self.host, "remote command ended: {error}");
        }
        self.ended.send_replace(Some(outcome));
    }

    fn outcome(&self, refused: bool, end: Option<RemoteEnd>, stderr: String) -> Outcome {
        let host = self.host.clone();
        let command = self.command.clone();
        match end {
            _ if refused => Err(SshError::ExecRefused { host, command }),
            Some(RemoteEnd::Exited(0)) => Ok(()),
            Some(RemoteEnd::Exited(127)) => Err(SshError::RemoteCommandMissing {
                host,
                command,
                stderr,
            }),
            Some(end) => Err(SshError::RemoteCommandFailed {
                host,
                command,
                end,
                stderr,
            }),
            None => Err(SshError::Disconnected {
                host,
                reason: if stderr.trim().is_empty() {
                    "the channel closed without an exit status".into()
                } else {
                    format!(
                        "the channel closed without an exit status; the remote command said: {}",
                        stderr.trim()
                    )
                },
            }),
        }
    }
}

/// The last [`STDERR_KEPT`] bytes of stderr.
#[derive(Debug, Default)]
struct StderrTail(Vec<u8>);

impl StderrTail {
    fn push(&mut self, data: &[u8]) {
        self.0.extend_from_slice(data);
        if self.0.len() > STDERR_KEPT {
            let cut = self.0.len() - STDERR_KEPT;
            self.0.drain(..cut);
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_end_of_stderr_is_kept() {
        let mut tail = StderrTail::default();
        tail.push(&[b'a'; STDERR_KEPT]);
        tail.push(b"the end");
        let text = tail.text();
        assert_eq!(text.len(), STDERR_KEPT);
        assert!(text.ends_with("the end"));
    }
}
