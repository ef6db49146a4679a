//! `[power]` as written, and the checks that turn it into a [`PowerConfig`].
//!
//! Values whose check does not depend on [`PowerBounds`] (cron rules, zones, actions, names,
//! percentages) are checked while they are read, so the TOML parser locates their errors.
//! Durations keep their spans and are checked afterwards against the bounds in force; so are
//! the count of schedules and the uniqueness of their names.

use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use jiff::tz::TimeZone;
use serde::{Deserialize, Deserializer};
use toml::Spanned;

use super::{
    DEFAULT_STOP_COMMAND, IdleConfig, MAX_GPU_MEMORY_MIB, MAX_SCHEDULE_NAME_LEN, MAX_SCHEDULES,
    OnRunningJobs, PowerAction, PowerBounds, PowerConfig, PowerSchedule,
};
use crate::config::duration;
use crate::config::error::{ConfigProblem, Severity};
use crate::core::power::schedule::{CronRule, ZonedSchedule, find_zone};

/// `[power]` as read.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawPower {
    schedules: Vec<RawSchedule>,
    idle: RawIdle,
    #[serde(deserialize_with = "stop_command")]
    stop_command: Option<String>,
    #[serde(deserialize_with = "start_command")]
    start_command: Option<String>,
    warn_before: Option<Spanned<String>>,
    snooze: Option<Spanned<String>>,
    on_running_jobs: OnRunningJobs,
    drain_timeout: Option<Spanned<String>>,
}

/// `[power.idle]` as read.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawIdle {
    enabled: bool,
    after: Option<Spanned<String>>,
    #[serde(deserialize_with = "cpu_percent")]
    cpu_percent: Option<u8>,
    #[serde(deserialize_with = "gpu_percent")]
    gpu_percent: Option<u8>,
    #[serde(deserialize_with = "gpu_memory_mib")]
    gpu_memory_mib: Option<u32>,
}

/// One `[[power.schedules]]` as read; the cron rule and the zone are already checked.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    name: Spanned<ScheduleName>,
    action: PowerAction,
    cron: CronField,
    zone: ZoneField,
    #[serde(default = "enabled_by_default")]
    enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

#[derive(Debug)]
struct ScheduleName(String);

impl<'de> Deserialize<'de> for ScheduleName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        check_schedule_name(&name).map_err(serde::de::Error::custom)?;
        Ok(ScheduleName(name))
    }
}

/// A schedule name: not blank, at most 64 characters, no control characters.
pub fn check_schedule_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        Err("name must not be empty".to_owned())
    } else if name.chars().count() > MAX_SCHEDULE_NAME_LEN {
        Err(format!(
            "name must be at most {MAX_SCHEDULE_NAME_LEN} characters"
        ))
    } else if name.chars().any(char::is_control) {
        Err("name must not contain control characters".to_owned())
    } else {
        Ok(())
    }
}

#[derive(Debug)]
struct CronField(CronRule);

impl<'de> Deserialize<'de> for CronField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        CronRule::parse(&text)
            .map(CronField)
            .map_err(|e| serde::de::Error::custom(format!("cron: {e}")))
    }
}

#[derive(Debug)]
struct ZoneField(TimeZone, &'static str);

impl<'de> Deserialize<'de> for ZoneField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        find_zone(&text)
            .map(|(zone, name)| ZoneField(zone, name))
            .map_err(|e| serde::de::Error::custom(format!("zone: {e}")))
    }
}

fn command<'de, D: Deserializer<'de>>(
    deserializer: D,
    key: &str,
) -> Result<Option<String>, D::Error> {
    let command = String::deserialize(deserializer)?;
    if command.trim().is_empty() {
        return Err(serde::de::Error::custom(format!("{key} must not be empty")));
    }
    Ok(Some(command))
}

fn stop_command<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    command(deserializer, "stop_command")
}

fn start_command<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    command(deserializer, "start_command")
}

