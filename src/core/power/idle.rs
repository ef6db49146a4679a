//! The idle clock: since when every activity source has been quiet.
//!
//! Rules:
//! - The clock starts at the first quiet observation after activity (or after the agent
//!   starts: an agent restart restarts the clock, which only ever keeps a machine up longer).
//! - Any activity stops it; the next quiet observation starts it again from zero.
//! - A gap between observations longer than the gap limit (three observation intervals, at
//!   least [`MIN_GAP_LIMIT_MS`]) does not count as quiet: nobody knows what ran meanwhile
//!   (a stalled sampler, a suspended machine, a wall-clock jump). A running clock is then
//!   reset, as soon as [`IdleClock::check_readings`] notices or at the next observation, and
//!   starts again at the first quiet observation after the gap. The same holds when the wall
//!   clock goes back by more than the gap limit; smaller steps back are absorbed.

use std::time::Duration;

use super::activity::ActivityReason;
use super::events::ClockRestart;
use super::policy::millis;

/// How many observation intervals may pass without a reading before the quiet stretch is
/// considered broken.
pub const GAP_INTERVALS: u64 = 3;

/// The gap limit never goes below this, so a fast sampler is not held to a few milliseconds.
pub const MIN_GAP_LIMIT_MS: u64 = 2_000;

/// The quiet stretch and the latest verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct IdleClock {
    gap_limit_ms: u64,
    last_observation_ms: Option<u64>,
    quiet_since_ms: Option<u64>,
    reasons: Vec<ActivityReason>,
    running_jobs: u32,
    readings_lost: bool,
}

impl IdleClock {
    /// A clock fed about every `observation_interval`.
    pub fn new(observation_interval: Duration) -> Self {
        Self {
            gap_limit_ms: millis(observation_interval)
                .saturating_mul(GAP_INTERVALS)
                .max(MIN_GAP_LIMIT_MS),
            last_observation_ms: None,
            quiet_since_ms: None,
            reasons: Vec::new(),
            running_jobs: 0,
            readings_lost: false,
        }
    }

    /// Records one observation's verdict (`reasons` empty: quiet). Returns why a running quiet
    /// stretch was cut short by a gap before this observation, when this observation is quiet
    /// too (activity after a gap needs no explanation).
    pub fn observe(
        &mut self,
        now_ms: u64,
        reasons: Vec<ActivityReason>,
        running_jobs: u32,
    ) -> Option<ClockRestart> {
        let gap = self
            .last_observation_ms
            .and_then(|last| self.gap_between(last, now_ms));
        let was_quiet = self.quiet_since_ms.is_some();
        if gap.is_some() {
            self.quiet_since_ms = None;
        }
        self.last_observation_ms = Some(now_ms);
        self.readings_lost = false;
        self.running_jobs = running_jobs;
        self.apply(now_ms, reasons);
        gap.filter(|_| was_quiet && self.quiet_since_ms.is_some())
    }

    /// Judges the latest observation again (after thresholds changed), without a new reading.
    pub fn reassess(&mut self, now_ms: u64, reasons: Vec<ActivityReason>) {
        if self.last_observation_ms.is_some() && !self.readings_lost {
            self.apply(now_ms, reasons);
        }
    }

    /// Notices a reading that is overdue. Returns, once per gap, why a running quiet stretch
    /// was reset.
    pub fn check_readings(&mut self, now_ms: u64) -> Option<ClockRestart> {
        let last = self.last_observation_ms?;
        if self.readings_lost {
            return None;
        }
        let gap = self.gap_between(last, now_ms)?;
        self.readings_lost = true;
        self.quiet_since_ms.take().map(|_| gap)
    }

    /// Starts a running quiet stretch over from `now_ms`. Returns whether one was running.
    pub fn restart(&mut self, now_ms: u64) -> bool {
        match &mut self.quiet_since_ms {
            Some(since) => {
                *since = now_ms;
                true
            }
            None => false,
        }
    }

    /// Since when everything has been quiet; `None` while active or without fresh readings.
    pub fn quiet_since_ms(&self) -> Option<u64> {
        self.quiet_since_ms
    }

    /// How long everything has been quiet as of `now_ms`.
    pub fn idle_ms(&self, now_ms: u64) -> Option<u64> {
        self.quiet_since_ms
            .map(|since| now_ms.saturating_sub(since))
    }

    /// What kept the machine active at the latest observation.
    pub fn reasons(&self) -> &[ActivityReason] {
        &self.reasons
    }

    /// Running jobs at the latest observation.
    pub fn running_jobs(&self) -> u32 {
        self.running_jobs
    }

    /// The time of the latest observation, if any came.
    pub fn last_observation_ms(&self) -> Option<u64> {
        self.last_observation_ms
    }

    /// True before the first observation and while readings are overdue.
    pub fn without_readings(&self) -> bool {
        self.last_observation_ms.is_none() || self.readings_lost
    }

    /// The longest silence between two observations that still counts as quiet.
    pub fn gap_limit_ms(&self) -> u64 {
        self.gap_limit_ms
    }

    fn apply(&mut self, now_ms: u64, reasons: Vec<ActivityReason>) {
        if reasons.is_empty() {
            self.quiet_since_ms.get_or_insert(now_ms);
        } else {
            self.quiet_since_ms = None;
        }
        self.reasons = reasons;
    }

    fn gap_between(&self, last_ms: u64, now_ms: u64) -> Option<ClockRestart> {
        if now_ms >= last_ms {
            let missing_ms = now_ms - last_ms;
            (missing_ms > self.gap_limit_ms).then_some(ClockRestart::ReadingGap { missing_ms })
        } else {
            let by_ms = last_ms - now_ms;
            (by_ms > self.gap_limit_ms).then_some(ClockRestart::ClockWentBack { by_ms })
        }
    }
}
