//! `station requeue ID`: run a finished job again under the same id.

use std::process::ExitCode;

use clap::Args;

use super::{connect, write_json, write_stdout};
use crate::cli::block_on;
use crate::cli::target::OnArg;
use crate::proto::jobs::JobId;

#[derive(Debug, Clone, Args)]
pub struct RequeueArgs {
    #[command(flatten)]
    pub target: OnArg,
    /// The finished job to run again.
    #[arg(value_name = "ID")]
    pub id: JobId,
    /// Print the requeued job as JSON instead of its id.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &RequeueArgs) -> anyhow::Result<ExitCode> {
    let job = block_on(async {
        let mut client = connect(&args.target).await?;
        anyhow::Ok(client.requeue_job(args.id).await?)
    })??;
    if args.json {
        write_json(&job)?;
    } else {
        write_stdout(&format!("{}\n", job.id))?;
    }
    Ok(ExitCode::SUCCESS)
}
