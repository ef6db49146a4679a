//! Changing `[power]` in agent.toml the way a careful person would by hand: a new schedule
//! goes after the last one, a deleted one takes its own comment block with it, a changed
//! value keeps its trailing comment, and every other byte of the file (comments, blank lines,
//! key order, quoting) stays as it was.
//!
//! Every change is checked twice: the file must be valid before it (a broken file is left
//! for the user to fix), and the changed text must pass [`AgentSettings::parse`] before it
//! is accepted. A refused change returns the problem (its message is what the editor shows;
//! its line and column refer to the changed text) and nothing is written. [`edit_file`]
//! writes with [`write_atomically`].

mod write;

use std::io;
use std::path::{Path, PathBuf};

use toml_edit::{ArrayOfTables, DocumentMut, InlineTable, Item, Table, TableLike, Value};

use super::{PowerAction, PowerBounds, PowerSchedule};
use crate::config::agent_settings::AgentSettings;
use crate::config::error::{ConfigProblem, Severity};
use crate::config::file::read_optional;
use crate::config::instances::edit::kept_before;

pub use write::write_atomically;

/// A schedule as the editor fills it in; checked only when the changed file is parsed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScheduleSpec {
    pub name: String,
    pub action: PowerAction,
    pub cron: String,
    pub zone: String,
    pub enabled: bool,
}

impl From<&PowerSchedule> for ScheduleSpec {
    fn from(schedule: &PowerSchedule) -> Self {
        ScheduleSpec {
            name: schedule.name.clone(),
            action: schedule.action,
            cron: schedule.cron().to_owned(),
            zone: schedule.zone().to_owned(),
            enabled: schedule.enabled,
        }
    }
}

/// One change to the schedules.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ScheduleEdit {
    /// Appends a schedule after the last one.
    Add(ScheduleSpec),
    /// Rewrites the schedule called `name` in place (the new spec may rename it).
    Replace {
        name: String,
        with: ScheduleSpec,
    },
    SetEnabled {
        name: String,
        enabled: bool,
    },
    /// Removes the schedule called `name` with the comment lines right above it.
    Delete {
        name: String,
    },
}

/// New values for `[power.idle]`; `None` leaves a key as it is. Values are written as given
/// and checked by parsing the result, so an out-of-range one is refused with its message.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct IdleEdit {
    pub enabled: Option<bool>,
    /// A duration as people write it, e.g. "45m".
    pub after: Option<String>,
    pub cpu_percent: Option<i64>,
    pub gpu_percent: Option<i64>,
    pub gpu_memory_mib: Option<i64>,
}

/// Any change the editor makes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum SettingsEdit {
    Schedule(ScheduleEdit),
    Idle(IdleEdit),
}

/// Why a change was refused or could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The file as it is does not parse; it is left for the user to fix.
    #[error("{0}")]
    Broken(Box<ConfigProblem>),
    /// The change would make the file invalid (a bad cron rule, zone, duration, a duplicate
    /// name, a ninth schedule, …); nothing was changed.
    #[error("{0}")]
    Invalid(Box<ConfigProblem>),
    #[error("no schedule named \"{0}\"")]
    UnknownSchedule(String),
    /// The file is laid out in a way this editor does not change (e.g. `power = 1`).
    #[error("{0}; edit the file by hand")]
    Layout(String),
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
}

impl EditError {
    /// The message to show next to the field being edited.
    pub fn message(&self) -> String {
        match self {
            EditError::Broken(problem) | EditError::Invalid(problem) => problem.message.clone(),
            other => other.to_string(),
        }
    }
}

/// A change that passed: the new text and the settings it parses to.
#[derive(Debug, Clone)]
pub struct Edited {
    pub text: String,
    pub settings: AgentSettings,
}

/// Applies `edit` to `source` (the text of `path`, empty when it does not exist).
pub fn apply(
    path: &Path,
    source: &str,
    edit: &SettingsEdit,
    bounds: &PowerBounds,
) -> Result<Edited, EditError> {
    AgentSettings::parse(path, source, bounds).map_err(|p| EditError::Broken(Box::new(p)))?;
    let mut document: DocumentMut = source.parse().map_err(|e: toml_edit::TomlError| {
        EditError::Broken(Box::new(ConfigProblem::whole_file(
            Severity::Error,
            path,
            e.to_string(),
        )))
    })?;
    match edit {
        SettingsEdit::Schedule(edit) => edit_schedules(&mut document, edit)?,
        SettingsEdit::Idle(edit) => edit_idle(&mut document, edit)?,
    }
    let text = document.to_string();
    let settings =
        AgentSettings::parse(path, &text, bounds).map_err(|p| EditError::Invalid(Box::new(p)))?;
    Ok(Edited { text, settings })
}

