//! One client's session: the handshake, its requests, and the events it subscribed to.
//!
//! A session never harms another: a malformed or unknown frame gets an error reply and the
//! connection stays usable; an oversized frame closes only this connection (without reading it
//! into memory); a client that stops reading is dropped after [`WRITE_TIMEOUT`] instead of
//! holding anything up. Samples come through a `watch` channel, so a slow client simply skips
//! to the newest one. Job requests go to the job manager ([`jobs`]).

mod jobs;
mod power;

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{mpsc, watch};
use tokio_util::codec::{FramedRead, FramedWrite};

use super::sampler::{ProcessWatch, Published};
use super::server::AgentState;
use crate::core::processes;
use crate::proto::message::TelemetrySnapshot;
use crate::proto::summary::InstanceSummary;
use crate::proto::telemetry::{History, ProcessQuery, Sample};
use crate::proto::{
    ClientFrame, ClientMsg, ErrorCode, Event, FrameCodec, FrameError, NoticeLevel,
    PROTOCOL_VERSION, Ready, Response, STATION_VERSION, ServerMsg, StatusReport,
    parse_client_frame,
};

/// A client that does not take a frame within this time is disconnected.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long `status` waits for the first sample of an agent that just started.
const FIRST_SAMPLE_WAIT: Duration = Duration::from_secs(3);

/// How long a connection closed for a protocol error is read (and ignored) before it closes.
const CLOSE_LINGER: Duration = Duration::from_secs(1);

/// The client name consoles say hello with; an attached console keeps the machine up.
pub const CONSOLE_CLIENT: &str = "console";

/// Events about the connection itself (not a subscription) use this id.
pub const CONNECTION_EVENTS: u64 = 0;

type Reader = FramedRead<OwnedReadHalf, FrameCodec>;
type Writer = FramedWrite<OwnedWriteHalf, FrameCodec>;

/// The telemetry subscription of a session (one per connection; subscribing again replaces it).
struct Telemetry {
    id: u64,
    query: ProcessQuery,
    _processes: Option<ProcessWatch>,
}

/// Events queued by this session's log follows, waiting to be written.
const OUTGOING_BACKLOG: usize = 16;

struct Session {
    state: Arc<AgentState>,
    writer: Writer,
    greeted: bool,
    telemetry: Option<Telemetry>,
    samples: watch::Receiver<Option<Arc<Published>>>,
    jobs: jobs::JobSubscriptions,
    /// The summary subscription's id, when the client has one.
    summary: Option<u64>,
    /// The power subscription, when the client has one.
    power: power::PowerSubscription,
    /// Set while the client is a console (an activity source for idle shutdown).
    console: Option<crate::agent::power::ConsoleAttached>,
    /// Where log follows queue their events; the session writes them in order.
    outgoing: mpsc::Sender<ServerMsg>,
    outgoing_rx: mpsc::Receiver<ServerMsg>,
}

/// Why a session ends.
enum End {
    ClientLeft,
    Shutdown,
    Broken(String),
}

/// Serves one admitted client until it leaves, breaks the protocol fatally, or the agent stops.
pub async fn run(stream: UnixStream, state: Arc<AgentState>) {
    let _counted = state.count_client();
    let (read, write) = stream.into_split();
    let mut reader = FramedRead::new(read, FrameCodec::new());
    let samples = state.sampler.subscribe();
    let (outgoing, outgoing_rx) = mpsc::channel(OUTGOING_BACKLOG);
    let mut session = Session {
        writer: FramedWrite::new(write, FrameCodec::new()),
        greeted: false,
        telemetry: None,
        samples,
        jobs: jobs::JobSubscriptions::default(),
        summary: None,
        power: None,
        console: None,
        outgoing,
        outgoing_rx,
        state,
    };
    let end = session.serve(&mut reader).await;
    match end {
        End::ClientLeft => tracing::debug!("client left"),
        End::Shutdown => {
            let notice = Event::Notice {
                level: NoticeLevel::Warning,
                message: "the agent is stopping".into(),
            };
            let _ = session
                .send(ServerMsg::Event {
                    subscription: CONNECTION_EVENTS,
                    body: notice,
                })
                .await;
        }
        End::Broken(reason) => tracing::info!(%reason, "closed a client connection"),
    }
}

