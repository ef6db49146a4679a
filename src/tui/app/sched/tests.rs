//! The schedule editor through `update`: opening it, the list's keys, the forms with their
//! checks as they are typed, zone suggestions, and what the agent's answers do to a change.

mod forms;
mod list;

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::proto::power::{PowerAction, ScheduleEdit, ScheduleSpec};
use crate::tui::action::Action;
use crate::tui::app::{AgentMsg, App, Effect, Msg, PowerRequest, View};
use crate::tui::fixtures;
use crate::tui::keymap::Context;

pub(super) struct Harness {
    pub app: App,
    pub now: Instant,
}

impl Harness {
    pub fn new() -> Harness {
        let now = Instant::now();
        let mut app = fixtures::power::app(80, 24, now);
        app.take_effects();
        Harness { app, now }
    }

    pub fn send(&mut self, msg: Msg) -> bool {
        self.app.update(msg, self.now)
    }

    pub fn key(&mut self, code: KeyCode) -> bool {
        let modifiers = match code {
            KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
            _ => KeyModifiers::NONE,
        };
        self.send(Msg::Key(KeyEvent::new(code, modifiers)))
    }

    pub fn ctrl(&mut self, c: char) -> bool {
        self.send(Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )))
    }

    pub fn press(&mut self, c: char) -> bool {
        self.key(KeyCode::Char(c))
    }

    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(c);
        }
    }

    pub fn agent(&mut self, msg: AgentMsg) -> bool {
        self.send(Msg::Agent(msg))
    }

    /// The power requests queued since the last call.
    pub fn requests(&mut self) -> Vec<PowerRequest> {
        self.app
            .take_effects()
            .into_iter()
            .filter_map(|e| match e {
                Effect::Power(request) => Some(request),
                _ => None,
            })
            .collect()
    }

    pub fn editor(&self) -> &Editor {
        self.app.sched.editor.as_ref().expect("a form is open")
    }

    pub fn schedule_form(&self) -> &ScheduleForm {
        match &self.editor().form {
            Form::Schedule(form) => form,
            Form::Idle(_) => panic!("the idle form is open"),
        }
    }

    pub fn idle_form(&self) -> &IdleForm {
        match &self.editor().form {
            Form::Idle(form) => form,
            Form::Schedule(_) => panic!("the schedule form is open"),
        }
    }

    pub fn message(&self) -> String {
        self.app
            .message
            .as_ref()
            .map_or_else(String::new, |m| m.text.clone())
    }

    /// The fixture report changed by `change`, sent by the agent.
    pub fn report(&mut self, change: impl FnOnce(&mut crate::proto::power::PowerReport)) -> bool {
        let mut report = fixtures::power::report();
        change(&mut report);
        self.agent(AgentMsg::Power(Box::new(report)))
    }
}

pub(super) fn edit(edit: ScheduleEdit) -> PowerRequest {
    PowerRequest::Edit(SettingsEdit::Schedule(edit))
}

#[test]
fn the_key_and_the_command_open_the_editor_and_esc_goes_back() {
    let now = Instant::now();
    let mut app = fixtures::app(80, 24, 2, now);
    let key = |c: char| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT));
    assert!(app.update(key('S'), now));
    assert_eq!(app.view, View::Schedules);
    assert_eq!(app.context(), Context::Schedules);
    let esc = Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    assert!(app.update(esc, now));
    assert_eq!(app.view, View::Dashboard);
    for c in ":sched".chars() {
        app.update(
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            now,
        );
    }
    app.update(
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        now,
    );
    assert_eq!(app.view, View::Schedules);
}

#[test]
fn without_a_report_nothing_can_be_edited_and_the_reason_shows() {
    let now = Instant::now();
    let mut app = fixtures::app(80, 24, 2, now);
    app.take_effects();
    app.update(
        Msg::Agent(AgentMsg::PowerUnavailable {
            reason: "this agent has no power manager".into(),
        }),
        now,
    );
    app.update(Msg::Action(Action::Schedules), now);
    for action in [Action::SchedAdd, Action::IdleEdit, Action::SchedToggle] {
        app.update(Msg::Action(action), now);
        assert!(app.sched.editor.is_none());
        let text = app.message.take().unwrap().text;
        assert_eq!(text, "no power settings: this agent has no power manager");
    }
    assert!(app.take_effects().is_empty());
}

