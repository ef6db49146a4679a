//! The text of `station power` and `station events`: pure functions of the report and the
//! time, so they can be tested as they are.

use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::config::duration;
use crate::core::power::schedule::find_zone;
use crate::proto::power::{PowerLogEntry, PowerReport, ScriptReport};

/// Unix milliseconds now.
pub fn now_ms() -> u64 {
    crate::agent::power::manager::now_ms()
}

fn secs(value: u64) -> String {
    duration::format(std::time::Duration::from_secs(value))
}

/// `station power`.
pub fn report(report: &PowerReport, now_ms: u64) -> String {
    let mut out = String::new();
    let settings = &report.settings;
    let _ = writeln!(out, "power     {}", report.summary);
    if let Some(banner) = &report.banner {
        let _ = writeln!(out, "          {banner} (station power snooze)");
    }
    let idle = &settings.idle;
    let _ = writeln!(
        out,
        "idle      {}",
        if idle.enabled {
            format!(
                "stop after {} quiet (CPU ≤ {}%, GPU ≤ {}%, GPU memory ≤ {} MiB; jobs, consoles and logins count as activity)",
                secs(idle.after_secs),
                idle.cpu_percent,
                idle.gpu_percent,
                idle.gpu_memory_mib
            )
        } else {
            "off".to_owned()
        }
    );
    let _ = writeln!(
        out,
        "stopping  `{}` · warn {} before · snooze {} · running jobs: {}{}",
        settings.stop_command,
        secs(settings.warn_before_secs),
        secs(settings.snooze_secs),
        settings.on_running_jobs,
        if settings.on_running_jobs == "wait" {
            format!(" (up to {})", secs(settings.drain_timeout_secs))
        } else {
            String::new()
        }
    );
    if let Some(command) = &settings.start_command {
        let _ = writeln!(
            out,
            "starting  `{command}` (run by whoever starts this instance)"
        );
    }
    if settings.schedules.is_empty() {
        let _ = writeln!(out, "schedules none");
    } else {
        let _ = writeln!(out, "schedules");
        for schedule in &settings.schedules {
            let next = match schedule.next_ms.first() {
                _ if !schedule.enabled => "disabled".to_owned(),
                Some(at) => format!("next {}", local(*at, &schedule.zone, now_ms)),
                None => "never fires".to_owned(),
            };
            let _ = writeln!(
                out,
                "  {:<12} {:<5} {:<16} {:<20} {next}",
                schedule.name,
                schedule.action.as_str(),
                schedule.cron,
                schedule.zone
            );
        }
    }
    for (name, script) in [
        ("creation", &report.setup.creation),
        ("startup", &report.setup.startup),
    ] {
        let _ = writeln!(out, "{}", script_line(name, script));
    }
    let _ = writeln!(out, "settings  {}", settings.file);
    if let Some(problem) = &settings.problem {
        let _ = writeln!(out, "          not in force: {problem}");
    }
    out
}

fn script_line(name: &str, script: &ScriptReport) -> String {
    let mut line = format!("{:<9} {}", name, script.state);
    if let Some(path) = &script.script {
        line.push_str(&format!(" · {path}"));
    }
    if let Some(log) = &script.log {
        line.push_str(&format!(" · log {log}"));
    }
    line
}

/// `Mon 2026-11-30 19:00 CET (in 3d 2h)`, in the schedule's zone.
fn local(at_ms: u64, zone: &str, now_ms: u64) -> String {
    let Ok(stamp) = Timestamp::from_millisecond(i64::try_from(at_ms).unwrap_or(i64::MAX)) else {
        return "?".into();
    };
    let zone = find_zone(zone).map_or(TimeZone::UTC, |(zone, _)| zone);
    format!(
        "{} (in {})",
        stamp
            .to_zoned_datetime(zone)
            .strftime("%a %Y-%m-%d %H:%M %Z"),
        crate::core::power::status::remaining(at_ms.saturating_sub(now_ms))
    )
}

/// `station events`: one line per entry, in this machine's time zone.
pub fn events(entries: &[PowerLogEntry]) -> String {
    if entries.is_empty() {
        return "no power events yet\n".into();
    }
    let zone = TimeZone::system();
    let mut out = String::new();
    for entry in entries {
        let when = Timestamp::from_millisecond(i64::try_from(entry.at_ms).unwrap_or(0))
            .map(|at| {
                at.to_zoned_datetime(zone.clone())
                    .strftime("%Y-%m-%d %H:%M:%S")
                    .to_string()
            })
            .unwrap_or_else(|_| "?".into());
        let _ = writeln!(out, "{when}  {:<9} {}", entry.kind, entry.text);
    }
    out
}
