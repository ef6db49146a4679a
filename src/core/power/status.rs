//! Where power stands, for `station status`, the dashboard header and `station power`: a
//! serialisable [`PowerStatus`] (times in unix milliseconds) and its one-line summary.

use serde::{Deserialize, Serialize};

use super::activity::{ActivityReason, describe};
use super::events::{StopCause, waiting_for};

/// The planner's view at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowerStatus {
    /// The moment this status describes; summaries count from it.
    pub at_ms: u64,
    pub idle_enabled: bool,
    /// The idle shutdown delay in force.
    pub idle_after_ms: u64,
    /// What kept the machine active at the latest observation (empty: quiet).
    pub activity: Vec<ActivityReason>,
    pub state: PowerState,
    /// The earliest planned stop, announced or not (a schedule stop known ahead, a snoozed
    /// stop); `None` when none is planned.
    pub next_stop: Option<UpcomingStop>,
}

/// The headline state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PowerState {
    /// Something is active (see [`PowerStatus::activity`]).
    Active,
    /// Everything quiet since `since_ms`; `stops_at_ms` is `None` with idle shutdown off.
    Idle {
        since_ms: u64,
        stops_at_ms: Option<u64>,
    },
    /// No activity reading yet, or readings are overdue: the idle clock does not run.
    NoReadings { last_ms: Option<u64> },
    /// A stop is announced; consoles show the countdown and the snooze key.
    StopAnnounced { cause: StopCause, deadline_ms: u64 },
    /// The deadline passed with jobs running; the stop waits for them until `until_ms`.
    WaitingForJobs {
        cause: StopCause,
        jobs: u32,
        since_ms: u64,
        until_ms: u64,
    },
    /// The stop is being carried out.
    Stopping { cause: StopCause },
}

/// A stop the planner holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpcomingStop {
    pub cause: StopCause,
    pub deadline_ms: u64,
    /// Whether its warning went out.
    pub announced: bool,
}

impl PowerStatus {
    /// One line: "active: 2 jobs, 1 SSH session", "idle 12 min — stops in 48 min",
    /// "idle shutdown off", "stopping in 9 min (idle)", "waiting for 1 job before stopping
    /// (up to 1h 50m)".
    pub fn summary(&self) -> String {
        let since = |from: u64| elapsed(self.at_ms.saturating_sub(from));
        let until = |to: u64| remaining(to.saturating_sub(self.at_ms));
        match &self.state {
            PowerState::Stopping { cause } => format!("stopping now ({cause})"),
            PowerState::WaitingForJobs { jobs, until_ms, .. } => {
                format!("{} (up to {})", waiting_for(*jobs), until(*until_ms))
            }
            PowerState::StopAnnounced { cause, deadline_ms } => {
                format!("stopping in {} ({cause})", until(*deadline_ms))
            }
            PowerState::NoReadings { last_ms: None } => {
                "waiting for the first activity reading".into()
            }
            PowerState::NoReadings {
                last_ms: Some(last),
            } => format!(
                "no activity reading for {} — idle clock stopped",
                since(*last)
            ),
            PowerState::Active if self.idle_enabled => describe(&self.activity),
            PowerState::Active => format!("{} (idle shutdown off)", describe(&self.activity)),
            PowerState::Idle {
                since_ms,
                stops_at_ms: Some(stops_at),
            } => format!("idle {} — stops in {}", since(*since_ms), until(*stops_at)),
            PowerState::Idle {
                stops_at_ms: None, ..
            } => "idle shutdown off".into(),
        }
    }

    /// The console banner while a stop is announced or waiting for jobs, naming the snooze
    /// key: "stopping in 9 min (idle) — press z to snooze". `None` otherwise.
    pub fn banner(&self, snooze_key: &str) -> Option<String> {
        match self.state {
            PowerState::StopAnnounced { .. } | PowerState::WaitingForJobs { .. } => {
                Some(format!("{} — press {snooze_key} to snooze", self.summary()))
            }
            _ => None,
        }
    }
}

/// A time that has passed, rounded down: "40 s", "12 min", "1h 50m", "2d 3h".
pub fn elapsed(ms: u64) -> String {
    words(ms / 1000, false)
}

/// A time still to go, rounded up, so a countdown never shows 0 before its end: "1 s",
/// "48 min", "1h 50m".
pub fn remaining(ms: u64) -> String {
    words(ms.div_ceil(1000), true)
}

fn words(seconds: u64, round_up: bool) -> String {
    if seconds < 60 {
        return format!("{seconds} s");
    }
    let minutes = if round_up {
        seconds.div_ceil(60)
    } else {
        seconds / 60
    };
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours, minutes) {
        (0, 0, minutes) => format!("{minutes} min"),
        (0, hours, 0) => format!("{hours}h"),
        (0, hours, minutes) => format!("{hours}h {minutes}m"),
        (days, 0, _) => format!("{days}d"),
        (days, hours, _) => format!("{days}d {hours}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(state: PowerState, idle_enabled: bool, activity: Vec<ActivityReason>) -> PowerStatus {
        PowerStatus {
            at_ms: 10_000_000,
            idle_enabled,
            idle_after_ms: 3_600_000,
            activity,
            state,
            next_stop: None,
        }
    }

    #[test]
    fn times_read_naturally_and_countdowns_round_up() {
        assert_eq!(elapsed(59_999), "59 s");
        assert_eq!(elapsed(12 * 60_000 + 59_000), "12 min");
        assert_eq!(remaining(47 * 60_000 + 1_000), "48 min");
        assert_eq!(remaining(1), "1 s");
        assert_eq!(remaining(0), "0 s");
        assert_eq!(elapsed(110 * 60_000), "1h 50m");
        assert_eq!(elapsed(120 * 60_000), "2h");
        assert_eq!(remaining(59 * 60_000 + 30_000), "1h");
        assert_eq!(elapsed(3 * 86_400_000), "3d");
        assert_eq!(elapsed(51 * 3_600_000), "2d 3h");
    }

    #[test]
    fn idle_shutdown_off_is_said_plainly() {
        let idle = PowerState::Idle {
            since_ms: 9_000_000,
            stops_at_ms: None,
        };
        assert_eq!(status(idle, false, vec![]).summary(), "idle shutdown off");
        let busy = vec![ActivityReason::Jobs { count: 2 }];
        assert_eq!(
            status(PowerState::Active, false, busy.clone()).summary(),
            "active: 2 jobs (idle shutdown off)"
        );
        assert_eq!(
            status(PowerState::Active, true, busy).summary(),
            "active: 2 jobs"
        );
    }

    #[test]
    fn only_a_coming_stop_has_a_banner() {
        let announced = PowerState::StopAnnounced {
            cause: StopCause::Idle { since_ms: 0 },
            deadline_ms: 10_000_000 + 9 * 60_000,
        };
        assert_eq!(
            status(announced, true, vec![]).banner("z").unwrap(),
            "stopping in 9 min (idle) — press z to snooze"
        );
        assert_eq!(status(PowerState::Active, true, vec![]).banner("z"), None);
    }
}
