//! `station cancel ID...`: take queued jobs off the queue and stop running ones.

use std::process::ExitCode;

use clap::Args;

use super::{connect, write_json, write_stdout};
use crate::cli::block_on;
use crate::cli::target::OnArg;
use crate::proto::jobs::{CancelAction, CancelOutcome, JobId};

#[derive(Debug, Clone, Args)]
pub struct CancelArgs {
    #[command(flatten)]
    pub target: OnArg,
    /// The jobs to cancel. Unknown ids fail the whole request (exit 2) and nothing is
    /// cancelled.
    #[arg(value_name = "ID", required = true, num_args = 1..)]
    pub ids: Vec<JobId>,
    /// Send SIGKILL at once instead of SIGTERM first.
    #[arg(long)]
    pub force: bool,
    /// Seconds between SIGTERM and SIGKILL (default: the agent's, 10 unless configured).
    #[arg(long, value_name = "SECONDS", conflicts_with = "force")]
    pub grace: Option<u32>,
    /// Print what was done to each job as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &CancelArgs) -> anyhow::Result<ExitCode> {
    let outcomes = block_on(async {
        let mut client = connect(&args.target).await?;
        anyhow::Ok(
            client
                .cancel_jobs(args.ids.clone(), args.force, args.grace)
                .await?,
        )
    })??;
    if args.json {
        write_json(&outcomes)?;
    } else {
        write_stdout(&render(&outcomes))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// One line per job: `job 4: SIGTERM sent, SIGKILL in 10 s`.
pub fn render(outcomes: &[CancelOutcome]) -> String {
    let mut out = String::new();
    for outcome in outcomes {
        let what = match outcome.action {
            CancelAction::Dequeued => "dequeued (it had not started)".to_owned(),
            CancelAction::Terminating { grace_secs } => {
                format!("SIGTERM sent, SIGKILL in {grace_secs} s if it is still running")
            }
            CancelAction::Killed => "killed (SIGKILL sent)".to_owned(),
            CancelAction::AlreadyEnded { state } => format!("already ended ({state})"),
        };
        out.push_str(&format!("job {}: {what}\n", outcome.id));
    }
    out
}
