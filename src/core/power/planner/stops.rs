//! Planned stops and what happens at their deadline: stop at once, or wait for jobs.

use super::PowerPlanner;
use crate::core::power::events::{PowerEvent, StopCause, StopTrigger};
use crate::core::power::policy::JobsPolicy;

/// Where the stop sequence is.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Phase {
    /// No deadline reached yet.
    Watching,
    /// A deadline arrived with jobs running; waiting for them since `since_ms`.
    Draining { stop: PlannedStop, since_ms: u64 },
    /// [`PowerEvent::Stop`] went out.
    Stopping { cause: StopCause },
}

/// One stop that will happen unless called off or snoozed.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PlannedStop {
    pub cause: StopCause,
    /// When the stop happens.
    pub deadline_ms: u64,
    /// Whether the warning for the current deadline went out.
    pub warned: bool,
}

impl PlannedStop {
    pub fn new(cause: StopCause, deadline_ms: u64) -> Self {
        Self {
            cause,
            deadline_ms,
            warned: false,
        }
    }

    /// Announces the stop when `now_ms` is within `warn_ms` of the deadline, moving the
    /// deadline so the warning is out for the full `warn_ms`. Returns whether it announced.
    pub fn warn_if_due(&mut self, now_ms: u64, warn_ms: u64) -> bool {
        let window_end = now_ms.saturating_add(warn_ms);
        if self.warned || window_end < self.deadline_ms {
            return false;
        }
        self.warned = true;
        self.deadline_ms = self.deadline_ms.max(window_end);
        true
    }

    /// Whether the announced deadline has arrived.
    pub fn is_due(&self, now_ms: u64) -> bool {
        self.warned && now_ms >= self.deadline_ms
    }

    /// One snooze: `step_ms` past the deadline (or past now, for a deadline already gone).
    /// The warning stays out if the new deadline is still within `warn_ms`.
    pub fn postpone(&mut self, now_ms: u64, step_ms: u64, warn_ms: u64) {
        self.deadline_ms = self.deadline_ms.max(now_ms).saturating_add(step_ms);
        self.warned = self.deadline_ms <= now_ms.saturating_add(warn_ms);
    }
}

impl PowerPlanner {
    /// The slot a stop of this cause lives in.
    pub(super) fn slot(&mut self, cause: &StopCause) -> &mut Option<PlannedStop> {
        match cause {
            StopCause::Idle { .. } => &mut self.idle_stop,
            StopCause::Schedule { .. } => &mut self.schedule_stop,
        }
    }

    /// `stop`'s deadline arrived: stop, or wait for running jobs.
    pub(super) fn reach_deadline(
        &mut self,
        now_ms: u64,
        stop: PlannedStop,
        events: &mut Vec<PowerEvent>,
    ) {
        let jobs = self.clock.running_jobs();
        if jobs == 0 || self.policy.on_running_jobs == JobsPolicy::Stop {
            return self.stop(stop.cause, StopTrigger::Deadline, jobs, events);
        }
        events.push(PowerEvent::WaitingForJobs {
            cause: stop.cause.clone(),
            jobs,
            since_ms: now_ms,
            until_ms: now_ms.saturating_add(self.policy.drain_timeout_ms()),
        });
        self.phase = Phase::Draining {
            stop,
            since_ms: now_ms,
        };
        self.drain(now_ms, events);
    }

    /// While waiting for jobs: stop when none runs, when the policy now says stop, or at the
    /// drain timeout.
    pub(super) fn drain(&mut self, now_ms: u64, events: &mut Vec<PowerEvent>) {
        let Phase::Draining { stop, since_ms } = &self.phase else {
            return;
        };
        let jobs = self.clock.running_jobs();
        let timeout_at = since_ms.saturating_add(self.policy.drain_timeout_ms());
        let trigger = if jobs == 0 {
            StopTrigger::JobsFinished
        } else if self.policy.on_running_jobs == JobsPolicy::Stop {
            StopTrigger::Deadline
        } else if now_ms >= timeout_at {
            StopTrigger::DrainTimedOut
        } else {
            return;
        };
        let cause = stop.cause.clone();
        self.stop(cause, trigger, jobs, events);
    }

    fn stop(
        &mut self,
        cause: StopCause,
        trigger: StopTrigger,
        jobs_to_cancel: u32,
        events: &mut Vec<PowerEvent>,
    ) {
        self.idle_stop = None;
        self.schedule_stop = None;
        self.phase = Phase::Stopping {
            cause: cause.clone(),
        };
        events.push(PowerEvent::Stop {
            cause,
            trigger,
            jobs_to_cancel,
        });
    }
}