fn percent<'de, D: Deserializer<'de>>(deserializer: D, key: &str) -> Result<Option<u8>, D::Error> {
    let value = crate::config::jobs::in_range(deserializer, key, 100)?;
    Ok(u8::try_from(value).ok())
}

fn cpu_percent<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u8>, D::Error> {
    percent(deserializer, "cpu_percent")
}

fn gpu_percent<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u8>, D::Error> {
    percent(deserializer, "gpu_percent")
}

fn gpu_memory_mib<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    crate::config::jobs::in_range(deserializer, "gpu_memory_mib", MAX_GPU_MEMORY_MIB).map(Some)
}

/// Checks what the parser could not and builds the configuration; problems are located in
/// `source`, the text of `path`.
pub(crate) fn resolve(
    raw: RawPower,
    bounds: &PowerBounds,
    path: &Path,
    source: &str,
) -> Result<PowerConfig, ConfigProblem> {
    let problem = |span: Range<usize>, message: String| {
        ConfigProblem::at_span(Severity::Error, path, source, Some(span), message)
    };
    let line_of =
        |span: &Range<usize>| source[..span.start.min(source.len())].matches('\n').count() + 1;
    let mut schedules: Vec<PowerSchedule> = Vec::with_capacity(raw.schedules.len());
    let mut name_spans: Vec<Range<usize>> = Vec::with_capacity(raw.schedules.len());
    for (index, schedule) in raw.schedules.into_iter().enumerate() {
        let span = schedule.name.span();
        let name = schedule.name.into_inner().0;
        if index == MAX_SCHEDULES {
            return Err(problem(
                span,
                format!(
                    "at most {MAX_SCHEDULES} schedules are allowed; this is schedule number {}",
                    index + 1
                ),
            ));
        }
        if let Some(first) = schedules.iter().position(|known| known.name == name) {
            return Err(problem(
                span,
                format!(
                    "duplicate schedule name \"{name}\" (first on line {}); names must be unique",
                    line_of(&name_spans[first])
                ),
            ));
        }
        let when = ZonedSchedule {
            rule: schedule.cron.0,
            zone: schedule.zone.0,
            zone_name: schedule.zone.1.to_owned(),
        };
        name_spans.push(span);
        schedules.push(PowerSchedule {
            name,
            action: schedule.action,
            enabled: schedule.enabled,
            when,
        });
    }
    let defaults = PowerConfig::default();
    let duration = |value: Option<Spanned<String>>, key: &str, default: Duration, range| {
        let Some(value) = value else {
            return Ok(default);
        };
        let span = value.span();
        duration::parse(value.get_ref())
            .map_err(|e| format!("{key}: {e}"))
            .and_then(|parsed| duration::check_bounds(key, parsed, range))
            .map_err(|message| problem(span, message))
    };
    let idle = IdleConfig {
        enabled: raw.idle.enabled,
        after: duration(
            raw.idle.after,
            "after",
            defaults.idle.after,
            bounds.idle_after.clone(),
        )?,
        cpu_percent: raw.idle.cpu_percent.unwrap_or(defaults.idle.cpu_percent),
        gpu_percent: raw.idle.gpu_percent.unwrap_or(defaults.idle.gpu_percent),
        gpu_memory_mib: raw
            .idle
            .gpu_memory_mib
            .unwrap_or(defaults.idle.gpu_memory_mib),
    };
    Ok(PowerConfig {
        schedules,
        idle,
        stop_command: raw
            .stop_command
            .unwrap_or_else(|| DEFAULT_STOP_COMMAND.to_owned()),
        start_command: raw.start_command,
        warn_before: duration(
            raw.warn_before,
            "warn_before",
            defaults.warn_before,
            bounds.warn_before.clone(),
        )?,
        snooze: duration(raw.snooze, "snooze", defaults.snooze, bounds.snooze.clone())?,
        on_running_jobs: raw.on_running_jobs,
        drain_timeout: duration(
            raw.drain_timeout,
            "drain_timeout",
            defaults.drain_timeout,
            bounds.drain_timeout.clone(),
        )?,
    })
}
