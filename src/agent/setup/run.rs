//! One script's run, from its record to its end: the record first (so a crash is noticed),
//! then the process, the time limit, and the end in the record, the log and the status.

use std::fs::File;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use tokio::process::Child;

use super::launch::Script;
use super::record::{self, ScriptRecord};
use super::{Shared, cannot_start, group, log, now_ms};
use crate::config::duration;
use crate::core::setup::signal_name;
use crate::proto::setup::{FailReason, Interruption, ScriptKind, ScriptState, ScriptStatus};

/// How long to wait for a group to go after SIGKILL before reporting anyway.
const AFTER_KILL: Duration = Duration::from_secs(5);

/// The script running now.
#[derive(Debug)]
pub(super) struct ActiveRun {
    kind: ScriptKind,
    pgid: i32,
    record: ScriptRecord,
}

/// How the process ended.
enum Outcome {
    Exited(ExitStatus),
    TimedOut,
    WaitFailed(std::io::Error),
}

impl Shared {
    /// Runs the due scripts one after the other, in the order given.
    pub(super) async fn run_all(self: &Arc<Self>, due: Vec<(ScriptKind, String)>) {
        for (kind, script) in due {
            self.run_one(kind, script).await;
        }
    }

    async fn run_one(self: &Arc<Self>, kind: ScriptKind, configured: String) {
        let dir = &self.settings.setup_dir;
        let started_ms = now_ms();
        let started = Instant::now();
        let mut record = ScriptRecord {
            script: configured.clone(),
            boot_id: self.boot_id.clone(),
            pgid: None,
            state: ScriptState::Running { started_ms },
        };
        let log = match log::start_log(dir, kind) {
            Ok(log) => log,
            Err(error) => {
                let message = format!("not run: {error}");
                return self.finish(kind, record, cannot_start(started_ms, &message), None);
            }
        };
        let mut script = match Script::find(kind, &configured, &self.settings.home) {
            Ok(script) => script,
            Err(message) => {
                return self.finish(kind, record, cannot_start(started_ms, &message), Some(&log));
            }
        };
        // Recorded before it starts: a script whose run cannot be recorded might run twice.
        if let Err(error) = record::save(dir, kind, &record) {
            let message = format!("not run: cannot record its start: {error}");
            return self.finish(kind, record, cannot_start(started_ms, &message), Some(&log));
        }
        log::note(
            &log,
            &format!(
                "running {} ({} script, time limit {})",
                script.command_line(),
                kind.name(),
                duration::format(self.timeout)
            ),
        );
        self.publish(kind, &record.script, record.state.clone());
        let child = match script.spawn(&self.settings.home, &log) {
            Ok(child) => child,
            Err(message) => {
                let state = ScriptState::Failed {
                    started_ms,
                    took_ms: elapsed_ms(started),
                    reason: FailReason::CannotStart { message },
                };
                return self.finish(kind, record, state, Some(&log));
            }
        };
        let Some(pgid) = child.id().and_then(|pid| i32::try_from(pid).ok()) else {
            let message = "the script's process vanished as it started".to_owned();
            return self.finish(kind, record, cannot_start(started_ms, &message), Some(&log));
        };
        tracing::info!(script = %script.path.display(), pgid, "setup: {} script started", kind.name());
        record.pgid = Some(pgid);
        if let Err(error) = record::save(dir, kind, &record) {
            tracing::warn!(%error, "setup: cannot record the script's process group");
        }
        *self.active.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(ActiveRun { kind, pgid, record });
        let ended = self.keep_log_bounded(kind, pgid, false);
        let outcome = self.supervise(child, pgid, &log).await;
        ended.store(true, Ordering::Release);
        let Some(active) = self
            .active
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        else {
            return; // the runner was dropped: it recorded the interruption
        };
        let took_ms = elapsed_ms(started);
        let state = match outcome {
            Outcome::TimedOut => ScriptState::TimedOut {
                started_ms,
                after_ms: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
            },
            Outcome::Exited(status) => match (status.code(), status.signal()) {
                (Some(0), _) => ScriptState::Done {
                    started_ms,
                    took_ms,
                },
                (Some(code), _) => failed(started_ms, took_ms, FailReason::ExitCode { code }),
                (None, Some(signal)) => failed(started_ms, took_ms, FailReason::Signal { signal }),
                (None, None) => failed(
                    started_ms,
                    took_ms,
                    FailReason::CannotStart {
                        message: format!("ended without an exit status ({status})"),
                    },
                ),
            },
            Outcome::WaitFailed(error) => failed(
                started_ms,
                took_ms,
                FailReason::CannotStart {
                    message: format!("cannot wait for the script: {error}"),
                },
            ),
        };
        if let Err(error) =
            log::cut_if_over(&log::log_path(dir, kind), log::LOG_LIMIT, log::LOG_KEEP)
        {
            tracing::warn!(%error, "setup: cannot cut the script's log");
        }
        self.finish(kind, active.record, state, Some(&log));
    }