impl Session {
    async fn serve(&mut self, reader: &mut Reader) -> End {
        let shutdown = self.state.shutdown.clone();
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return End::Shutdown,
                frame = reader.next() => match frame {
                    None => return End::ClientLeft,
                    Some(Ok(line)) => {
                        if let Err(end) = self.handle_line(&line).await {
                            return end;
                        }
                    }
                    Some(Err(FrameError::TooLarge { limit })) => {
                        let message = format!("frame longer than {limit} bytes; closing the connection");
                        let _ = self.send_error(None, ErrorCode::FrameTooLarge, message.clone()).await;
                        self.linger(reader).await;
                        return End::Broken(message);
                    }
                    Some(Err(error)) => return End::Broken(error.to_string()),
                },
                (subscription, update) = jobs::next_update(&mut self.jobs.updates) => {
                    if let Err(end) = self.relay_update(subscription, update).await {
                        return end;
                    }
                }
                report = power::next_report(&mut self.power) => match report {
                    Some((subscription, report)) => {
                        if let Err(end) = self.relay_report(subscription, report).await {
                            return end;
                        }
                    }
                    None => return End::Shutdown,
                },
                Some(msg) = self.outgoing_rx.recv() => {
                    if let Err(end) = self.send(msg).await {
                        return end;
                    }
                }
                changed = self.samples.changed(), if self.telemetry.is_some() || self.summary.is_some() => {
                    if changed.is_err() {
                        return End::Shutdown;
                    }
                    let published = self.samples.borrow_and_update().clone();
                    if let (Some(published), Some(telemetry)) = (&published, &self.telemetry) {
                        let sample = select_rows(published, &telemetry.query);
                        let event = ServerMsg::Event {
                            subscription: telemetry.id,
                            body: Event::Telemetry(Box::new(sample)),
                        };
                        if let Err(end) = self.send(event).await {
                            return end;
                        }
                    }
                    if let (Some(published), Some(subscription)) = (&published, self.summary) {
                        let event = ServerMsg::Event {
                            subscription,
                            body: Event::Summary(self.summary_of(published)),
                        };
                        if let Err(end) = self.send(event).await {
                            return end;
                        }
                    }
                }
            }
        }
    }

    async fn handle_line(&mut self, line: &[u8]) -> Result<(), End> {
        let frame = match parse_client_frame(line) {
            Ok(frame) => frame,
            Err(rejected) => {
                tracing::debug!(message = %rejected.message, "rejected a frame");
                return self
                    .send_error(rejected.id, rejected.code, rejected.message)
                    .await;
            }
        };
        let ClientFrame { id, msg } = frame;
        if !self.greeted && !matches!(msg, ClientMsg::Hello { .. }) {
            let message = format!("say hello first (got {:?} before hello)", msg.kind());
            return self
                .send_error(Some(id), ErrorCode::NotReady, message)
                .await;
        }
        match msg {
            ClientMsg::Hello {
                protocol_version,
                station_version,
                client,
            } => {
                self.hello(id, protocol_version, &station_version, &client)
                    .await
            }
            ClientMsg::Ping => self.respond(id, Response::Pong).await,
            ClientMsg::Status { processes } => {
                let published = if processes.limit > 0 {
                    self.fresh_processes().await
                } else {
                    self.first_sample().await
                };
                let sample = published.map(|p| select_rows(&p, &processes));
                let power = self.state.power.report().await.ok().map(|report| {
                    let mut line = report.summary.clone();
                    for (name, script) in [
                        ("creation", &report.setup.creation),
                        ("startup", &report.setup.startup),
                    ] {
                        if script.failed || script.state.starts_with("running") {
                            line.push_str(&format!(" · {name} script {}", script.state));
                        }
                    }
                    line
                });
                let report = StatusReport {
                    host: self.state.sampler.host().clone(),
                    agent: self.state.agent_info(),
                    sample,
                    power,
                };
                self.respond(id, Response::Status(Box::new(report))).await
            }
            ClientMsg::AgentInfo => {
                self.respond(id, Response::AgentInfo(self.state.agent_info()))
                    .await
            }
            ClientMsg::SubscribeTelemetry { processes, history } => {
                self.subscribe(id, processes, history).await
            }
            ClientMsg::Unsubscribe { subscription } => {
                if self
                    .telemetry
                    .as_ref()
                    .is_some_and(|t| t.id == subscription)
                {
                    self.telemetry = None;
                    self.respond(id, Response::Unsubscribed { subscription })
                        .await
                } else if self.summary == Some(subscription) {
                    self.summary = None;
                    self.respond(id, Response::Unsubscribed { subscription })
                        .await
                } else if self.unsubscribe_jobs(subscription) {
                    self.respond(id, Response::Unsubscribed { subscription })
                        .await
                } else {
                    let message = format!("no subscription {subscription} on this connection");
                    self.send_error(Some(id), ErrorCode::NotFound, message)
                        .await
                }
            }
            ClientMsg::SubscribeSummary => {
                let subscription = self.state.next_subscription_id();
                self.summary = Some(subscription);
                let latest = self.samples.borrow_and_update().clone();
                let summary = latest.map(|published| self.summary_of(&published));
                let start = self
                    .state
                    .power
                    .report()
                    .await
                    .ok()
                    .and_then(|report| crate::proto::power::StartPlan::of(&report.settings));
                self.respond(
                    id,
                    Response::SummarySubscribed {
                        subscription,
                        summary,
                        start,
                    },
                )
                .await
            }
            msg @ (ClientMsg::SubmitJob { .. }
            | ClientMsg::ListJobs { .. }
            | ClientMsg::ShowJob { .. }
            | ClientMsg::CancelJobs { .. }
            | ClientMsg::RequeueJob { .. }
            | ClientMsg::SubscribeJobs { .. }
            | ClientMsg::JobLogs { .. }) => self.handle_job_request(id, msg).await,
            msg @ (ClientMsg::Power
            | ClientMsg::SubscribePower
            | ClientMsg::Snooze { .. }
            | ClientMsg::PowerEvents { .. }
            | ClientMsg::EditPower { .. }
            | ClientMsg::ReloadPower
            | ClientMsg::StopInstance { .. }) => self.handle_power_request(id, msg).await,
            ClientMsg::Shutdown => {
                tracing::info!("stop requested by a client");
                self.respond(id, Response::ShuttingDown).await?;
                self.state.shutdown.cancel();
                Ok(())
            }
        }
    }

    async fn hello(
        &mut self,
        id: u64,
        protocol: u32,
        version: &str,
        client: &str,
    ) -> Result<(), End> {
        if self.greeted {
            return self
                .send_error(
                    Some(id),
                    ErrorCode::BadFrame,
                    "hello was already said".into(),
                )
                .await;
        }
        if protocol != PROTOCOL_VERSION {
            tracing::warn!(
                client,
                version,
                protocol,
                "refused a client speaking another protocol"
            );
            let message = format!(
                "version mismatch: the running agent is station {STATION_VERSION} (protocol \
                 {PROTOCOL_VERSION}) but this client is station {version} (protocol {protocol}); \
                 stop the agent with `station agent stop` (pid {}) and run the command again to \
                 start an agent of your version",
                self.state.info.pid
            );
            return self
                .send_error(Some(id), ErrorCode::VersionMismatch, message)
                .await;
        }
        self.greeted = true;
        tracing::debug!(client, version, "client said hello");
        if client == CONSOLE_CLIENT {
            self.console = Some(self.state.power.console_attached());
        }
        let ready = Ready {
            protocol_version: PROTOCOL_VERSION,
            station_version: STATION_VERSION.to_owned(),
            agent_pid: self.state.info.pid,
            host: self.state.sampler.host().clone(),
        };
        self.respond(id, Response::Ready(ready)).await
    }

    async fn subscribe(&mut self, id: u64, query: ProcessQuery, history: bool) -> Result<(), End> {
        let watch = (query.limit > 0).then(|| self.state.sampler.watch_processes());
        let subscription = self.state.next_subscription_id();
        // Mark the current sample seen: it travels in the snapshot, not as an event.
        let latest = self.samples.borrow_and_update().clone();
        let snapshot = TelemetrySnapshot {
            host: self.state.sampler.host().clone(),
            latest: latest.map(|p| select_rows(&p, &query)),
            history: if history {
                self.state.sampler.history()
            } else {
                History::default()
            },
        };
        self.telemetry = Some(Telemetry {
            id: subscription,
            query,
            _processes: watch,
        });
        self.respond(
            id,
            Response::Subscribed {
                subscription,
                snapshot: Box::new(snapshot),
            },
        )
        .await
    }

    /// A sample whose process table was walked after this request came in, so that per-process
    /// CPU shares cover a recent interval (an agent nobody watches walks processes rarely).
    /// Falls back to the newest sample if none comes in time.
    async fn fresh_processes(&mut self) -> Option<Arc<Published>> {
        let _watch = self.state.sampler.watch_processes();
        let mut samples = self.state.sampler.subscribe();
        samples.borrow_and_update();
        let wait = 2 * self.state.sampler.interval() + FIRST_SAMPLE_WAIT;
        let waited = samples.wait_for(|p| p.as_ref().is_some_and(|p| p.processes_fresh));
        let fresh = match tokio::time::timeout(wait, waited).await {
            Ok(Ok(published)) => published.clone(),
            _ => None,
        };
        match fresh {
            Some(published) => Some(published),
            None => self.first_sample().await,
        }
    }

    /// The newest sample, waiting briefly for the first one of a fresh agent.
    async fn first_sample(&mut self) -> Option<Arc<Published>> {
        if let Some(published) = self.state.sampler.latest() {
            return Some(published);
        }
        let mut samples = self.state.sampler.subscribe();
        let waited = samples.wait_for(Option::is_some);
        tokio::time::timeout(FIRST_SAMPLE_WAIT, waited)
            .await
            .ok()?
            .ok()?
            .clone()
    }

    /// The instance at a glance from `published` and the job runner's counts.
    fn summary_of(&self, published: &Published) -> InstanceSummary {
        let (running, queued) = *self.state.jobs.counts().borrow();
        InstanceSummary::of(&published.sample, running, queued)
    }

    /// Before hanging up on a client that is still sending: says no more (shutdown of our
    /// side) and reads what it sends for a moment. Closing with its bytes unread would reset
    /// the connection, and the client could lose the error it was just sent.
    async fn linger(&mut self, reader: &mut Reader) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let _ = self.writer.get_mut().shutdown().await;
        let mut discard = vec![0; 64 * 1024];
        let drained =
            async { while matches!(reader.get_mut().read(&mut discard).await, Ok(n) if n > 0) {} };
        let _ = tokio::time::timeout(CLOSE_LINGER, drained).await;
    }

    async fn respond(&mut self, id: u64, body: Response) -> Result<(), End> {
        self.send(ServerMsg::Response { id, body }).await
    }

    async fn send_error(
        &mut self,
        id: Option<u64>,
        code: ErrorCode,
        message: String,
    ) -> Result<(), End> {
        self.send(ServerMsg::Error { id, code, message }).await
    }

    async fn send(&mut self, msg: ServerMsg) -> Result<(), End> {
        match tokio::time::timeout(WRITE_TIMEOUT, self.writer.send(&msg)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(End::Broken(format!("write failed: {error}"))),
            Err(_) => Err(End::Broken("the client stopped reading".into())),
        }
    }
}

/// The published sample with this client's process rows.
fn select_rows(published: &Published, query: &ProcessQuery) -> Sample {
    let mut sample = published.sample.clone();
    let total = u32::try_from(published.processes.len()).unwrap_or(u32::MAX);
    sample.processes = processes::select(&published.processes, query, total);
    sample
}
