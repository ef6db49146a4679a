//! Checks on a submitted job, shared by the verbs (for early, friendly errors) and the agent
//! (which never trusts a client).

use std::collections::BTreeSet;

use crate::proto::jobs::{GpuRequest, JobCommand, JobSpec};

/// Longest job name accepted.
pub const MAX_NAME_CHARS: usize = 200;
/// Highest `--cpus` accepted before comparing with the instance (guards arithmetic).
pub const MAX_CPUS: u32 = 65_536;

/// Why a spec is refused; the text is shown to the user as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SpecError(pub String);

fn refuse(message: impl Into<String>) -> Result<(), SpecError> {
    Err(SpecError(message.into()))
}

/// Everything about `spec` that can be checked without the machine: the command, the name,
/// the resources' shape, the environment, the folder's form.
pub fn validate(spec: &JobSpec) -> Result<(), SpecError> {
    match &spec.command {
        JobCommand::Argv(argv) => match argv.first() {
            None => return refuse("empty command: give the program to run after `--`"),
            Some(program) if program.is_empty() => {
                return refuse("empty command: the program name is an empty string");
            }
            Some(_) => {}
        },
        JobCommand::Shell(script) if script.trim().is_empty() => {
            return refuse("empty command: `--shell` needs a command line");
        }
        JobCommand::Shell(_) => {}
    }
    if spec.command.argv().iter().any(|arg| arg.contains('\0')) {
        return refuse("the command contains a NUL byte");
    }
    if let Some(name) = &spec.name {
        if name.trim().is_empty() {
            return refuse("the job name is empty");
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return refuse(format!(
                "the job name is longer than {MAX_NAME_CHARS} characters"
            ));
        }
        if name.chars().any(char::is_control) {
            return refuse("the job name contains control characters");
        }
    }
    if spec.cpus == 0 {
        return refuse("--cpus must be at least 1");
    }
    if spec.cpus > MAX_CPUS {
        return refuse(format!("--cpus {} is more than any machine has", spec.cpus));
    }
    if let GpuRequest::Ids(ids) = &spec.gpus {
        if ids.is_empty() {
            return refuse("--gpu-ids needs at least one GPU index");
        }
        let unique: BTreeSet<_> = ids.iter().collect();
        if unique.len() != ids.len() {
            return refuse("--gpu-ids names a GPU twice");
        }
    }
    let under_home = spec.cwd == "~" || spec.cwd.starts_with("~/");
    if !spec.cwd.starts_with('/') && !under_home {
        return refuse(format!(
            "the working folder {:?} is not an absolute path (or under ~)",
            spec.cwd
        ));
    }
    for (key, value) in &spec.env {
        check_env_name(key)?;
        if value.contains('\0') {
            return refuse(format!("the value of {key} contains a NUL byte"));
        }
    }
    Ok(())
}

fn check_env_name(key: &str) -> Result<(), SpecError> {
    if key.is_empty() {
        return refuse("an environment variable has an empty name");
    }
    if key.contains('=') || key.contains('\0') {
        return refuse(format!("{key:?} is not a valid environment variable name"));
    }
    Ok(())
}

/// Parses one `--env K=V`. The name must be a shell-style identifier (letters, digits and
/// `_`, not starting with a digit); the value may be empty and may contain `=`.
pub fn parse_env_assignment(text: &str) -> Result<(String, String), SpecError> {
    let Some((key, value)) = text.split_once('=') else {
        return Err(SpecError(format!(
            "invalid --env {text:?}: expected NAME=VALUE"
        )));
    };
    let identifier = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !identifier {
        return Err(SpecError(format!(
            "invalid --env {text:?}: {key:?} is not a variable name (letters, digits and _, not starting with a digit)"
        )));
    }
    if value.contains('\0') {
        return Err(SpecError(format!(
            "invalid --env {key}: the value contains a NUL byte"
        )));
    }
    Ok((key.to_owned(), value.to_owned()))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn spec(argv: &[&str]) -> JobSpec {
        JobSpec {
            name: None,
            command: JobCommand::Argv(argv.iter().map(|s| (*s).to_owned()).collect()),
            cwd: "/tmp".into(),
            env: BTreeMap::new(),
            env_set: Vec::new(),
            clean_env: false,
            cpus: 1,
            gpus: GpuRequest::Count(0),
            priority: 0,
            after: Vec::new(),
        }
    }

    fn message(spec: &JobSpec) -> String {
        validate(spec).expect_err("should be refused").0
    }

    #[test]
    fn a_plain_command_is_accepted() {
        assert_eq!(validate(&spec(&["python", "train.py"])), Ok(()));
    }

    #[test]
    fn empty_commands_are_refused() {
        assert!(message(&spec(&[])).starts_with("empty command"));
        assert!(message(&spec(&[""])).starts_with("empty command"));
        let mut shell = spec(&["x"]);
        shell.command = JobCommand::Shell("   ".into());
        assert!(message(&shell).contains("--shell"));
    }

    #[test]
    fn resources_must_make_sense() {
        let mut s = spec(&["x"]);
        s.cpus = 0;
        assert!(message(&s).contains("--cpus"));
        let mut s = spec(&["x"]);
        s.gpus = GpuRequest::Ids(vec![0, 0]);
        assert!(message(&s).contains("twice"));
        s.gpus = GpuRequest::Ids(vec![]);
        assert!(message(&s).contains("at least one"));
    }

    #[test]
    fn relative_folders_and_bad_names_are_refused() {
        let mut s = spec(&["x"]);
        s.cwd = "work".into();
        assert!(message(&s).contains("absolute"));
        let mut s = spec(&["x"]);
        s.name = Some("a\nb".into());
        assert!(message(&s).contains("control"));
        let mut s = spec(&["x"]);
        s.env.insert("A=B".into(), "1".into());
        assert!(message(&s).contains("not a valid"));
    }

    #[test]
    fn env_assignments_parse() {
        assert_eq!(
            parse_env_assignment("A=b=c"),
            Ok(("A".into(), "b=c".into()))
        );
        assert_eq!(
            parse_env_assignment("_X="),
            Ok(("_X".into(), String::new()))
        );
        assert!(parse_env_assignment("NOEQUALS").is_err());
        assert!(parse_env_assignment("=1").is_err());
        assert!(parse_env_assignment("1A=1").is_err());
        assert!(parse_env_assignment("A-B=1").is_err());
    }
}
