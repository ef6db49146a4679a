//! The list's keys through `update`: moving, enabling and disabling, deleting after a yes,
//! and adding at the limit.

use crossterm::event::KeyCode;

use super::{Harness, edit};
use crate::proto::power::{ScheduleEdit, ScheduleView};
use crate::tui::app::AgentMsg;
use crate::tui::keymap::Context;

#[test]
fn the_selection_moves_and_follows_its_schedule() {
    let mut h = Harness::new();
    assert_eq!(h.app.sched.selected, 0);
    assert!(h.press('j'));
    assert_eq!(h.app.sched.selected_name.as_deref(), Some("mornings"));
    assert!(h.press('G'));
    assert_eq!(h.app.sched.selected, 2);
    assert!(!h.press('j'), "the last row stays selected");
    h.press('k');
    // A report without the first schedule: the selection stays on "mornings".
    h.report(|r| {
        r.settings.schedules.remove(0);
    });
    assert_eq!(h.app.sched.selected, 0);
    assert_eq!(h.app.sched.selected_name.as_deref(), Some("mornings"));
}

#[test]
fn space_enables_or_disables_the_selected_schedule() {
    let mut h = Harness::new();
    assert!(h.key(KeyCode::Char(' ')));
    assert_eq!(
        h.requests(),
        [edit(ScheduleEdit::SetEnabled {
            name: "weeknights".into(),
            enabled: false,
        })]
    );
    assert_eq!(h.message(), "disabling weeknights…");
    h.press('G');
    h.key(KeyCode::Char(' '));
    assert_eq!(
        h.requests(),
        [edit(ScheduleEdit::SetEnabled {
            name: "us-weekend".into(),
            enabled: true,
        })]
    );
    // Refused outside a form: the footer says so.
    h.agent(AgentMsg::PowerRefused {
        request: edit(ScheduleEdit::SetEnabled {
            name: "us-weekend".into(),
            enabled: true,
        }),
        reason: "the settings file is broken".into(),
    });
    assert_eq!(h.message(), "change refused: the settings file is broken");
}

#[test]
fn delete_asks_first_and_only_yes_deletes() {
    let mut h = Harness::new();
    h.press('j');
    assert!(h.press('d'));
    assert_eq!(h.app.sched.confirm.as_deref(), Some("mornings"));
    assert_eq!(h.app.context(), Context::Confirm);
    assert!(h.press('x'), "any other key answers no");
    assert!(h.app.sched.confirm.is_none());
    h.press('d');
    h.press('n');
    assert!(h.app.sched.confirm.is_none());
    assert!(h.requests().is_empty());
    h.press('d');
    h.press('y');
    assert!(h.app.sched.confirm.is_none());
    assert_eq!(
        h.requests(),
        [edit(ScheduleEdit::Delete {
            name: "mornings".into()
        })]
    );
    assert_eq!(h.message(), "deleting mornings…");
}

#[test]
fn adding_is_refused_at_the_limit() {
    let mut h = Harness::new();
    h.report(|r| {
        let first = r.settings.schedules[0].clone();
        r.settings.schedules = (0..8)
            .map(|i| ScheduleView {
                name: format!("s{i}"),
                ..first.clone()
            })
            .collect();
    });
    h.press('a');
    assert!(h.app.sched.editor.is_none());
    assert_eq!(h.message(), "at most 8 schedules: delete one first");
}
