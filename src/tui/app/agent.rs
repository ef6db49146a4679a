//! What the agent link reports: connections, samples, notices, losses; and the live/stale/lost
//! state the header shows. Job messages go on to the jobs pane ([`super::jobs`]).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{AgentIdentity, AgentMsg, App, Level, LinkState};
use crate::core::history::HistoryBook;
use crate::proto::NoticeLevel;
use crate::proto::telemetry::ProcessSort;

/// A sample older than this many intervals makes the link "stale"…
const STALE_INTERVALS: u32 = 3;
/// …but never sooner than this.
const STALE_AT_LEAST: Duration = Duration::from_secs(3);

impl App {
    pub(super) fn on_agent(&mut self, msg: AgentMsg, now: Instant) -> bool {
        match msg {
            AgentMsg::Connected(connected) => {
                let connected = *connected;
                self.agent = Some(AgentIdentity {
                    pid: connected.ready.agent_pid,
                    version: connected.ready.station_version.clone(),
                });
                self.host = Some(connected.snapshot.host.clone());
                // The agent's history is at least as full as ours, and after a restart of the
                // agent its sequence numbers start again: take its history as it is.
                self.history = HistoryBook::from_wire(connected.snapshot.history);
                self.smoothing.clear();
                if let Some(warning) = connected.version_warning {
                    self.say(Level::Warning, warning);
                } else if matches!(self.link, LinkState::Lost { .. }) {
                    self.say(Level::Info, "agent reconnected");
                }
                self.link = LinkState::Waiting;
                if let Some(sample) = connected.snapshot.latest {
                    self.take_sample(sample, now);
                }
                self.link = self.link_state(now, None);
                self.on_jobs_connected();
                true
            }
            AgentMsg::Sample(sample) => {
                self.take_sample(*sample, now);
                self.link = self.link_state(now, None);
                true
            }
            AgentMsg::Notice { level, message } => {
                let level = match level {
                    NoticeLevel::Info => Level::Info,
                    NoticeLevel::Warning => Level::Warning,
                    NoticeLevel::Error => Level::Error,
                };
                self.say(level, message);
                true
            }
            AgentMsg::Lost { reason } => {
                let known = matches!(&self.link, LinkState::Lost { reason: r, .. } if *r == reason);
                if self.link == LinkState::Connecting {
                    let name = self.fleet.on_name().unwrap_or(super::fleet::LOCAL);
                    let text = format!("cannot reach {name}: {reason}; retrying…");
                    self.say(Level::Warning, text);
                } else if !known {
                    self.say(
                        Level::Warning,
                        format!("agent lost: {reason}; reconnecting…"),
                    );
                }
                self.sched_on_lost(&reason);
                let state = self.link_state(now, Some(reason));
                let changed = state != self.link || !known;
                self.link = state;
                changed
            }
            power @ (AgentMsg::Power(_)
            | AgentMsg::PowerUnavailable { .. }
            | AgentMsg::PowerRefused { .. }) => self.on_power_msg(power),
            jobs => self.on_jobs_msg(jobs),
        }
    }

    pub(super) fn on_tick(&mut self, now: Instant) -> bool {
        let reason = match &self.link {
            // Nothing to age before the first answer.
            LinkState::Connecting => return self.tick_jobs(now) | self.tick_sched(),
            LinkState::Lost { reason, .. } => Some(reason.clone()),
            _ => None,
        };
        let state = self.link_state(now, reason);
        let changed = state != self.link;
        self.link = state;
        let sched = self.tick_sched();
        self.tick_jobs(now) | sched | changed
    }

    /// The agent's clock now (unix milliseconds): the newest sample's time plus the time
    /// since it arrived, as of the update in progress; this machine's clock before any
    /// sample.
    pub(super) fn wall_ms(&self) -> u64 {
        match (self.agent_clock, self.clock) {
            (Some((at_ms, at)), Some(now)) => {
                at_ms + now.saturating_duration_since(at).as_millis() as u64
            }
            (Some((at_ms, _)), None) => at_ms,
            _ => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
        }
    }

    fn take_sample(&mut self, mut sample: crate::proto::telemetry::Sample, now: Instant) {
        self.history.record(&sample);
        let table = &mut sample.processes;
        // Rows that drop out are kept only when they may just have fallen below the cut.
        let cut =
            table.rows.len() >= self.query.limit as usize && self.query.sort == ProcessSort::Cpu;
        self.smoothing.apply(sample.seq, &mut table.rows, cut);
        super::processes::sort(&mut table.rows, self.query.sort);
        self.set_agent_clock(sample.taken_at_ms, now);
        self.sample = Some(sample);
        self.last_sample_at = Some(now);
        self.reshape_rows();
    }

    /// The link state at `now`; `lost` is the reason when the connection is down.
    fn link_state(&self, now: Instant, lost: Option<String>) -> LinkState {
        let age = self
            .last_sample_at
            .map(|at| now.saturating_duration_since(at));
        if let Some(reason) = lost {
            return LinkState::Lost {
                reason,
                secs: age.map(|a| a.as_secs()),
            };
        }
        let Some(age) = age else {
            return LinkState::Waiting;
        };
        let interval = self.sample.as_ref().map_or(1000, |s| s.interval_ms.max(1));
        let limit =
            (Duration::from_millis(u64::from(interval)) * STALE_INTERVALS).max(STALE_AT_LEAST);
        if age > limit {
            LinkState::Stale {
                secs: age.as_secs(),
            }
        } else {
            LinkState::Live
        }
    }
}
