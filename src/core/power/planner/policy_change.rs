//! A new policy while the planner runs: thresholds, `after`, idle shutdown on or off.

use super::PowerPlanner;
use crate::core::power::events::{CancelReason, ClockRestart, PowerEvent};
use crate::core::power::policy::IdlePolicy;

impl PowerPlanner {
    /// Puts a new policy in force (the configuration was reloaded or edited).
    pub fn set_policy(&mut self, now_ms: u64, policy: IdlePolicy) -> Vec<PowerEvent> {
        let mut events = Vec::new();
        let old = std::mem::replace(&mut self.policy, policy);
        if let Some(activity) = &self.last_activity {
            self.clock.reassess(now_ms, activity.reasons(&self.policy));
            self.call_off_idle_stop_if_active(&mut events);
        }
        if !self.policy.enabled {
            self.call_off_idle_stop(CancelReason::IdleTurnedOff, &mut events);
        } else if !old.enabled {
            if self.clock.restart(now_ms) {
                events.push(PowerEvent::IdleClockRestarted {
                    reason: ClockRestart::IdleTurnedOn,
                });
            }
        } else if self.policy.after < old.after {
            self.after_lowered(now_ms, &mut events);
        } else if self.policy.after > old.after {
            self.after_raised(&mut events);
        }
        self.evaluate(now_ms, &mut events);
        events
    }

    /// `after` went down: if the machine has been idle that long already, the idle clock
    /// starts over, so lowering `after` never stops a machine on the spot.
    fn after_lowered(&mut self, now_ms: u64, events: &mut Vec<PowerEvent>) {
        let Some(idle_ms) = self.clock.idle_ms(now_ms) else {
            return;
        };
        if idle_ms >= self.policy.after_ms() {
            self.clock.restart(now_ms);
            events.push(PowerEvent::IdleClockRestarted {
                reason: ClockRestart::AfterLowered {
                    after_ms: self.policy.after_ms(),
                    idle_ms,
                },
            });
            self.call_off_idle_stop(CancelReason::IdleClockRestarted, events);
        }
    }

    /// `after` went up: an idle stop whose deadline the new `after` passes is called off and
    /// planned again from the new deadline (so an announced one is announced again).
    fn after_raised(&mut self, events: &mut Vec<PowerEvent>) {
        let (Some(since_ms), Some(stop)) = (self.clock.quiet_since_ms(), &self.idle_stop) else {
            return;
        };
        if self.idle_deadline_ms(since_ms) > stop.deadline_ms {
            self.call_off_idle_stop(CancelReason::AfterRaised, events);
        }
    }
}
