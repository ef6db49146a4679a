//! Every edit keeps the user's comments, blank lines and key order; refused edits leave the
//! text and the file untouched.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::*;

const PATH: &str = "/home/ana/.config/station/agent.toml";

const SAMPLE: &str = r#"# Station agent settings (hand-written)

[power]
stop_command = "sudo poweroff"   # needs the sudoers entry
warn_before = "10m"

# Idle shutdown
[power.idle]
enabled = false  # opt in later
after = "2h"

# Schedules for the lab, agreed with the team.

# Stop in the evening
[[power.schedules]]
name = "evening"
action = "stop"
cron = "0 19 * * 1-5"   # weekdays
zone = "Europe/Berlin"

# Start in the morning
[[power.schedules]]
name = "morning"
action = "start"
cron = "30 7 * * 1-5"
zone = "Europe/Berlin"

[setup]
timeout = "15m"  # per script
"#;

fn edit(source: &str, change: SettingsEdit) -> Result<Edited, EditError> {
    apply(Path::new(PATH), source, &change, &PowerBounds::normal())
}

fn spec(name: &str, action: PowerAction, cron: &str, zone: &str) -> ScheduleSpec {
    ScheduleSpec {
        name: name.into(),
        action,
        cron: cron.into(),
        zone: zone.into(),
        enabled: true,
    }
}

fn schedule_edit(source: &str, change: ScheduleEdit) -> Result<Edited, EditError> {
    edit(source, SettingsEdit::Schedule(change))
}

#[test]
fn a_new_schedule_goes_after_the_last_one() {
    let night = spec("night", PowerAction::Stop, "30 23 * * 0,6", "UTC");
    let edited = schedule_edit(SAMPLE, ScheduleEdit::Add(night)).unwrap();
    let expected = SAMPLE.replace(
        "\n[setup]",
        "\n[[power.schedules]]\nname = \"night\"\naction = \"stop\"\ncron = \"30 23 * * 0,6\"\nzone = \"UTC\"\n\n[setup]",
    );
    assert_eq!(edited.text, expected);
    assert_eq!(edited.settings.power.schedules.len(), 3);
    let mut disabled = spec("later", PowerAction::Start, "0 6 * * *", "Asia/Tokyo");
    disabled.enabled = false;
    let edited = schedule_edit(&edited.text, ScheduleEdit::Add(disabled)).unwrap();
    assert!(
        edited
            .text
            .contains("zone = \"Asia/Tokyo\"\nenabled = false\n\n[setup]"),
        "{}",
        edited.text
    );
}

#[test]
fn a_first_schedule_in_an_empty_file() {
    let edited = schedule_edit(
        "",
        ScheduleEdit::Add(spec("evening", PowerAction::Stop, "0 19 * * *", "UTC")),
    )
    .unwrap();
    assert_eq!(
        edited.text,
        "[[power.schedules]]\nname = \"evening\"\naction = \"stop\"\ncron = \"0 19 * * *\"\nzone = \"UTC\"\n"
    );
}

#[test]
fn a_replaced_schedule_keeps_its_place_and_comments() {
    let with = spec(
        "evenings",
        PowerAction::Stop,
        "0 20 * * mon-fri",
        "America/New_York",
    );
    let edited = schedule_edit(
        SAMPLE,
        ScheduleEdit::Replace {
            name: "evening".into(),
            with,
        },
    )
    .unwrap();
    let expected = SAMPLE
        .replace("name = \"evening\"", "name = \"evenings\"")
        .replace(
            "cron = \"0 19 * * 1-5\"   # weekdays\nzone = \"Europe/Berlin\"",
            "cron = \"0 20 * * mon-fri\"   # weekdays\nzone = \"America/New_York\"",
        );
    assert_eq!(edited.text, expected);
    let names: Vec<&str> = edited
        .settings
        .power
        .schedules
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["evenings", "morning"]);
}

#[test]
fn enabling_and_disabling_touches_one_line() {
    let disabled = schedule_edit(
        SAMPLE,
        ScheduleEdit::SetEnabled {
            name: "morning".into(),
            enabled: false,
        },
    )
    .unwrap();
    assert_eq!(
        disabled.text,
        SAMPLE.replace(
            "cron = \"30 7 * * 1-5\"\nzone = \"Europe/Berlin\"\n",
            "cron = \"30 7 * * 1-5\"\nzone = \"Europe/Berlin\"\nenabled = false\n"
        )
    );
    assert!(!disabled.settings.power.schedule("morning").unwrap().enabled);
    let enabled = schedule_edit(
        &disabled.text,
        ScheduleEdit::SetEnabled {
            name: "morning".into(),
            enabled: true,
        },
    )
    .unwrap();
    assert!(
        enabled.text.contains("enabled = true\n\n[setup]"),
        "{}",
        enabled.text
    );
    let unchanged = schedule_edit(
        SAMPLE,
        ScheduleEdit::SetEnabled {
            name: "evening".into(),
            enabled: true,
        },
    )
    .unwrap();
    assert_eq!(unchanged.text, SAMPLE, "enabled by default: no line added");
}

