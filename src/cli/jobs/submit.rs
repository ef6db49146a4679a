//! `station submit`: queue a command as a job and print its id.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::submit_spec::{Submitter, build_spec};
use super::{connect, wait, write_json, write_stdout};
use crate::cli::block_on;
use crate::cli::target::OnArg;
use crate::proto::jobs::JobId;

#[derive(Debug, Clone, Args)]
pub struct SubmitArgs {
    #[command(flatten)]
    pub target: OnArg,
    /// A label shown beside the id (`station jobs`, the console).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// CPU slots the job holds while it runs; the instance has one per vCPU unless
    /// configured otherwise.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub cpus: u32,
    /// Any N whole GPUs (lowest free indices first); the job sees only those in
    /// CUDA_VISIBLE_DEVICES. Without --gpus or --gpu-ids the job sees no GPU.
    #[arg(long, value_name = "N", conflicts_with = "gpu_ids")]
    pub gpus: Option<u32>,
    /// Exactly these GPU indices, comma-separated (`--gpu-ids 0,2`).
    #[arg(long, value_name = "I,J", value_delimiter = ',', num_args = 1)]
    pub gpu_ids: Option<Vec<u32>>,
    /// Higher runs first; equal priorities run in submission order. May be negative.
    #[arg(
        long,
        value_name = "P",
        default_value_t = 0,
        allow_negative_numbers = true
    )]
    pub priority: i32,
    /// Start only after job ID has succeeded; if it fails or is cancelled this job does not
    /// run. Repeat, or separate ids with commas, for several.
    #[arg(long = "after", value_name = "ID", value_delimiter = ',')]
    pub after: Vec<JobId>,
    /// The folder the job runs in (default: the current folder). It must exist.
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<PathBuf>,
    /// Set a variable in the job's environment, over the inherited one. Repeat for several.
    #[arg(long = "env", value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// Do not inherit the environment: keep only HOME, USER, LOGNAME, SHELL, LANG, LC_ALL and
    /// TERM (when set) and PATH (default /usr/local/bin:/usr/bin:/bin), then apply --env.
    #[arg(long)]
    pub clean_env: bool,
    /// Run this command line through `sh -c` (pipes, redirections, globs) instead of a
    /// program and its arguments.
    #[arg(long, value_name = "PIPELINE", conflicts_with = "command")]
    pub shell: Option<String>,
    /// Print the queued job as JSON instead of its id (with `--wait`: the ended job).
    #[arg(long)]
    pub json: bool,
    /// Wait until the job has ended, on the same connection, and exit as `station wait`
    /// does: with the job's exit code (128 + signal when killed, 1 when it never ran).
    #[arg(long)]
    pub wait: bool,
    /// The program and its arguments, run exactly as given (no shell). Put `--` before it
    /// when it starts with `-` or takes options Station also has.
    #[arg(value_name = "COMMAND", trailing_var_arg = true)]
    pub command: Vec<String>,
}

pub fn run(args: &SubmitArgs) -> anyhow::Result<ExitCode> {
    let built = build_spec(args, &Submitter::from_process())?;
    for warning in &built.warnings {
        eprintln!("station submit: warning: {warning}");
    }
    let (job, code) = block_on(async {
        let mut client = connect(&args.target).await?;
        let job = client.submit_job(built.spec).await?;
        if !args.wait {
            return anyhow::Ok((job, ExitCode::SUCCESS));
        }
        // The id first, so that a script (or a person) knows it while the job runs.
        if !args.json {
            write_stdout(&format!("{}\n", job.id))?;
        }
        let ended = wait::wait_on(&mut client, &[job.id]).await?;
        let code = ExitCode::from(wait::exit_code(&ended));
        Ok((ended.into_iter().next().unwrap_or(job), code))
    })??;
    if args.json {
        write_json(&job)?;
    } else if !args.wait {
        write_stdout(&format!("{}\n", job.id))?;
    }
    Ok(code)
}
