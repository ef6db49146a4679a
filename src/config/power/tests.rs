//! `[power]` as read from agent.toml: defaults, values, and one located message per mistake.

use std::path::Path;
use std::time::Duration;

use super::*;
use crate::config::AgentSettings;
use crate::config::error::ConfigProblem;

const PATH: &str = "/home/ana/.config/station/agent.toml";

fn parse_with(source: &str, bounds: &PowerBounds) -> Result<AgentSettings, ConfigProblem> {
    AgentSettings::parse(Path::new(PATH), source, bounds)
}

fn parse(source: &str) -> Result<AgentSettings, ConfigProblem> {
    parse_with(source, &PowerBounds::normal())
}

/// The problem `source` has; checks that it points at `needle` (its first occurrence).
fn problem_at(source: &str, needle: &str) -> ConfigProblem {
    let problem = parse(source).unwrap_err();
    let offset = source.find(needle).unwrap();
    let line = source[..offset].matches('\n').count() + 1;
    let column = offset - source[..offset].rfind('\n').map_or(0, |i| i + 1) + 1;
    assert_eq!(
        (problem.line, problem.column),
        (line, column),
        "expected at {needle:?}: {problem}"
    );
    assert!(
        problem
            .to_string()
            .starts_with(&format!("error: {PATH}:{line}:{column}: "))
    );
    problem
}

fn schedule_table(name: &str, cron: &str, zone: &str) -> String {
    format!(
        "[[power.schedules]]\nname = \"{name}\"\naction = \"stop\"\ncron = \"{cron}\"\nzone = \"{zone}\"\n\n"
    )
}

#[test]
fn a_missing_power_table_is_all_defaults() {
    let settings = parse("").unwrap();
    assert_eq!(settings, AgentSettings::default());
    let power = settings.power;
    assert!(power.schedules.is_empty());
    assert!(!power.idle.enabled, "idle shutdown is opt-in");
    assert_eq!(power.idle.after, Duration::from_secs(3600));
    assert_eq!((power.idle.cpu_percent, power.idle.gpu_percent), (10, 5));
    assert_eq!(power.idle.gpu_memory_mib, 1024);
    assert_eq!(power.stop_command, "systemctl poweroff");
    assert_eq!(power.start_command, None);
    assert_eq!(power.warn_before, Duration::from_secs(600));
    assert_eq!(power.snooze, Duration::from_secs(1800));
    assert_eq!(power.on_running_jobs, OnRunningJobs::Wait);
    assert_eq!(power.drain_timeout, Duration::from_secs(7200));
}

#[test]
fn every_value_is_read() {
    let source = r#"
[power]
stop_command = "sudo shutdown -h now"
start_command = "virsh start gpu1"
warn_before = "5m"
snooze = "1h"
on_running_jobs = "stop"
drain_timeout = "30m"

[power.idle]
enabled = true
after = "1h30m"
cpu_percent = 20
gpu_percent = 0
gpu_memory_mib = 512

[[power.schedules]]
name = "weeknights"
action = "stop"
cron = "0 19 * * mon-fri"
zone = "europe/berlin"

[[power.schedules]]
name = "mornings"
action = "start"
cron = "30 7 * * 1-5"
zone = "America/New_York"
enabled = false

[setup]
timeout = "5m"
"#;
    let settings = parse(source).unwrap();
    let power = &settings.power;
    assert_eq!(power.stop_command, "sudo shutdown -h now");
    assert_eq!(power.start_command.as_deref(), Some("virsh start gpu1"));
    assert_eq!(power.warn_before, Duration::from_secs(300));
    assert_eq!(power.snooze, Duration::from_secs(3600));
    assert_eq!(power.on_running_jobs, OnRunningJobs::Stop);
    assert_eq!(power.drain_timeout, Duration::from_secs(1800));
    assert!(power.idle.enabled);
    assert_eq!(power.idle.after, Duration::from_secs(5400));
    assert_eq!((power.idle.cpu_percent, power.idle.gpu_percent), (20, 0));
    assert_eq!(power.idle.gpu_memory_mib, 512);
    assert_eq!(power.schedules.len(), 2);
    let night = power.schedule("weeknights").unwrap();
    assert_eq!(night.action, PowerAction::Stop);
    assert_eq!(night.cron(), "0 19 * * mon-fri");
    assert_eq!(
        night.zone(),
        "Europe/Berlin",
        "the zone is spelt as the database does"
    );
    assert!(night.enabled, "enabled by default");
    assert!(!power.schedule("mornings").unwrap().enabled);
    assert_eq!(power.enabled_schedules(PowerAction::Stop).count(), 1);
    assert_eq!(power.enabled_schedules(PowerAction::Start).count(), 0);
    assert_eq!(settings.setup.timeout, Duration::from_secs(300));
}