#[test]
fn a_deleted_schedule_takes_its_own_comment_only() {
    let edited = schedule_edit(
        SAMPLE,
        ScheduleEdit::Delete {
            name: "evening".into(),
        },
    )
    .unwrap();
    let expected = SAMPLE.replace(
        "# Stop in the evening\n[[power.schedules]]\nname = \"evening\"\naction = \"stop\"\ncron = \"0 19 * * 1-5\"   # weekdays\nzone = \"Europe/Berlin\"\n\n",
        "",
    );
    assert_eq!(edited.text, expected);
    let edited = schedule_edit(
        &edited.text,
        ScheduleEdit::Delete {
            name: "morning".into(),
        },
    )
    .unwrap();
    assert!(edited.settings.power.schedules.is_empty());
    assert_eq!(
        edited.text,
        "# Station agent settings (hand-written)\n\n[power]\nstop_command = \"sudo poweroff\"   # needs the sudoers entry\nwarn_before = \"10m\"\n\n# Idle shutdown\n[power.idle]\nenabled = false  # opt in later\nafter = \"2h\"\n\n# Schedules for the lab, agreed with the team.\n\n[setup]\ntimeout = \"15m\"  # per script\n"
    );
}

#[test]
fn the_last_table_of_the_file_can_go() {
    let source = "[power]\nwarn_before = \"5m\"\n\n# the only one\n[[power.schedules]]\nname = \"a\"\naction = \"stop\"\ncron = \"0 1 * * *\"\nzone = \"UTC\"\n# trailing note\n";
    let edited = schedule_edit(source, ScheduleEdit::Delete { name: "a".into() }).unwrap();
    assert_eq!(
        edited.text,
        "[power]\nwarn_before = \"5m\"\n# trailing note\n"
    );
}

#[test]
fn inline_schedule_arrays_are_edited_too() {
    let source = "[power]\nschedules = [{ name = \"a\", action = \"stop\", cron = \"0 1 * * *\", zone = \"UTC\" }]  # one\n";
    let added = schedule_edit(
        source,
        ScheduleEdit::Add(spec("b", PowerAction::Start, "0 2 * * *", "UTC")),
    )
    .unwrap();
    assert_eq!(added.settings.power.schedules.len(), 2);
    assert!(added.text.ends_with("]  # one\n"), "{}", added.text);
    let disabled = schedule_edit(
        &added.text,
        ScheduleEdit::SetEnabled {
            name: "a".into(),
            enabled: false,
        },
    )
    .unwrap();
    assert!(!disabled.settings.power.schedule("a").unwrap().enabled);
    let deleted = schedule_edit(&disabled.text, ScheduleEdit::Delete { name: "a".into() }).unwrap();
    let names: Vec<&str> = deleted
        .settings
        .power
        .schedules
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["b"]);
}

#[test]
fn idle_settings_change_in_place() {
    let change = IdleEdit {
        enabled: Some(true),
        after: Some("45m".into()),
        cpu_percent: Some(15),
        ..IdleEdit::default()
    };
    let edited = edit(SAMPLE, SettingsEdit::Idle(change)).unwrap();
    assert_eq!(
        edited.text,
        SAMPLE.replace(
            "enabled = false  # opt in later\nafter = \"2h\"\n",
            "enabled = true  # opt in later\nafter = \"45m\"\ncpu_percent = 15\n"
        )
    );
    let idle = &edited.settings.power.idle;
    assert!(idle.enabled);
    assert_eq!(idle.after, std::time::Duration::from_secs(45 * 60));
    assert_eq!(idle.cpu_percent, 15);
    let fresh = edit(
        "",
        SettingsEdit::Idle(IdleEdit {
            enabled: Some(true),
            ..IdleEdit::default()
        }),
    )
    .unwrap();
    assert_eq!(fresh.text, "[power.idle]\nenabled = true\n");
}

