//! The job side of the link: the jobs subscription made on every connection, the console's
//! job requests (submit, cancel, detail, log follow) matched with their answers by request
//! id, and the one log follow the console holds.
//!
//! Pure bookkeeping, no I/O: the link's task sends what this asks for, registers each
//! request id with [`JobChannel::sent`], and hands it every message from the agent first.

use std::collections::BTreeMap;

use crate::proto::jobs::JobId;
use crate::proto::{ClientMsg, Event, Response, ServerMsg};
use crate::tui::app::{AgentMsg, JobReply, JobRequest};

/// What a request id in flight was for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    SubscribeJobs,
    Submit,
    Cancel(Vec<JobId>),
    Show,
    /// A log read for the follow request numbered `follow`.
    Logs {
        follow: u64,
    },
    Unsubscribe,
}

/// A request to send, and what its answer will be for.
pub type Outgoing = (ClientMsg, Pending);

/// What to do about one message from the agent.
#[derive(Debug, Default)]
pub struct Outcome {
    pub to_loop: Option<AgentMsg>,
    pub send: Vec<Outgoing>,
}

impl Outcome {
    fn tell(msg: AgentMsg) -> Outcome {
        Outcome {
            to_loop: Some(msg),
            send: Vec::new(),
        }
    }
}

/// The log followed now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Follow {
    follow: u64,
    /// Known once the agent has answered.
    subscription: Option<u64>,
}

/// Requests in flight and the followed log, for one connection at a time.
#[derive(Debug, Default)]
pub struct JobChannel {
    pending: BTreeMap<u64, Pending>,
    follow: Option<Follow>,
}

/// Said of a submit or cancel the connection broke under.
const BROKE: &str = "the connection to the agent broke before it answered";
/// Said of a submit or cancel asked for while there is no connection.
const OFFLINE: &str = "the agent is not connected; try again once it is back";

impl JobChannel {
    /// What a fresh connection starts with: the jobs subscription.
    pub fn on_connect(&self) -> Vec<Outgoing> {
        vec![(
            ClientMsg::SubscribeJobs { only: Vec::new() },
            Pending::SubscribeJobs,
        )]
    }

    /// Remembers that request `id` was sent for `pending`.
    pub fn sent(&mut self, id: u64, pending: Pending) {
        self.pending.insert(id, pending);
    }

    /// What to send for a request of the console.
    pub fn request(&mut self, request: JobRequest) -> Vec<Outgoing> {
        match request {
            JobRequest::Submit(spec) => {
                vec![(ClientMsg::SubmitJob { spec: *spec }, Pending::Submit)]
            }
            JobRequest::Cancel(ids) => vec![(
                ClientMsg::CancelJobs {
                    ids: ids.clone(),
                    force: false,
                    grace_secs: None,
                },
                Pending::Cancel(ids),
            )],
            JobRequest::Show(id) => vec![(ClientMsg::ShowJob { id }, Pending::Show)],
            JobRequest::FollowLog {
                follow,
                job,
                stream,
                start,
            } => {
                let mut out = self.stop_log();
                self.follow = Some(Follow {
                    follow,
                    subscription: None,
                });
                let read = ClientMsg::JobLogs {
                    id: job,
                    stream,
                    start,
                    follow: true,
                };
                out.push((read, Pending::Logs { follow }));
                out
            }
            JobRequest::StopLog => self.stop_log(),
        }
    }

    /// Ends the followed log: an unsubscribe when the agent has named its subscription
    /// (when it has not yet, its answer is unsubscribed on arrival).
    fn stop_log(&mut self) -> Vec<Outgoing> {
        let subscription = self.follow.take().and_then(|f| f.subscription);
        subscription
            .map(|subscription| {
                (
                    ClientMsg::Unsubscribe { subscription },
                    Pending::Unsubscribe,
                )
            })
            .into_iter()
            .collect()
    }

    /// A request of the console while there is no connection: submits and cancels are
    /// refused at once; a log follow is asked again by the console when the agent is back.
    pub fn offline(&mut self, request: JobRequest) -> Option<AgentMsg> {
        self.follow = None;
        let reply = match request {
            JobRequest::Submit(_) => JobReply::SubmitFailed {
                reason: OFFLINE.into(),
            },
            JobRequest::Cancel(ids) => JobReply::CancelFailed {
                ids,
                reason: OFFLINE.into(),
            },
            JobRequest::Show(_) | JobRequest::FollowLog { .. } | JobRequest::StopLog => {
                return None;
            }
        };
        Some(AgentMsg::JobReply(reply))
    }

    /// The connection broke: submits and cancels asked will never be answered, and the
    /// followed log's subscription is gone with it. (An unanswered jobs subscription is not
    /// a refusal: the next connection subscribes again, and the jobs held stay meanwhile.)
    pub fn on_lost(&mut self) -> Vec<AgentMsg> {
        self.follow = None;
        std::mem::take(&mut self.pending)
            .into_values()
            .filter(|pending| *pending != Pending::SubscribeJobs)
            .filter_map(|pending| failure(pending, BROKE.into(), None))
            .collect()
    }

