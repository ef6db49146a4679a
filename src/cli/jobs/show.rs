//! `station show ID`: one job in full, as aligned `key: value` lines or JSON.

use std::process::ExitCode;

use clap::Args;

use super::format::{
    self, NONE, duration, exit_cell, gpu_list, gpu_request, runtime_ms, signal_name, timestamp_ago,
};
use super::{connect, write_json, write_stdout};
use crate::cli::block_on;
use crate::cli::target::OnArg;
use crate::core::units;
use crate::proto::jobs::{JobDetail, JobId};

#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub target: OnArg,
    /// The job's id (`station jobs --all` lists them).
    #[arg(value_name = "ID")]
    pub id: JobId,
    /// Print the job as JSON (every field of the view, the spec, folders and processes).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &ShowArgs) -> anyhow::Result<ExitCode> {
    let detail = block_on(async {
        let mut client = connect(&args.target).await?;
        anyhow::Ok(client.show_job(args.id).await?)
    })??;
    if args.json {
        write_json(&detail)?;
    } else {
        write_stdout(&render(&detail, format::now_ms()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Every field of `detail` as `key: value` lines with the values aligned. Absent values
/// show `-`. A pure function of its inputs.
pub fn render(detail: &JobDetail, now_ms: u64) -> String {
    let job = &detail.view;
    let spec = &detail.spec;
    let optional_time =
        |ms: Option<u64>| ms.map_or_else(|| NONE.to_owned(), |ms| timestamp_ago(ms, now_ms));
    let or_none = |value: Option<String>| value.unwrap_or_else(|| NONE.to_owned());

    let mut state = job.state.to_string();
    if job.cancel_requested && !job.state.is_terminal() {
        state.push_str(" (cancel requested)");
    }
    let exit = match (job.exit_code, job.signal) {
        (None, Some(signal)) => format!("killed by {} (signal {signal})", signal_name(signal)),
        _ => exit_cell(job),
    };
    let after = if spec.after.is_empty() {
        NONE.to_owned()
    } else {
        let ids: Vec<String> = spec.after.iter().map(|id| format!("job {id}")).collect();
        ids.join(", ")
    };
    let assigned = if job.gpus.is_empty() {
        NONE.to_owned()
    } else {
        gpu_list(&job.gpus)
    };
    let per_gpu_total = (!detail.gpu_memory_by_gpu.is_empty())
        .then(|| detail.gpu_memory_by_gpu.values().sum::<u64>());
    let mut gpu_memory = job
        .gpu_memory
        .or(per_gpu_total)
        .map_or_else(|| NONE.to_owned(), units::bytes);
    if !detail.gpu_memory_by_gpu.is_empty() {
        let per_gpu: Vec<String> = detail
            .gpu_memory_by_gpu
            .iter()
            .map(|(gpu, bytes)| format!("gpu {gpu}: {}", units::bytes(*bytes)))
            .collect();
        gpu_memory.push_str(&format!(" ({})", per_gpu.join(", ")));
    }
    let mut logs_note = String::new();
    if job.logs_truncated {
        logs_note.push_str(" (truncated: some output was lost, the disk was full)");
    }

    let lines: Vec<(&str, String)> = vec![
        ("id", job.id.to_string()),
        ("name", or_none(job.name.clone())),
        ("state", state),
        ("command", job.command.clone()),
        ("submitted", timestamp_ago(job.submitted_at_ms, now_ms)),
        ("started", optional_time(job.started_at_ms)),
        ("ended", optional_time(job.ended_at_ms)),
        ("runtime", or_none(runtime_ms(job, now_ms).map(duration))),
        ("priority", job.priority.to_string()),
        ("after", after),
        ("cpus", job.cpus.to_string()),
        ("gpus asked", gpu_request(&job.gpus_requested)),
        ("gpus assigned", assigned),
        ("gpu memory", gpu_memory),
        ("exit", exit),
        ("reason", or_none(job.reason.clone())),
        ("cwd", spec.cwd.clone()),
        ("environment", environment_summary(detail)),
        ("stdout", format!("{}{logs_note}", detail.stdout_path)),
        ("stderr", format!("{}{logs_note}", detail.stderr_path)),
        ("folder", detail.dir.clone()),
        (
            "shim pid",
            or_none(detail.shim_pid.map(|pid| pid.to_string())),
        ),
        ("pgid", or_none(detail.pgid.map(|pgid| pgid.to_string()))),
        (
            "master port",
            or_none(detail.master_port.map(|port| port.to_string())),
        ),
        ("runs", detail.runs.to_string()),
    ];
    let key_width = lines.iter().map(|(key, _)| key.len()).max().unwrap_or(0) + 1;
    let mut out = String::new();
    for (key, value) in lines {
        out.push_str(&format!("{:<key_width$} {value}\n", format!("{key}:")));
    }
    out
}

/// `inherited (42 variables), set: FOO, BAR` or `clean (8 variables)`.
pub fn environment_summary(detail: &JobDetail) -> String {
    let spec = &detail.spec;
    let origin = if spec.clean_env { "clean" } else { "inherited" };
    let count = spec.env.len();
    let variables = if count == 1 { "variable" } else { "variables" };
    let mut summary = format!("{origin} ({count} {variables})");
    if !spec.env_set.is_empty() {
        summary.push_str(&format!(", set: {}", spec.env_set.join(", ")));
    }
    summary
}
