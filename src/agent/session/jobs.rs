//! A session's job requests: each is passed to the job manager and its answer (or error) sent
//! back; a jobs subscription relays the manager's updates; log follows run as tasks that
//! queue their events for this session.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use super::{End, Session};
use crate::agent::jobs::JobsError;
use crate::agent::jobs::log_follow::{self, OpenLog};
use crate::proto::jobs::{JobId, JobsUpdate};
use crate::proto::{ClientMsg, Event, Response, ServerMsg};

/// The job subscriptions of one session.
#[derive(Debug, Default)]
pub(super) struct JobSubscriptions {
    /// The jobs subscription (one per connection; subscribing again replaces it).
    pub updates: Option<(u64, broadcast::Receiver<Arc<JobsUpdate>>)>,
    /// The jobs it is limited to (empty: all).
    pub only: BTreeSet<JobId>,
    /// Log follows by subscription id.
    pub follows: HashMap<u64, CancellationToken>,
}

impl Drop for JobSubscriptions {
    fn drop(&mut self) {
        for token in self.follows.values() {
            token.cancel();
        }
    }
}

/// The next update of the jobs subscription; pending forever without one.
pub(super) async fn next_update(
    updates: &mut Option<(u64, broadcast::Receiver<Arc<JobsUpdate>>)>,
) -> (u64, Result<Arc<JobsUpdate>, RecvError>) {
    match updates {
        Some((id, receiver)) => (*id, receiver.recv().await),
        None => std::future::pending().await,
    }
}

impl Session {
    /// Answers one job request.
    pub(super) async fn handle_job_request(&mut self, id: u64, msg: ClientMsg) -> Result<(), End> {
        let jobs = self.state.jobs.clone();
        let answer: Result<Response, JobsError> = match msg {
            ClientMsg::SubmitJob { spec } => jobs
                .submit(spec)
                .await
                .map(|job| Response::Submitted { job }),
            ClientMsg::ListJobs { filter } => jobs.list(filter).await.map(Response::Jobs),
            ClientMsg::ShowJob { id } => jobs.show(id).await.map(Response::JobDetail),
            ClientMsg::CancelJobs {
                ids,
                force,
                grace_secs,
            } => jobs
                .cancel(ids, force, grace_secs)
                .await
                .map(|jobs| Response::Cancelled { jobs }),
            ClientMsg::RequeueJob { id } => jobs.requeue(id).await.map(Response::Job),
            ClientMsg::SubscribeJobs { only } => match jobs.subscribe(only.clone()).await {
                Ok((snapshot, receiver)) => {
                    let subscription = self.state.next_subscription_id();
                    self.jobs.updates = Some((subscription, receiver));
                    self.jobs.only = only.into_iter().collect();
                    Ok(Response::JobsSubscribed {
                        subscription,
                        snapshot: Box::new(snapshot),
                    })
                }
                Err(error) => Err(error),
            },
            ClientMsg::JobLogs {
                id: job,
                stream,
                start,
                follow,
            } => self.open_log(job, stream, start, follow).await,
            other => Err(JobsError::internal(format!(
                "{} is not a job request",
                other.kind()
            ))),
        };
        match answer {
            Ok(body) => self.respond(id, body).await,
            Err(error) => self.send_error(Some(id), error.code, error.message).await,
        }
    }

    async fn open_log(
        &mut self,
        job: u64,
        stream: crate::proto::jobs::LogStream,
        start: crate::proto::jobs::LogStart,
        follow: bool,
    ) -> Result<Response, JobsError> {
        let log = OpenLog::open(&self.state.jobs, job, stream).await?;
        let (chunk, size) = log.read(start)?;
        let subscription = (follow && !chunk.complete).then(|| {
            let subscription = self.state.next_subscription_id();
            let cancel = CancellationToken::new();
            self.jobs.follows.retain(|_, token| !token.is_cancelled());
            self.jobs.follows.insert(subscription, cancel.clone());
            tokio::spawn(log_follow::follow(
                log,
                self.state.jobs.clone(),
                chunk.next_offset,
                subscription,
                self.outgoing.clone(),
                cancel,
            ));
            subscription
        });
        Ok(Response::Log {
            subscription,
            chunk,
            size,
        })
    }

    /// Relays one update of the jobs subscription; a subscriber that fell behind gets a fresh
    /// snapshot instead of the updates it missed.
    pub(super) async fn relay_update(
        &mut self,
        subscription: u64,
        update: Result<Arc<JobsUpdate>, RecvError>,
    ) -> Result<(), End> {
        let body = match update {
            Ok(update) if self.jobs.only.is_empty() => Event::Jobs(Box::new((*update).clone())),
            Ok(update) => {
                let changed: Vec<_> = update
                    .changed
                    .iter()
                    .filter(|view| self.jobs.only.contains(&view.id))
                    .cloned()
                    .collect();
                if changed.is_empty() {
                    return Ok(());
                }
                Event::Jobs(Box::new(JobsUpdate {
                    changed,
                    capacity: update.capacity.clone(),
                }))
            }
            Err(RecvError::Lagged(missed)) => {
                tracing::debug!(missed, "jobs subscriber fell behind; sending a snapshot");
                let only = self.jobs.only.iter().copied().collect();
                match self.state.jobs.subscribe(only).await {
                    Ok((snapshot, receiver)) => {
                        self.jobs.updates = Some((subscription, receiver));
                        Event::JobsResync(Box::new(snapshot))
                    }
                    Err(_) => {
                        self.jobs.updates = None;
                        return Ok(());
                    }
                }
            }
            Err(RecvError::Closed) => {
                self.jobs.updates = None;
                return Ok(());
            }
        };
        self.send(ServerMsg::Event { subscription, body }).await
    }

    /// Ends a jobs or log subscription; false when this session has no such subscription.
    pub(super) fn unsubscribe_jobs(&mut self, subscription: u64) -> bool {
        if self
            .jobs
            .updates
            .as_ref()
            .is_some_and(|(id, _)| *id == subscription)
        {
            self.jobs.updates = None;
            return true;
        }
        match self.jobs.follows.remove(&subscription) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }
}
