//! The link against a fake agent on a real Unix socket: relaying, new queries, the jobs
//! subscription and a followed log, losing the agent and getting it back.

use std::path::PathBuf;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::UnixListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::codec::Framed;

use super::*;
use crate::config::Paths;
use crate::proto::codec::parse_client_frame;
use crate::proto::jobs::{LogStart, LogStream};
use crate::proto::telemetry::{ProcessSort, Sample};
use crate::proto::{FrameCodec, PROTOCOL_VERSION, Ready, STATION_VERSION};
use crate::tui::fixtures;

const WAIT: Duration = Duration::from_secs(10);

/// An agent that answers hello and subscriptions with fixture data, and pushes the frames it
/// is handed. Dropping it closes the connection and removes the socket.
struct FakeAgent {
    socket: PathBuf,
    push: mpsc::UnboundedSender<ServerMsg>,
    queries: mpsc::UnboundedReceiver<ProcessQuery>,
    /// Job requests, as they arrive.
    requests: mpsc::UnboundedReceiver<ClientMsg>,
    task: JoinHandle<()>,
}

/// The subscription number the fake agent gives a followed log.
const LOG_SUBSCRIPTION: u64 = 3;

fn sample_event(sample: Sample) -> ServerMsg {
    ServerMsg::Event {
        subscription: 1,
        body: Event::Telemetry(Box::new(sample)),
    }
}

