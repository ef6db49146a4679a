//! The task of one fleet row: connect, subscribe, relay the figures; on any failure say why,
//! pause, and connect again, until the console drops the fleet.

use std::time::Duration;

use tokio::sync::mpsc;

use super::summary::{self, JobCounter};
use super::{Backoff, RowTiming};
use crate::client::Client;
use crate::client::target::{self, ConnectOptions, LinkProblem, Target};
use crate::proto::telemetry::{ProcessQuery, Sample};
use crate::proto::{ClientMsg, Event, Response, ServerMsg};
use crate::tui::app::fleet::{FleetMsg, RowStats, RowUpdate};

/// Everything one row task owns.
pub(super) struct RowTask {
    pub index: usize,
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
    telemetry_id: u64,
    jobs_id: u64,
    hostname: String,
    sample: Option<Sample>,
    jobs: Option<JobCounter>,
    /// The last figures sent, so unchanged ones are not sent again.
    sent: Option<RowStats>,
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
            let silence = self.silence(session.sample.as_ref());
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
    fn silence(&self, sample: Option<&Sample>) -> Duration {
        let interval = sample.map_or(0, |s| u64::from(s.interval_ms));
        self.timing.silence.max(Duration::from_millis(interval * 3))
    }
}

/// Asks for telemetry without processes or history, and for jobs; the answers arrive with
/// the events.
async fn subscribe(client: &mut Client, session: &mut Session) -> Result<(), LinkProblem> {
    let telemetry = ClientMsg::SubscribeTelemetry {
        processes: ProcessQuery {
            limit: 0,
            ..ProcessQuery::default()
        },
        history: false,
    };
    session.telemetry_id = client.send(telemetry).await?;
    let jobs = ClientMsg::SubscribeJobs { only: Vec::new() };
    session.jobs_id = client.send(jobs).await?;
    Ok(())
}

impl Session {
    /// Takes one message from the agent; `Err` when it means the row cannot be shown.
    fn take(&mut self, msg: ServerMsg) -> Result<(), LinkProblem> {
        match msg {
            ServerMsg::Response {
                body: Response::Subscribed { snapshot, .. },
                ..
            } => {
                self.hostname = snapshot.host.hostname.clone();
                if let Some(sample) = snapshot.latest {
                    self.sample = Some(sample);
                }
            }
            ServerMsg::Response {
                body: Response::JobsSubscribed { snapshot, .. },
                ..
            }
            | ServerMsg::Event {
                body: Event::JobsResync(snapshot),
                ..
            } => self
                .jobs
                .get_or_insert_with(Default::default)
                .replace(&snapshot),
            ServerMsg::Event {
                body: Event::Jobs(update),
                ..
            } => {
                if let Some(jobs) = self.jobs.as_mut() {
                    jobs.merge(&update);
                }
            }
            ServerMsg::Event {
                body: Event::Telemetry(sample),
                ..
            } => self.sample = Some(*sample),
            ServerMsg::Error {
                id: Some(id),
                message,
                ..
            } if id == self.telemetry_id => {
                return Err(LinkProblem::Other(format!("agent: {message}")));
            }
            // An agent without a job runner: the row shows no job counts.
            ServerMsg::Error { id: Some(id), .. } if id == self.jobs_id => self.jobs = None,
            other => tracing::trace!(?other, "fleet row ignores a message"),
        }
        Ok(())
    }

    /// The row's figures, once a sample has arrived.
    fn stats(&self) -> Option<RowStats> {
        let jobs = self.jobs.as_ref().map(JobCounter::counts);
        let sample = self.sample.as_ref()?;
        Some(summary::stats(&self.hostname, sample, jobs))
    }
}
