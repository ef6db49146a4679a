//! The command line: clap definitions and dispatch to the console, the agent and the verbs.
//!
//! Exit codes: 0 success, 1 failure, 2 bad usage or a broken configuration file, 3 the agent
//! is not running (`station agent status`), as `systemctl status` does. The job verbs
//! ([`jobs`]) also exit 2 for input the agent refuses (an unknown job id), the fleet verbs
//! ([`fleet`]) for a bad or unknown instance, and `station wait` exits with the job's own code.

pub mod agent_ctl;
pub mod completions;
pub mod config_cmd;
pub mod fleet;
pub mod jobs;
pub mod output;
pub mod power;
pub mod service;
pub mod ssh_prompt;
pub mod status;
pub mod target;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::file::MAX_SIMULATED_GPUS;

/// A keyboard console for GPU workstations: live CPU, memory, disk, network and GPU telemetry.
///
/// Run without a command to open the console on this machine (the agent is started when it is
/// not running).
#[derive(Debug, Parser)]
#[command(
    name = "station",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub console: ConsoleArgs,
}

/// Options of the console (`station` with no command).
#[derive(Debug, Clone, Default, Args)]
pub struct ConsoleArgs {
    /// When the console has to start the agent, start it with N simulated GPUs (labelled
    /// SIMULATED); for demos and tests.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_SIMULATED_GPUS)))]
    pub simulate_gpus: Option<u32>,
    /// Colour theme for this run (overrides `theme` in config.toml).
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the per-instance agent daemon, or control it (`agent status`, `agent stop`,
    /// `agent install-service`).
    Agent(AgentArgs),
    /// Print the instance summary and one telemetry sample.
    Status(StatusArgs),
    #[command(flatten)]
    Job(jobs::JobVerb),
    #[command(flatten)]
    Power(power::PowerVerb),
    /// List, add, remove or import the instances Station reaches over SSH (instances.toml).
    #[command(subcommand)]
    Fleet(fleet::FleetCommand),
    /// Open the console on another instance over SSH: HOST is a name from `station fleet ls`
    /// or a host as `ssh` takes it. Host-key and passphrase questions are asked here, before
    /// the screen is taken.
    Connect {
        #[arg(value_name = "HOST")]
        host: String,
        #[command(flatten)]
        console: ConsoleArgs,
    },
    /// Check or locate the configuration files.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Internal: own one job's process for the agent (started by the agent, never by hand;
    /// the job comes on stdin).
    #[command(name = "job-shim", hide = true)]
    JobShim,
}

/// `station agent`: without a subcommand, start the agent (detached unless `--foreground`).
#[derive(Debug, Clone, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AgentArgs {
    #[command(subcommand)]
    pub action: Option<AgentAction>,
    /// Stay in the foreground (for systemd and other service managers).
    #[arg(long)]
    pub foreground: bool,
    /// Join stdin/stdout to the local agent's socket, starting the agent if needed; this is
    /// what the console runs on remote hosts over SSH.
    #[arg(long, conflicts_with = "foreground")]
    pub stdio: bool,
    /// Serve N simulated GPUs (labelled SIMULATED) instead of asking NVML.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_SIMULATED_GPUS)))]
    pub simulate_gpus: Option<u32>,
    /// Milliseconds between telemetry samples (250–60000; default from config.toml, else 1000).
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u32).range(250..=60_000))]
    pub sample_interval: Option<u32>,
    /// Do not read config.toml: use the built-in defaults (what the console asks for when you
    /// chose to go on despite a broken file).
    #[arg(long)]
    pub ignore_config: bool,
}

#[derive(Debug, Clone, Subcommand)]
pub enum AgentAction {
    /// Say whether the agent runs, with its pid, version, socket and log.
    Status {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Stop the running agent and wait until it has exited.
    Stop,
    /// Write and enable a systemd unit that starts the agent at boot.
    ///
    /// A user unit (~/.config/systemd/user/station-agent.service), or as root a system unit
    /// running the agent as --user NAME. Prints the unit and every command it runs.
    InstallService(service::InstallArgs),
    /// Disable and remove the unit install-service wrote.
    UninstallService(service::UninstallArgs),
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub target: target::OnArg,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// How many processes to list (sorted by CPU).
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub processes: u32,
    /// List kernel threads too (left out by default, as htop does).
    #[arg(long)]
    pub kernel_threads: bool,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ConfigCommand {
    /// Load config.toml, the selected theme and keymap, the fleet inventory
    /// (instances.toml) and the agent's settings (agent.toml), and report every problem (exit code 2 when there is any error or
    /// warning).
    Check {
        /// Check the themes and keymaps built into Station instead of the user's files; any
        /// warning fails (the CI check of bundled files).
        #[arg(long)]
        builtin: bool,
    },
    /// Print where Station reads and writes its files.
    Path {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Runs what the command line asked for and turns the outcome into an exit code.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        None => crate::tui::run(cli.console, None),
        Some(Command::Connect { host, console }) => {
            let prompt = std::sync::Arc::new(ssh_prompt::TerminalPrompt::new());
            crate::tui::run(console, Some((host, prompt)))
        }
        Some(Command::Agent(args)) => agent_ctl::run(args),
        Some(Command::Status(args)) => status::run(&args),
        Some(Command::Job(command)) => return jobs::run(&command),
        Some(Command::Power(verb)) => return power::run(&verb),
        Some(Command::Fleet(command)) => return fleet::run(&command),
        Some(Command::Config(command)) => config_cmd::run(&command),
        Some(Command::Completions { shell }) => completions::run(shell),
        Some(Command::JobShim) => return crate::agent::jobs::shim::run(),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            output::print_error(&error);
            ExitCode::FAILURE
        }
    }
}

/// Runs `future` on a single-threaded runtime, as every verb's I/O does. Work still blocked
/// when it finishes (a read of stdin, say) is abandoned rather than waited for.
pub fn block_on<F: std::future::Future>(future: F) -> anyhow::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))?;
    let output = runtime.block_on(future);
    runtime.shutdown_background();
    Ok(output)
}
