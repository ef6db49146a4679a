//! The task that owns the console's main connection: the agent of the instance the dashboard
//! and the jobs pane show (this machine's, or the one drilled into from the fleet view).
//!
//! It forwards telemetry, jobs, logs, notices and losses to the event loop as [`AgentMsg`]s
//! and sends the process queries and job requests the loop hands it. Every connection
//! subscribes to jobs as well as telemetry ([`jobs`] keeps the job side's books). When the
//! connection breaks it reports the loss (and fails the job requests left unanswered) and
//! tries again every [`RETRY_EVERY`] (starting the local agent if needed) until the console
//! quits or switches to another target; a fresh connection is reported with its snapshot, so
//! the dashboard fills at once, and the jobs snapshot that follows replaces the jobs held.
//! [`connect`] opens and subscribes a connection to the link's [`Target`].

mod connect;
mod jobs;
mod power;

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::client::Client;
use crate::client::target::{ConnectOptions, Target};
use crate::proto::telemetry::ProcessQuery;
use crate::proto::{ClientMsg, Event, Response, ServerMsg};
use crate::tui::app::{AgentMsg, JobRequest, PowerRequest};
use jobs::{JobChannel, Outgoing};
use power::PowerChannel;

pub use connect::subscribe;

/// How long to wait between reconnection attempts.
pub const RETRY_EVERY: Duration = Duration::from_secs(2);
/// Messages queued towards the event loop before the link waits for it.
const QUEUE: usize = 64;

/// What the event loop asks of the link.
#[derive(Debug, Clone, PartialEq)]
enum Command {
    Query(ProcessQuery),
    Job(JobRequest),
    Power(PowerRequest),
}

/// The event loop's side of the link.
#[derive(Debug)]
pub struct AgentLink {
    /// What the agent said, in order.
    pub messages: mpsc::Receiver<AgentMsg>,
    commands: mpsc::UnboundedSender<Command>,
    task: JoinHandle<()>,
}

impl AgentLink {
    /// Starts the link to `target` over `client`, already subscribed with `query`.
    pub fn spawn(
        client: Client,
        query: ProcessQuery,
        target: Target,
        options: ConnectOptions,
    ) -> AgentLink {
        AgentLink::start(Some(client), query, target, options)
    }

    /// Starts a link that connects to `target` first: its first message says how that went
    /// ([`AgentMsg::Connected`] or [`AgentMsg::Lost`]), and it keeps trying after a failure.
    pub fn open(target: Target, query: ProcessQuery, options: ConnectOptions) -> AgentLink {
        AgentLink::start(None, query, target, options)
    }

    fn start(
        client: Option<Client>,
        query: ProcessQuery,
        target: Target,
        options: ConnectOptions,
    ) -> AgentLink {
        let (to_loop, messages) = mpsc::channel(QUEUE);
        let (commands, from_loop) = mpsc::unbounded_channel();
        let link = Link {
            target,
            options,
            to_loop,
        };
        let task = tokio::spawn(run(client, query, link, from_loop));
        AgentLink {
            messages,
            commands,
            task,
        }
    }

    /// Asks the agent for a different process table (sort, filter, number of rows).
    pub fn set_query(&self, query: ProcessQuery) {
        // The task only ends when the loop is gone, so a failed send has no one to tell.
        let _ = self.commands.send(Command::Query(query));
    }

    /// Sends a job request; its answer comes back as an [`AgentMsg`].
    pub fn job(&self, request: JobRequest) {
        let _ = self.commands.send(Command::Job(request));
    }

    /// Sends a power request; its answer comes back as an [`AgentMsg`].
    pub fn power(&self, request: PowerRequest) {
        let _ = self.commands.send(Command::Power(request));
    }
}

impl Drop for AgentLink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type ToLoop = mpsc::Sender<AgentMsg>;
type FromLoop = mpsc::UnboundedReceiver<Command>;

/// What the task keeps for its whole life: where it connects, and where it reports.
struct Link {
    target: Target,
    options: ConnectOptions,
    to_loop: ToLoop,
}

async fn run(client: Option<Client>, mut query: ProcessQuery, link: Link, mut from_loop: FromLoop) {
    let mut jobs = JobChannel::default();
    let first = match client {
        Some(client) => Some(client),
        None => connect::reconnect(&link, &mut query, &mut jobs, &mut from_loop, false).await,
    };
    let Some(mut client) = first else {
        return;
    };
    let to_loop = &link.to_loop;
    loop {
        let served = serve(&mut client, &mut query, &mut jobs, to_loop, &mut from_loop).await;
        let Some(reason) = served else {
            return;
        };
        for msg in jobs.on_lost() {
            if to_loop.send(msg).await.is_err() {
                return;
            }
        }
        if to_loop.send(AgentMsg::Lost { reason }).await.is_err() {
            return;
        }
        let next = connect::reconnect(&link, &mut query, &mut jobs, &mut from_loop, true).await;
        let Some(next) = next else {
            return;
        };
        client = next;
    }
}

