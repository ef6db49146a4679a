//! `station status [--on HOST]`: the instance summary and one telemetry sample, for people or
//! scripts, from this machine's agent or another host's over SSH.

use std::fmt::Write as _;
use std::process::ExitCode;

use super::output::print_json;
use super::{StatusArgs, block_on, target};
use crate::client::ClientError;
use crate::core::units::{self, NOT_AVAILABLE};
use crate::proto::telemetry::{GpuSample, GpuSource, ProcessQuery, ProcessSort, Sample};
use crate::proto::{ClientMsg, Response, StatusReport};

/// Commands longer than this are cut in the text output.
const COMMAND_WIDTH: usize = 60;

pub fn run(args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let query = ProcessQuery {
        sort: ProcessSort::Cpu,
        limit: args.processes,
        filter: None,
        kernel_threads: args.kernel_threads,
    };
    let report = block_on(async {
        let mut client = target::connect(args.target.on.as_deref(), "cli").await?;
        match client
            .request(ClientMsg::Status { processes: query })
            .await?
        {
            Response::Status(report) => Ok(*report),
            other => Err(anyhow::Error::from(ClientError::Protocol(format!(
                "expected status, got {other:?}"
            )))),
        }
    })??;
    if args.json {
        print_json(&report)?;
    } else {
        print!("{}", render(&report, now_ms()));
    }
    Ok(ExitCode::SUCCESS)
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The text report; `now_ms` is passed in so the output is a pure function of its inputs.
pub fn render(report: &StatusReport, now_ms: u64) -> String {
    let host = &report.host;
    let mut out = String::new();
    let uptime = report
        .sample
        .as_ref()
        .map(|s| format!(" · up {}", units::uptime(s.uptime_secs)));
    let _ = writeln!(
        out,
        "{} · {} · Linux {} · {}{}",
        host.hostname,
        host.os,
        host.kernel,
        host.arch,
        uptime.unwrap_or_default()
    );
    match &report.sample {
        Some(sample) => render_sample(&mut out, report, sample),
        None => out.push_str("no sample yet: the agent has not finished its first measurement\n"),
    }
    let agent = &report.agent;
    let age = report.sample.as_ref().map_or_else(
        || "no sample".to_owned(),
        |s| {
            format!(
                "sampled {:.1} s ago",
                now_ms.saturating_sub(s.taken_at_ms) as f64 / 1000.0
            )
        },
    );
    let _ = writeln!(
        out,
        "agent   pid {} · station {} · {age}, every {} ms",
        agent.pid, agent.station_version, agent.sample_interval_ms
    );
    if let Some(power) = &report.power {
        let _ = writeln!(out, "power   {power}");
    }
    out
}

fn render_sample(out: &mut String, report: &StatusReport, sample: &Sample) {
    let host = &report.host;
    let [l1, l5, l15] = sample.load;
    let _ = writeln!(
        out,
        "cpu     {:>6}  {} × {}  load {l1:.2} {l5:.2} {l15:.2}",
        units::percent(sample.cpu.total),
        host.logical_cpus,
        host.cpu_model
    );
    let cores: Vec<String> = sample
        .cpu
        .cores
        .iter()
        .map(|c| units::percent(*c))
        .collect();
    let _ = writeln!(out, "        cores {}", cores.join(" "));
    let m = &sample.memory;
    let share = units::share(m.used, m.total);
    let _ = writeln!(
        out,
        "memory  {} used of {} ({}) · {} available · swap {} of {}",
        units::bytes(m.used),
        units::bytes(m.total),
        units::percent(share),
        units::bytes(m.available),
        units::bytes(m.swap_used),
        units::bytes(m.swap_total)
    );
    if let Some(cgroup) = &sample.cgroup {
        let memory = cgroup
            .memory_max
            .map_or_else(|| "none".to_owned(), units::bytes);
        let cpu = cgroup
            .cpu_max_cores
            .map_or_else(|| "none".to_owned(), |c| format!("{c:.1} cores"));
        let _ = writeln!(
            out,
            "cgroup  {} · memory.max {memory} · cpu.max {cpu}",
            cgroup.path
        );
    }
    for disk in &sample.disks {
        let share = units::share(disk.used, disk.total);
        let _ = writeln!(
            out,
            "disk    {:<12} {:<6} {:<14} {} of {} ({})  read {}  write {}",
            disk.mount,
            disk.fs_type,
            disk.device,
            units::bytes(disk.used),
            units::bytes(disk.total),
            units::percent(share),
            units::opt_rate(disk.read_bps),
            units::opt_rate(disk.write_bps)
        );
    }
    for net in &sample.networks {
        let _ = writeln!(
            out,
            "net     {:<12} rx {}  tx {}",
            net.name,
            units::rate(net.rx_bps),
            units::rate(net.tx_bps)
        );
    }
    render_gpus(out, sample);
    render_processes(out, sample);
}

fn render_gpus(out: &mut String, sample: &Sample) {
    match &sample.gpus.source {
        GpuSource::Unavailable { reason } => {
            let _ = writeln!(out, "gpu     no NVIDIA GPU: {reason}");
        }
        GpuSource::Loading => out.push_str("gpu     loading NVML…\n"),
        GpuSource::Nvml { driver_version, .. } if sample.gpus.gpus.is_empty() => {
            let _ = writeln!(
                out,
                "gpu     no GPU found by NVIDIA driver {driver_version}"
            );
        }
        GpuSource::Nvml { .. } | GpuSource::Simulated => {}
    }
    for gpu in &sample.gpus.gpus {
        let _ = writeln!(out, "{}", gpu_line(gpu));
    }
}

fn gpu_line(gpu: &GpuSample) -> String {
    let label = if gpu.simulated { " SIMULATED" } else { "" };
    let memory = match (gpu.memory_used, gpu.memory_total) {
        (Some(used), Some(total)) => format!("{} of {}", units::bytes(used), units::bytes(total)),
        _ => NOT_AVAILABLE.to_owned(),
    };
    let power = match (gpu.power_w, gpu.power_limit_w) {
        (Some(now), Some(limit)) => format!("{now:.0}/{limit:.0} W"),
        (Some(now), None) => format!("{now:.0} W"),
        _ => format!("{NOT_AVAILABLE} W"),
    };
    format!(
        "gpu {:<3} {}{label}  util {}  mem {memory}  {}  {power}  {}  fan {}  procs {}",
        gpu.index,
        gpu.name,
        units::with_unit(gpu.utilization, "%"),
        units::with_unit(gpu.temperature_c, "°C"),
        units::with_unit(gpu.sm_clock_mhz, " MHz"),
        units::with_unit(gpu.fan_percent, "%"),
        gpu.processes.len()
    )
}

fn render_processes(out: &mut String, sample: &Sample) {
    let table = &sample.processes;
    if table.rows.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "procs   {} total, top {} by CPU:",
        table.total,
        table.rows.len()
    );
    let _ = writeln!(
        out,
        "  {:>7} {:<10} {:>6} {:>6} {:>6}  COMMAND",
        "PID", "USER", "CPU%", "RSS", "GPU"
    );
    for row in &table.rows {
        let command: String = row.command.chars().take(COMMAND_WIDTH).collect();
        let user: String = row.user.chars().take(10).collect();
        let _ = writeln!(
            out,
            "  {:>7} {user:<10} {:>6} {:>6} {:>6}  {command}",
            row.pid,
            units::percent(row.cpu),
            units::bytes(row.rss),
            units::opt_bytes(row.gpu_memory),
        );
    }
}
