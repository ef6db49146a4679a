//! The task that owns the connection to the agent.
//!
//! It forwards telemetry, jobs, logs, notices and losses to the event loop as [`AgentMsg`]s
//! and sends the process queries and job requests the loop hands it. Every connection
//! subscribes to jobs as well as telemetry ([`jobs`] keeps the job side's books). When the
//! connection breaks it reports the loss (and fails the job requests left unanswered) and
//! tries again every [`RETRY_EVERY`], starting the agent if needed, until the console quits;
//! a fresh connection is reported with its snapshot, so the dashboard fills at once, and the
//! jobs snapshot that follows replaces the jobs held.

mod jobs;

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::client::autostart::Autostart;
use crate::client::{Client, ClientError, local};
use crate::config::Paths;
use crate::proto::telemetry::ProcessQuery;
use crate::proto::{ClientMsg, Event, Response, ServerMsg};
use crate::tui::app::{AgentMsg, Connected, JobRequest};
use jobs::{JobChannel, Outgoing};

/// How long to wait between reconnection attempts.
pub const RETRY_EVERY: Duration = Duration::from_secs(2);
/// Messages queued towards the event loop before the link waits for it.
const QUEUE: usize = 64;

/// What the event loop asks of the link.
#[derive(Debug, Clone, PartialEq)]
enum Command {
    Query(ProcessQuery),
    Job(JobRequest),
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
    /// Starts the link over `client`, already subscribed with `query`.
    pub fn spawn(
        client: Client,
        query: ProcessQuery,
        paths: Paths,
        autostart: Autostart,
    ) -> AgentLink {
        let (to_loop, messages) = mpsc::channel(QUEUE);
        let (commands, from_loop) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(client, query, paths, autostart, to_loop, from_loop));
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
}

impl Drop for AgentLink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type ToLoop = mpsc::Sender<AgentMsg>;
type FromLoop = mpsc::UnboundedReceiver<Command>;

async fn run(
    mut client: Client,
    mut query: ProcessQuery,
    paths: Paths,
    autostart: Autostart,
    to_loop: ToLoop,
    mut from_loop: FromLoop,
) {
    let mut jobs = JobChannel::default();
    loop {
        let served = serve(&mut client, &mut query, &mut jobs, &to_loop, &mut from_loop).await;
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
        let next = reconnect(
            &mut query,
            &mut jobs,
            &paths,
            &autostart,
            &to_loop,
            &mut from_loop,
        )
        .await;
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
                    Err(other) => relay(*other),
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
    }
}

/// Tries to connect and subscribe every [`RETRY_EVERY`] until it works (`Some`) or the loop
/// is gone (`None`), reporting each failure.
async fn reconnect(
    query: &mut ProcessQuery,
    jobs: &mut JobChannel,
    paths: &Paths,
    autostart: &Autostart,
    to_loop: &ToLoop,
    from_loop: &mut FromLoop,
) -> Option<Client> {
    loop {
        let wait = tokio::time::sleep(RETRY_EVERY);
        tokio::pin!(wait);
        // Keep taking queries while waiting, so the next subscription asks for the latest;
        // job requests that need the agent now are refused at once.
        loop {
            tokio::select! {
                () = &mut wait => break,
                command = from_loop.recv() => match command? {
                    Command::Query(wanted) => *query = wanted,
                    Command::Job(request) => {
                        if let Some(reply) = jobs.offline(request) {
                            to_loop.send(reply).await.ok()?;
                        }
                    }
                },
            }
        }
        match subscribe(query, paths, autostart).await {
            Ok((client, connected)) => {
                to_loop
                    .send(AgentMsg::Connected(Box::new(connected)))
                    .await
                    .ok()?;
                return Some(client);
            }
            Err(error) => {
                let reason = error.to_string();
                to_loop.send(AgentMsg::Lost { reason }).await.ok()?;
            }
        }
    }
}

/// Connects (starting the agent when needed) and subscribes with `query`.
pub async fn subscribe(
    query: &ProcessQuery,
    paths: &Paths,
    autostart: &Autostart,
) -> Result<(Client, Connected), ClientError> {
    let mut client = local::connect(paths, "console", autostart).await?;
    let (_, snapshot) = client.subscribe_telemetry(query.clone()).await?;
    let connected = Connected {
        ready: client.ready().clone(),
        snapshot,
        version_warning: client.version_warning(),
    };
    Ok((client, connected))
}

#[cfg(test)]
mod tests;
