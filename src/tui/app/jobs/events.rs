//! What the agent's job messages and the clock do to the jobs pane.
//!
//! Runtimes are measured on the agent's clock, estimated from the newest telemetry sample's
//! time plus the time since it arrived, so a console on another machine with a skewed clock
//! still shows the right runtimes; they advance with the console's one-second tick.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::logs::TAIL_BYTES;
use crate::proto::jobs::{CancelAction, CancelOutcome, JobState, JobsUpdate, LogStart};
use crate::tui::app::{AgentMsg, App, Effect, JobReply, JobRequest, Level, View};

impl App {
    /// Applies one of the job messages of the agent link; true when something visible
    /// changed. Other messages are not for this pane and change nothing.
    pub(in crate::tui::app) fn on_jobs_msg(&mut self, msg: AgentMsg) -> bool {
        match msg {
            AgentMsg::Jobs(snapshot) => {
                self.jobs.replace(*snapshot);
                self.recheck_form();
                true
            }
            AgentMsg::JobsChanged(update) => {
                let changed = self.jobs.merge(*update);
                if changed {
                    self.recheck_form();
                }
                changed
            }
            AgentMsg::JobsUnavailable { reason } => {
                self.jobs.set_unavailable(reason);
                true
            }
            AgentMsg::JobDetail(detail) => self.jobs.add_detail(*detail) && self.view == View::Jobs,
            AgentMsg::Log { follow, chunk } => match self.jobs.logs.as_mut() {
                Some(logs) if logs.follow_id == follow => logs.append(&chunk),
                _ => false,
            },
            AgentMsg::LogFailed { follow, reason } => match self.jobs.logs.as_mut() {
                Some(logs) if logs.follow_id == follow => {
                    logs.error = Some(reason);
                    true
                }
                _ => false,
            },
            AgentMsg::JobReply(reply) => {
                self.on_job_reply(reply);
                true
            }
            AgentMsg::Connected(_)
            | AgentMsg::Sample(_)
            | AgentMsg::Notice { .. }
            | AgentMsg::Lost { .. }
            | AgentMsg::Power(_)
            | AgentMsg::PowerUnavailable { .. }
            | AgentMsg::PowerRefused { .. } => false,
        }
    }

    fn on_job_reply(&mut self, reply: JobReply) {
        match reply {
            JobReply::Submitted(job) => {
                self.jobs.form = None;
                let id = job.id;
                let text = match &job.name {
                    Some(name) => format!("job {id} ({name}) submitted"),
                    None => format!("job {id} submitted"),
                };
                self.jobs.merge(JobsUpdate {
                    changed: vec![*job],
                    capacity: None,
                });
                self.jobs.select(id);
                self.say(Level::Info, text);
            }
            JobReply::SubmitFailed { reason } => match self.jobs.form.as_mut() {
                Some(form) => {
                    form.submitting = false;
                    form.refused = Some(reason);
                }
                None => self.say(Level::Error, format!("submit failed: {reason}")),
            },
            JobReply::Cancelled(outcomes) => {
                let text: Vec<String> = outcomes.iter().map(cancel_text).collect();
                self.say(Level::Info, text.join("; "));
            }
            JobReply::CancelFailed { ids, reason } => {
                let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
                let text = format!("cannot cancel job {}: {reason}", ids.join(", "));
                self.say(Level::Error, text);
            }
        }
    }

    fn recheck_form(&mut self) {
        let capacity = self.jobs.capacity.as_ref();
        if let Some(form) = self.jobs.form.as_mut() {
            form.recheck(capacity, &self.job_defaults);
        }
    }

    /// A fresh connection: the link subscribes to jobs again by itself (the snapshot will
    /// replace what is held); an open log resumes where it stopped.
    pub(in crate::tui::app) fn on_jobs_connected(&mut self) {
        self.jobs.forget_asked();
        let follow = self.jobs.next_follow_id();
        let Some(logs) = self.jobs.logs.as_mut() else {
            return;
        };
        logs.follow_id = follow;
        let start = logs
            .next_offset
            .map_or(LogStart::Tail(TAIL_BYTES), LogStart::Offset);
        self.effects.push(Effect::Job(JobRequest::FollowLog {
            follow,
            job: logs.job,
            stream: logs.stream,
            start,
        }));
    }

    /// Remembers the agent's clock from a sample that arrived at `now`.
    pub(in crate::tui::app) fn set_agent_clock(&mut self, taken_at_ms: u64, now: Instant) {
        self.agent_clock = Some((taken_at_ms, now));
        self.jobs.now_ms = taken_at_ms;
    }

    /// Moves the jobs clock to `now`; true when a runtime on screen changed.
    pub(in crate::tui::app) fn tick_jobs(&mut self, now: Instant) -> bool {
        let now_ms = match self.agent_clock {
            Some((at_ms, at)) => at_ms + now.saturating_duration_since(at).as_millis() as u64,
            None => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
        };
        let before = self.jobs.now_ms / 1000;
        self.jobs.now_ms = now_ms;
        let running = self.jobs.jobs.iter().any(|j| j.state == JobState::Running);
        self.view == View::Jobs && running && now_ms / 1000 != before
    }
}

/// What a cancel did, in words: "job 12 left the queue".
fn cancel_text(outcome: &CancelOutcome) -> String {
    let id = outcome.id;
    match outcome.action {
        CancelAction::Dequeued => format!("job {id} left the queue"),
        CancelAction::Terminating { grace_secs } => {
            format!("job {id}: SIGTERM sent, SIGKILL in {grace_secs} s if it is still running")
        }
        CancelAction::Killed => format!("job {id}: SIGKILL sent"),
        CancelAction::AlreadyEnded { state } => format!("job {id} had already ended ({state})"),
    }
}
