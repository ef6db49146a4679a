//! A session's power requests, passed to the power manager, and its power subscription: the
//! report is sent again whenever the manager publishes a changed one.

use std::sync::Arc;

use tokio::sync::watch;

use super::{End, Session};
use crate::proto::power::PowerReport;
use crate::proto::{ClientMsg, ErrorCode, Event, Response, ServerMsg};

/// The power subscription of one session.
pub(super) type PowerSubscription = Option<(u64, watch::Receiver<Arc<PowerReport>>)>;

/// The next changed report; pending forever without a subscription.
pub(super) async fn next_report(
    subscription: &mut PowerSubscription,
) -> Option<(u64, Arc<PowerReport>)> {
    match subscription {
        Some((id, reports)) => match reports.changed().await {
            Ok(()) => Some((*id, Arc::clone(&reports.borrow_and_update()))),
            // The manager is gone: the agent is stopping.
            Err(_) => None,
        },
        None => std::future::pending().await,
    }
}

impl Session {
    /// Answers one power request.
    pub(super) async fn handle_power_request(
        &mut self,
        id: u64,
        msg: ClientMsg,
    ) -> Result<(), End> {
        let power = self.state.power.clone();
        let answer: Result<Response, String> = match msg {
            ClientMsg::Power => power.report().await.map(boxed),
            ClientMsg::SubscribePower => {
                let subscription = self.state.next_subscription_id();
                let mut reports = power.subscribe();
                let report = Arc::clone(&reports.borrow_and_update());
                self.power = Some((subscription, reports));
                Ok(Response::PowerSubscribed {
                    subscription,
                    report: Box::new((*report).clone()),
                })
            }
            ClientMsg::Snooze { who } => power.snooze(who).await.map(boxed),
            ClientMsg::PowerEvents { limit } => power
                .events(limit as usize)
                .await
                .map(|entries| Response::PowerEvents { entries }),
            ClientMsg::EditPower { edit } => power.edit(edit).await.map(boxed),
            ClientMsg::ReloadPower => power.reload().await.map(boxed),
            ClientMsg::StopInstance { who, force } => power
                .stop_now(who, force)
                .await
                .map(|command| Response::Stopping { command }),
            other => Err(format!("{} is not a power request", other.kind())),
        };
        match answer {
            Ok(body) => self.respond(id, body).await,
            Err(message) => {
                self.send_error(Some(id), ErrorCode::InvalidRequest, message)
                    .await
            }
        }
    }

    /// Sends a changed report to the subscriber.
    pub(super) async fn relay_report(
        &mut self,
        subscription: u64,
        report: Arc<PowerReport>,
    ) -> Result<(), End> {
        let event = ServerMsg::Event {
            subscription,
            body: Event::Power(Box::new((*report).clone())),
        };
        self.send(event).await
    }
}

fn boxed(report: Arc<PowerReport>) -> Response {
    Response::Power(Box::new((*report).clone()))
}
