//! The stop planner: turns observations, schedule firings, snoozes and the passing of time
//! into [`PowerEvent`]s, and says where things stand ([`PowerStatus`]).
//!
//! Rules:
//! - **Idle stop**: due `after` past the start of the quiet stretch ([`IdleClock`]). Any
//!   activity, before or during its warning, calls it off.
//! - **Schedule stop**: due when its schedule fires; activity does not call it off, only a
//!   snooze moves it (or withdrawing the schedule removes it).
//! - **Warning**: every stop is announced once, `warn_before` ahead, and never happens sooner
//!   than `warn_before` after its announcement: a stop learned late (a schedule reported after
//!   its time, `after` lowered into the warning window) slides to announcement + `warn_before`.
//! - **Snooze** moves every announced stop (and a stop waiting for jobs) to
//!   `max(deadline, now) + snooze_step`. If that is still within `warn_before`, the warning
//!   stays up with the new deadline; otherwise a new warning comes `warn_before` ahead.
//! - **Deadline**: with no running job, stop. With running jobs, under `on_running_jobs =
//!   "stop"` stop at once (the agent cancels them); under `"wait"` wait until they end or
//!   `drain_timeout` runs out, whichever comes first. (An idle stop never meets running jobs:
//!   they are activity.)
//! - **Policy changes**: lowering `after` below the idle time already elapsed restarts the
//!   idle clock; raising it past a warned idle stop's window calls that stop off; turning idle
//!   shutdown off calls off a pending idle stop, turning it on restarts the idle clock. New
//!   thresholds judge the latest observation again at once.
//! - After [`PowerEvent::Stop`] the planner does nothing more, unless told the stop failed.

mod policy_change;
mod stops;
#[cfg(test)]
mod tests;

use std::time::Duration;

use super::activity::Activity;
use super::events::{CancelReason, ClockRestart, PowerEvent, StopCause};
use super::idle::IdleClock;
use super::policy::IdlePolicy;
use super::status::{PowerState, PowerStatus, UpcomingStop};
use stops::{Phase, PlannedStop};

/// Why a snooze did nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SnoozeRefused {
    #[error("no stop has been announced, so there is nothing to snooze")]
    NothingPending,
    #[error("the machine is already stopping")]
    AlreadyStopping,
}

/// The power state machine. Feed it every observation and tick it about once a second.
#[derive(Debug, Clone)]
pub struct PowerPlanner {
    policy: IdlePolicy,
    clock: IdleClock,
    idle_stop: Option<PlannedStop>,
    schedule_stop: Option<PlannedStop>,
    phase: Phase,
    last_activity: Option<Activity>,
    /// The latest schedule firing taken in, so a repeated report of it changes nothing.
    accepted_firing: Option<(String, u64)>,
}

