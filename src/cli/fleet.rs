//! `station fleet ls|add|rm|import`: the inventory of instances (`instances.toml`), edited
//! without touching the user's comments; these connect nowhere. `station fleet install`
//! puts this station on an instance ([`install`]).
//!
//! Exit codes: 0 done; 2 bad input (an invalid name, port or value, a duplicate or unknown
//! name, a broken `instances.toml` or `~/.ssh/config`); 1 any other failure (a file that
//! cannot be written). Errors are printed as `station fleet VERB: error: …`, naming the file,
//! and for a broken file its line and column with the line itself.

mod install;
mod render;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::jobs::{BadInput, EXIT_BAD_INPUT, write_json, write_stdout};
use crate::client::ssh::config::{RealFiles, SshConfig, SshConfigError};
use crate::config::instances::edit::{InventoryEditor, InventoryError};
use crate::config::instances::import::import_aliases;
use crate::config::instances::{Instance, Inventory, check_port};
use crate::config::{ConfigProblem, Paths};

const EXIT_CODES_HELP: &str = "Exit codes: 0 done; 2 bad input (an invalid or duplicate name, an \
                               unknown name, a broken file); 1 any other failure.";

/// The fleet verbs.
#[derive(Debug, Subcommand)]
pub enum FleetCommand {
    /// List the instances: name, host, user, port, tags and start command.
    ///
    /// Says where the inventory file is; a missing file is an empty fleet.
    #[command(after_help = EXIT_CODES_HELP)]
    Ls(LsArgs),
    /// Add an instance to the inventory.
    ///
    /// What is not given comes from ~/.ssh/config for the host, as ssh would resolve it.
    /// The file's comments and layout are kept; the new instance goes at the end.
    #[command(after_help = "Examples:\n  station fleet add gpu1\n  \
                      station fleet add big --host 10.0.0.7 --user ana --port 2222 --tag a100\n  \
                      station fleet add lab --identity ~/.ssh/id_lab --start-command 'virsh start lab'\n\n\
                      Exit codes: 0 added; 2 bad input (an invalid value, a name already there, \
                      a broken file); 1 any other failure.")]
    Add(AddArgs),
    /// Remove an instance from the inventory, with the comment lines right above it.
    #[command(after_help = EXIT_CODES_HELP)]
    Rm(RmArgs),
    /// Add one instance per `Host` alias of ~/.ssh/config that is not in the inventory yet.
    ///
    /// Patterns (`*`, `?`) and negated hosts are left out; an alias that is already an
    /// instance, or already the host of one, is skipped and said so.
    #[command(after_help = EXIT_CODES_HELP)]
    Import(ImportArgs),
    /// Install this station on an instance, or replace another version there.
    ///
    /// Checks the instance's architecture and C library, uploads this binary over SFTP to
    /// ~/.local/share/station/bin/station-VERSION and checks that it starts; an agent of
    /// another version is stopped (its jobs keep running) and the next connection starts
    /// this one. Does nothing when this version already answers there.
    #[command(
        after_help = "Exit codes: 0 installed or already there; 1 it could not be \
                            installed (unreachable, another architecture, an upload that \
                            failed)."
    )]
    Install(install::InstallArgs),
}

