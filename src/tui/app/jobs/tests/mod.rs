//! The jobs pane through `update`: events merging into the table, filter, selection by id,
//! runtimes, details, and keys that must be harmless with no jobs. [`dialogs`] has the log
//! view, cancel and the form.

mod dialogs;

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::tui::app::{AgentMsg, App, Effect, JobRequest, Msg, View};
use crate::tui::fixtures;
use crate::tui::fixtures::jobs::job;

pub(super) struct Harness {
    pub app: App,
    pub now: Instant,
}

impl Harness {
    pub fn new(width: u16, height: u16) -> Harness {
        let now = Instant::now();
        let mut app = fixtures::jobs::app(width, height, now);
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

    pub fn selected(&self) -> Option<JobId> {
        self.app.jobs.selected_id
    }

    pub fn visible(&self) -> Vec<JobId> {
        self.app.jobs.visible().iter().map(|j| j.id).collect()
    }

    pub fn requests(&mut self) -> Vec<JobRequest> {
        self.app
            .take_effects()
            .into_iter()
            .filter_map(|e| match e {
                Effect::Job(request) => Some(request),
                _ => None,
            })
            .collect()
    }
}

pub(super) fn changed(views: Vec<JobView>, capacity: Option<JobCapacity>) -> AgentMsg {
    AgentMsg::JobsChanged(Box::new(JobsUpdate {
        changed: views,
        capacity,
    }))
}

#[test]
fn two_opens_the_jobs_and_escape_goes_back() {
    let now = Instant::now();
    let mut app = fixtures::app(80, 24, 2, now);
    let press =
        |app: &mut App, code| app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), now);
    assert!(press(&mut app, KeyCode::Char('2')));
    assert_eq!(app.view, View::Jobs);
    assert!(press(&mut app, KeyCode::Esc));
    assert_eq!(app.view, View::Dashboard);
    for c in ":jobs".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.view, View::Jobs);
    assert!(press(&mut app, KeyCode::Char('1')));
    assert_eq!(app.view, View::Dashboard);
}

#[test]
fn the_global_power_keys_work_in_the_jobs_pane_too() {
    let now = Instant::now();
    let mut app = fixtures::app(80, 24, 2, now);
    let press =
        |app: &mut App, code| app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), now);
    press(&mut app, KeyCode::Char('2'));
    assert_eq!(app.view, View::Jobs);
    press(&mut app, KeyCode::Char('z'));
    assert_eq!(
        app.message.as_ref().map(|m| m.text.as_str()),
        Some("no stop is announced: nothing to snooze")
    );
    press(&mut app, KeyCode::Char('S'));
    assert_eq!(app.view, View::Schedules);
}

#[test]
fn the_snapshot_fills_the_table_and_selects_the_first_unfinished_job() {
    let h = Harness::new(80, 24);
    assert!(h.app.jobs.loaded);
    assert_eq!(h.visible(), (1..=11).collect::<Vec<_>>());
    assert_eq!(h.selected(), Some(5));
    assert_eq!(h.app.jobs.counts(), (3, 3));
}

#[test]
fn updates_merge_by_id_and_keep_the_selection_on_its_job() {
    let mut h = Harness::new(80, 24);
    h.press('j');
    h.press('j');
    assert_eq!(h.selected(), Some(7));
    let mut started = fixtures::jobs::jobs().swap_remove(7);
    started.state = JobState::Running;
    started.gpus = vec![2, 3];
    started.reason = None;
    let new = job(12, Some("late"), "true", 1, 0, 0);
    let mut capacity = fixtures::jobs::capacity();
    capacity.cpu_slots_used = 12;
    assert!(h.agent(changed(vec![started.clone(), new], Some(capacity.clone()))));
    assert_eq!(h.app.jobs.job(8), Some(&started));
    assert_eq!(h.visible().last(), Some(&12));
    assert_eq!(h.app.jobs.capacity.as_ref(), Some(&capacity));
    assert_eq!(h.selected(), Some(7));
    assert!(
        !h.agent(changed(vec![started], Some(capacity))),
        "the same views again change nothing"
    );
    // A resync without the old finished jobs: the rows move, the selection does not.
    let mut snapshot = fixtures::jobs::snapshot();
    snapshot.jobs.retain(|j| j.id > 4);
    assert!(h.agent(AgentMsg::Jobs(Box::new(snapshot))));
    assert_eq!(h.selected(), Some(7));
    assert_eq!(h.app.jobs.list.selected, 2);
}

#[test]
fn a_job_that_goes_away_leaves_the_selection_on_its_row() {
    let mut h = Harness::new(80, 24);
    let mut snapshot = fixtures::jobs::snapshot();
    snapshot.jobs.retain(|j| j.id != 5);
    h.agent(AgentMsg::Jobs(Box::new(snapshot)));
    assert_eq!(h.selected(), Some(6), "the row where job 5 was");
}

