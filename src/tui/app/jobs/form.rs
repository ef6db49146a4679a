//! The form that submits a job: its fields, editing them, and checking them as they are
//! typed into the [`JobSpec`] the agent would get.
//!
//! The command is split into words like a shell would ([`super::words`]) unless the Shell
//! box is ticked, in which case it runs through `sh -c` as typed. The job starts in the
//! console's own folder with the console's environment, as `station submit` run from the
//! shell that started the console would.

use std::collections::BTreeMap;

use super::words::split_words;
use crate::core::jobs::spec;
use crate::proto::jobs::{GpuRequest, JobCapacity, JobCommand, JobSpec};

/// Longest text a field keeps.
pub const MAX_FIELD: usize = 4096;

/// One field of the form, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Command,
    Shell,
    Name,
    Cpus,
    Gpus,
    Priority,
}

impl Field {
    pub const ALL: [Field; 6] = [
        Field::Command,
        Field::Shell,
        Field::Name,
        Field::Cpus,
        Field::Gpus,
        Field::Priority,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Field::Command => "Command",
            Field::Shell => "Shell",
            Field::Name => "Name",
            Field::Cpus => "CPUs",
            Field::Gpus => "GPUs",
            Field::Priority => "Priority",
        }
    }

    /// The field `step` places after this one, wrapping around.
    pub fn step(self, step: isize) -> Field {
        let all = Field::ALL;
        let at = all.iter().position(|f| *f == self).unwrap_or(0) as isize;
        all[(at + step).rem_euclid(all.len() as isize) as usize]
    }
}

/// Where jobs submitted from the console start, and with what environment: the console's
/// own, read once when it starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobDefaults {
    /// The console's working folder; `None` when it could not be read (or is not UTF-8).
    pub cwd: Option<String>,
    pub env: BTreeMap<String, String>,
}

impl JobDefaults {
    /// This process's folder and environment (variables that are not UTF-8 are left out).
    pub fn from_process() -> JobDefaults {
        JobDefaults {
            cwd: std::env::current_dir()
                .ok()
                .and_then(|dir| dir.to_str().map(str::to_owned)),
            env: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        }
    }
}

/// A problem with what the form holds, and the field it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormProblem {
    /// `None` when it is about no one field (the folder, the environment).
    pub field: Option<Field>,
    pub message: String,
}

fn problem(field: Field, message: impl Into<String>) -> FormProblem {
    FormProblem {
        field: Some(field),
        message: message.into(),
    }
}

/// The form's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobForm {
    pub command: String,
    pub shell: bool,
    pub name: String,
    pub cpus: String,
    pub gpus: String,
    pub priority: String,
    /// The field keys type into.
    pub field: Field,
    /// What is wrong with the form now (checked after every change).
    pub problem: Option<FormProblem>,
    /// A submit was sent and its answer has not come yet.
    pub submitting: bool,
    /// Why the agent refused the last submit.
    pub refused: Option<String>,
}

impl Default for JobForm {
    fn default() -> Self {
        JobForm {
            command: String::new(),
            shell: false,
            name: String::new(),
            cpus: "1".into(),
            gpus: "0".into(),
            priority: "0".into(),
            field: Field::Command,
            problem: None,
            submitting: false,
            refused: None,
        }
    }
}

impl JobForm {
    /// The text of `field` (`None` for the Shell box).
    pub fn text(&self, field: Field) -> Option<&str> {
        match field {
            Field::Command => Some(&self.command),
            Field::Shell => None,
            Field::Name => Some(&self.name),
            Field::Cpus => Some(&self.cpus),
            Field::Gpus => Some(&self.gpus),
            Field::Priority => Some(&self.priority),
        }
    }

    fn text_mut(&mut self) -> Option<&mut String> {
        match self.field {
            Field::Command => Some(&mut self.command),
            Field::Shell => None,
            Field::Name => Some(&mut self.name),
            Field::Cpus => Some(&mut self.cpus),
            Field::Gpus => Some(&mut self.gpus),
            Field::Priority => Some(&mut self.priority),
        }
    }

    /// Types `c` into the focused field; on the Shell box a space ticks or unticks it.
    pub fn type_char(&mut self, c: char) -> bool {
        if self.field == Field::Shell {
            if c == ' ' {
                self.shell = !self.shell;
                return true;
            }
            return false;
        }
        match self.text_mut() {
            Some(text) if text.len() < MAX_FIELD && !c.is_control() => {
                text.push(c);
                true
            }
            _ => false,
        }
    }

    /// Adds pasted text to the focused field, line breaks as spaces.
    pub fn paste(&mut self, pasted: &str) -> bool {
        let Some(text) = self.text_mut() else {
            return false;
        };
        let before = text.len();
        for c in pasted.chars() {
            let c = if c == '\n' || c == '\t' { ' ' } else { c };
            if c.is_control() || text.len() + c.len_utf8() > MAX_FIELD {
                continue;
            }
            text.push(c);
        }
        text.len() != before
    }

