//! The link against a fake agent on a real Unix socket: relaying, new queries, losing the
//! agent and getting it back.

use std::path::PathBuf;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::UnixListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::codec::Framed;

use super::*;
use crate::proto::codec::parse_client_frame;
use crate::proto::telemetry::{ProcessSort, Sample};
use crate::proto::{FrameCodec, PROTOCOL_VERSION, Ready, STATION_VERSION};
use crate::tui::fixtures;

const WAIT: Duration = Duration::from_secs(10);

/// An agent that answers hello and subscriptions with fixture data, and pushes the samples it
/// is handed. Dropping it closes the connection and removes the socket.
struct FakeAgent {
    socket: PathBuf,
    push: mpsc::UnboundedSender<Sample>,
    queries: mpsc::UnboundedReceiver<ProcessQuery>,
    task: JoinHandle<()>,
}

impl FakeAgent {
    fn start(paths: &Paths) -> FakeAgent {
        std::fs::create_dir_all(&paths.runtime_dir).unwrap();
        let socket = paths.socket();
        let listener = UnixListener::bind(&socket).unwrap();
        let (push, mut samples) = mpsc::unbounded_channel::<Sample>();
        let (seen, queries) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut framed = Framed::new(stream, FrameCodec::new());
            loop {
                tokio::select! {
                    line = framed.next() => {
                        let Some(Ok(line)) = line else { return };
                        let frame = parse_client_frame(&line).unwrap();
                        let body = match frame.msg {
                            ClientMsg::Hello { .. } => Response::Ready(Ready {
                                protocol_version: PROTOCOL_VERSION,
                                station_version: STATION_VERSION.into(),
                                agent_pid: 4242,
                                host: fixtures::host(),
                            }),
                            ClientMsg::SubscribeTelemetry { processes, .. } => {
                                seen.send(processes).unwrap();
                                Response::Subscribed {
                                    subscription: 1,
                                    snapshot: Box::new(fixtures::snapshot(1)),
                                }
                            }
                            other => panic!("unexpected {other:?}"),
                        };
                        framed.send(&ServerMsg::Response { id: frame.id, body }).await.unwrap();
                    }
                    sample = samples.recv() => {
                        let Some(sample) = sample else { return };
                        let event = ServerMsg::Event {
                            subscription: 1,
                            body: Event::Telemetry(Box::new(sample)),
                        };
                        framed.send(&event).await.unwrap();
                    }
                }
            }
        });
        FakeAgent {
            socket,
            push,
            queries,
            task,
        }
    }
}

impl Drop for FakeAgent {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.socket);
    }
}

fn temp_paths() -> (tempfile::TempDir, Paths) {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths {
        config_dir: dir.path().join("config"),
        state_dir: dir.path().join("state"),
        runtime_dir: dir.path().join("run"),
    };
    (dir, paths)
}

async fn next(link: &mut AgentLink) -> AgentMsg {
    tokio::time::timeout(WAIT, link.messages.recv())
        .await
        .expect("the link said nothing in time")
        .expect("the link ended")
}

#[tokio::test]
async fn relays_samples_and_queries_then_survives_losing_the_agent() {
    let (_dir, paths) = temp_paths();
    let mut agent = FakeAgent::start(&paths);
    let query = ProcessQuery::default();
    // Autostart stays off: in a test, "the station executable" is the test binary.
    let autostart = Autostart::disabled();
    let (client, connected) = subscribe(&query, &paths, &autostart).await.unwrap();
    assert_eq!(connected.ready.agent_pid, 4242);
    assert_eq!(connected.snapshot.latest.as_ref().map(|s| s.seq), Some(600));
    assert_eq!(agent.queries.recv().await, Some(query.clone()));
    let mut link = AgentLink::spawn(client, query.clone(), paths.clone(), autostart);

    agent.push.send(fixtures::sample_at(601, 1)).unwrap();
    assert!(matches!(next(&mut link).await, AgentMsg::Sample(s) if s.seq == 601));

    let by_memory = ProcessQuery {
        sort: ProcessSort::Memory,
        ..query
    };
    link.set_query(by_memory.clone());
    assert_eq!(agent.queries.recv().await, Some(by_memory.clone()));
    assert!(
        matches!(next(&mut link).await, AgentMsg::Sample(s) if s.seq == 600),
        "the answer to a new query is relayed at once"
    );

    drop(agent);
    let AgentMsg::Lost { reason } = next(&mut link).await else {
        panic!("expected the loss to be reported");
    };
    assert!(reason.contains("closed"), "{reason}");
    // Nothing listens: the first retry fails and says why.
    let AgentMsg::Lost { reason } = next(&mut link).await else {
        panic!("expected a failed retry");
    };
    assert!(reason.contains("not running"), "{reason}");

    let mut agent = FakeAgent::start(&paths);
    let AgentMsg::Connected(connected) = next(&mut link).await else {
        panic!("expected a reconnection");
    };
    assert_eq!(connected.ready.agent_pid, 4242);
    assert_eq!(
        agent.queries.recv().await,
        Some(by_memory),
        "the reconnection asks for the latest query"
    );
}
