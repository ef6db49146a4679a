//! `station start|stop|restart [NAME]`: power by hand.
//!
//! - start: runs the inventory instance's `start_command` here (a cloud CLI, `virsh start`,
//!   a Wake-on-LAN tool), prints what it said, and fails with its exit status;
//! - stop: asks the instance's agent (this machine's for `local`, as the fleet view names it)
//!   to run its `stop_command` now; refused while jobs run unless `--force`. NAME is required:
//!   a bare `station stop` must not power the machine off;
//! - restart: stop, wait until the instance no longer answers (at most [`DOWN_WAIT`]), start.

use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use clap::Args;

use super::who;
use crate::cli::block_on;
use crate::cli::jobs::BadInput;
use crate::config::{Inventory, Paths};
use crate::proto::{ClientMsg, Response};

/// How long `restart` waits for the instance to go down.
const DOWN_WAIT: Duration = Duration::from_secs(300);
/// How often `restart` looks.
const DOWN_POLL: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Args)]
pub struct InstanceArgs {
    /// An instance from `station fleet ls` with a `start_command`.
    pub name: String,
}

#[derive(Debug, Clone, Args)]
pub struct StopArgs {
    /// An instance from `station fleet ls`, an SSH host, or `local` for this machine.
    pub name: String,
    /// Stop even with jobs running (they are cancelled first).
    #[arg(long)]
    pub force: bool,
}

pub fn start(args: &InstanceArgs) -> anyhow::Result<ExitCode> {
    let command = start_command(&args.name)?;
    println!("starting {}: {command}", args.name);
    let status = Command::new("/bin/sh")
        .arg("-c")
        .arg(&command)
        .status()
        .map_err(|error| anyhow::anyhow!("cannot run /bin/sh: {error}"))?;
    if status.success() {
        Ok(ExitCode::SUCCESS)
    } else {
        anyhow::bail!("`{command}` {status}")
    }
}

/// What the fleet view calls this machine.
const LOCAL: &str = "local";

pub fn stop(args: &StopArgs) -> anyhow::Result<ExitCode> {
    let on = (args.name != LOCAL).then_some(args.name.as_str());
    let command = block_on(ask_stop(on, args.force))??;
    let place = on.unwrap_or("this machine");
    println!("stopping {place}: its agent runs `{command}`");
    Ok(ExitCode::SUCCESS)
}

pub fn restart(args: &StopArgs) -> anyhow::Result<ExitCode> {
    let name = args.name.as_str();
    if name == LOCAL {
        anyhow::bail!(BadInput(
            "restart needs another instance: this machine cannot start itself again".into()
        ));
    }
    // Checked first: a restart that could not start again would leave it down.
    let command = start_command(name)?;
    stop(args)?;
    let deadline = Instant::now() + DOWN_WAIT;
    loop {
        std::thread::sleep(DOWN_POLL);
        let up = block_on(async { crate::cli::target::connect(Some(name), "cli").await.is_ok() })?;
        if !up {
            break;
        }
        if Instant::now() >= deadline {
            anyhow::bail!(
                "{name} still answers {} s after its stop; not starting it",
                DOWN_WAIT.as_secs()
            );
        }
    }
    println!("{name} is down; starting it: {command}");
    start(&InstanceArgs {
        name: name.to_owned(),
    })
}

async fn ask_stop(name: Option<&str>, force: bool) -> anyhow::Result<String> {
    let mut client = crate::cli::target::connect(name, "cli").await?;
    match client
        .request(ClientMsg::StopInstance { who: who(), force })
        .await?
    {
        Response::Stopping { command } => Ok(command),
        other => anyhow::bail!("expected stopping, got {other:?}"),
    }
}

/// The inventory's start command for `name`.
fn start_command(name: &str) -> anyhow::Result<String> {
    let file = Paths::from_env().instances_file();
    let inventory = Inventory::load(&file).map_err(|problem| BadInput(problem.to_string()))?;
    let Some(instance) = inventory.get(name) else {
        anyhow::bail!(BadInput(format!(
            "no instance {name} in {}",
            file.display()
        )));
    };
    instance.start_command.clone().ok_or_else(|| {
        BadInput(format!(
            "{name} has no start_command in {} (add one with `station fleet add {name} --start-command …`)",
            file.display()
        ))
        .into()
    })
}

/// 2 for bad input, else 1.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    if error.downcast_ref::<BadInput>().is_some() {
        2
    } else {
        1
    }
}