    /// Deletes the last character of the focused field.
    pub fn backspace(&mut self) -> bool {
        self.text_mut().and_then(String::pop).is_some()
    }

    /// Empties the focused field.
    pub fn clear_field(&mut self) -> bool {
        match self.text_mut() {
            Some(text) if !text.is_empty() => {
                text.clear();
                true
            }
            _ => false,
        }
    }

    /// Deletes the last word of the focused field (and the blanks after it).
    pub fn delete_word(&mut self) -> bool {
        let Some(text) = self.text_mut() else {
            return false;
        };
        let kept = text.trim_end().rfind(' ').map_or(0, |i| i + 1);
        let changed = kept != text.len();
        text.truncate(kept);
        changed
    }

    /// Checks everything again, for the form to show; `capacity` is what the instance has.
    pub fn recheck(&mut self, capacity: Option<&JobCapacity>, defaults: &JobDefaults) {
        self.problem = self.check(capacity, defaults).err();
    }

    /// The job the form describes, or the first problem with it.
    pub fn check(
        &self,
        capacity: Option<&JobCapacity>,
        defaults: &JobDefaults,
    ) -> Result<JobSpec, FormProblem> {
        let command = if self.shell {
            if self.command.trim().is_empty() {
                return Err(problem(Field::Command, "the command is empty"));
            }
            JobCommand::Shell(self.command.clone())
        } else {
            let argv =
                split_words(&self.command).map_err(|e| problem(Field::Command, e.to_string()))?;
            if argv.is_empty() {
                return Err(problem(Field::Command, "the command is empty"));
            }
            JobCommand::Argv(argv)
        };
        let cpus = whole_number::<u32>(&self.cpus)
            .ok_or_else(|| problem(Field::Cpus, "CPUs must be a whole number, at least 1"))?;
        if cpus == 0 {
            return Err(problem(Field::Cpus, "CPUs must be at least 1"));
        }
        let gpus = whole_number::<u32>(&self.gpus)
            .ok_or_else(|| problem(Field::Gpus, "GPUs must be a whole number (0 for none)"))?;
        let priority = whole_number::<i32>(&self.priority).ok_or_else(|| {
            problem(
                Field::Priority,
                "priority must be a whole number, e.g. 0, 5 or -1",
            )
        })?;
        let name = self.name.trim();
        let spec = JobSpec {
            name: (!name.is_empty()).then(|| name.to_owned()),
            command,
            cwd: defaults.cwd.clone().ok_or_else(|| FormProblem {
                field: None,
                message:
                    "the console's working folder cannot be read; submit with `station submit`"
                        .into(),
            })?,
            env: defaults.env.clone(),
            env_set: Vec::new(),
            clean_env: false,
            cpus,
            gpus: GpuRequest::Count(gpus),
            priority,
            after: Vec::new(),
        };
        spec::validate(&spec).map_err(|error| FormProblem {
            field: spec_field(&error.0),
            message: error.0,
        })?;
        if let Some(capacity) = capacity {
            fits(capacity, cpus, gpus)?;
        }
        Ok(spec)
    }
}

/// A whole number, with blanks around it allowed.
fn whole_number<T: std::str::FromStr>(text: &str) -> Option<T> {
    text.trim().parse().ok()
}

/// The field a message of [`spec::validate`] is about, from its wording.
fn spec_field(message: &str) -> Option<Field> {
    if message.contains("command") {
        Some(Field::Command)
    } else if message.contains("name") && !message.contains("variable") {
        Some(Field::Name)
    } else if message.contains("--cpus") {
        Some(Field::Cpus)
    } else {
        None
    }
}

/// Refuses what this instance could never run, with the numbers.
pub fn fits(capacity: &JobCapacity, cpus: u32, gpus: u32) -> Result<(), FormProblem> {
    if capacity.cpu_slots > 0 && cpus > capacity.cpu_slots {
        return Err(problem(
            Field::Cpus,
            format!(
                "asks for {cpus} CPU slots; the instance has {}",
                capacity.cpu_slots
            ),
        ));
    }
    let have = capacity.gpus.len();
    if gpus as usize > have {
        let noun = if gpus == 1 { "GPU" } else { "GPUs" };
        let message = match (&capacity.gpus_unavailable, have) {
            (Some(why), 0) => format!("asks for {gpus} {noun}; the instance has none ({why})"),
            (None, 0) => format!("asks for {gpus} {noun}; the instance has none"),
            _ => format!("asks for {gpus} {noun}; the instance has {have}"),
        };
        return Err(problem(Field::Gpus, message));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
