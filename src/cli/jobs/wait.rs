//! `station wait ID...`: block until jobs have ended and exit with their outcome.
//!
//! It subscribes to job changes before it looks at the jobs, so a change that happens
//! between looking and listening is never missed; then it applies every change until all
//! the jobs are terminal.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::{connect, write_json};
use crate::cli::block_on;
use crate::cli::target::OnArg;
use crate::client::Client;
use crate::proto::jobs::{JobId, JobState, JobView};
use crate::proto::{Event, ServerMsg};

#[derive(Debug, Clone, Args)]
pub struct WaitArgs {
    #[command(flatten)]
    pub target: OnArg,
    /// The jobs to wait for; the exit code comes from the first of them, in this order, that
    /// did not succeed.
    #[arg(value_name = "ID", required = true, num_args = 1..)]
    pub ids: Vec<JobId>,
    /// Print the jobs' final state as a JSON array, in the order given.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &WaitArgs) -> anyhow::Result<ExitCode> {
    let finals = block_on(wait_for(&args.target, &args.ids))??;
    if args.json {
        write_json(&finals)?;
    }
    Ok(ExitCode::from(exit_code(&finals)))
}

/// The exit code of `station wait` for jobs that have all ended, in the order given: that of
/// the first job that did not succeed ([`JobView::wait_exit_code`], and 1 where that is 0
/// although the job did not succeed), else 0.
pub fn exit_code(jobs: &[JobView]) -> u8 {
    jobs.iter()
        .find(|job| job.state != JobState::Succeeded)
        .map_or(0, |job| match job.wait_exit_code() {
            Some(code) => u8::try_from(code).ok().filter(|&c| c != 0).unwrap_or(1),
            None => 1,
        })
}

/// What a message from the agent means for the jobs being waited for.
#[derive(Debug, PartialEq)]
pub enum Step {
    /// Applied (or irrelevant); keep listening.
    Continue,
    /// The subscription was reset and these jobs were not in the new snapshot: look them up.
    Refetch(Vec<JobId>),
}

/// Applies `msg` (for `subscription`) to `latest`, which holds the newest view of each job
/// waited for.
pub fn apply(
    latest: &mut BTreeMap<JobId, JobView>,
    subscription: u64,
    msg: ServerMsg,
) -> anyhow::Result<Step> {
    match msg {
        ServerMsg::Event {
            subscription: got,
            body,
        } if got == subscription => match body {
            Event::Jobs(update) => {
                replace_known(latest, update.changed);
                Ok(Step::Continue)
            }
            Event::JobsResync(snapshot) => {
                let present: Vec<JobId> = snapshot.jobs.iter().map(|job| job.id).collect();
                replace_known(latest, snapshot.jobs);
                let missing = latest
                    .keys()
                    .filter(|id| !present.contains(id))
                    .copied()
                    .collect();
                Ok(Step::Refetch(missing))
            }
            _ => Ok(Step::Continue),
        },
        ServerMsg::Event {
            body: Event::Notice { message, .. },
            ..
        } => {
            eprintln!("station wait: agent: {message}");
            Ok(Step::Continue)
        }
        ServerMsg::Error {
            id: None, message, ..
        } => anyhow::bail!("the agent ended the subscription: {message}"),
        _ => Ok(Step::Continue),
    }
}

/// Replaces the views of the jobs `latest` tracks; others are ignored.
fn replace_known(latest: &mut BTreeMap<JobId, JobView>, views: Vec<JobView>) {
    for view in views {
        if let Some(slot) = latest.get_mut(&view.id) {
            *slot = view;
        }
    }
}

fn all_ended(latest: &BTreeMap<JobId, JobView>) -> bool {
    latest.values().all(|job| job.state.is_terminal())
}

async fn wait_for(target: &OnArg, ids: &[JobId]) -> anyhow::Result<Vec<JobView>> {
    let mut client = connect(target).await?;
    wait_on(&mut client, ids).await
}

/// Subscribes to exactly these jobs (the snapshot says where each stands; an unknown id fails
/// here), then follows their changes until all have ended; returns their final views in the
/// order of `ids`.
pub async fn wait_on(client: &mut Client, ids: &[JobId]) -> anyhow::Result<Vec<JobView>> {
    let (subscription, snapshot) = client.subscribe_jobs(ids.to_vec()).await?;
    let mut latest: BTreeMap<JobId, JobView> =
        snapshot.jobs.into_iter().map(|job| (job.id, job)).collect();
    for &id in ids {
        if let Entry::Vacant(slot) = latest.entry(id) {
            slot.insert(client.show_job(id).await?.view);
        }
    }
    while !all_ended(&latest) {
        let msg = client.next_incoming().await?.context(
            "the agent closed the connection before the jobs ended; run `station wait` again",
        )?;
        if let Step::Refetch(missing) = apply(&mut latest, subscription, msg)? {
            for id in missing {
                latest.insert(id, client.show_job(id).await?.view);
            }
        }
    }
    Ok(ids
        .iter()
        .filter_map(|id| latest.get(id).cloned())
        .collect())
}