impl FleetCommand {
    /// The verb as typed, for error messages.
    fn name(&self) -> &'static str {
        match self {
            FleetCommand::Ls(_) => "ls",
            FleetCommand::Add(_) => "add",
            FleetCommand::Rm(_) => "rm",
            FleetCommand::Import(_) => "import",
            FleetCommand::Install(_) => "install",
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct LsArgs {
    /// Print JSON instead of a table (`file`, `exists`, `instances`).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct AddArgs {
    /// The instance's name: letters, digits, `-`, `_` and `.` (at most 64).
    pub name: String,
    /// The SSH alias or host name to connect to (default: the name).
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// The remote user (default: from ~/.ssh/config, else your user name).
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// The SSH port, 1–65535 (default: from ~/.ssh/config, else 22).
    #[arg(long, value_name = "PORT", allow_negative_numbers = true)]
    pub port: Option<i64>,
    /// A private key file to authenticate with (kept as an absolute path or `~/…`).
    #[arg(long, value_name = "FILE")]
    pub identity: Option<PathBuf>,
    /// A tag (repeat for several).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// The command that starts the machine when it is down (a cloud CLI, `virsh start`, …).
    #[arg(long, value_name = "CMD")]
    pub start_command: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct RmArgs {
    /// The instance to remove.
    pub name: String,
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The SSH config to read (default: ~/.ssh/config).
    #[arg(long, value_name = "FILE")]
    pub ssh_config: Option<PathBuf>,
    /// Say what would be added and skipped, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Runs a fleet verb, printing any error as `station fleet VERB: error: …` with its exit code.
pub fn run(command: &FleetCommand) -> ExitCode {
    let paths = Paths::from_env();
    let file = paths.instances_file();
    let result = match command {
        FleetCommand::Ls(args) => list(&file, args),
        FleetCommand::Add(args) => add(&file, args),
        FleetCommand::Rm(args) => remove(&file, args),
        FleetCommand::Import(args) => import(&file, args),
        FleetCommand::Install(args) => install::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("station fleet {}: {}", command.name(), describe(&error));
            ExitCode::from(exit_code(&error))
        }
    }
}

fn list(file: &Path, args: &LsArgs) -> anyhow::Result<()> {
    let inventory = Inventory::load(file)?;
    let exists = file.exists();
    if args.json {
        write_json(&render::ListJson::new(&inventory, exists))
    } else {
        write_stdout(&render::table(&inventory, exists))
    }
}

fn add(file: &Path, args: &AddArgs) -> anyhow::Result<()> {
    let unchanged =
        |message: String| BadInput(format!("{message}; {} is unchanged", file.display()));
    let port = args
        .port
        .map(|port| check_port(port).map_err(unchanged))
        .transpose()?;
    let identity = args
        .identity
        .as_deref()
        .map(|path| identity_text(path).map_err(unchanged))
        .transpose()?;
    let instance = Instance {
        name: args.name.clone(),
        host: args.host.clone(),
        user: args.user.clone(),
        port,
        identity,
        tags: args.tags.clone(),
        start_command: args.start_command.clone(),
    };
    let mut editor = InventoryEditor::open(file)?;
    editor.add(instance.clone())?;
    editor.save()?;
    let home = home_dir().unwrap_or_default();
    if let Some(key) = instance.identity_path(&home).filter(|key| !key.exists()) {
        eprintln!(
            "station fleet add: warning: the identity file {} does not exist (yet)",
            key.display()
        );
    }
    write_stdout(&format!(
        "added `{}` (host {}) to {}\n",
        instance.name,
        instance.host(),
        file.display()
    ))
}

/// An identity file as it goes into the file: `~/…` as given, a relative path made absolute
/// against the current folder (the inventory is read from anywhere).
fn identity_text(path: &Path) -> Result<String, String> {
    let absolute = if path.is_absolute() || path.starts_with("~") {
        path.to_owned()
    } else {
        std::path::absolute(path).map_err(|e| format!("identity {}: {e}", path.display()))?
    };
    absolute
        .into_os_string()
        .into_string()
        .map_err(|p| format!("identity {} is not UTF-8", Path::new(&p).display()))
}

fn remove(file: &Path, args: &RmArgs) -> anyhow::Result<()> {
    let mut editor = InventoryEditor::open(file)?;
    let removed = match editor.remove(&args.name) {
        Err(error @ InventoryError::Unknown { .. }) => {
            let known = render::names_hint(editor.inventory());
            return Err(BadInput(format!("{error} ({known})")).into());
        }
        other => other?,
    };
    editor.save()?;
    write_stdout(&format!(
        "removed `{}` from {}\n",
        removed.name,
        file.display()
    ))
}

fn import(file: &Path, args: &ImportArgs) -> anyhow::Result<()> {
    let home = home_dir().ok_or_else(|| BadInput("HOME is not set".into()))?;
    let ssh_config = args
        .ssh_config
        .clone()
        .unwrap_or_else(|| home.join(".ssh/config"));
    if !ssh_config.exists() {
        return Err(BadInput(format!(
            "{} does not exist: no SSH hosts to import",
            ssh_config.display()
        ))
        .into());
    }
    let aliases = SshConfig::load(&ssh_config, &home, &RealFiles)?.host_aliases();
    let mut editor = InventoryEditor::open(file)?;
    let report = import_aliases(&mut editor, &aliases);
    if !args.dry_run && !report.added.is_empty() {
        editor.save()?;
    }
    write_stdout(&render::import_report(
        &report,
        &ssh_config,
        file,
        args.dry_run,
    ))
}

/// The user's home folder, from `HOME`.
fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .filter(|home| home.is_absolute())
}

/// The exit code: [`EXIT_BAD_INPUT`] when the user's input or files are at fault, else 1.
fn exit_code(error: &anyhow::Error) -> u8 {
    let bad_input = error.chain().any(|cause| {
        cause.is::<BadInput>()
            || cause.is::<ConfigProblem>()
            || cause.is::<SshConfigError>()
            || cause
                .downcast_ref::<InventoryError>()
                .is_some_and(InventoryError::is_bad_input)
    });
    if bad_input { EXIT_BAD_INPUT } else { 1 }
}

/// The error for the user: a broken file as its located problem with the offending line,
/// anything else as `error: …` with its context.
fn describe(error: &anyhow::Error) -> String {
    let problem = error.chain().find_map(|cause| {
        cause.downcast_ref::<ConfigProblem>().or_else(|| {
            match cause.downcast_ref::<InventoryError>() {
                Some(InventoryError::Broken(problem)) => Some(problem.as_ref()),
                _ => None,
            }
        })
    });
    match problem {
        Some(problem) => problem.to_string(),
        None => {
            let causes: Vec<String> = error.chain().map(ToString::to_string).collect();
            format!("error: {}", causes.join(": "))
        }
    }
}
