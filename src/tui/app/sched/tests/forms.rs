//! The forms through `update`: every check's message as it is typed (cron, zone, durations,
//! numbers), zone suggestions and picking one, the firings moving with the clock, the idle
//! form's change, and pasting.

use std::time::Duration;

use crossterm::event::KeyCode;

use super::Harness;
use crate::proto::power::{IdleEdit, SettingsEdit};
use crate::tui::app::sched::{CronCheck, IdleField, SchedField};
use crate::tui::app::{Msg, PowerRequest};

/// The harness with weeknights' form open and its cron rule emptied.
fn with_cron_field() -> Harness {
    let mut h = Harness::new();
    h.press('e');
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.ctrl('u');
    h
}

fn cron_message(h: &Harness) -> String {
    match &h.schedule_form().cron_check {
        CronCheck::Invalid(message) => message.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_bad_cron_rule_says_what_is_wrong_as_it_is_typed() {
    let mut h = with_cron_field();
    assert!(cron_message(&h).starts_with("empty cron rule: write 5 fields"));
    for (rule, expected) in [
        ("61 19 * * *", "minute field: 61 is out of range 0–59"),
        ("0 24 * * *", "hour field"),
        ("0 19 * *", "5 fields"),
        ("0 19 * * mon-fry", "day-of-week"),
        ("0 0 31 2 *", "never fires"),
        ("@sometimes", "unknown shortcut"),
    ] {
        h.ctrl('u');
        h.type_text(rule);
        let message = cron_message(&h);
        assert!(message.contains(expected), "{rule}: {message}");
    }
    // Saving with a bad rule sends nothing and keeps the focus on the rule.
    h.key(KeyCode::Tab);
    h.key(KeyCode::Enter);
    assert!(h.requests().is_empty());
    let form = h.schedule_form();
    assert_eq!(form.field, SchedField::Cron);
    assert_eq!(form.problem.as_ref().unwrap().field, SchedField::Cron);
    h.ctrl('u');
    h.type_text("*/15 8-18 * * 1-5");
    assert!(matches!(
        h.schedule_form().cron_check,
        CronCheck::Firings { .. }
    ));
}

#[test]
fn a_bad_name_is_refused_before_sending() {
    let mut h = Harness::new();
    h.press('a');
    h.type_text("mornings");
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.type_text("0 6 * * *");
    h.key(KeyCode::Enter);
    assert!(h.requests().is_empty());
    let form = h.schedule_form();
    assert_eq!(form.field, SchedField::Name, "the focus goes to the name");
    let problem = form.problem.as_ref().unwrap();
    assert_eq!(
        problem.message,
        "a schedule called \"mornings\" exists already"
    );
}

#[test]
fn an_unknown_zone_suggests_names_and_tab_takes_one() {
    let mut h = with_cron_field();
    h.type_text("0 19 * * *");
    h.key(KeyCode::Tab);
    assert_eq!(h.schedule_form().field, SchedField::Zone);
    h.ctrl('u');
    assert!(!h.schedule_form().suggesting());
    assert!(matches!(h.schedule_form().cron_check, CronCheck::NeedsZone));
    h.type_text("berl");
    let form = h.schedule_form();
    assert!(form.suggesting());
    assert_eq!(form.suggestions[0], "Europe/Berlin");
    assert!(form.suggestions.len() <= 4);
    assert_eq!(
        form.zone_problem.as_deref(),
        Some("unknown time zone \"berl\"; did you mean Europe/Berlin?")
    );
    // Tab takes the first suggestion and stays; the next Tab moves on.
    assert!(h.key(KeyCode::Tab));
    let form = h.schedule_form();
    assert_eq!(
        (form.zone.as_str(), form.field),
        ("Europe/Berlin", SchedField::Zone)
    );
    assert!(!form.suggesting());
    assert_eq!(form.zone_problem, None);
    assert!(matches!(form.cron_check, CronCheck::Firings { .. }));
    h.key(KeyCode::Tab);
    assert_eq!(h.schedule_form().field, SchedField::Enabled);
}

#[test]
fn down_and_up_choose_among_the_suggestions_and_enter_takes_it() {
    let mut h = with_cron_field();
    h.type_text("0 19 * * *");
    h.key(KeyCode::Tab);
    h.ctrl('u');
    h.type_text("ber");
    let suggestions = h.schedule_form().suggestions.clone();
    assert!(suggestions.len() >= 2, "{suggestions:?}");
    assert!(h.key(KeyCode::Down));
    assert_eq!(h.schedule_form().pick, Some(0));
    h.key(KeyCode::Down);
    assert_eq!(h.schedule_form().pick, Some(1));
    h.key(KeyCode::Up);
    h.key(KeyCode::Up);
    assert_eq!(h.schedule_form().pick, None);
    assert_eq!(h.schedule_form().field, SchedField::Zone);
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    // Enter on a highlighted suggestion takes it rather than saving.
    h.key(KeyCode::Enter);
    assert!(h.requests().is_empty());
    assert_eq!(h.schedule_form().zone, suggestions[1]);
    // A misspelt zone left as it is (↑ leaves the field without taking a suggestion): the
    // message suggests the name.
    h.ctrl('u');
    h.type_text("Europe/Berln");
    h.key(KeyCode::Up);
    assert_eq!(h.schedule_form().field, SchedField::Cron);
    h.key(KeyCode::Enter);
    assert!(h.requests().is_empty());
    let form = h.schedule_form();
    assert_eq!(form.field, SchedField::Zone);
    assert_eq!(
        form.problem.as_ref().unwrap().message,
        "unknown time zone \"Europe/Berln\"; did you mean Europe/Berlin?"
    );
}

#[test]
fn the_next_firings_move_on_with_the_clock() {
    let mut h = Harness::new();
    h.press('e');
    let first = |h: &Harness| match &h.schedule_form().cron_check {
        CronCheck::Firings { text, .. } => text[0].clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(first(&h), "Mon 2023-11-20 19:00 CET");
    // Monday 19:00 in Berlin is 28.5 hours after the fixture's Sunday 13:30 UTC.
    h.now += Duration::from_secs(28 * 3600);
    h.send(Msg::Tick);
    assert_eq!(first(&h), "Mon 2023-11-20 19:00 CET", "not passed yet");
    h.now += Duration::from_secs(3600);
    assert!(h.send(Msg::Tick));
    assert_eq!(first(&h), "Tue 2023-11-21 19:00 CET");
}

#[test]
fn pasting_goes_into_the_focused_field() {
    let mut h = Harness::new();
    h.press('a');
    assert!(h.send(Msg::Paste("night\nowl".into())));
    assert_eq!(h.schedule_form().name, "night owl");
}

fn after_message(h: &Harness) -> String {
    let problem = h.idle_form().problem.clone().unwrap();
    assert_eq!(problem.field, IdleField::After);
    problem.message
}

#[test]
fn the_idle_form_checks_durations_and_numbers_and_sends_what_changed() {
    let mut h = Harness::new();
    assert!(h.press('i'));
    let form = h.idle_form();
    assert_eq!(
        (form.after.as_str(), form.cpu.as_str(), form.enabled),
        ("1h", "10", true)
    );
    assert_eq!(form.problem, None);
    h.key(KeyCode::Tab);
    h.ctrl('u');
    h.type_text("45");
    assert_eq!(
        after_message(&h),
        "\"45\" has no unit: write e.g. \"45m\" (units: s, m, h, d)"
    );
    h.type_text("x");
    assert_eq!(
        after_message(&h),
        "\"45x\": unknown unit 'x' (units: s, m, h, d)"
    );
    h.ctrl('u');
    h.type_text("5m");
    assert_eq!(
        after_message(&h),
        "after must be between 15m and 3d, got 5m"
    );
    h.ctrl('u');
    h.type_text("4d");
    assert_eq!(
        after_message(&h),
        "after must be between 15m and 3d, got 4d"
    );
    h.key(KeyCode::Enter);
    assert!(h.requests().is_empty(), "a bad value is not sent");
    h.ctrl('u');
    h.type_text("45m");
    assert_eq!(h.idle_form().problem, None);
    h.key(KeyCode::Tab);
    h.ctrl('u');
    h.type_text("150");
    let problem = h.idle_form().problem.clone().unwrap();
    assert_eq!(problem.field, IdleField::Cpu);
    assert_eq!(
        problem.message,
        "CPU % must be a whole number from 0 to 100"
    );
    h.ctrl('u');
    h.type_text("20");
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.ctrl('u');
    h.type_text("-1");
    let problem = h.idle_form().problem.clone().unwrap();
    assert_eq!(problem.field, IdleField::GpuMemory);
    assert_eq!(
        problem.message,
        "GPU memory must be a whole number from 0 to 1048576"
    );
    h.ctrl('u');
    h.type_text("1024");
    h.key(KeyCode::Enter);
    let sent = PowerRequest::Edit(SettingsEdit::Idle(IdleEdit {
        after: Some("45m".into()),
        cpu_percent: Some(20),
        ..IdleEdit::default()
    }));
    assert_eq!(h.requests(), std::slice::from_ref(&sent));
    assert_eq!(
        h.editor().saving,
        match sent {
            PowerRequest::Edit(edit) => Some(edit),
            PowerRequest::Snooze => None,
        }
    );
    h.report(|r| {
        r.settings.idle.after_secs = 45 * 60;
        r.settings.idle.cpu_percent = 20;
    });
    assert!(h.app.sched.editor.is_none());
    assert_eq!(h.message(), "idle shutdown settings saved");
}

#[test]
fn the_idle_toggle_takes_space_and_arrows_and_a_refusal_shows_in_the_form() {
    let mut h = Harness::new();
    h.press('i');
    h.key(KeyCode::Char(' '));
    assert!(!h.idle_form().enabled);
    h.key(KeyCode::Left);
    h.key(KeyCode::Right);
    assert!(!h.idle_form().enabled);
    assert!(!h.press('x'), "the toggle takes no text");
    h.key(KeyCode::Enter);
    let sent = PowerRequest::Edit(SettingsEdit::Idle(IdleEdit {
        enabled: Some(false),
        ..IdleEdit::default()
    }));
    assert_eq!(h.requests(), std::slice::from_ref(&sent));
    let reason = "after must be between 15m and 3d, got 5m";
    h.send(Msg::Agent(crate::tui::app::AgentMsg::PowerRefused {
        request: sent,
        reason: reason.into(),
    }));
    assert_eq!(h.editor().refused.as_deref(), Some(reason));
    assert_eq!(h.idle_form().field, IdleField::Enabled);
}