/// Reads `path`, applies `edit` and writes the result atomically; returns the new settings.
pub fn edit_file(
    path: &Path,
    edit: &SettingsEdit,
    bounds: &PowerBounds,
) -> Result<AgentSettings, EditError> {
    let source = read_optional(path)
        .map_err(|p| EditError::Broken(Box::new(p)))?
        .unwrap_or_default();
    let edited = apply(path, &source, edit, bounds)?;
    write_atomically(path, &edited.text).map_err(|source| EditError::Write {
        path: path.to_owned(),
        source,
    })?;
    Ok(edited.settings)
}

/// `[power]`, created (as an implicit table, so no empty `[power]` header) when missing.
fn power_table(document: &mut DocumentMut) -> Result<&mut Table, EditError> {
    let item = document.entry("power").or_insert_with(|| {
        let mut table = Table::new();
        table.set_implicit(true);
        Item::Table(table)
    });
    item.as_table_mut()
        .ok_or_else(|| EditError::Layout("`power` is not a [power] table".into()))
}

fn edit_idle(document: &mut DocumentMut, edit: &IdleEdit) -> Result<(), EditError> {
    let power = power_table(document)?;
    let idle = power
        .entry("idle")
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_like_mut()
        .ok_or_else(|| EditError::Layout("`power.idle` is not a table".into()))?;
    if let Some(enabled) = edit.enabled {
        set_value(idle, "enabled", Value::from(enabled));
    }
    if let Some(after) = &edit.after {
        set_value(idle, "after", Value::from(after.as_str()));
    }
    for (key, value) in [
        ("cpu_percent", edit.cpu_percent),
        ("gpu_percent", edit.gpu_percent),
        ("gpu_memory_mib", edit.gpu_memory_mib),
    ] {
        if let Some(value) = value {
            set_value(idle, key, Value::from(value));
        }
    }
    Ok(())
}

fn edit_schedules(document: &mut DocumentMut, edit: &ScheduleEdit) -> Result<(), EditError> {
    match edit {
        ScheduleEdit::Add(spec) => add_schedule(power_table(document)?, spec),
        ScheduleEdit::Replace { name, with } => change_schedule(document, name, |table| {
            set_value(table, "name", Value::from(with.name.as_str()));
            set_value(table, "action", Value::from(with.action.as_str()));
            set_value(table, "cron", Value::from(with.cron.as_str()));
            set_value(table, "zone", Value::from(with.zone.as_str()));
            set_enabled(table, with.enabled);
        }),
        ScheduleEdit::SetEnabled { name, enabled } => {
            change_schedule(document, name, |table| set_enabled(table, *enabled))
        }
        ScheduleEdit::Delete { name } => delete_schedule(document, name),
    }
}

/// The `schedules` item and the index of the schedule called `name` in it.
fn find_schedule<'d>(
    document: &'d mut DocumentMut,
    name: &str,
) -> Result<(&'d mut Item, usize), EditError> {
    let unknown = || EditError::UnknownSchedule(name.to_owned());
    let schedules = power_table(document)?
        .get_mut("schedules")
        .ok_or_else(unknown)?;
    let index = schedule_names(schedules)?
        .iter()
        .position(|known| known == name)
        .ok_or_else(unknown)?;
    Ok((schedules, index))
}

fn change_schedule(
    document: &mut DocumentMut,
    name: &str,
    change: impl FnOnce(&mut dyn TableLike),
) -> Result<(), EditError> {
    let (schedules, index) = find_schedule(document, name)?;
    change(entry_mut(schedules, index)?);
    Ok(())
}

/// Removes a schedule. A `[[power.schedules]]` table takes the comment block right above it
/// along; what stood above that block (another paragraph, a file header) moves to the table
/// that now follows, or to the end of the file when none does.
fn delete_schedule(document: &mut DocumentMut, name: &str) -> Result<(), EditError> {
    let (schedules, index) = find_schedule(document, name)?;
    let removed = match schedules {
        Item::ArrayOfTables(tables) => tables.remove(index),
        Item::Value(Value::Array(array)) => {
            array.remove(index);
            return Ok(());
        }
        _ => return Err(not_a_list()),
    };
    let prefix = removed.decor().prefix().and_then(|p| p.as_str());
    let kept = kept_before(prefix.unwrap_or_default());
    if kept.is_empty() {
        return Ok(());
    }
    let position = removed.position().unwrap_or(isize::MAX);
    match next_header_mut(document.as_table_mut(), position) {
        Some(next) => {
            let next_prefix = next.decor().prefix().and_then(|p| p.as_str());
            let joined = format!("{kept}{}", next_prefix.unwrap_or_default());
            next.decor_mut().set_prefix(joined);
        }
        None => {
            let trailing = document.trailing().as_str().unwrap_or_default();
            document.set_trailing(format!("{kept}{trailing}"));
        }
    }
    Ok(())
}