#[test]
fn configuration_serializes_as_it_is_written() {
    let source = format!(
        "[power.idle]\nafter = \"90m\"\n{}",
        schedule_table("n", "0 19 * * *", "UTC")
    );
    let power = parse(&source).unwrap().power;
    let json = serde_json::to_value(&power).unwrap();
    assert_eq!(json["idle"]["after"], "1h30m");
    assert_eq!(json["on_running_jobs"], "wait");
    assert_eq!(
        json["schedules"][0],
        serde_json::json!({"name": "n", "action": "stop", "cron": "0 19 * * *", "zone": "UTC", "enabled": true})
    );
}

#[test]
fn a_bad_cron_rule_is_located_and_names_its_field() {
    let source = schedule_table("night", "61 19 * * 1-5", "Europe/Berlin");
    let problem = problem_at(&source, "\"61 19");
    assert_eq!(
        problem.message,
        "cron: minute field: 61 is out of range 0–59"
    );
    let source = schedule_table("night", "0 19 * *", "Europe/Berlin");
    let problem = problem_at(&source, "\"0 19");
    assert!(
        problem
            .message
            .starts_with("cron: a cron rule has 5 fields"),
        "{problem}"
    );
}

#[test]
fn an_unknown_zone_suggests_the_nearest() {
    let source = schedule_table("night", "0 19 * * *", "Europe/Berln");
    let problem = problem_at(&source, "\"Europe/Berln\"");
    assert_eq!(
        problem.message,
        "zone: unknown time zone \"Europe/Berln\"; did you mean Europe/Berlin?"
    );
}

#[test]
fn durations_out_of_bounds_name_the_key_and_the_bounds() {
    for (source, needle, message) in [
        (
            "[power.idle]\nafter = \"5m\"\n",
            "\"5m\"",
            "after must be between 15m and 3d, got 5m",
        ),
        (
            "[power.idle]\nafter = \"4d\"\n",
            "\"4d\"",
            "after must be between 15m and 3d, got 4d",
        ),
        (
            "[power]\nwarn_before = \"2h\"\n",
            "\"2h\"",
            "warn_before must be between 0s and 1h, got 2h",
        ),
        (
            "[power]\nsnooze = \"30s\"\n",
            "\"30s\"",
            "snooze must be between 1m and 1d, got 30s",
        ),
        (
            "[power]\ndrain_timeout = \"8d\"\n",
            "\"8d\"",
            "drain_timeout must be between 0s and 7d, got 8d",
        ),
        (
            "[power]\nwarn_before = \"10\"\n",
            "\"10\"",
            "warn_before: \"10\" has no unit",
        ),
        (
            "[power.idle]\nafter = \"1x\"\n",
            "\"1x\"",
            "after: \"1x\": unknown unit 'x'",
        ),
    ] {
        let problem = problem_at(source, needle);
        assert!(problem.message.starts_with(message), "{source}: {problem}");
    }
}

#[test]
fn test_bounds_allow_seconds() {
    let source = "[power]\nsnooze = \"1s\"\nwarn_before = \"1s\"\n[power.idle]\nafter = \"1s\"\n";
    assert!(parse(source).is_err());
    let power = parse_with(source, &PowerBounds::testing()).unwrap().power;
    assert_eq!(power.idle.after, Duration::from_secs(1));
    assert_eq!(power.snooze, Duration::from_secs(1));
    assert_eq!(power.warn_before, Duration::from_secs(1));
    assert_eq!(
        PowerBounds::for_env_value(Some("1")),
        PowerBounds::testing()
    );
    assert_eq!(PowerBounds::for_env_value(Some("0")), PowerBounds::normal());
    assert_eq!(PowerBounds::for_env_value(None), PowerBounds::normal());
}

