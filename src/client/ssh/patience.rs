//! How long each step of a connection may take, and a timeout that stops counting while a
//! person is answering a question.
//!
//! Every network step has a limit so that a dead or hanging host never stalls the caller. The
//! host-key question is asked from inside the SSH handshake (russh calls the check in the
//! middle of the key exchange), so the handshake's limit must not run while someone reads a
//! fingerprint: [`Asking`] says when a question is open, and [`limit_unless_asking`] waits for
//! the answer before it starts counting again.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;

/// `ConnectTimeout` when the config does not set one (OpenSSH waits for the system's TCP
/// timeout, minutes; a console showing many hosts cannot).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Keepalive interval when `ServerAliveInterval` is not set. OpenSSH sends none by default;
/// Station does, so a connection that silently died (a suspended laptop, a pulled cable) is
/// noticed within about a minute instead of never.
pub const DEFAULT_ALIVE_INTERVAL: Duration = Duration::from_secs(15);

/// Limit on one authentication exchange with the server, and on talking to ssh-agent.
pub const AUTH_STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// Limit on opening a channel and starting the remote command.
pub const CHANNEL_TIMEOUT: Duration = Duration::from_secs(10);

/// Limit on the remote agent's answer to hello: the bridge may start the agent first (up to
/// 2.5 s), on top of the remote shell starting.
pub const REMOTE_HELLO_TIMEOUT: Duration = Duration::from_secs(10);

/// How long to wait for the remote command's exit status once its output has ended, to say
/// why a handshake failed.
pub const EXIT_STATUS_WAIT: Duration = Duration::from_secs(2);

/// Says whether a question to a person is open right now.
#[derive(Debug, Clone)]
pub struct Asking {
    open: std::sync::Arc<watch::Sender<bool>>,
}

impl Default for Asking {
    fn default() -> Self {
        Asking {
            open: std::sync::Arc::new(watch::Sender::new(false)),
        }
    }
}

impl Asking {
    /// Runs `question` with the flag up.
    pub async fn during<T>(&self, question: impl Future<Output = T>) -> T {
        self.open.send_replace(true);
        let answer = question.await;
        self.open.send_replace(false);
        answer
    }

    fn subscribe(&self) -> watch::Receiver<bool> {
        self.open.subscribe()
    }
}

/// Runs `work` for at most `limit`, not counting the time questions are open; `None` when it
/// ran out of time.
pub async fn limit_unless_asking<T>(
    limit: Duration,
    asking: &Asking,
    work: impl Future<Output = T>,
) -> Option<T> {
    let mut open = asking.subscribe();
    tokio::pin!(work);
    loop {
        tokio::select! {
            output = &mut work => return Some(output),
            () = tokio::time::sleep(limit) => {
                if !*open.borrow_and_update() {
                    return None;
                }
                // Someone is answering: wait for them (the work may finish meanwhile), then
                // give the rest of the step a fresh limit.
                tokio::select! {
                    output = &mut work => return Some(output),
                    _ = open.wait_for(|open| !open) => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn work_that_outlasts_the_limit_times_out() {
        let asking = Asking::default();
        let result = limit_unless_asking(
            Duration::from_secs(1),
            &asking,
            tokio::time::sleep(Duration::from_secs(5)),
        )
        .await;
        assert_eq!(result, None);
    }

    #[tokio::test(start_paused = true)]
    async fn time_spent_answering_does_not_count() {
        let asking = Asking::default();
        let work = async {
            asking
                .during(tokio::time::sleep(Duration::from_secs(30)))
                .await;
            7
        };
        let result = limit_unless_asking(Duration::from_secs(1), &asking, work).await;
        assert_eq!(result, Some(7));
    }
}