    /// Takes the messages about jobs; gives any other message back untouched.
    pub fn take(&mut self, msg: ServerMsg) -> Result<Outcome, Box<ServerMsg>> {
        match msg {
            ServerMsg::Response { id, body } => match self.pending.remove(&id) {
                Some(pending) => Ok(self.answer(pending, body)),
                None => Err(Box::new(ServerMsg::Response { id, body })),
            },
            ServerMsg::Error {
                id: Some(id),
                code,
                message,
            } => match self.pending.remove(&id) {
                Some(pending) => {
                    let current = self.follow.map(|f| f.follow);
                    Ok(Outcome {
                        to_loop: failure(pending, message, current),
                        send: Vec::new(),
                    })
                }
                None => Err(Box::new(ServerMsg::Error {
                    id: Some(id),
                    code,
                    message,
                })),
            },
            ServerMsg::Event {
                body: Event::Jobs(update),
                ..
            } => Ok(Outcome::tell(AgentMsg::JobsChanged(update))),
            ServerMsg::Event {
                body: Event::JobsResync(snapshot),
                ..
            } => Ok(Outcome::tell(AgentMsg::Jobs(snapshot))),
            ServerMsg::Event {
                subscription,
                body: Event::Log(chunk),
            } => Ok(match self.follow {
                Some(f) if f.subscription == Some(subscription) => Outcome::tell(AgentMsg::Log {
                    follow: f.follow,
                    chunk,
                }),
                // The end of a log the console no longer shows.
                _ => Outcome::default(),
            }),
            other => Err(Box::new(other)),
        }
    }

    fn answer(&mut self, pending: Pending, body: Response) -> Outcome {
        match (pending, body) {
            (Pending::SubscribeJobs, Response::JobsSubscribed { snapshot, .. }) => {
                Outcome::tell(AgentMsg::Jobs(snapshot))
            }
            (Pending::Submit, Response::Submitted { job }) => {
                Outcome::tell(AgentMsg::JobReply(JobReply::Submitted(Box::new(job))))
            }
            (Pending::Cancel(_), Response::Cancelled { jobs }) => {
                Outcome::tell(AgentMsg::JobReply(JobReply::Cancelled(jobs)))
            }
            (Pending::Show, Response::JobDetail(detail)) => {
                Outcome::tell(AgentMsg::JobDetail(detail))
            }
            (
                Pending::Logs { follow },
                Response::Log {
                    subscription,
                    chunk,
                    size,
                },
            ) => self.log_answer(follow, subscription, chunk, size),
            (Pending::Unsubscribe, _) => Outcome::default(),
            (pending, body) => {
                let message = format!("unexpected answer from the agent: {body:?}");
                let current = self.follow.map(|f| f.follow);
                Outcome {
                    to_loop: failure(pending, message, current),
                    send: Vec::new(),
                }
            }
        }
    }

    fn log_answer(
        &mut self,
        follow: u64,
        subscription: Option<u64>,
        chunk: crate::proto::jobs::LogChunk,
        size: u64,
    ) -> Outcome {
        let Some(current) = self.follow.as_mut().filter(|f| f.follow == follow) else {
            // Closed or switched before the answer came: let the agent stop sending.
            let send = subscription
                .map(|subscription| {
                    (
                        ClientMsg::Unsubscribe { subscription },
                        Pending::Unsubscribe,
                    )
                })
                .into_iter()
                .collect();
            return Outcome {
                to_loop: None,
                send,
            };
        };
        current.subscription = subscription;
        let mut send = Vec::new();
        // Without a subscription the agent sent one piece of a longer log: ask for the rest.
        if subscription.is_none() && !chunk.complete && chunk.next_offset < size {
            let read = ClientMsg::JobLogs {
                id: chunk.job,
                stream: chunk.stream,
                start: crate::proto::jobs::LogStart::Offset(chunk.next_offset),
                follow: true,
            };
            send.push((read, Pending::Logs { follow }));
        }
        Outcome {
            to_loop: Some(AgentMsg::Log { follow, chunk }),
            send,
        }
    }
}

/// What the console hears when request `pending` fails with `reason`; `current` is the log
/// follow the console holds (failures of older ones are of no interest).
fn failure(pending: Pending, reason: String, current: Option<u64>) -> Option<AgentMsg> {
    let reply = match pending {
        Pending::SubscribeJobs => return Some(AgentMsg::JobsUnavailable { reason }),
        Pending::Submit => JobReply::SubmitFailed { reason },
        Pending::Cancel(ids) => JobReply::CancelFailed { ids, reason },
        Pending::Logs { follow } if current == Some(follow) => {
            return Some(AgentMsg::LogFailed { follow, reason });
        }
        Pending::Show | Pending::Logs { .. } | Pending::Unsubscribe => {
            tracing::debug!(%reason, "a job request failed");
            return None;
        }
    };
    Some(AgentMsg::JobReply(reply))
}

#[cfg(test)]
mod tests;
