//! The power report from the agent: kept for the header ("why is it up"), the stop banner and
//! the schedule editor ([`super::sched`]); the snooze request; refusals of power requests
//! (in the editor's form when they refuse its change, else in the footer).

use super::{AgentMsg, App, Effect, Level, PowerRequest};

impl App {
    /// A power message from the link; `false` for anything else.
    pub(super) fn on_power_msg(&mut self, msg: AgentMsg) -> bool {
        match msg {
            AgentMsg::Power(report) => {
                let changed = self.power.as_deref() != Some(&*report);
                self.power = Some(report);
                self.sched_on_report() || changed
            }
            AgentMsg::PowerUnavailable { reason } => {
                self.power = None;
                tracing::info!(%reason, "the agent has no power report");
                self.sched_on_unavailable(reason);
                true
            }
            AgentMsg::PowerRefused { request, reason } => {
                if self.sched_on_refused(&request, &reason) {
                    return true;
                }
                let what = match request {
                    PowerRequest::Snooze => "snooze",
                    PowerRequest::Edit(_) => "change",
                };
                self.say(Level::Error, format!("{what} refused: {reason}"));
                true
            }
            _ => false,
        }
    }

    /// Asks the agent to postpone the announced stop; says so when there is none.
    pub(super) fn snooze(&mut self) -> bool {
        let announced = self
            .power
            .as_ref()
            .is_some_and(|report| report.banner.is_some());
        if announced {
            self.effects.push(Effect::Power(PowerRequest::Snooze));
            self.say(Level::Info, "snooze asked…");
        } else {
            self.say(Level::Info, "no stop is announced: nothing to snooze");
        }
        true
    }
}