#[test]
fn unknown_keys_are_refused_where_they_are() {
    let problem = problem_at("[power]\nstop_comand = \"halt\"\n", "stop_comand");
    assert!(
        problem.message.contains("unknown field `stop_comand`"),
        "{problem}"
    );
    let problem = problem_at("[power.idle]\nenable = true\n", "enable");
    assert!(
        problem.message.contains("unknown field `enable`"),
        "{problem}"
    );
    let source = format!(
        "{}\nwhen = \"now\"\n",
        schedule_table("n", "0 19 * * *", "UTC").trim_end()
    );
    let problem = problem_at(&source, "when");
    assert!(
        problem.message.contains("unknown field `when`"),
        "{problem}"
    );
    let problem = problem_at("[powr]\nx = 1\n", "powr");
    assert!(
        problem.message.contains("unknown field `powr`"),
        "{problem}"
    );
}

#[test]
fn at_most_eight_schedules() {
    let source: String = (1..=9)
        .map(|i| schedule_table(&format!("s{i}"), "0 19 * * *", "UTC"))
        .collect();
    let problem = problem_at(&source, "\"s9\"");
    assert_eq!(
        problem.message,
        "at most 8 schedules are allowed; this is schedule number 9"
    );
    let eight: String = (1..=8)
        .map(|i| schedule_table(&format!("s{i}"), "0 19 * * *", "UTC"))
        .collect();
    assert_eq!(parse(&eight).unwrap().power.schedules.len(), 8);
}

#[test]
fn schedule_names_are_unique_and_not_empty() {
    let source = format!(
        "{}{}",
        schedule_table("night", "0 19 * * *", "UTC"),
        schedule_table("night", "0 20 * * *", "UTC")
    );
    let offset = source.rfind("\"night\"").unwrap();
    let problem = parse(&source).unwrap_err();
    assert_eq!(problem.line, source[..offset].matches('\n').count() + 1);
    assert_eq!(
        problem.message,
        "duplicate schedule name \"night\" (first on line 2); names must be unique"
    );
    let problem = problem_at(&schedule_table("  ", "0 19 * * *", "UTC"), "\"  \"");
    assert_eq!(problem.message, "name must not be empty");
}

#[test]
fn actions_and_choices_name_their_key() {
    let source = "[[power.schedules]]\nname = \"n\"\naction = \"halt\"\ncron = \"0 19 * * *\"\nzone = \"UTC\"\n";
    let problem = problem_at(source, "\"halt\"");
    assert_eq!(
        problem.message,
        "action must be \"start\" or \"stop\", got \"halt\""
    );
    let problem = problem_at("[power]\non_running_jobs = \"kill\"\n", "\"kill\"");
    assert_eq!(
        problem.message,
        "on_running_jobs must be \"wait\" or \"stop\", got \"kill\""
    );
    let problem = problem_at("[power.idle]\ncpu_percent = 150\n", "150");
    assert_eq!(
        problem.message,
        "cpu_percent must be between 0 and 100, got 150"
    );
    let problem = problem_at("[power.idle]\ngpu_memory_mib = -1\n", "-1");
    assert!(
        problem
            .message
            .starts_with("gpu_memory_mib must be between 0 and"),
        "{problem}"
    );
    let problem = problem_at("[power]\nstop_command = \" \"\n", "\" \"");
    assert_eq!(problem.message, "stop_command must not be empty");
}

#[test]
fn a_missing_field_is_reported() {
    let source = "[[power.schedules]]\nname = \"n\"\naction = \"stop\"\nzone = \"UTC\"\n";
    let problem = parse(source).unwrap_err();
    assert!(
        problem.message.contains("missing field `cron`"),
        "{problem}"
    );
    assert!(problem.line >= 1, "{problem}");
}

#[test]
fn problems_show_the_line_with_a_caret() {
    let source = schedule_table("night", "0 19 * * 1-5", "Europe/Berln");
    let shown = parse(&source).unwrap_err().to_string();
    assert_eq!(
        shown,
        format!(
            "error: {PATH}:5:8: zone: unknown time zone \"Europe/Berln\"; did you mean Europe/Berlin?\n  |\n5 | zone = \"Europe/Berln\"\n  |        ^^^^^^^^^^^^^^"
        )
    );
}
