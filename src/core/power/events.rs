//! What the planner decided: the events the agent acts on (warn, stop, …) and writes to the
//! event log. Every event says what fired and why, in words through [`PowerEvent::describe`].

use serde::{Deserialize, Serialize};

use super::activity::{ActivityReason, describe};
use super::status::{elapsed, remaining};

/// Why a stop is planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StopCause {
    /// Every activity source has been quiet since `since_ms`.
    Idle { since_ms: u64 },
    /// A stop schedule fired.
    Schedule { name: String },
}

impl std::fmt::Display for StopCause {
    /// The short form in parentheses after a countdown: "idle", "schedule \"evening\"".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopCause::Idle { .. } => f.write_str("idle"),
            StopCause::Schedule { name } => write!(f, "schedule \"{name}\""),
        }
    }
}

/// What finally set a stop off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopTrigger {
    /// The deadline arrived (with no running jobs, or under `on_running_jobs = "stop"`).
    Deadline,
    /// The last running job ended while the stop waited for it.
    JobsFinished,
    /// Jobs were still running when the drain timeout ran out.
    DrainTimedOut,
}

/// Why the idle clock started again from zero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClockRestart {
    /// No activity reading came for `missing_ms` (a stalled sampler, a suspended machine, a
    /// wall-clock jump): what happened meanwhile is unknown, so it does not count as quiet.
    ReadingGap { missing_ms: u64 },
    /// The wall clock went back by `by_ms`, more than the gap allowance.
    ClockWentBack { by_ms: u64 },
    /// `after` was lowered to `after_ms` while the machine had already been idle `idle_ms`.
    AfterLowered { after_ms: u64, idle_ms: u64 },
    /// Idle shutdown was turned on.
    IdleTurnedOn,
    /// The stop command failed; the machine is still up and starts counting again.
    StopFailed,
}

/// Why a planned stop was called off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CancelReason {
    /// Something became active during an idle stop's warning.
    ActivityResumed { activity: Vec<ActivityReason> },
    /// Idle shutdown was turned off.
    IdleTurnedOff,
    /// The idle clock restarted (see the [`PowerEvent::IdleClockRestarted`] beside it).
    IdleClockRestarted,
    /// `after` was raised, moving the idle stop out of the warning window.
    AfterRaised,
    /// The schedule was disabled, deleted or changed.
    ScheduleWithdrawn,
    /// An earlier stop schedule took this one's place.
    Superseded { by: String },
}

/// One decision of the planner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PowerEvent {
    /// Show the countdown banner and send the wall message: the machine stops at the deadline.
    Warn {
        cause: StopCause,
        deadline_ms: u64,
    },
    /// Someone postponed the stop.
    Snoozed {
        who: String,
        cause: StopCause,
        new_deadline_ms: u64,
    },
    /// The deadline arrived with jobs running: the stop waits for them until `until_ms`.
    /// The agent should start no queued job meanwhile.
    WaitingForJobs {
        cause: StopCause,
        jobs: u32,
        since_ms: u64,
        until_ms: u64,
    },
    /// Stop now: cancel `jobs_to_cancel` running jobs (if any), then run the stop command.
    Stop {
        cause: StopCause,
        trigger: StopTrigger,
        jobs_to_cancel: u32,
    },
    IdleClockRestarted {
        reason: ClockRestart,
    },
    /// A warned (or snoozed) stop is off.
    Cancelled {
        cause: StopCause,
        why: CancelReason,
    },
    /// The stop command failed; the planner watches again.
    StopFailed {
        cause: StopCause,
        error: String,
    },
}

impl PowerEvent {
    /// One line for the event log, written as of `at_ms`, the time the event happened.
    pub fn describe(&self, at_ms: u64) -> String {
        let until = |deadline: u64| remaining(deadline.saturating_sub(at_ms));
        match self {
            PowerEvent::Warn { cause, deadline_ms } => {
                format!(
                    "{}: stopping in {}",
                    long(cause, at_ms),
                    until(*deadline_ms)
                )
            }
            PowerEvent::Snoozed {
                who,
                cause,
                new_deadline_ms,
            } => format!(
                "{who} snoozed the stop ({cause}): now in {}",
                until(*new_deadline_ms)
            ),
            PowerEvent::WaitingForJobs {
                cause,
                jobs,
                until_ms,
                ..
            } => format!(
                "{}: {} (up to {})",
                long(cause, at_ms),
                waiting_for(*jobs),
                until(*until_ms)
            ),
            PowerEvent::Stop {
                cause,
                trigger,
                jobs_to_cancel,
            } => {
                let cancel = match jobs_to_cancel {
                    0 => String::new(),
                    1 => ", cancelling 1 running job".into(),
                    n => format!(", cancelling {n} running jobs"),
                };
                let trigger = match trigger {
                    StopTrigger::Deadline => "",
                    StopTrigger::JobsFinished => " after the last job ended",
                    StopTrigger::DrainTimedOut => " at the drain timeout",
                };
                format!("stopping ({}){trigger}{cancel}", long(cause, at_ms))
            }
            PowerEvent::IdleClockRestarted { reason } => {
                format!("idle clock restarted: {}", restart_words(reason))
            }
            PowerEvent::Cancelled { cause, why } => {
                format!("stop ({cause}) called off: {}", cancel_words(why))
            }
            PowerEvent::StopFailed { cause, error } => {
                format!("stop ({cause}) failed: {error}")
            }
        }
    }
}

/// "waiting for 1 job before stopping".
pub(crate) fn waiting_for(jobs: u32) -> String {
    match jobs {
        1 => "waiting for 1 job before stopping".into(),
        n => format!("waiting for {n} jobs before stopping"),
    }
}

fn long(cause: &StopCause, at_ms: u64) -> String {
    match cause {
        StopCause::Idle { since_ms } => {
            format!("idle for {}", elapsed(at_ms.saturating_sub(*since_ms)))
        }
        StopCause::Schedule { .. } => cause.to_string(),
    }
}

fn restart_words(reason: &ClockRestart) -> String {
    match reason {
        ClockRestart::ReadingGap { missing_ms } => {
            format!("no activity reading for {}", elapsed(*missing_ms))
        }
        ClockRestart::ClockWentBack { by_ms } => {
            format!("the clock went back by {}", elapsed(*by_ms))
        }
        ClockRestart::AfterLowered { after_ms, idle_ms } => format!(
            "idle shutdown \"after\" lowered to {}, below the {} already idle",
            elapsed(*after_ms),
            elapsed(*idle_ms)
        ),
        ClockRestart::IdleTurnedOn => "idle shutdown turned on".into(),
        ClockRestart::StopFailed => "the stop command failed".into(),
    }
}

fn cancel_words(why: &CancelReason) -> String {
    match why {
        CancelReason::ActivityResumed { activity } => describe(activity),
        CancelReason::IdleTurnedOff => "idle shutdown turned off".into(),
        CancelReason::IdleClockRestarted => "the idle clock restarted".into(),
        CancelReason::AfterRaised => "idle shutdown \"after\" raised".into(),
        CancelReason::ScheduleWithdrawn => "the schedule was withdrawn".into(),
        CancelReason::Superseded { by } => format!("schedule \"{by}\" stops earlier"),
    }
}