/// Sends job requests and notes what each id is for.
async fn send_jobs(
    client: &mut Client,
    jobs: &mut JobChannel,
    outgoing: Vec<Outgoing>,
) -> Result<(), String> {
    for (msg, pending) in outgoing {
        let id = client.send(msg).await.map_err(|e| e.to_string())?;
        jobs.sent(id, pending);
    }
    Ok(())
}

/// Relays one connection until it breaks (`Some(reason)`) or the loop is gone (`None`).
async fn serve(
    client: &mut Client,
    query: &mut ProcessQuery,
    jobs: &mut JobChannel,
    to_loop: &ToLoop,
    from_loop: &mut FromLoop,
) -> Option<String> {
    let subscribe = jobs.on_connect();
    if let Err(reason) = send_jobs(client, jobs, subscribe).await {
        return Some(reason);
    }
    let mut power = PowerChannel::default();
    let (msg, pending) = power.on_connect();
    match client.send(msg).await {
        Ok(id) => power.sent(id, pending),
        Err(error) => return Some(error.to_string()),
    }
    loop {
        tokio::select! {
            incoming = client.next_incoming() => {
                let msg = match incoming {
                    Ok(Some(msg)) => msg,
                    Ok(None) => return Some("the agent closed the connection".into()),
                    Err(error) => return Some(error.to_string()),
                };
                let msg = match jobs.take(msg) {
                    Ok(outcome) => {
                        if let Err(reason) = send_jobs(client, jobs, outcome.send).await {
                            return Some(reason);
                        }
                        outcome.to_loop
                    }
                    Err(other) => match power.take(*other) {
                        Ok(msg) => msg,
                        Err(other) => relay(*other),
                    },
                };
                if let Some(msg) = msg
                    && to_loop.send(msg).await.is_err()
                {
                    return None;
                }
            }
            command = from_loop.recv() => {
                let sent = match command? {
                    Command::Query(wanted) => {
                        *query = wanted;
                        // The history is here already; only the rows in their new order are
                        // needed.
                        let msg = ClientMsg::SubscribeTelemetry {
                            processes: query.clone(),
                            history: false,
                        };
                        client.send(msg).await.map(drop).map_err(|e| e.to_string())
                    }
                    Command::Job(request) => {
                        let outgoing = jobs.request(request);
                        send_jobs(client, jobs, outgoing).await
                    }
                    Command::Power(request) => {
                        let msg = PowerChannel::request(&request, "console");
                        match client.send(msg).await {
                            Ok(id) => {
                                power.sent(id, power::Pending::Request(request));
                                Ok(())
                            }
                            Err(error) => Err(error.to_string()),
                        }
                    }
                };
                if let Err(reason) = sent {
                    return Some(reason);
                }
            }
        }
    }
}

/// What the loop needs to hear of one message from the agent.
fn relay(msg: ServerMsg) -> Option<AgentMsg> {
    match msg {
        ServerMsg::Event {
            body: Event::Telemetry(sample),
            ..
        } => Some(AgentMsg::Sample(sample)),
        ServerMsg::Event {
            body: Event::Notice { level, message },
            ..
        } => Some(AgentMsg::Notice { level, message }),
        // A new query is answered with a snapshot: its newest sample already has the rows in
        // the new order, so the table changes at once instead of at the next tick.
        ServerMsg::Response {
            body: Response::Subscribed { snapshot, .. },
            ..
        } => snapshot
            .latest
            .map(|sample| AgentMsg::Sample(Box::new(sample))),
        ServerMsg::Error { message, .. } => Some(AgentMsg::Notice {
            level: crate::proto::NoticeLevel::Error,
            message: format!("agent: {message}"),
        }),
        ServerMsg::Response { .. } => None,
        // The job channel takes these before they get here.
        ServerMsg::Event {
            body: Event::Jobs(_) | Event::JobsResync(_) | Event::Log(_),
            ..
        } => None,
        // The main link never asks for summaries (the fleet rows do); the power channel
        // takes power events before they get here.
        ServerMsg::Event {
            body: Event::Summary(_) | Event::Power(_),
            ..
        } => None,
    }
}

#[cfg(test)]
mod tests;
