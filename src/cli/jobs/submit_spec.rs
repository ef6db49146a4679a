//! Turning `station submit`'s arguments and the submitting process (its folder and
//! environment) into a checked [`JobSpec`]. Pure apart from looking at the working folder, so
//! it is tested without an agent.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::BadInput;
use super::submit::SubmitArgs;
use crate::core::jobs::spec::{parse_env_assignment, validate};
use crate::proto::jobs::{GpuRequest, JobCommand, JobSpec};

/// Variables a `--clean-env` job keeps from the submitting environment, when set.
pub const CLEAN_ENV_KEPT: [&str; 7] =
    ["HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_ALL", "TERM"];

/// `PATH` of a `--clean-env` job when the submitting environment has none.
pub const DEFAULT_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// What the job inherits from the process that submits it.
#[derive(Debug)]
pub struct Submitter {
    /// The current folder, or why it cannot be read (it was deleted, say).
    pub current_dir: std::io::Result<PathBuf>,
    /// The whole environment, as the OS has it.
    pub environment: Vec<(OsString, OsString)>,
}

impl Submitter {
    /// This process's folder and environment.
    pub fn from_process() -> Submitter {
        Submitter {
            current_dir: std::env::current_dir(),
            environment: std::env::vars_os().collect(),
        }
    }
}

/// A spec ready to send, with warnings for the user (skipped variables).
#[derive(Debug)]
pub struct BuiltSpec {
    pub spec: JobSpec,
    pub warnings: Vec<String>,
}

/// Builds and checks the spec `args` describe; every refusal is [`BadInput`].
pub fn build_spec(args: &SubmitArgs, submitter: &Submitter) -> Result<BuiltSpec, BadInput> {
    let command = match &args.shell {
        Some(script) => JobCommand::Shell(script.clone()),
        None => JobCommand::Argv(args.command.clone()),
    };
    let gpus = match (&args.gpus, &args.gpu_ids) {
        (_, Some(ids)) => GpuRequest::Ids(ids.clone()),
        (Some(count), None) => GpuRequest::Count(*count),
        (None, None) => GpuRequest::Count(0),
    };
    let remote = args.target.on.is_some();
    let cwd = if remote {
        remote_folder(args.cwd.as_deref())?
    } else {
        working_folder(args.cwd.as_deref(), &submitter.current_dir)?
    };
    let mut warnings = Vec::new();
    // This machine's environment means nothing on another one: a job sent with --on starts
    // from a clean environment there (the agent fills in HOME, USER, PATH, …).
    let mut env = if remote {
        BTreeMap::new()
    } else if args.clean_env {
        clean_environment(&submitter.environment)
    } else {
        inherited_environment(&submitter.environment, &mut warnings)
    };
    // A shell started by the job trusts PWD when it names the folder it starts in.
    if env.contains_key("PWD") {
        env.insert("PWD".to_owned(), cwd.clone());
    }
    let mut env_set = Vec::new();
    for assignment in &args.env {
        let (name, value) = parse_env_assignment(assignment).map_err(|e| BadInput(e.0))?;
        if !env_set.contains(&name) {
            env_set.push(name.clone());
        }
        env.insert(name, value);
    }
    let spec = JobSpec {
        name: args.name.clone(),
        command,
        cwd,
        env,
        env_set,
        clean_env: args.clean_env || remote,
        cpus: args.cpus,
        gpus,
        priority: args.priority,
        after: args.after.clone(),
    };
    validate(&spec).map_err(|e| BadInput(e.0))?;
    Ok(BuiltSpec { spec, warnings })
}

/// The folder of a job sent to another instance: `--cwd` as a path there (absolute, or under
/// `~`), else `~` (the home of the user the agent runs as). The agent checks that it exists.
fn remote_folder(requested: Option<&Path>) -> Result<String, BadInput> {
    let Some(dir) = requested else {
        return Ok("~".to_owned());
    };
    let text = dir
        .to_str()
        .ok_or_else(|| BadInput(format!("--cwd {}: not valid UTF-8", dir.display())))?;
    if text.starts_with('/') || text == "~" || text.starts_with("~/") {
        Ok(text.to_owned())
    } else {
        Err(BadInput(format!(
            "--cwd {text}: with --on, give a folder on that instance: absolute, or under ~"
        )))
    }
}

/// The absolute folder the job runs in: `--cwd` (relative to the current folder) or the
/// current folder; it must exist and be a folder.
fn working_folder(
    requested: Option<&Path>,
    current_dir: &std::io::Result<PathBuf>,
) -> Result<String, BadInput> {
    let current = || {
        current_dir.as_ref().map_err(|e| {
            BadInput(format!(
                "cannot read the current folder ({e}); pass the job's folder with --cwd DIR"
            ))
        })
    };
    let folder = match requested {
        Some(dir) if dir.is_absolute() => dir.to_path_buf(),
        Some(dir) => current()?.join(dir),
        None => current()?.clone(),
    };
    let folder = std::path::absolute(&folder).unwrap_or(folder);
    match std::fs::metadata(&folder) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(BadInput(format!(
                "--cwd {}: not a folder; give the folder the job should run in",
                folder.display()
            )));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(BadInput(format!(
                "--cwd {}: no such folder; create it or give another --cwd",
                folder.display()
            )));
        }
        Err(e) => {
            return Err(BadInput(format!(
                "--cwd {}: cannot use it as the job's folder: {e}",
                folder.display()
            )));
        }
    }
    folder.into_os_string().into_string().map_err(|folder| {
        BadInput(format!(
            "the folder {} is not valid UTF-8; run the job from (or --cwd) another folder",
            Path::new(&folder).display()
        ))
    })
}

/// The submitting environment, without the variables that are not UTF-8 (one warning each).
fn inherited_environment(
    environment: &[(OsString, OsString)],
    warnings: &mut Vec<String>,
) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    for (name, value) in environment {
        match (name.to_str(), value.to_str()) {
            (Some(name), Some(value)) => {
                env.insert(name.to_owned(), value.to_owned());
            }
            _ => warnings.push(format!(
                "the environment variable {} is not valid UTF-8; the job will not have it",
                name.to_string_lossy()
            )),
        }
    }
    env
}

/// [`CLEAN_ENV_KEPT`] when set, and `PATH` (the submitter's, else [`DEFAULT_PATH`]).
fn clean_environment(environment: &[(OsString, OsString)]) -> BTreeMap<String, String> {
    let lookup = |wanted: &str| {
        environment
            .iter()
            .find(|(name, _)| name.to_str() == Some(wanted))
            .and_then(|(_, value)| value.to_str())
            .map(str::to_owned)
    };
    let mut env: BTreeMap<String, String> = CLEAN_ENV_KEPT
        .iter()
        .filter_map(|name| lookup(name).map(|value| ((*name).to_owned(), value)))
        .collect();
    let path = lookup("PATH").unwrap_or_else(|| DEFAULT_PATH.to_owned());
    env.insert("PATH".to_owned(), path);
    env
}

#[cfg(test)]
mod tests;