#[test]
fn the_filter_matches_id_name_command_and_state() {
    let mut h = Harness::new(80, 24);
    h.press('/');
    h.type_text("sweep");
    assert_eq!(h.visible(), [8, 10]);
    assert_eq!(h.selected(), Some(8));
    h.send(Msg::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    )));
    h.type_text("#9");
    assert_eq!(h.visible(), [9]);
    h.send(Msg::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    )));
    h.type_text("FAIL");
    assert_eq!(h.visible(), [2, 3]);
    h.key(KeyCode::Enter);
    assert_eq!(h.app.jobs.filter.as_deref(), Some("FAIL"), "Enter keeps it");
    h.key(KeyCode::Esc);
    assert_eq!(h.app.jobs.filter, None, "Esc in the table clears it");
    assert_eq!(h.app.view, View::Jobs);
    assert_eq!(h.visible().len(), 11);
    assert_eq!(
        h.selected(),
        Some(2),
        "the selection stays where the filter left it"
    );
    h.press('/');
    h.type_text("nothing like it");
    assert!(h.visible().is_empty());
    assert_eq!(h.selected(), None);
    h.key(KeyCode::Esc);
    assert_eq!(h.visible().len(), 11);
}

#[test]
fn selection_moves_by_rows_pages_and_ends() {
    let mut h = Harness::new(80, 24);
    h.press('G');
    assert_eq!(h.selected(), Some(11));
    h.press('g');
    h.press('g');
    assert_eq!(h.selected(), Some(1));
    h.key(KeyCode::PageDown);
    assert_eq!(h.selected(), Some(11), "a page is longer than the list");
    assert!(!h.press('j'), "already at the bottom");
    h.key(KeyCode::Up);
    assert_eq!(h.selected(), Some(10));
}

#[test]
fn keys_do_nothing_harmful_without_jobs() {
    let now = Instant::now();
    let mut app = fixtures::app(80, 24, 2, now);
    app.update(Msg::Action(crate::tui::action::Action::Jobs), now);
    app.take_effects();
    for code in [
        KeyCode::Char('j'),
        KeyCode::Char('k'),
        KeyCode::Char('G'),
        KeyCode::PageDown,
        KeyCode::Enter,
        KeyCode::Char('x'),
        KeyCode::Char('d'),
        KeyCode::Char('/'),
        KeyCode::Esc,
    ] {
        app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), now);
    }
    assert!(app.jobs.logs.is_none() && app.jobs.confirm.is_none());
    assert!(!app.quit);
    let effects = app.take_effects();
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Job(_))),
        "{effects:?}"
    );
    app.update(
        Msg::Agent(AgentMsg::JobsUnavailable {
            reason: "unknown message `subscribe_jobs`".into(),
        }),
        now,
    );
    assert!(app.jobs.unavailable.is_some());
}

#[test]
fn runtimes_advance_with_the_clock_alone() {
    let mut h = Harness::new(80, 24);
    let before = runtime_ms(h.app.jobs.job(5).unwrap(), h.app.jobs.now_ms).unwrap();
    assert_eq!(duration(before), "1h02m");
    assert!(!h.app.update(Msg::Tick, h.now), "the same second");
    assert!(h.app.update(Msg::Tick, h.now + Duration::from_secs(2)));
    let after = runtime_ms(h.app.jobs.job(5).unwrap(), h.app.jobs.now_ms).unwrap();
    assert_eq!(after - before, 2000);
    assert!(h.requests().is_empty(), "no request: the clock is local");
    h.press('1');
    assert!(
        !h.app.update(Msg::Tick, h.now + Duration::from_secs(3)),
        "the dashboard shows no runtime"
    );
}

#[test]
fn the_selected_jobs_detail_is_asked_for_once() {
    let mut h = Harness::new(80, 24);
    h.press('j');
    h.press('j');
    h.press('k');
    assert_eq!(h.requests(), [JobRequest::Show(6), JobRequest::Show(7)]);
    h.press('j');
    h.press('k');
    h.press('k');
    assert!(h.requests().is_empty(), "6 and 7 were asked for, 5 is here");
    let mut started = h.app.jobs.job(7).unwrap().clone();
    started.state = JobState::Succeeded;
    h.agent(changed(vec![started], None));
    h.press('j');
    h.press('j');
    assert_eq!(
        h.requests(),
        [JobRequest::Show(7)],
        "7 ended: its detail is new"
    );
}

#[test]
fn durations_and_signals_read_well() {
    assert_eq!(duration(42_000), "42s");
    assert_eq!(duration(245_000), "4m05s");
    assert_eq!(duration(3_723_000), "1h02m");
    assert_eq!(duration(273_600_000), "3d04h");
    assert_eq!(signal_name(9), "SIGKILL");
    assert_eq!(signal_name(15), "SIGTERM");
    assert_eq!(signal_name(200), "signal 200");
}