#[test]
fn a_new_schedule_is_checked_as_typed_and_saved_once_the_report_shows_it() {
    let mut h = Harness::new();
    assert!(h.press('a'));
    assert_eq!(h.app.context(), Context::SchedForm);
    let form = h.schedule_form();
    assert_eq!(form.editing, None);
    assert_eq!(form.zone, "Europe/Berlin", "the selected schedule's zone");
    assert_eq!(form.problem.as_ref().unwrap().field, SchedField::Name);
    // Plain characters bound elsewhere (q, z, S, 1) are typed.
    h.type_text("qzS1");
    assert_eq!(h.schedule_form().name, "qzS1");
    h.ctrl('u');
    h.type_text("late");
    h.key(KeyCode::Tab);
    h.key(KeyCode::Right);
    assert_eq!(h.schedule_form().action, PowerAction::Start);
    h.key(KeyCode::Down);
    assert_eq!(h.schedule_form().field, SchedField::Cron);
    h.type_text("0 22 * * *");
    match &h.schedule_form().cron_check {
        CronCheck::Firings { text, .. } => assert_eq!(
            text,
            &[
                "Sun 2023-11-19 22:00 CET",
                "Mon 2023-11-20 22:00 CET",
                "Tue 2023-11-21 22:00 CET"
            ]
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(h.schedule_form().problem, None);
    assert!(h.key(KeyCode::Enter));
    let spec = ScheduleSpec {
        name: "late".into(),
        action: PowerAction::Start,
        cron: "0 22 * * *".into(),
        zone: "Europe/Berlin".into(),
        enabled: true,
    };
    assert_eq!(h.requests(), [edit(ScheduleEdit::Add(spec.clone()))]);
    assert!(h.editor().saving.is_some());
    assert!(!h.press('x'), "a form that is saving takes no keys");
    // A report that does not show the change yet (the idle time moved on) changes nothing.
    h.report(|r| r.summary = "active: 1 job".into());
    assert!(h.editor().saving.is_some());
    let view = fixtures::power::schedule(
        "late",
        PowerAction::Start,
        "0 22 * * *",
        "Europe/Berlin",
        true,
    );
    h.report(|r| r.settings.schedules.push(view));
    assert!(h.app.sched.editor.is_none());
    assert_eq!(h.message(), "schedule late added");
    assert_eq!(h.app.sched.selected_name.as_deref(), Some("late"));
    assert_eq!(h.app.sched.selected, 3);
}

#[test]
fn editing_sends_a_replace_and_a_refusal_shows_in_the_form() {
    let mut h = Harness::new();
    assert!(h.key(KeyCode::Enter));
    let form = h.schedule_form();
    assert_eq!(form.editing.as_ref().unwrap().name, "weeknights");
    assert_eq!(form.cron, "0 19 * * mon-fri");
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.ctrl('w');
    h.type_text("sat");
    h.key(KeyCode::Enter);
    let with = ScheduleSpec {
        name: "weeknights".into(),
        action: PowerAction::Stop,
        cron: "0 19 * * sat".into(),
        zone: "Europe/Berlin".into(),
        enabled: true,
    };
    let sent = edit(ScheduleEdit::Replace {
        name: "weeknights".into(),
        with,
    });
    assert_eq!(h.requests(), std::slice::from_ref(&sent));
    let reason = "cannot write /home/ana/.config/station/agent.toml: No space left on device";
    assert!(h.agent(AgentMsg::PowerRefused {
        request: sent,
        reason: reason.into(),
    }));
    let editor = h.editor();
    assert_eq!(editor.saving, None);
    assert_eq!(editor.refused.as_deref(), Some(reason));
    assert_eq!(h.app.message, None, "shown in the form, not the footer");
    // Typing again clears the refusal; Esc closes the form without sending.
    h.press('x');
    assert_eq!(h.editor().refused, None);
    h.key(KeyCode::Esc);
    assert!(h.app.sched.editor.is_none());
    assert_eq!(h.app.view, View::Schedules);
    assert!(h.requests().is_empty());
}

#[test]
fn saving_an_unchanged_form_sends_nothing() {
    let mut h = Harness::new();
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    assert!(h.app.sched.editor.is_none());
    assert!(h.requests().is_empty());
    assert_eq!(h.message(), "nothing changed");
}

#[test]
fn a_broken_link_leaves_the_change_unanswered_and_says_so() {
    let mut h = Harness::new();
    h.key(KeyCode::Enter);
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Enter);
    assert_eq!(h.requests().len(), 1);
    h.agent(AgentMsg::Lost {
        reason: "connection reset".into(),
    });
    let editor = h.editor();
    assert_eq!(editor.saving, None);
    let refused = editor.refused.as_deref().unwrap();
    assert!(refused.contains("connection reset"), "{refused}");
    assert!(refused.contains("may not be saved"), "{refused}");
}

#[test]
fn snooze_asks_the_agent_only_while_a_stop_is_announced() {
    let mut h = Harness::new();
    assert!(h.press('z'));
    assert!(h.requests().is_empty());
    assert_eq!(h.message(), "no stop is announced: nothing to snooze");
    h.agent(AgentMsg::Power(Box::new(fixtures::power::stop_announced())));
    h.press('z');
    assert_eq!(h.requests(), [PowerRequest::Snooze]);
    assert_eq!(h.message(), "snooze asked…");
    h.send(Msg::Action(Action::Dashboard));
    h.press('z');
    assert_eq!(h.requests(), [PowerRequest::Snooze]);
    h.agent(AgentMsg::PowerRefused {
        request: PowerRequest::Snooze,
        reason: "no stop is planned".into(),
    });
    assert_eq!(h.message(), "snooze refused: no stop is planned");
}

#[test]
fn switching_instances_forgets_the_power_report() {
    let mut h = Harness::new();
    h.press('a');
    let mut fleet = fixtures::fleet::app(80, 24, h.now);
    fleet.power = h.app.power.clone();
    fleet.sched = h.app.sched.clone();
    let now = h.now;
    // Drill into another instance than the one the console is on.
    fleet.update(Msg::Action(Action::Down), now);
    fleet.update(Msg::Action(Action::FleetOpen), now);
    assert!(fleet.power.is_none());
    assert!(fleet.sched.editor.is_none());
}
