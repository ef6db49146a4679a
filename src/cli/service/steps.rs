//! The `systemctl` and `loginctl` commands install and uninstall run, and their failures
//! worded so the user sees which command failed and what it said.

use std::io;
use std::process::{Command, Stdio};

use super::scope::Manager;

/// One command to run (or to print, with `--no-enable`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    program: &'static str,
    args: Vec<String>,
}

/// Why a step did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error("cannot run `{command}`: {program} was not found (is systemd installed here?)")]
    NotFound {
        command: String,
        program: &'static str,
    },
    #[error("cannot run `{command}`: {error}")]
    Io { command: String, error: io::Error },
    #[error("`{command}` failed ({status}){}", said(stderr))]
    Failed {
        command: String,
        status: String,
        stderr: String,
    },
}

fn said(stderr: &str) -> String {
    let text = stderr.trim();
    if text.is_empty() {
        String::new()
    } else {
        format!(": {}", text.replace('\n', " / "))
    }
}

impl Step {
    /// `systemctl [--user] ARGS`.
    pub fn systemctl(manager: Manager, args: &[&str]) -> Step {
        let mut all = Vec::new();
        if manager == Manager::User {
            all.push("--user".to_owned());
        }
        all.extend(args.iter().map(|arg| (*arg).to_owned()));
        Step {
            program: "systemctl",
            args: all,
        }
    }

    /// `loginctl enable-linger USER`.
    pub fn enable_linger(user: &str) -> Step {
        Step {
            program: "loginctl",
            args: vec!["enable-linger".into(), user.to_owned()],
        }
    }

    /// The command as a user would type it.
    pub fn line(&self) -> String {
        std::iter::once(self.program.to_owned())
            .chain(self.args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs it (found on `PATH`, stdin from `/dev/null`); returns what it printed.
    pub fn run(&self) -> Result<String, StepError> {
        let output = Command::new(self.program)
            .args(&self.args)
            .stdin(Stdio::null())
            .output()
            .map_err(|error| match error.kind() {
                io::ErrorKind::NotFound => StepError::NotFound {
                    command: self.line(),
                    program: self.program,
                },
                _ => StepError::Io {
                    command: self.line(),
                    error,
                },
            })?;
        let mut printed = String::from_utf8_lossy(&output.stdout).into_owned();
        printed.push_str(&String::from_utf8_lossy(&output.stderr));
        if output.status.success() {
            Ok(printed)
        } else {
            Err(StepError::Failed {
                command: self.line(),
                status: output.status.to_string(),
                stderr: printed,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_read_as_typed() {
        let step = Step::systemctl(Manager::User, &["enable", "--now", "x.service"]);
        assert_eq!(step.line(), "systemctl --user enable --now x.service");
        assert_eq!(
            Step::systemctl(Manager::System, &["daemon-reload"]).line(),
            "systemctl daemon-reload"
        );
        assert_eq!(
            Step::enable_linger("ana").line(),
            "loginctl enable-linger ana"
        );
    }

    #[test]
    fn a_failure_names_the_command_and_what_it_said() {
        let error = StepError::Failed {
            command: "systemctl --user daemon-reload".into(),
            status: "exit status: 1".into(),
            stderr: "Failed to connect to bus: No medium found\n".into(),
        };
        assert_eq!(
            error.to_string(),
            "`systemctl --user daemon-reload` failed (exit status: 1): \
             Failed to connect to bus: No medium found"
        );
    }
}
