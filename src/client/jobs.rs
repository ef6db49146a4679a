//! The job runner's requests as typed methods on [`Client`]: one method per request, each
//! returning exactly the answer that request gets, or [`ClientError::Protocol`] when the agent
//! answers something else.

use super::{Client, ClientError};
use crate::proto::jobs::{
    CancelOutcome, JobDetail, JobFilter, JobId, JobList, JobSpec, JobView, JobsSnapshot, LogChunk,
    LogStart, LogStream,
};
use crate::proto::{ClientMsg, Response};

/// `expected` names the response kind the request should have got.
fn unexpected(expected: &str, got: &Response) -> ClientError {
    ClientError::Protocol(format!("expected {expected}, got {got:?}"))
}

impl Client {
    /// Queues `spec`; returns once the agent has committed the job to its store.
    pub async fn submit_job(&mut self, spec: JobSpec) -> Result<JobView, ClientError> {
        match self.request(ClientMsg::SubmitJob { spec }).await? {
            Response::Submitted { job } => Ok(job),
            other => Err(unexpected("submitted", &other)),
        }
    }

    /// The jobs `filter` selects, ascending by id.
    pub async fn list_jobs(&mut self, filter: JobFilter) -> Result<JobList, ClientError> {
        match self.request(ClientMsg::ListJobs { filter }).await? {
            Response::Jobs(list) => Ok(list),
            other => Err(unexpected("jobs", &other)),
        }
    }

    /// One job in full; an unknown id is an agent error with code `not_found`.
    pub async fn show_job(&mut self, id: JobId) -> Result<JobDetail, ClientError> {
        match self.request(ClientMsg::ShowJob { id }).await? {
            Response::JobDetail(detail) => Ok(*detail),
            other => Err(unexpected("job_detail", &other)),
        }
    }

    /// Cancels `ids` (SIGKILL at once with `force`; `grace_secs` between SIGTERM and SIGKILL,
    /// the agent's default when `None`). One outcome per id, in the order given.
    pub async fn cancel_jobs(
        &mut self,
        ids: Vec<JobId>,
        force: bool,
        grace_secs: Option<u32>,
    ) -> Result<Vec<CancelOutcome>, ClientError> {
        let request = ClientMsg::CancelJobs {
            ids,
            force,
            grace_secs,
        };
        match self.request(request).await? {
            Response::Cancelled { jobs } => Ok(jobs),
            other => Err(unexpected("cancelled", &other)),
        }
    }

    /// Puts a finished job back in the queue under the same id; returns it as queued.
    pub async fn requeue_job(&mut self, id: JobId) -> Result<JobView, ClientError> {
        match self.request(ClientMsg::RequeueJob { id }).await? {
            Response::Job(job) => Ok(job),
            other => Err(unexpected("job", &other)),
        }
    }

    /// Subscribes to job changes: returns the subscription id and the snapshot it starts
    /// from. `Event::Jobs` and `Event::JobsResync` for that subscription follow through
    /// [`Client::next_incoming`]. With `only`, the snapshot holds exactly those jobs (an
    /// unknown id is an error) and only their changes follow.
    pub async fn subscribe_jobs(
        &mut self,
        only: Vec<JobId>,
    ) -> Result<(u64, JobsSnapshot), ClientError> {
        match self.request(ClientMsg::SubscribeJobs { only }).await? {
            Response::JobsSubscribed {
                subscription,
                snapshot,
            } => Ok((subscription, *snapshot)),
            other => Err(unexpected("jobs_subscribed", &other)),
        }
    }

