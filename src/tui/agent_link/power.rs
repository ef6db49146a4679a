//! The power side of the link: the power subscription made on every connection (the header's
//! "why is it up", the stop banner, the schedule editor's data) and the console's power
//! requests (snooze, settings edits) matched with their answers by request id.
//!
//! Pure bookkeeping, no I/O, like [`super::jobs`].

use std::collections::BTreeMap;

use crate::proto::{ClientMsg, Event, Response, ServerMsg};
use crate::tui::app::{AgentMsg, PowerRequest};

/// What a request id in flight was for.
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    Subscribe,
    Request(PowerRequest),
}

/// Requests in flight, for one connection at a time.
#[derive(Debug, Default)]
pub struct PowerChannel {
    pending: BTreeMap<u64, Pending>,
}

impl PowerChannel {
    /// What a fresh connection starts with: the power subscription.
    pub fn on_connect(&mut self) -> (ClientMsg, Pending) {
        self.pending.clear();
        (ClientMsg::SubscribePower, Pending::Subscribe)
    }

    /// Remembers that request `id` was sent for `pending`.
    pub fn sent(&mut self, id: u64, pending: Pending) {
        self.pending.insert(id, pending);
    }

    /// The message for a console request.
    pub fn request(request: &PowerRequest, who: &str) -> ClientMsg {
        match request {
            PowerRequest::Snooze => ClientMsg::Snooze {
                who: who.to_owned(),
            },
            PowerRequest::Edit(edit) => ClientMsg::EditPower { edit: edit.clone() },
        }
    }

    /// Takes the messages that are about power; gives back the others.
    pub fn take(&mut self, msg: ServerMsg) -> Result<Option<AgentMsg>, Box<ServerMsg>> {
        match msg {
            ServerMsg::Event {
                body: Event::Power(report),
                ..
            } => Ok(Some(AgentMsg::Power(report))),
            ServerMsg::Response { id, body } if self.pending.contains_key(&id) => {
                let pending = self.pending.remove(&id);
                Ok(match body {
                    Response::PowerSubscribed { report, .. } | Response::Power(report) => {
                        Some(AgentMsg::Power(report))
                    }
                    other => pending
                        .map(|pending| refused(pending, format!("unexpected answer {other:?}"))),
                })
            }
            ServerMsg::Error {
                id: Some(id),
                message,
                ..
            } if self.pending.contains_key(&id) => {
                let pending = self.pending.remove(&id);
                Ok(pending.map(|pending| refused(pending, message)))
            }
            other => Err(Box::new(other)),
        }
    }
}

fn refused(pending: Pending, reason: String) -> AgentMsg {
    match pending {
        Pending::Subscribe => AgentMsg::PowerUnavailable { reason },
        Pending::Request(request) => AgentMsg::PowerRefused { request, reason },
    }
}