impl PowerPlanner {
    /// A planner that expects an observation about every `observation_interval`.
    pub fn new(policy: IdlePolicy, observation_interval: Duration) -> Self {
        Self {
            policy,
            clock: IdleClock::new(observation_interval),
            idle_stop: None,
            schedule_stop: None,
            phase: Phase::Watching,
            last_activity: None,
            accepted_firing: None,
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &IdlePolicy {
        &self.policy
    }

    /// The idle clock, for readers who want more than [`Self::status`].
    pub fn idle_clock(&self) -> &IdleClock {
        &self.clock
    }

    /// One observation of the machine at `now_ms`.
    pub fn observe(&mut self, now_ms: u64, activity: &Activity) -> Vec<PowerEvent> {
        let mut events = Vec::new();
        let reasons = activity.reasons(&self.policy);
        if let Some(reason) = self.clock.observe(now_ms, reasons, activity.running_jobs) {
            self.clock_restarted(reason, &mut events);
        }
        self.last_activity = Some(activity.clone());
        self.call_off_idle_stop_if_active(&mut events);
        self.evaluate(now_ms, &mut events);
        events
    }

    /// Lets time pass without an observation: warnings, deadlines, drain timeouts and overdue
    /// readings.
    pub fn tick(&mut self, now_ms: u64) -> Vec<PowerEvent> {
        let mut events = Vec::new();
        self.evaluate(now_ms, &mut events);
        events
    }

    /// Stop schedule `name` fires at `fires_at_ms`. Call it as soon as that time is known to
    /// lie within `warn_before` (earlier is fine too; calling it again for the same firing does
    /// nothing). A firing reported late stops `warn_before` after now, so the warning always
    /// comes first. Of several stop schedules, the earliest is kept.
    pub fn schedule_stop(&mut self, now_ms: u64, name: &str, fires_at_ms: u64) -> Vec<PowerEvent> {
        let mut events = Vec::new();
        let firing = (name.to_owned(), fires_at_ms);
        let repeated = self.accepted_firing.as_ref() == Some(&firing);
        let stopping = !matches!(self.phase, Phase::Watching);
        let later = self
            .schedule_stop
            .as_ref()
            .is_some_and(|stop| stop.deadline_ms <= fires_at_ms);
        if !repeated && !stopping && !later {
            if let Some(old) = self.schedule_stop.take() {
                events.push(PowerEvent::Cancelled {
                    cause: old.cause,
                    why: CancelReason::Superseded { by: name.into() },
                });
            }
            let cause = StopCause::Schedule { name: name.into() };
            self.schedule_stop = Some(PlannedStop::new(cause, fires_at_ms));
            self.accepted_firing = Some(firing);
        }
        self.evaluate(now_ms, &mut events);
        events
    }

    /// Stop schedule `name` was disabled, deleted or changed: its pending stop (announced,
    /// or waiting for jobs) is called off.
    pub fn schedule_withdrawn(&mut self, now_ms: u64, name: &str) -> Vec<PowerEvent> {
        let mut events = Vec::new();
        let cause = StopCause::Schedule { name: name.into() };
        if self
            .schedule_stop
            .as_ref()
            .is_some_and(|stop| stop.cause == cause)
        {
            self.schedule_stop = None;
            events.push(PowerEvent::Cancelled {
                cause,
                why: CancelReason::ScheduleWithdrawn,
            });
        } else if matches!(&self.phase, Phase::Draining { stop, .. } if stop.cause == cause) {
            self.phase = Phase::Watching;
            events.push(PowerEvent::Cancelled {
                cause,
                why: CancelReason::ScheduleWithdrawn,
            });
        }
        self.evaluate(now_ms, &mut events);
        events
    }

    /// `who` postpones the announced stops by one `snooze_step`.
    pub fn snooze(&mut self, now_ms: u64, who: &str) -> Result<Vec<PowerEvent>, SnoozeRefused> {
        let step_ms = self.policy.snooze_step_ms();
        let warn_ms = self.policy.warn_before_ms();
        let mut events = Vec::new();
        match std::mem::replace(&mut self.phase, Phase::Watching) {
            Phase::Stopping { cause } => {
                self.phase = Phase::Stopping { cause };
                return Err(SnoozeRefused::AlreadyStopping);
            }
            Phase::Draining { mut stop, .. } => {
                stop.postpone(now_ms, step_ms, warn_ms);
                events.push(snoozed(who, &stop));
                let cause = stop.cause.clone();
                *self.slot(&cause) = Some(stop);
            }
            Phase::Watching => {
                for stop in [&mut self.idle_stop, &mut self.schedule_stop]
                    .into_iter()
                    .flatten()
                    .filter(|stop| stop.warned)
                {
                    stop.postpone(now_ms, step_ms, warn_ms);
                    events.push(snoozed(who, stop));
                }
                if events.is_empty() {
                    return Err(SnoozeRefused::NothingPending);
                }
            }
        }
        self.evaluate(now_ms, &mut events);
        Ok(events)
    }

    /// The stop command failed: the machine stays up, the planner watches again and the idle
    /// clock starts over (so a broken command is not retried every second).
    pub fn stop_failed(&mut self, now_ms: u64, error: &str) -> Vec<PowerEvent> {
        let mut events = Vec::new();
        if let Phase::Stopping { cause } = std::mem::replace(&mut self.phase, Phase::Watching) {
            events.push(PowerEvent::StopFailed {
                cause,
                error: error.into(),
            });
            if self.clock.restart(now_ms) {
                events.push(PowerEvent::IdleClockRestarted {
                    reason: ClockRestart::StopFailed,
                });
            }
        }
        events
    }

    /// Where things stand as of `now_ms`.
    pub fn status(&self, now_ms: u64) -> PowerStatus {
        let planned = || [&self.idle_stop, &self.schedule_stop].into_iter().flatten();
        let next_stop = planned().min_by_key(|stop| stop.deadline_ms);
        let announced = planned()
            .filter(|stop| stop.warned)
            .min_by_key(|stop| stop.deadline_ms);
        let state = match &self.phase {
            Phase::Stopping { cause } => PowerState::Stopping {
                cause: cause.clone(),
            },
            Phase::Draining { stop, since_ms } => PowerState::WaitingForJobs {
                cause: stop.cause.clone(),
                jobs: self.clock.running_jobs(),
                since_ms: *since_ms,
                until_ms: since_ms.saturating_add(self.policy.drain_timeout_ms()),
            },
            Phase::Watching => match (announced, self.clock.quiet_since_ms()) {
                (Some(stop), _) => PowerState::StopAnnounced {
                    cause: stop.cause.clone(),
                    deadline_ms: stop.deadline_ms,
                },
                _ if self.clock.without_readings() => PowerState::NoReadings {
                    last_ms: self.clock.last_observation_ms(),
                },
                (None, Some(since_ms)) => PowerState::Idle {
                    since_ms,
                    stops_at_ms: self.policy.enabled.then(|| {
                        self.idle_stop
                            .as_ref()
                            .map_or(self.idle_deadline_ms(since_ms), |stop| stop.deadline_ms)
                    }),
                },
                (None, None) => PowerState::Active,
            },
        };
        PowerStatus {
            at_ms: now_ms,
            idle_enabled: self.policy.enabled,
            idle_after_ms: self.policy.after_ms(),
            activity: self.clock.reasons().to_vec(),
            state,
            next_stop: next_stop.map(|stop| UpcomingStop {
                cause: stop.cause.clone(),
                deadline_ms: stop.deadline_ms,
                announced: stop.warned,
            }),
        }
    }

    fn evaluate(&mut self, now_ms: u64, events: &mut Vec<PowerEvent>) {
        if let Some(reason) = self.clock.check_readings(now_ms) {
            self.clock_restarted(reason, events);
        }
        match &self.phase {
            Phase::Stopping { .. } => return,
            Phase::Draining { .. } => {
                self.drain(now_ms, events);
                return;
            }
            Phase::Watching => {}
        }
        self.plan_idle_stop(now_ms);
        let warn_ms = self.policy.warn_before_ms();
        for stop in [&mut self.idle_stop, &mut self.schedule_stop]
            .into_iter()
            .flatten()
        {
            if stop.warn_if_due(now_ms, warn_ms) {
                events.push(PowerEvent::Warn {
                    cause: stop.cause.clone(),
                    deadline_ms: stop.deadline_ms,
                });
            }
        }
        let due_schedule = self
            .schedule_stop
            .as_ref()
            .filter(|stop| stop.is_due(now_ms));
        let due_idle = self.idle_stop.as_ref().filter(|stop| stop.is_due(now_ms));
        let due = match (due_schedule, due_idle) {
            (Some(schedule), Some(idle)) if idle.deadline_ms < schedule.deadline_ms => {
                self.idle_stop.take()
            }
            (Some(_), _) => self.schedule_stop.take(),
            (None, Some(_)) => self.idle_stop.take(),
            (None, None) => None,
        };
        if let Some(stop) = due {
            self.idle_stop = None;
            self.schedule_stop = None;
            self.reach_deadline(now_ms, stop, events);
        }
    }

    /// Plans the idle stop when its warning is due. An idle stop planned but not announced is
    /// therefore always a snoozed one, whose deadline the user chose.
    fn plan_idle_stop(&mut self, now_ms: u64) {
        if !self.policy.enabled || self.idle_stop.is_some() {
            return;
        }
        let Some(since_ms) = self.clock.quiet_since_ms() else {
            return;
        };
        let deadline_ms = self.idle_deadline_ms(since_ms);
        if deadline_ms <= now_ms.saturating_add(self.policy.warn_before_ms()) {
            self.idle_stop = Some(PlannedStop::new(StopCause::Idle { since_ms }, deadline_ms));
        }
    }

    fn idle_deadline_ms(&self, since_ms: u64) -> u64 {
        since_ms.saturating_add(self.policy.after_ms())
    }

    fn clock_restarted(&mut self, reason: ClockRestart, events: &mut Vec<PowerEvent>) {
        events.push(PowerEvent::IdleClockRestarted { reason });
        self.call_off_idle_stop(CancelReason::IdleClockRestarted, events);
    }

    fn call_off_idle_stop_if_active(&mut self, events: &mut Vec<PowerEvent>) {
        if self.clock.quiet_since_ms().is_none() && !self.clock.without_readings() {
            let activity = self.clock.reasons().to_vec();
            self.call_off_idle_stop(CancelReason::ActivityResumed { activity }, events);
        }
    }

    /// Calls off the idle stop (announced or snoozed), if there is one.
    fn call_off_idle_stop(&mut self, why: CancelReason, events: &mut Vec<PowerEvent>) {
        if let Some(stop) = self.idle_stop.take() {
            events.push(PowerEvent::Cancelled {
                cause: stop.cause,
                why,
            });
        }
    }
}

fn snoozed(who: &str, stop: &PlannedStop) -> PowerEvent {
    PowerEvent::Snoozed {
        who: who.into(),
        cause: stop.cause.clone(),
        new_deadline_ms: stop.deadline_ms,
    }
}
