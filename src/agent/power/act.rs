//! Carrying out what the planner decided: wall messages to logged-in terminals, and the stop
//! command.
//!
//! The wall message is written straight to each login's terminal from utmp (as `wall` does),
//! opened non-blocking and without becoming its controlling terminal, so a stuck terminal
//! cannot hold the agent; terminals of other users are skipped (the agent has no right to
//! them). The stop command runs under `/bin/sh -c` in its own process group, its output kept
//! for the event log, with a time limit; how it ended comes back on a channel.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

use super::utmp::LoginSessions;

/// The longest a stop or start command may run before it counts as failed.
pub const COMMAND_LIMIT: Duration = Duration::from_secs(120);
/// Output of a command kept for the event log.
const OUTPUT_KEPT: usize = 2048;

/// Writes `message` to every login terminal in `sessions` that can be opened; returns how
/// many got it.
pub fn wall(sessions: &LoginSessions, message: &str) -> usize {
    let text = format!("\r\n\x07Broadcast from station: {message}\r\n");
    let mut reached = 0;
    for session in &sessions.sessions {
        if session.tty.is_empty() || session.tty.contains("..") {
            continue;
        }
        let device = Path::new("/dev").join(&session.tty);
        let opened = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY)
            .open(&device);
        if let Ok(mut terminal) = opened
            && terminal.write_all(text.as_bytes()).is_ok()
        {
            reached += 1;
        }
    }
    reached
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Failed(String),
}

/// What a command was run for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// This machine's stop.
    Stop,
    /// A fleet instance's start, by one of its schedules.
    Start { instance: String, schedule: String },
}

/// A command that ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub purpose: Purpose,
    pub outcome: Outcome,
}

/// Starts `command`; how it ended arrives on `done`.
pub fn run_command(command: &str, purpose: Purpose, done: mpsc::Sender<Finished>) {
    let spawned = tokio::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) => {
            let outcome = Outcome::Failed(format!("cannot start /bin/sh: {error}"));
            let _ = done.try_send(Finished { purpose, outcome });
            return;
        }
    };
    let command = command.to_owned();
    tokio::spawn(async move {
        let mut output = Vec::new();
        let mut stderr = child.stderr.take();
        let mut stdout = child.stdout.take();
        let waited = tokio::time::timeout(COMMAND_LIMIT, async {
            if let Some(stderr) = stderr.as_mut() {
                let _ = stderr
                    .take(OUTPUT_KEPT as u64)
                    .read_to_end(&mut output)
                    .await;
            }
            if let Some(stdout) = stdout.as_mut() {
                let _ = stdout
                    .take(OUTPUT_KEPT as u64)
                    .read_to_end(&mut output)
                    .await;
            }
            child.wait().await
        })
        .await;
        let said = String::from_utf8_lossy(&output).trim().to_owned();
        let outcome = match waited {
            Ok(Ok(status)) if status.success() => Outcome::Done,
            Ok(Ok(status)) => Outcome::Failed(format!(
                "`{command}` {status}{}",
                if said.is_empty() {
                    String::new()
                } else {
                    format!(": {said}")
                }
            )),
            Ok(Err(error)) => Outcome::Failed(format!("`{command}`: {error}")),
            Err(_) => Outcome::Failed(format!(
                "`{command}` did not finish within {} s",
                COMMAND_LIMIT.as_secs()
            )),
        };
        let _ = done.send(Finished { purpose, outcome }).await;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_command_reports_how_it_ended() {
        let (done, mut finished) = mpsc::channel(4);
        run_command("true", Purpose::Stop, done.clone());
        let first = finished.recv().await.unwrap();
        assert_eq!(
            (first.purpose, first.outcome),
            (Purpose::Stop, Outcome::Done)
        );
        run_command("echo no permission >&2; exit 3", Purpose::Stop, done);
        let Some(Finished {
            outcome: Outcome::Failed(text),
            ..
        }) = finished.recv().await
        else {
            panic!("a failing command fails");
        };
        assert!(text.contains("exit status: 3"), "{text}");
        assert!(text.contains("no permission"), "{text}");
    }

    #[test]
    fn wall_skips_what_it_cannot_open() {
        let sessions = LoginSessions::default();
        assert_eq!(wall(&sessions, "hello"), 0);
    }
}