    /// Waits for the script, killing its process group when the time limit passes.
    async fn supervise(&self, mut child: Child, pgid: i32, log: &File) -> Outcome {
        let limit = self.timeout;
        tokio::select! {
            status = child.wait() => match status {
                Ok(status) => Outcome::Exited(status),
                Err(error) => Outcome::WaitFailed(error),
            },
            () = tokio::time::sleep(limit) => {
                let grace = self.settings.kill_grace;
                log::note(log, &format!(
                    "time limit {} reached: SIGTERM to the script's process group",
                    duration::format(limit)
                ));
                group::signal(pgid, Signal::SIGTERM);
                if !group::wait_until_empty(pgid, grace).await {
                    log::note(log, &format!("still running {} later: SIGKILL", took_text(grace)));
                    group::signal(pgid, Signal::SIGKILL);
                    if !group::wait_until_empty(pgid, AFTER_KILL).await {
                        tracing::warn!(pgid, "setup: the script's group outlived SIGKILL");
                    }
                }
                // The script itself was in its group: it has ended, this only reaps it.
                let _ = child.wait().await;
                Outcome::TimedOut
            }
        }
    }

    /// Keeps the log of `kind` bounded while the group `pgid` lives; the flag returned says
    /// when the script itself has ended.
    pub(super) fn keep_log_bounded(
        &self,
        kind: ScriptKind,
        pgid: i32,
        ended: bool,
    ) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(ended));
        tokio::spawn(log::keep_bounded(
            log::log_path(&self.settings.setup_dir, kind),
            pgid,
            Arc::clone(&flag),
            self.cancel.clone(),
        ));
        flag
    }

    /// The agent is stopping while `active` runs: SIGTERM to its group, and the run is
    /// recorded as interrupted.
    pub(super) fn interrupt(&self, active: ActiveRun) {
        tracing::warn!(
            pgid = active.pgid,
            "setup: the agent is stopping: interrupting the {} script",
            active.kind.name()
        );
        log::note_at(
            &self.settings.setup_dir,
            active.kind,
            "the agent is stopping: SIGTERM to the script's process group; it is not run again by itself",
        );
        group::signal(active.pgid, Signal::SIGTERM);
        let started_ms = active.record.state.started_ms().unwrap_or_else(now_ms);
        let state = ScriptState::Interrupted {
            started_ms,
            cause: Interruption::AgentStopped,
        };
        self.finish(active.kind, active.record, state, None);
    }

    /// Records how a run ended: in its record, its log and the status.
    fn finish(
        &self,
        kind: ScriptKind,
        mut record: ScriptRecord,
        state: ScriptState,
        log: Option<&File>,
    ) {
        if let Some(log) = log {
            match &state {
                ScriptState::Done { took_ms, .. } => {
                    log::note(log, &format!("done after {}", took_text(ms(*took_ms))));
                }
                ScriptState::Failed {
                    took_ms, reason, ..
                } => {
                    let took = took_text(ms(*took_ms));
                    let line = match reason {
                        FailReason::ExitCode { code } => format!("exit code {code} after {took}"),
                        FailReason::Signal { signal } => {
                            format!("killed by {} after {took}", signal_name(*signal))
                        }
                        FailReason::CannotStart { message } => message.clone(),
                    };
                    log::note(log, &line);
                }
                ScriptState::TimedOut { after_ms, .. } => {
                    log::note(
                        log,
                        &format!("timed out after {}", took_text(ms(*after_ms))),
                    );
                }
                _ => {}
            }
        }
        tracing::info!(?state, "setup: {} script", kind.name());
        record.state = state.clone();
        if let Err(error) = record::save(&self.settings.setup_dir, kind, &record) {
            tracing::error!(%error, "setup: cannot record how the {} script ended", kind.name());
        }
        self.publish(kind, &record.script, state);
    }

    fn publish(&self, kind: ScriptKind, script: &str, state: ScriptState) {
        self.status.send_modify(|status| {
            *status.get_mut(kind) = ScriptStatus {
                script: Some(script.to_owned()),
                state,
            };
        });
    }
}

fn failed(started_ms: u64, took_ms: u64, reason: FailReason) -> ScriptState {
    ScriptState::Failed {
        started_ms,
        took_ms,
        reason,
    }
}

fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// "0.4s" under ten seconds, else as durations are written ("2m5s").
fn took_text(length: Duration) -> String {
    if length < Duration::from_secs(10) {
        format!("{:.1}s", length.as_secs_f64())
    } else {
        duration::format(length)
    }
}