/// One step from a table to a table inside it: a key, and an index for `[[x]]` arrays.
type Step = (String, Option<usize>);

/// The table with a header (`[x]` or `[[x]]`) that comes first after `position`.
fn next_header_mut(root: &mut Table, position: isize) -> Option<&mut Table> {
    fn visit(
        table: &Table,
        position: isize,
        path: &mut Vec<Step>,
        best: &mut Option<(isize, Vec<Step>)>,
    ) {
        let shown = !table.is_implicit() && !table.is_dotted();
        if let Some(at) = table.position().filter(|at| shown && *at > position)
            && best.as_ref().is_none_or(|(known, _)| at < *known)
        {
            *best = Some((at, path.clone()));
        }
        for (key, item) in table.iter() {
            match item {
                Item::Table(child) => {
                    path.push((key.to_owned(), None));
                    visit(child, position, path, best);
                    path.pop();
                }
                Item::ArrayOfTables(tables) => {
                    for (index, child) in tables.iter().enumerate() {
                        path.push((key.to_owned(), Some(index)));
                        visit(child, position, path, best);
                        path.pop();
                    }
                }
                _ => {}
            }
        }
    }
    let mut best = None;
    visit(root, position, &mut Vec::new(), &mut best);
    let (_, path) = best?;
    let mut table = root;
    for (key, index) in path {
        table = match (table.get_mut(&key)?, index) {
            (Item::Table(child), None) => child,
            (Item::ArrayOfTables(tables), Some(index)) => tables.get_mut(index)?,
            _ => return None,
        };
    }
    Some(table)
}

fn add_schedule(power: &mut Table, spec: &ScheduleSpec) -> Result<(), EditError> {
    let mut pairs = vec![
        ("name", Value::from(spec.name.as_str())),
        ("action", Value::from(spec.action.as_str())),
        ("cron", Value::from(spec.cron.as_str())),
        ("zone", Value::from(spec.zone.as_str())),
    ];
    if !spec.enabled {
        pairs.push(("enabled", Value::from(false)));
    }
    match power
        .entry("schedules")
        .or_insert_with(|| Item::ArrayOfTables(ArrayOfTables::new()))
    {
        Item::ArrayOfTables(tables) => {
            let mut table = Table::new();
            for (key, value) in pairs {
                table.insert(key, Item::Value(value));
            }
            tables.push(table);
        }
        Item::Value(Value::Array(array)) => {
            let mut table = InlineTable::new();
            table.extend(pairs);
            array.push(table);
        }
        _ => return Err(not_a_list()),
    }
    Ok(())
}

fn not_a_list() -> EditError {
    EditError::Layout("`power.schedules` is neither [[power.schedules]] tables nor an array".into())
}

/// The names of the schedules, in order (entries without a string name read as "").
fn schedule_names(schedules: &Item) -> Result<Vec<String>, EditError> {
    let name = |table: &dyn TableLike| {
        table
            .get("name")
            .and_then(Item::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    match schedules {
        Item::ArrayOfTables(tables) => Ok(tables.iter().map(|t| name(t)).collect()),
        Item::Value(Value::Array(array)) => Ok(array
            .iter()
            .map(|value| value.as_inline_table().map(|t| name(t)).unwrap_or_default())
            .collect()),
        _ => Err(not_a_list()),
    }
}

fn entry_mut(schedules: &mut Item, index: usize) -> Result<&mut dyn TableLike, EditError> {
    let entry: Option<&mut dyn TableLike> = match schedules {
        Item::ArrayOfTables(tables) => tables.get_mut(index).map(|t| t as &mut dyn TableLike),
        Item::Value(Value::Array(array)) => array
            .get_mut(index)
            .and_then(Value::as_inline_table_mut)
            .map(|t| t as &mut dyn TableLike),
        _ => None,
    };
    entry.ok_or_else(not_a_list)
}

/// Sets `enabled`; a schedule enabled by default gets no `enabled = true` line added.
fn set_enabled(table: &mut dyn TableLike, enabled: bool) {
    if enabled && !table.contains_key("enabled") {
        return;
    }
    set_value(table, "enabled", Value::from(enabled));
}

/// Sets `key` to `value`, keeping the old value's spacing and trailing comment.
fn set_value(table: &mut dyn TableLike, key: &str, mut value: Value) {
    match table.get_mut(key) {
        Some(Item::Value(old)) => {
            *value.decor_mut() = old.decor().clone();
            *old = value;
        }
        Some(other) => *other = Item::Value(value),
        None => {
            table.insert(key, Item::Value(value));
        }
    }
}

#[cfg(test)]
mod tests;
