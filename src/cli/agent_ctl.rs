//! `station agent [--foreground|--stdio] [status|stop|install-service|uninstall-service]`:
//! run or control the agent (the service verbs live in [`super::service`]).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use super::output::print_json;
use super::{AgentAction, AgentArgs, block_on, service};
use crate::agent::lifecycle::running_pid;
use crate::agent::{self, AgentOverrides};
use crate::client::autostart::Autostart;
use crate::client::{ClientError, local, stdio_bridge};
use crate::config::Paths;
use crate::core::units;
use crate::proto::{AgentInfo, ClientMsg, Response};

/// Exit code of `agent status` when no agent runs (as `systemctl status` does).
const NOT_RUNNING: u8 = 3;

/// How long `agent stop` waits for the agent to exit before signalling it.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

pub fn run(args: AgentArgs) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env();
    let overrides = AgentOverrides {
        simulate_gpus: args.simulate_gpus,
        sample_interval_ms: args.sample_interval,
        ignore_config: args.ignore_config,
    };
    match args.action {
        Some(AgentAction::Status { json }) => status(&paths, json),
        Some(AgentAction::Stop) => stop(&paths),
        Some(AgentAction::InstallService(args)) => service::install(&args),
        Some(AgentAction::UninstallService(args)) => service::uninstall(&args),
        None if args.stdio => {
            let autostart = Autostart {
                enabled: true,
                simulate_gpus: overrides.simulate_gpus,
                sample_interval_ms: overrides.sample_interval_ms,
                ignore_config: overrides.ignore_config,
            };
            block_on(stdio_bridge::run(&paths, &autostart))??;
            Ok(ExitCode::SUCCESS)
        }
        None if args.foreground => agent::run_foreground(&paths, &overrides),
        None => agent::detach::start(&paths, &overrides),
    }
}

fn status(paths: &Paths, json: bool) -> anyhow::Result<ExitCode> {
    let info = block_on(async {
        let mut client = local::connect_existing(paths, "cli").await?;
        match client.request(ClientMsg::AgentInfo).await? {
            Response::AgentInfo(info) => Ok(info),
            other => Err(ClientError::Protocol(format!(
                "expected agent_info, got {other:?}"
            ))),
        }
    })?;
    match info {
        Ok(info) if json => print_json(&info).map(|()| ExitCode::SUCCESS),
        Ok(info) => {
            print_agent(&info);
            Ok(ExitCode::SUCCESS)
        }
        Err(ClientError::NotRunning { .. }) => {
            if json {
                print_json(&serde_json::json!({ "running": false }))?;
            } else {
                println!("station agent is not running");
            }
            Ok(ExitCode::from(NOT_RUNNING))
        }
        Err(error @ ClientError::VersionMismatch(_)) => {
            let pid = running_pid(&paths.pidfile()).map_or_else(|| "?".into(), |p| p.to_string());
            println!("station agent is running (pid {pid}) but cannot be queried:");
            Err(error.into())
        }
        Err(error) => Err(error.into()),
    }
}

fn print_agent(info: &AgentInfo) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    println!("station agent is running (pid {})", info.pid);
    println!(
        "  version:  station {} (protocol {})",
        info.station_version, info.protocol_version
    );
    println!(
        "  up:       {}",
        units::uptime(now.saturating_sub(info.started_at))
    );
    println!("  socket:   {}", info.socket);
    println!("  log:      {}", info.log_file);
    println!("  sampling: every {} ms", info.sample_interval_ms);
    println!("  clients:  {}", info.clients);
    if info.simulated_gpus {
        println!("  gpus:     SIMULATED");
    }
}

/// Asks the agent to stop and waits until it has; falls back to SIGTERM (by the pidfile) when
/// it cannot be asked, e.g. because it speaks another protocol version.
fn stop(paths: &Paths) -> anyhow::Result<ExitCode> {
    let asked = block_on(async {
        let mut client = local::connect_existing(paths, "cli").await?;
        let pid = client.ready().agent_pid;
        client.request(ClientMsg::Shutdown).await.map(|_| pid)
    })?;
    let pid = match asked {
        Ok(pid) => pid,
        Err(ClientError::NotRunning { .. }) => {
            println!("station agent is not running");
            return Ok(ExitCode::SUCCESS);
        }
        Err(error) => {
            let Some(pid) = running_pid(&paths.pidfile()) else {
                return Err(error)
                    .context("cannot ask the agent to stop and found no pidfile lock");
            };
            tracing::debug!(%error, pid, "falling back to SIGTERM");
            kill(Pid::from_raw(pid_t(pid)?), Signal::SIGTERM)
                .with_context(|| format!("cannot signal the agent (pid {pid})"))?;
            pid
        }
    };
    let started = Instant::now();
    while running_pid(&paths.pidfile()) == Some(pid) {
        if started.elapsed() > STOP_TIMEOUT {
            anyhow::bail!(
                "the agent (pid {pid}) is still running after {} s",
                STOP_TIMEOUT.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    println!("station agent stopped (pid {pid})");
    Ok(ExitCode::SUCCESS)
}

fn pid_t(pid: u32) -> anyhow::Result<i32> {
    i32::try_from(pid).with_context(|| format!("invalid pid {pid}"))
}
