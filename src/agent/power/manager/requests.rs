//! The manager's answers to sessions: the report, the event log, snooze, edits, reloads and
//! a stop by hand.

use std::sync::Arc;

use super::super::handle::PowerRequest;
use super::super::settings::Reload;
use super::Manager;
use crate::core::power::planner::SnoozeRefused;

impl Manager {
    pub(super) async fn on_request(&mut self, request: PowerRequest, now: u64) {
        match request {
            PowerRequest::Report(reply) => {
                let _ = reply.send(Arc::new(self.report(now)));
            }
            PowerRequest::Events { limit, reply } => {
                let _ = reply.send(self.log.newest(limit));
            }
            PowerRequest::Snooze { who, reply } => {
                let result = match self.planner.snooze(now, &who) {
                    Ok(events) => {
                        self.act(now, events).await;
                        self.publish(now);
                        Ok(Arc::new(self.report(now)))
                    }
                    Err(SnoozeRefused::NothingPending) => {
                        Err("no stop is announced: there is nothing to snooze".to_owned())
                    }
                    Err(SnoozeRefused::AlreadyStopping) => {
                        Err("the machine is stopping already".to_owned())
                    }
                };
                let _ = reply.send(result);
            }
            PowerRequest::Edit { edit, reply } => {
                let result = self.inputs.settings.edit(&edit);
                if result.is_ok() {
                    self.settings_changed(now, "agent.toml changed from a console");
                    self.publish(now);
                }
                let _ = reply.send(result.map(|()| Arc::new(self.report(now))));
            }
            PowerRequest::Reload(reply) => {
                let result = match self.inputs.settings.reload() {
                    Reload::Refused(problem) => {
                        self.log.record(now, "settings", problem.clone());
                        Err(problem)
                    }
                    Reload::Applied => {
                        self.settings_changed(now, "agent.toml reloaded");
                        Ok(())
                    }
                    Reload::Unchanged => match &self.inputs.settings.problem {
                        Some(problem) => Err(problem.clone()),
                        None => Ok(()),
                    },
                };
                self.publish(now);
                let _ = reply.send(result.map(|()| Arc::new(self.report(now))));
            }
            PowerRequest::StopNow { who, force, reply } => {
                let (running, _) = *self.inputs.jobs.counts().borrow();
                if running > 0 && !force {
                    let _ = reply.send(Err(format!(
                        "{running} job{} running; `--force` cancels {} and stops",
                        if running == 1 { " is" } else { "s are" },
                        if running == 1 { "it" } else { "them" }
                    )));
                    return;
                }
                self.log
                    .record(now, "stop", format!("stopped by hand by {who}"));
                if running > 0 {
                    self.cancel_running_jobs(now).await;
                }
                let command = self.inputs.settings.current.power.stop_command.clone();
                self.stopping = false;
                self.run_stop_command(now);
                self.publish(now);
                let _ = reply.send(Ok(command));
            }
        }
    }
}