impl FakeAgent {
    fn start(paths: &Paths) -> FakeAgent {
        std::fs::create_dir_all(&paths.runtime_dir).unwrap();
        let socket = paths.socket();
        let listener = UnixListener::bind(&socket).unwrap();
        let (push, mut frames) = mpsc::unbounded_channel::<ServerMsg>();
        let (seen, queries) = mpsc::unbounded_channel();
        let (asked, requests) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut framed = Framed::new(stream, FrameCodec::new());
            loop {
                tokio::select! {
                    line = framed.next() => {
                        let Some(Ok(line)) = line else { return };
                        let frame = parse_client_frame(&line).unwrap();
                        if frame.msg == ClientMsg::SubscribePower {
                            // An agent without power management: the link goes on without.
                            let refusal = ServerMsg::Error {
                                id: Some(frame.id),
                                code: crate::proto::ErrorCode::InvalidRequest,
                                message: "no power here".into(),
                            };
                            framed.send(&refusal).await.unwrap();
                            continue;
                        }
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
                            ClientMsg::SubscribeJobs { .. } => Response::JobsSubscribed {
                                subscription: 2,
                                snapshot: Box::new(fixtures::jobs::snapshot()),
                            },
                            ClientMsg::JobLogs { ref start, .. } => {
                                let offset = match start {
                                    LogStart::Offset(offset) => *offset,
                                    LogStart::Tail(_) => 0,
                                };
                                asked.send(frame.msg.clone()).unwrap();
                                Response::Log {
                                    subscription: Some(LOG_SUBSCRIPTION),
                                    chunk: fixtures::jobs::chunk(offset, "first\n"),
                                    size: offset + 6,
                                }
                            }
                            ClientMsg::Unsubscribe { subscription } => {
                                asked.send(frame.msg.clone()).unwrap();
                                Response::Unsubscribed { subscription }
                            }
                            other => panic!("unexpected {other:?}"),
                        };
                        framed.send(&ServerMsg::Response { id: frame.id, body }).await.unwrap();
                    }
                    frame = frames.recv() => {
                        let Some(frame) = frame else { return };
                        framed.send(&frame).await.unwrap();
                    }
                }
            }
        });
        FakeAgent {
            socket,
            push,
            queries,
            requests,
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

/// Autostart stays off: in a test, "the station executable" is the test binary.
fn options(paths: &Paths) -> ConnectOptions {
    ConnectOptions::new(
        paths.clone(),
        crate::client::autostart::Autostart::disabled(),
        "console",
    )
}

/// The next message, past the refusal of the power subscription this fake agent gives on
/// every connection (checked once in its own test).
async fn next(link: &mut AgentLink) -> AgentMsg {
    loop {
        let msg = tokio::time::timeout(WAIT, link.messages.recv())
            .await
            .expect("the link said nothing in time")
            .expect("the link ended");
        if !matches!(msg, AgentMsg::PowerUnavailable { .. }) {
            return msg;
        }
    }
}

#[tokio::test]
async fn an_agent_without_power_management_is_reported_once_per_connection() {
    let (_dir, paths) = temp_paths();
    let _agent = FakeAgent::start(&paths);
    let mut link = AgentLink::open(Target::Local, ProcessQuery::default(), options(&paths));
    let first = tokio::time::timeout(WAIT, link.messages.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(first, AgentMsg::Connected(_)));
    // The jobs snapshot and the refusal follow, in the order the agent answered.
    for _ in 0..3 {
        let msg = tokio::time::timeout(WAIT, link.messages.recv())
            .await
            .unwrap()
            .unwrap();
        if let AgentMsg::PowerUnavailable { reason } = msg {
            assert_eq!(reason, "no power here");
            return;
        }
    }
    panic!("the refusal of the power subscription was not reported");
}

#[tokio::test]
async fn relays_samples_and_queries_then_survives_losing_the_agent() {
    let (_dir, paths) = temp_paths();
    let mut agent = FakeAgent::start(&paths);
    let query = ProcessQuery::default();
    let options = options(&paths);
    let (client, connected) = subscribe(&Target::Local, &query, &options).await.unwrap();
    assert_eq!(connected.ready.agent_pid, 4242);
    assert_eq!(connected.snapshot.latest.as_ref().map(|s| s.seq), Some(600));
    assert_eq!(agent.queries.recv().await, Some(query.clone()));
    let mut link = AgentLink::spawn(client, query.clone(), Target::Local, options);
    assert!(
        matches!(next(&mut link).await, AgentMsg::Jobs(s) if s.jobs.len() == 11),
        "the link subscribes to jobs and relays the snapshot"
    );

    agent
        .push
        .send(sample_event(fixtures::sample_at(601, 1)))
        .unwrap();
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
    assert!(
        matches!(next(&mut link).await, AgentMsg::Jobs(_)),
        "and subscribes to jobs again"
    );
}

#[tokio::test]
async fn follows_a_log_lets_it_go_and_refuses_requests_while_lost() {
    let (_dir, paths) = temp_paths();
    let mut agent = FakeAgent::start(&paths);
    let options = options(&paths);
    let query = ProcessQuery::default();
    let (client, _) = subscribe(&Target::Local, &query, &options).await.unwrap();
    let mut link = AgentLink::spawn(client, query, Target::Local, options);
    assert!(matches!(next(&mut link).await, AgentMsg::Jobs(_)));

    link.job(JobRequest::FollowLog {
        follow: 9,
        job: 5,
        stream: LogStream::Stdout,
        start: LogStart::Tail(64 << 10),
    });
    let asked = agent.requests.recv().await.unwrap();
    assert!(
        matches!(
            asked,
            ClientMsg::JobLogs {
                id: 5,
                follow: true,
                ..
            }
        ),
        "{asked:?}"
    );
    let AgentMsg::Log { follow: 9, chunk } = next(&mut link).await else {
        panic!("expected the first chunk");
    };
    assert_eq!(chunk.data, "first\n");
    let more = ServerMsg::Event {
        subscription: LOG_SUBSCRIPTION,
        body: Event::Log(fixtures::jobs::chunk(6, "second\n")),
    };
    agent.push.send(more).unwrap();
    let AgentMsg::Log { follow: 9, chunk } = next(&mut link).await else {
        panic!("expected the next chunk");
    };
    assert_eq!(chunk.offset, 6);
    link.job(JobRequest::StopLog);
    assert_eq!(
        agent.requests.recv().await,
        Some(ClientMsg::Unsubscribe {
            subscription: LOG_SUBSCRIPTION
        })
    );

    drop(agent);
    assert!(matches!(next(&mut link).await, AgentMsg::Lost { .. }));
    link.job(JobRequest::Cancel(vec![5]));
    // The first retry's failure and the refusal come in either order.
    loop {
        match next(&mut link).await {
            AgentMsg::Lost { .. } => {}
            AgentMsg::JobReply(crate::tui::app::JobReply::CancelFailed { ids, reason }) => {
                assert_eq!(ids, [5]);
                assert!(reason.contains("not connected"), "{reason}");
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_link_opened_on_a_socket_connects_first_and_says_so() {
    let (_dir, paths) = temp_paths();
    let _agent = FakeAgent::start(&paths);
    // Another user's folders: the socket target does not look at them.
    let (_elsewhere, other) = temp_paths();
    let target = Target::Socket(paths.socket());
    let mut link = AgentLink::open(target, ProcessQuery::default(), options(&other));
    let AgentMsg::Connected(connected) = next(&mut link).await else {
        panic!("expected the connection to be reported first");
    };
    assert_eq!(connected.ready.agent_pid, 4242);
    assert!(matches!(next(&mut link).await, AgentMsg::Jobs(_)));
}

#[tokio::test]
async fn a_link_opened_on_a_dead_socket_reports_the_loss_at_once() {
    let (_dir, paths) = temp_paths();
    let target = Target::Socket(paths.socket());
    let mut link = AgentLink::open(target, ProcessQuery::default(), options(&paths));
    let AgentMsg::Lost { reason } = next(&mut link).await else {
        panic!("expected the failure to be reported");
    };
    assert!(reason.contains("not running"), "{reason}");
}