    /// Reads one chunk of a job's log from `start`. Returns the follow subscription (only
    /// with `follow`; further chunks come as `Event::Log`), the chunk, and the file's size
    /// when it was read (without `follow`, read on from `chunk.next_offset` until it reaches
    /// the size).
    pub async fn job_logs(
        &mut self,
        id: JobId,
        stream: LogStream,
        start: LogStart,
        follow: bool,
    ) -> Result<(Option<u64>, LogChunk, u64), ClientError> {
        let request = ClientMsg::JobLogs {
            id,
            stream,
            start,
            follow,
        };
        match self.request(request).await? {
            Response::Log {
                subscription,
                chunk,
                size,
            } => Ok((subscription, chunk, size)),
            other => Err(unexpected("log", &other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::{SinkExt, StreamExt};
    use tokio::io::DuplexStream;
    use tokio_util::codec::Framed;

    use super::*;
    use crate::proto::jobs::{CancelAction, JobState};
    use crate::proto::telemetry::HostInfo;
    use crate::proto::{
        ErrorCode, FrameCodec, PROTOCOL_VERSION, Ready, STATION_VERSION, ServerMsg,
        parse_client_frame,
    };

    /// The agent's end of a connection: answers each request with the next scripted reply.
    struct FakeAgent {
        framed: Framed<DuplexStream, FrameCodec>,
    }

    impl FakeAgent {
        /// Reads the next request; returns its id and message.
        async fn receive(&mut self) -> (u64, ClientMsg) {
            let line = self.framed.next().await.unwrap().unwrap();
            let frame = parse_client_frame(&line).unwrap();
            (frame.id, frame.msg)
        }

        async fn answer(&mut self, id: u64, body: Response) {
            self.framed
                .send(ServerMsg::Response { id, body })
                .await
                .unwrap();
        }
    }

    /// A client and the fake agent it talks to, past the handshake.
    async fn connected() -> (Client, FakeAgent) {
        let (client_end, agent_end) = tokio::io::duplex(64 * 1024);
        let mut agent = FakeAgent {
            framed: Framed::new(agent_end, FrameCodec::new()),
        };
        let server = tokio::spawn(async move {
            let (id, _hello) = agent.receive().await;
            let ready = Ready {
                protocol_version: PROTOCOL_VERSION,
                station_version: STATION_VERSION.into(),
                agent_pid: 1,
                host: HostInfo {
                    hostname: "test".into(),
                    os: "Linux".into(),
                    kernel: "6".into(),
                    arch: "x86_64".into(),
                    cpu_model: "cpu".into(),
                    logical_cpus: 2,
                    boot_time: 0,
                },
            };
            agent.answer(id, Response::Ready(ready)).await;
            agent
        });
        let client = Client::handshake(client_end, "test").await.unwrap();
        (client, server.await.unwrap())
    }

    fn view(id: JobId) -> JobView {
        JobView {
            id,
            name: None,
            state: JobState::Queued,
            command: "true".into(),
            cpus: 1,
            gpus_requested: crate::proto::jobs::GpuRequest::Count(0),
            gpus: Vec::new(),
            priority: 0,
            submitted_at_ms: 1,
            started_at_ms: None,
            ended_at_ms: None,
            exit_code: None,
            signal: None,
            reason: None,
            gpu_memory: None,
            logs_truncated: false,
            cancel_requested: false,
        }
    }

    #[tokio::test]
    async fn each_method_sends_its_request_and_returns_its_answer() {
        let (mut client, mut agent) = connected().await;
        let script = tokio::spawn(async move {
            let (id, msg) = agent.receive().await;
            assert_eq!(msg, ClientMsg::RequeueJob { id: 7 });
            agent.answer(id, Response::Job(view(7))).await;

            let (id, msg) = agent.receive().await;
            assert_eq!(
                msg,
                ClientMsg::CancelJobs {
                    ids: vec![1, 2],
                    force: false,
                    grace_secs: Some(3),
                }
            );
            let outcomes = vec![
                CancelOutcome {
                    id: 1,
                    action: CancelAction::Dequeued,
                },
                CancelOutcome {
                    id: 2,
                    action: CancelAction::Killed,
                },
            ];
            agent
                .answer(id, Response::Cancelled { jobs: outcomes })
                .await;

            let (id, msg) = agent.receive().await;
            assert_eq!(
                msg,
                ClientMsg::JobLogs {
                    id: 4,
                    stream: LogStream::Stderr,
                    start: LogStart::Offset(10),
                    follow: true,
                }
            );
            let chunk = LogChunk {
                job: 4,
                stream: LogStream::Stderr,
                offset: 10,
                data: "hi\n".into(),
                next_offset: 13,
                complete: false,
            };
            let body = Response::Log {
                subscription: Some(9),
                chunk,
                size: 13,
            };
            agent.answer(id, body).await;
        });
        assert_eq!(client.requeue_job(7).await.unwrap().id, 7);
        let outcomes = client
            .cancel_jobs(vec![1, 2], false, Some(3))
            .await
            .unwrap();
        assert_eq!(outcomes.len(), 2);
        assert_eq!(outcomes[1].action, CancelAction::Killed);
        let (subscription, chunk, size) = client
            .job_logs(4, LogStream::Stderr, LogStart::Offset(10), true)
            .await
            .unwrap();
        assert_eq!(
            (subscription, chunk.data.as_str(), size),
            (Some(9), "hi\n", 13)
        );
        script.await.unwrap();
    }

    #[tokio::test]
    async fn an_unexpected_answer_is_a_protocol_error() {
        let (mut client, mut agent) = connected().await;
        let script = tokio::spawn(async move {
            let (id, _) = agent.receive().await;
            agent.answer(id, Response::Pong).await;
        });
        let error = client.show_job(3).await.unwrap_err();
        assert!(
            matches!(&error, ClientError::Protocol(text) if text.contains("job_detail")),
            "{error:?}"
        );
        script.await.unwrap();
    }

    #[tokio::test]
    async fn agent_errors_keep_their_code() {
        let (mut client, mut agent) = connected().await;
        let script = tokio::spawn(async move {
            let (id, _) = agent.receive().await;
            let error = ServerMsg::Error {
                id: Some(id),
                code: ErrorCode::NotFound,
                message: "unknown job 99".into(),
            };
            agent.framed.send(error).await.unwrap();
        });
        let error = client.show_job(99).await.unwrap_err();
        assert!(
            matches!(
                &error,
                ClientError::Agent { code: ErrorCode::NotFound, message } if message == "unknown job 99"
            ),
            "{error:?}"
        );
        script.await.unwrap();
    }
}
