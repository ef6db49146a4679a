//! How sessions talk to the job manager: a cloneable handle that sends requests to the
//! manager's thread and awaits the answers.

use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, oneshot, watch};

use super::dir::JobDir;
use crate::proto::ErrorCode;
use crate::proto::jobs::{
    CancelOutcome, JobDetail, JobFilter, JobId, JobList, JobSpec, JobState, JobView, JobsSnapshot,
    JobsUpdate,
};

/// A request the manager refused or failed, with the code the client sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct JobsError {
    pub code: ErrorCode,
    pub message: String,
}

impl JobsError {
    pub fn invalid(message: impl Into<String>) -> JobsError {
        JobsError {
            code: ErrorCode::InvalidRequest,
            message: message.into(),
        }
    }

    pub fn unknown_job(id: JobId) -> JobsError {
        JobsError {
            code: ErrorCode::NotFound,
            message: format!("unknown job {id}"),
        }
    }

    pub fn internal(message: impl Into<String>) -> JobsError {
        JobsError {
            code: ErrorCode::Internal,
            message: message.into(),
        }
    }
}

pub type Reply<T> = oneshot::Sender<Result<T, JobsError>>;

/// Where a job's logs are, and a way to learn when it ends.
#[derive(Debug)]
pub struct LogTarget {
    pub files: JobDir,
    /// The job's state now; changes arrive on the returned receiver of `subscribe`.
    pub state: JobState,
}

/// What a session can ask the manager.
#[derive(Debug)]
pub enum Request {
    Submit {
        spec: Box<JobSpec>,
        reply: Reply<JobView>,
    },
    List {
        filter: JobFilter,
        reply: Reply<JobList>,
    },
    Show {
        id: JobId,
        reply: Reply<Box<JobDetail>>,
    },
    Cancel {
        ids: Vec<JobId>,
        force: bool,
        grace_secs: Option<u32>,
        reply: Reply<Vec<CancelOutcome>>,
    },
    Requeue {
        id: JobId,
        reply: Reply<JobView>,
    },
    Subscribe {
        /// Only these jobs (empty: all).
        only: Vec<JobId>,
        reply: Reply<(JobsSnapshot, broadcast::Receiver<Arc<JobsUpdate>>)>,
    },
    LogTarget {
        id: JobId,
        reply: Reply<LogTarget>,
    },
    /// Start no queued job while `Some` (the reason is their wait reason): the machine is
    /// about to stop once the running ones end. `None` lifts it.
    Hold {
        reason: Option<String>,
    },
}

/// The sessions' side of the manager.
#[derive(Debug, Clone)]
pub struct JobsHandle {
    requests: mpsc::Sender<Request>,
    /// Bumped whenever any job ends; log followers wake on it.
    ended: watch::Receiver<u64>,
    /// Jobs running and queued now.
    counts: watch::Receiver<(u32, u32)>,
}

impl JobsHandle {
    pub fn new(
        requests: mpsc::Sender<Request>,
        ended: watch::Receiver<u64>,
        counts: watch::Receiver<(u32, u32)>,
    ) -> JobsHandle {
        JobsHandle {
            requests,
            ended,
            counts,
        }
    }

    /// Jobs running and queued now, as `(running, queued)`.
    pub fn counts(&self) -> &watch::Receiver<(u32, u32)> {
        &self.counts
    }

    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Request) -> Result<T, JobsError> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(make(reply))
            .await
            .map_err(|_| JobsError::internal("the job manager has stopped"))?;
        answer
            .await
            .map_err(|_| JobsError::internal("the job manager dropped the request"))?
    }

    pub async fn submit(&self, spec: JobSpec) -> Result<JobView, JobsError> {
        self.ask(|reply| Request::Submit {
            spec: Box::new(spec),
            reply,
        })
        .await
    }

    pub async fn list(&self, filter: JobFilter) -> Result<JobList, JobsError> {
        self.ask(|reply| Request::List { filter, reply }).await
    }

    pub async fn show(&self, id: JobId) -> Result<Box<JobDetail>, JobsError> {
        self.ask(|reply| Request::Show { id, reply }).await
    }

    pub async fn cancel(
        &self,
        ids: Vec<JobId>,
        force: bool,
        grace_secs: Option<u32>,
    ) -> Result<Vec<CancelOutcome>, JobsError> {
        self.ask(|reply| Request::Cancel {
            ids,
            force,
            grace_secs,
            reply,
        })
        .await
    }

    /// Holds the queue (see [`Request::Hold`]); best effort, nothing to wait for.
    pub fn hold(&self, reason: Option<String>) {
        if self.requests.try_send(Request::Hold { reason }).is_err() {
            tracing::warn!("the job manager did not take a hold request");
        }
    }

    pub async fn requeue(&self, id: JobId) -> Result<JobView, JobsError> {
        self.ask(|reply| Request::Requeue { id, reply }).await
    }

    pub async fn subscribe(
        &self,
        only: Vec<JobId>,
    ) -> Result<(JobsSnapshot, broadcast::Receiver<Arc<JobsUpdate>>), JobsError> {
        self.ask(|reply| Request::Subscribe { only, reply }).await
    }

    pub async fn log_target(&self, id: JobId) -> Result<LogTarget, JobsError> {
        self.ask(|reply| Request::LogTarget { id, reply }).await
    }

    /// Wakes whenever a job ends.
    pub fn endings(&self) -> watch::Receiver<u64> {
        self.ended.clone()
    }
}
