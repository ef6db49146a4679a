//! The fleet view through `update`: rows merging their tasks' news, the selection following
//! its row, the filter, and drilling into an instance and back.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::client::target::LinkProblem;
use crate::tui::app::{AgentMsg, Msg};
use crate::tui::fixtures;

struct Harness {
    app: App,
    now: Instant,
}

impl Harness {
    fn new() -> Harness {
        let now = Instant::now();
        Harness {
            app: fixtures::fleet::app(120, 40, now),
            now,
        }
    }

    fn send(&mut self, msg: Msg) -> bool {
        self.app.update(msg, self.now)
    }

    fn key(&mut self, code: KeyCode) -> bool {
        self.send(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    fn press(&mut self, c: char) -> bool {
        self.key(KeyCode::Char(c))
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(c);
        }
    }

    fn selected(&self) -> &str {
        &self.app.fleet.selected_row().unwrap().name
    }

    fn visible(&self) -> Vec<&str> {
        let fleet = &self.app.fleet;
        fleet
            .visible()
            .into_iter()
            .map(|i| fleet.rows[i].name.as_str())
            .collect()
    }

    fn row(&self, name: &str) -> &FleetRow {
        self.app.fleet.rows.iter().find(|r| r.name == name).unwrap()
    }
}

fn up(row: usize, cpu: u8) -> Msg {
    let mut stats = fixtures::fleet::gpu1_stats();
    stats.cpu = cpu;
    Msg::Fleet(FleetMsg {
        row,
        update: RowUpdate::Up(stats),
    })
}

#[test]
fn instances_make_the_fleet_the_first_screen_and_start_its_tasks() {
    let now = Instant::now();
    let mut app = fixtures::app(120, 40, 2, now);
    app.take_effects();
    app.set_fleet(&fixtures::fleet::instances());
    assert_eq!(app.view, View::Fleet);
    let effects = app.take_effects();
    let [Effect::WatchFleet(targets)] = effects.as_slice() else {
        panic!("expected the row tasks to start: {effects:?}");
    };
    assert_eq!(targets.len(), 5);
    assert_eq!(targets[0].1, Target::Local);
    assert!(matches!(&targets[1].1, Target::Instance(i) if i.name == "gpu1"));
    assert_eq!(targets[1].0, "gpu1");

    let mut alone = fixtures::app(120, 40, 2, now);
    alone.take_effects();
    alone.set_fleet(&[]);
    assert_eq!(alone.view, View::Dashboard);
    assert!(alone.take_effects().is_empty(), "no instances, no tasks");
}

#[test]
fn row_news_merges_and_redraws_only_what_changed_and_shows() {
    let mut h = Harness::new();
    assert_eq!(h.row("local").state, RowState::Up);
    assert_eq!(h.row("gpu2").state, RowState::Connecting);
    assert!(matches!(
        &h.row("gpu3").state,
        RowState::Down(LinkProblem::Unreachable(_))
    ));
    assert!(!h.send(up(1, 87)), "the same figures again change nothing");
    assert!(h.send(up(1, 12)));
    assert_eq!(h.row("gpu1").stats.as_ref().unwrap().cpu, 12);
    let down = RowUpdate::Down(LinkProblem::Unreachable("gone".into()));
    assert!(h.send(Msg::Fleet(FleetMsg {
        row: 1,
        update: down
    })));
    assert_eq!(
        h.row("gpu1").stats,
        None,
        "a row that is down shows no figures"
    );
    assert_eq!(h.app.fleet.counts(), (1, 1, 3));

    h.press('1');
    assert!(!h.send(up(1, 50)), "the fleet is not on screen");
    assert_eq!(h.row("gpu1").state, RowState::Up, "but the row keeps up");
    let stray = Msg::Fleet(FleetMsg {
        row: 99,
        update: RowUpdate::Connecting,
    });
    assert!(!h.send(stray));
}

#[test]
fn the_selection_stays_on_its_instance_as_rows_change() {
    let mut h = Harness::new();
    assert_eq!(h.selected(), "local");
    h.press('j');
    h.press('j');
    h.press('j');
    assert_eq!(h.selected(), "gpu3");
    h.send(up(2, 40));
    h.send(up(3, 40));
    h.send(Msg::Fleet(FleetMsg {
        row: 1,
        update: RowUpdate::Connecting,
    }));
    assert_eq!(h.selected(), "gpu3");
    h.press('G');
    assert_eq!(h.selected(), "gpu4");
    h.press('j');
    assert_eq!(h.selected(), "gpu4", "clamped at the end");
    h.press('g');
    h.press('g');
    assert_eq!(h.selected(), "local");
}

#[test]
fn the_filter_matches_names_and_tags_and_keeps_the_selection_when_it_can() {
    let mut h = Harness::new();
    h.press('j');
    h.press('j');
    h.press('j');
    h.press('/');
    assert_eq!(h.app.input.as_ref().unwrap().kind, InputKind::FleetFilter);
    h.type_text("A100");
    assert_eq!(h.visible(), ["gpu2", "gpu3"]);
    assert_eq!(h.selected(), "gpu3", "still shown, still selected");
    h.key(KeyCode::Backspace);
    h.key(KeyCode::Backspace);
    h.key(KeyCode::Backspace);
    h.key(KeyCode::Backspace);
    h.type_text("gpu4");
    assert_eq!(h.visible(), ["gpu4"]);
    assert_eq!(h.selected(), "gpu4", "the only match");
    h.key(KeyCode::Enter);
    assert_eq!(
        h.app.fleet.filter.as_deref(),
        Some("gpu4"),
        "Enter keeps it"
    );
    h.key(KeyCode::Esc);
    assert_eq!(h.app.fleet.filter, None, "Esc clears it");
    assert_eq!(h.visible().len(), 5);
    assert_eq!(h.selected(), "gpu4");
    assert_eq!(h.app.view, View::Fleet);

    h.press(':');
    h.type_text("filter cloud");
    h.key(KeyCode::Enter);
    assert_eq!(h.visible(), ["gpu3", "gpu4"]);
    h.press('/');
    h.type_text("x");
    assert!(h.visible().is_empty());
    assert_eq!(h.app.fleet.selected_row(), None);
    h.key(KeyCode::Enter);
    h.press('l');
    assert_eq!(h.app.view, View::Fleet, "nothing selected, nothing opened");
}

#[test]
fn enter_drills_into_an_instance_and_the_fleet_key_comes_back() {
    let mut h = Harness::new();
    h.press('j');
    h.key(KeyCode::Enter);
    assert_eq!(h.app.view, View::Dashboard);
    assert_eq!(h.app.fleet.on_name(), Some("gpu1"));
    assert_eq!(h.app.link, LinkState::Connecting);
    assert!(
        h.app.sample.is_none() && h.app.host.is_none(),
        "this machine's data is gone"
    );
    assert!(h.app.jobs.jobs.is_empty() && !h.app.jobs.loaded);
    let effects = h.app.take_effects();
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Open(Target::Instance(i)) if i.name == "gpu1")),
        "{effects:?}"
    );
    // The clock does not turn "connecting" into anything else before the link answers.
    h.now += Duration::from_secs(5);
    h.send(Msg::Tick);
    assert_eq!(h.app.link, LinkState::Connecting);
    h.send(Msg::Agent(AgentMsg::Lost {
        reason: "no route to host".into(),
    }));
    let message = h.app.message.as_ref().unwrap().text.clone();
    assert!(message.contains("cannot reach gpu1: no route"), "{message}");
    h.send(Msg::Agent(AgentMsg::Connected(Box::new(
        fixtures::connected(2),
    ))));
    assert_eq!(h.app.link, LinkState::Live);
    assert!(h.app.sample.is_some());

    h.press('0');
    assert_eq!(h.app.view, View::Fleet);
    assert!(
        !h.app
            .take_effects()
            .iter()
            .any(|e| matches!(e, Effect::WatchFleet(_))),
        "the row tasks run on; they are not started again"
    );
    assert_eq!(h.row("gpu1").state, RowState::Up, "the rows are kept");
    h.key(KeyCode::Enter);
    assert_eq!(h.app.view, View::Dashboard);
    assert!(
        !h.app
            .take_effects()
            .iter()
            .any(|e| matches!(e, Effect::Open(_))),
        "the instance the console is on is not opened again"
    );

    h.press(':');
    h.type_text("fleet");
    h.key(KeyCode::Enter);
    assert_eq!(h.app.view, View::Fleet);
    h.press('k');
    h.key(KeyCode::Enter);
    assert_eq!(h.app.fleet.on_name(), None);
    assert!(h.app.take_effects().contains(&Effect::Open(Target::Local)));
}

#[test]
fn the_fleet_key_works_from_the_jobs_pane_and_esc_goes_to_the_dashboard() {
    let mut h = Harness::new();
    h.press('2');
    assert_eq!(h.app.view, View::Jobs);
    h.press('0');
    assert_eq!(h.app.view, View::Fleet);
    h.key(KeyCode::Esc);
    assert_eq!(h.app.view, View::Dashboard);
}

#[test]
fn a_smaller_terminal_keeps_the_selected_instance_in_view() {
    let mut h = Harness::new();
    h.press('G');
    assert_eq!(h.app.fleet.list.offset, 0);
    h.send(Msg::Resize {
        width: 80,
        height: 6,
    });
    let list = h.app.fleet.list;
    assert_eq!(FleetLayout::compute(h.app.area).table_rows(), 2);
    assert_eq!((list.selected, list.offset), (4, 3));
    assert_eq!(h.selected(), "gpu4");
}
