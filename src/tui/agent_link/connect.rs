//! Opening the link's connection: connect to the target, subscribe to telemetry, and try
//! again every [`RETRY_EVERY`] while it fails.

use crate::client::Client;
use crate::client::target::{self, ConnectOptions, LinkProblem, Target};
use crate::proto::telemetry::ProcessQuery;
use crate::tui::app::{AgentMsg, Connected};

use super::jobs::JobChannel;
use super::{Command, FromLoop, Link, RETRY_EVERY};

/// Connects and subscribes until it works (`Some`) or the loop is gone (`None`), reporting
/// each failure; with `wait_first`, waits [`RETRY_EVERY`] before the first attempt too.
pub(super) async fn reconnect(
    link: &Link,
    query: &mut ProcessQuery,
    jobs: &mut JobChannel,
    from_loop: &mut FromLoop,
    wait_first: bool,
) -> Option<Client> {
    let mut wait = wait_first;
    loop {
        if wait {
            pause(link, query, jobs, from_loop).await?;
        }
        wait = true;
        match subscribe(&link.target, query, &link.options).await {
            Ok((client, connected)) => {
                let msg = AgentMsg::Connected(Box::new(connected));
                link.to_loop.send(msg).await.ok()?;
                return Some(client);
            }
            Err(problem) => {
                let reason = problem.to_string();
                link.to_loop.send(AgentMsg::Lost { reason }).await.ok()?;
            }
        }
    }
}

/// Waits [`RETRY_EVERY`], still taking queries, so the next subscription asks for the
/// latest; job requests that need the agent now are refused at once. `None` when the loop is
/// gone.
async fn pause(
    link: &Link,
    query: &mut ProcessQuery,
    jobs: &mut JobChannel,
    from_loop: &mut FromLoop,
) -> Option<()> {
    let wait = tokio::time::sleep(RETRY_EVERY);
    tokio::pin!(wait);
    loop {
        tokio::select! {
            () = &mut wait => return Some(()),
            command = from_loop.recv() => match command? {
                Command::Query(wanted) => *query = wanted,
                Command::Job(request) => {
                    if let Some(reply) = jobs.offline(request) {
                        link.to_loop.send(reply).await.ok()?;
                    }
                }
                Command::Power(request) => {
                    let reason = "the agent is not connected; try again once it is back".into();
                    let reply = AgentMsg::PowerRefused { request, reason };
                    link.to_loop.send(reply).await.ok()?;
                }
            },
        }
    }
}

/// Connects to `target` (starting the local agent when `options` allow) and subscribes with
/// `query`, all within the options' timeout.
pub async fn subscribe(
    target: &Target,
    query: &ProcessQuery,
    options: &ConnectOptions,
) -> Result<(Client, Connected), LinkProblem> {
    let mut client = target::connect(target, options).await?;
    let subscribed =
        tokio::time::timeout(options.timeout, client.subscribe_telemetry(query.clone()))
            .await
            .map_err(|_| {
                LinkProblem::Unreachable(format!(
                    "{} did not answer the telemetry subscription",
                    target.describe()
                ))
            })?;
    let (_, snapshot) = subscribed?;
    let connected = Connected {
        ready: client.ready().clone(),
        snapshot,
        version_warning: client.version_warning(),
    };
    Ok((client, connected))
}
