//! The power verbs: `station power [snooze|reload]` (why the instance is up, when it stops,
//! its schedules and setup scripts), `station events` (the power event log), and
//! `station start|stop|restart [NAME]` (by hand).
//!
//! Exit codes: 0 done; 1 a failure (unreachable, refused: nothing to snooze, jobs running
//! without `--force`, an invalid agent.toml on reload); 2 bad input (an unknown instance, one
//! without a start command).

mod instance;
mod render;

use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::block_on;
use super::jobs::{write_json, write_stdout};
use super::target::OnArg;
use crate::client::ClientError;
use crate::proto::power::PowerLogEntry;
use crate::proto::{ClientMsg, Response};

pub use instance::{InstanceArgs, StopArgs};

/// The power verbs, flattened into the top-level commands.
#[derive(Debug, Subcommand)]
pub enum PowerVerb {
    /// Why the instance is up, when it stops, its schedules (with their next firings), idle
    /// settings and setup scripts.
    #[command(
        after_help = "Examples:\n  station power\n  station power --on gpu1 --json\n  \
                            station power snooze\n\nExit codes: 0 done; 1 a failure (nothing \
                            to snooze, an invalid agent.toml on reload, unreachable)."
    )]
    Power(PowerArgs),
    /// The power event log: every warning, snooze, stop, missed schedule and settings change,
    /// oldest first.
    Events(EventsArgs),
    /// Start an instance from the inventory by running its `start_command` here.
    Start(InstanceArgs),
    /// Stop an instance now (`local`: this machine): its agent runs its `stop_command`.
    ///
    /// Refused while jobs run, unless --force (they are cancelled first).
    Stop(StopArgs),
    /// Stop an instance, wait until it is down, then start it with its `start_command`.
    Restart(StopArgs),
}

#[derive(Debug, Clone, Args)]
pub struct PowerArgs {
    #[command(subcommand)]
    pub action: Option<PowerAction>,
    #[command(flatten)]
    pub target: OnArg,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Subcommand)]
pub enum PowerAction {
    /// Postpone the announced stop by the configured step (`snooze` in agent.toml).
    Snooze,
    /// Read agent.toml again now (the agent also notices changes by itself within a second).
    Reload,
}

#[derive(Debug, Clone, Args)]
pub struct EventsArgs {
    #[command(flatten)]
    pub target: OnArg,
    /// How many of the newest entries.
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub limit: u32,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

impl PowerVerb {
    fn name(&self) -> &'static str {
        match self {
            PowerVerb::Power(_) => "power",
            PowerVerb::Events(_) => "events",
            PowerVerb::Start(_) => "start",
            PowerVerb::Stop(_) => "stop",
            PowerVerb::Restart(_) => "restart",
        }
    }
}

/// Runs a power verb, printing any error as `station VERB: error: …`.
pub fn run(verb: &PowerVerb) -> ExitCode {
    let result = match verb {
        PowerVerb::Power(args) => power(args),
        PowerVerb::Events(args) => events(args),
        PowerVerb::Start(args) => instance::start(args),
        PowerVerb::Stop(args) => instance::stop(args),
        PowerVerb::Restart(args) => instance::restart(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("station {}: error: {error:#}", verb.name());
            ExitCode::from(instance::exit_code(&error))
        }
    }
}

fn power(args: &PowerArgs) -> anyhow::Result<ExitCode> {
    let msg = match args.action {
        None => ClientMsg::Power,
        Some(PowerAction::Snooze) => ClientMsg::Snooze { who: who() },
        Some(PowerAction::Reload) => ClientMsg::ReloadPower,
    };
    let report = block_on(async {
        let mut client = super::target::connect(args.target.on.as_deref(), "cli").await?;
        match client.request(msg).await? {
            Response::Power(report) => anyhow::Ok(*report),
            other => Err(unexpected("power", &other)),
        }
    })??;
    if args.json {
        write_json(&report)?;
    } else {
        write_stdout(&render::report(&report, render::now_ms()))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn events(args: &EventsArgs) -> anyhow::Result<ExitCode> {
    let entries: Vec<PowerLogEntry> = block_on(async {
        let mut client = super::target::connect(args.target.on.as_deref(), "cli").await?;
        match client
            .request(ClientMsg::PowerEvents { limit: args.limit })
            .await?
        {
            Response::PowerEvents { entries } => anyhow::Ok(entries),
            other => Err(unexpected("power events", &other)),
        }
    })??;
    if args.json {
        write_json(&entries)?;
    } else {
        write_stdout(&render::events(&entries))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `user@host`, for the event log.
pub fn who() -> String {
    let user = nix::unistd::User::from_uid(nix::unistd::getuid())
        .ok()
        .flatten()
        .map_or_else(|| "someone".to_owned(), |user| user.name);
    let host = nix::unistd::gethostname()
        .ok()
        .and_then(|name| name.into_string().ok())
        .unwrap_or_default();
    format!("{user}@{host}")
}

fn unexpected(what: &str, answer: &Response) -> anyhow::Error {
    ClientError::Protocol(format!("expected {what}, got {answer:?}")).into()
}