#[test]
fn invalid_changes_are_refused_with_their_message() {
    let refused = |result: Result<Edited, EditError>| match result {
        Err(EditError::Invalid(problem)) => problem.message,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let bad_cron = spec("night", PowerAction::Stop, "61 19 * * *", "UTC");
    assert_eq!(
        refused(schedule_edit(SAMPLE, ScheduleEdit::Add(bad_cron))),
        "cron: minute field: 61 is out of range 0–59"
    );
    let bad_zone = spec("evening", PowerAction::Stop, "0 19 * * *", "Europe/Berln");
    assert_eq!(
        refused(schedule_edit(
            SAMPLE,
            ScheduleEdit::Replace {
                name: "evening".into(),
                with: bad_zone
            }
        )),
        "zone: unknown time zone \"Europe/Berln\"; did you mean Europe/Berlin?"
    );
    let duplicate = spec("morning", PowerAction::Stop, "0 19 * * *", "UTC");
    assert!(
        refused(schedule_edit(SAMPLE, ScheduleEdit::Add(duplicate)))
            .starts_with("duplicate schedule name \"morning\"")
    );
    let short = IdleEdit {
        after: Some("5m".into()),
        ..IdleEdit::default()
    };
    assert_eq!(
        refused(edit(SAMPLE, SettingsEdit::Idle(short))),
        "after must be between 15m and 3d, got 5m"
    );
    let busy = IdleEdit {
        gpu_percent: Some(101),
        ..IdleEdit::default()
    };
    assert_eq!(
        refused(edit(SAMPLE, SettingsEdit::Idle(busy))),
        "gpu_percent must be between 0 and 100, got 101"
    );
    let mut text = SAMPLE.to_owned();
    for i in 0..6 {
        let more = spec(&format!("s{i}"), PowerAction::Stop, "0 19 * * *", "UTC");
        text = schedule_edit(&text, ScheduleEdit::Add(more)).unwrap().text;
    }
    let ninth = spec("s9", PowerAction::Stop, "0 19 * * *", "UTC");
    assert!(
        refused(schedule_edit(&text, ScheduleEdit::Add(ninth))).starts_with("at most 8 schedules")
    );
}

#[test]
fn unknown_names_and_broken_files_are_not_edited() {
    let result = schedule_edit(
        SAMPLE,
        ScheduleEdit::Delete {
            name: "noon".into(),
        },
    );
    assert!(
        matches!(&result, Err(EditError::UnknownSchedule(name)) if name == "noon"),
        "{result:?}"
    );
    assert_eq!(result.unwrap_err().message(), "no schedule named \"noon\"");
    let broken = "[power]\nwarn_before = \"3h\"\n";
    let result = schedule_edit(
        broken,
        ScheduleEdit::Add(spec("a", PowerAction::Stop, "0 1 * * *", "UTC")),
    );
    assert!(matches!(result, Err(EditError::Broken(_))), "{result:?}");
    let result = schedule_edit("power = 3\n", ScheduleEdit::Delete { name: "a".into() });
    assert!(matches!(result, Err(EditError::Broken(_))), "{result:?}");
}

#[test]
fn a_refused_edit_leaves_the_file_as_it_was() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("agent.toml");
    fs::write(&path, SAMPLE).unwrap();
    let bad = spec("night", PowerAction::Stop, "0 25 * * *", "UTC");
    let change = SettingsEdit::Schedule(ScheduleEdit::Add(bad));
    let error = edit_file(&path, &change, &PowerBounds::normal()).unwrap_err();
    assert_eq!(error.message(), "cron: hour field: 25 is out of range 0–23");
    assert_eq!(fs::read_to_string(&path).unwrap(), SAMPLE);
    let entries: Vec<_> = fs::read_dir(folder.path()).unwrap().collect();
    assert_eq!(entries.len(), 1, "no temporary file left behind");
}

#[test]
fn edits_are_saved_with_the_files_mode() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("agent.toml");
    fs::write(&path, SAMPLE).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let change = SettingsEdit::Schedule(ScheduleEdit::Delete {
        name: "morning".into(),
    });
    let settings = edit_file(&path, &change, &PowerBounds::normal()).unwrap();
    assert_eq!(settings.power.schedules.len(), 1);
    assert!(!fs::read_to_string(&path).unwrap().contains("morning"));
    let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

#[test]
fn a_missing_folder_is_created_private() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("station").join("agent.toml");
    write_atomically(&path, "[power]\n").unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "[power]\n");
    let station = fs::metadata(path.parent().unwrap()).unwrap();
    assert_eq!(station.permissions().mode() & 0o777, 0o700);
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn a_symbolic_link_is_followed() {
    let folder = tempfile::tempdir().unwrap();
    let real = folder.path().join("dotfiles-agent.toml");
    fs::write(&real, "").unwrap();
    let link = folder.path().join("agent.toml");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    write_atomically(&link, "[power]\n").unwrap();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_to_string(&real).unwrap(), "[power]\n");
}
