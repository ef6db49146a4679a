//! The idle-shutdown settings the planner works with, independent of how the configuration
//! file spells them: the agent maps `[power]` onto [`IdlePolicy`].

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What happens to running jobs when a stop's deadline arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobsPolicy {
    /// Wait for them to finish, at most the drain timeout, then stop.
    Wait,
    /// Stop at once; the agent cancels them first.
    Stop,
}

/// Idle shutdown and stop settings.
#[derive(Debug, Clone, PartialEq)]
pub struct IdlePolicy {
    /// Whether idleness stops the machine at all (schedule stops work either way).
    pub enabled: bool,
    /// How long every activity source must have been quiet before the machine stops.
    pub after: Duration,
    /// Whole-machine CPU use above this percentage (0–100) counts as activity.
    pub cpu_percent: f32,
    /// Any GPU busier than this percentage counts as activity.
    pub gpu_percent: f32,
    /// Any GPU on which processes hold more than this many MiB counts as activity.
    pub gpu_memory_mib: u64,
    /// How long before a stop the consoles and terminals are warned.
    pub warn_before: Duration,
    /// How far one snooze moves a stop.
    pub snooze_step: Duration,
    /// What happens to running jobs at a stop's deadline.
    pub on_running_jobs: JobsPolicy,
    /// Under [`JobsPolicy::Wait`], the longest wait for running jobs before stopping anyway.
    pub drain_timeout: Duration,
}

impl IdlePolicy {
    pub(crate) fn after_ms(&self) -> u64 {
        millis(self.after)
    }

    pub(crate) fn warn_before_ms(&self) -> u64 {
        millis(self.warn_before)
    }

    pub(crate) fn snooze_step_ms(&self) -> u64 {
        millis(self.snooze_step)
    }

    pub(crate) fn drain_timeout_ms(&self) -> u64 {
        millis(self.drain_timeout)
    }
}

/// A duration in whole milliseconds, saturating (no setting comes near `u64::MAX` ms).
pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
