//! The task of one fleet row: connect, subscribe, relay the figures; on any failure say why,
//! pause, and connect again, until the console drops the fleet.

use std::time::Duration;

use tokio::sync::mpsc;

use super::summary;
use super::{Backoff, RowTiming};
use crate::client::Client;
use crate::client::target::{self, ConnectOptions, LinkProblem, Target};
use crate::proto::power::StartPlan;
use crate::proto::summary::InstanceSummary;
use crate::proto::{ClientMsg, Event, Response, ServerMsg};
use crate::tui::app::fleet::{FleetMsg, RowStats, RowUpdate};

/// Everything one row task owns.
pub(super) struct RowTask {
    pub index: usize,
    /// The row's instance name (where a learned start plan is kept).
    pub name: String,
    pub target: Target,
    pub options: ConnectOptions,
    pub timing: RowTiming,
    pub to_loop: mpsc::Sender<FleetMsg>,
}

/// Why a session ended.
enum Ended {
    /// The connection failed or broke: say so and try again.
    Problem(LinkProblem),
    /// The event loop is gone: stop.
    LoopGone,
}

/// What one connection has learnt so far.
#[derive(Default)]
struct Session {
    subscription_id: u64,
    hostname: String,
    summary: Option<InstanceSummary>,
    /// The last figures sent, so unchanged ones are not sent again.
    sent: Option<RowStats>,
    /// The instance's start schedules, as its agent answered the subscription (taken once).
    start: Option<StartPlan>,
}

impl RowTask {
    pub(super) async fn run(self) {
        let mut backoff = Backoff::new(self.timing);
        if self.send(RowUpdate::Connecting).await.is_err() {
            return;
        }
        loop {
            let problem = match self.session(&mut backoff).await {
                Ended::Problem(problem) => problem,
                Ended::LoopGone => return,
            };
            tracing::debug!(row = self.index, target = %self.target.describe(), %problem, "fleet row down");
            if self.send(RowUpdate::Down(problem)).await.is_err() {
                return;
            }
            tokio::time::sleep(backoff.next_pause()).await;
        }
    }

    async fn send(&self, update: RowUpdate) -> Result<(), ()> {
        let msg = FleetMsg {
            row: self.index,
            update,
        };
        self.to_loop.send(msg).await.map_err(drop)
    }

    /// One connection, from connecting until it fails or breaks.
    async fn session(&self, backoff: &mut Backoff) -> Ended {
        let mut client = match target::connect(&self.target, &self.options).await {
            Ok(client) => client,
            Err(problem) => return Ended::Problem(problem),
        };
        let mut session = Session {
            hostname: client.ready().host.hostname.clone(),
            ..Session::default()
        };
        if let Err(problem) = subscribe(&mut client, &mut session).await {
            return Ended::Problem(problem);
        }
        loop {
            let silence = self.silence(session.summary.as_ref());
            let incoming = match tokio::time::timeout(silence, client.next_incoming()).await {
                Err(_) => {
                    let secs = silence.as_secs();
                    let reason = format!("the agent sent nothing for {secs} s");
                    return Ended::Problem(LinkProblem::Unreachable(reason));
                }
                Ok(Err(error)) => return Ended::Problem(error.into()),
                Ok(Ok(None)) => {
                    let reason = "the agent closed the connection".to_owned();
                    return Ended::Problem(LinkProblem::Unreachable(reason));
                }
                Ok(Ok(Some(msg))) => msg,
            };
            if let Err(problem) = session.take(incoming) {
                return Ended::Problem(problem);
            }
            if let Some(plan) = session.start.take()
                && self.target != Target::Local
            {
                let dir = self.options.paths.fleet_start_dir();
                let name = self.name.clone();
                tokio::task::spawn_blocking(move || {
                    if let Err(error) = crate::config::fleet_start::save(&dir, &name, &plan) {
                        tracing::warn!(instance = %name, "cannot keep its start schedules: {error}");
                    }
                });
            }
            let Some(stats) = session.stats() else {
                continue;
            };
            if session.sent.as_ref() == Some(&stats) {
                continue;
            }
            // Up and sending: the next failure starts the pauses over.
            backoff.reset();
            session.sent = Some(stats.clone());
            if self.send(RowUpdate::Up(stats)).await.is_err() {
                return Ended::LoopGone;
            }
        }
    }

    /// How long the agent may stay silent: the row's setting, and at least three of the
    /// agent's sampling intervals.
    fn silence(&self, summary: Option<&InstanceSummary>) -> Duration {
        let interval = summary.map_or(0, |s| u64::from(s.interval_ms));
        self.timing.silence.max(Duration::from_millis(interval * 3))
    }
}

/// Asks for the instance summary: a few hundred bytes per tick, job counts included.
async fn subscribe(client: &mut Client, session: &mut Session) -> Result<(), LinkProblem> {
    session.subscription_id = client.send(ClientMsg::SubscribeSummary).await?;
    Ok(())
}

impl Session {
    /// Takes one message from the agent; `Err` when it means the row cannot be shown.
    fn take(&mut self, msg: ServerMsg) -> Result<(), LinkProblem> {
        match msg {
            ServerMsg::Response {
                body: Response::SummarySubscribed { summary, start, .. },
                ..
            } => {
                if summary.is_some() {
                    self.summary = summary;
                }
                self.start = start;
            }
            ServerMsg::Event {
                body: Event::Summary(summary),
                ..
            } => self.summary = Some(summary),
            ServerMsg::Error {
                id: Some(id),
                message,
                ..
            } if id == self.subscription_id => {
                return Err(LinkProblem::Other(format!("agent: {message}")));
            }
            other => tracing::trace!(?other, "fleet row ignores a message"),
        }
        Ok(())
    }

    /// The row's figures, once a summary has arrived.
    fn stats(&self) -> Option<RowStats> {
        Some(summary::stats(&self.hostname, self.summary.as_ref()?))
    }
}
