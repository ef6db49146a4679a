//! Snapshots of the schedule editor with the fixture report (Sunday 2023-11-19 13:30 UTC):
//! the list at the sizes people use, the schedule form with a valid rule (next firings) and
//! an invalid one, zone suggestions, a refused change, the idle form; the stop banner and the
//! header's power parts on the dashboard; and every mode at every size without panicking.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Position;

use crate::proto::power::SettingsEdit;
use crate::tui::app::{AgentMsg, App, Msg, PowerRequest};
use crate::tui::fixtures;

fn draw(app: &App) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(app.area.width, app.area.height)).unwrap();
    terminal
        .draw(|frame| crate::tui::views::render(app, frame.area(), frame.buffer_mut()))
        .unwrap();
    terminal
}

fn press(app: &mut App, code: KeyCode, now: Instant) {
    let modifiers = match code {
        KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    app.update(Msg::Key(KeyEvent::new(code, modifiers)), now);
}

fn ctrl(app: &mut App, c: char, now: Instant) {
    app.update(
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
        now,
    );
}

fn type_text(app: &mut App, text: &str, now: Instant) {
    for c in text.chars() {
        press(app, KeyCode::Char(c), now);
    }
}

/// The editor with weeknights' form open (a valid rule: its next firings show).
fn editing(width: u16, height: u16, now: Instant) -> App {
    let mut app = fixtures::power::app(width, height, now);
    press(&mut app, KeyCode::Enter, now);
    press(&mut app, KeyCode::Tab, now);
    press(&mut app, KeyCode::Tab, now);
    app
}

/// A new schedule whose rule has a minute out of range.
fn invalid(width: u16, height: u16, now: Instant) -> App {
    let mut app = fixtures::power::app(width, height, now);
    press(&mut app, KeyCode::Char('a'), now);
    type_text(&mut app, "late", now);
    press(&mut app, KeyCode::Tab, now);
    press(&mut app, KeyCode::Tab, now);
    type_text(&mut app, "61 19 * * *", now);
    app
}

#[test]
fn schedules_80x24() {
    let app = fixtures::power::app(80, 24, Instant::now());
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn schedules_120x40() {
    let now = Instant::now();
    let mut app = fixtures::power::app(120, 40, now);
    press(&mut app, KeyCode::Char('j'), now);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn schedules_160x48() {
    let app = fixtures::power::app(160, 48, Instant::now());
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn schedules_with_a_refused_file_and_a_delete_question_80x24() {
    let now = Instant::now();
    let mut app = fixtures::power::app(80, 24, now);
    let mut report = fixtures::power::report();
    report.settings.problem = Some(
        "/home/ana/.config/station/agent.toml:14:8: cron: minute field: 61 is out of range 0–59"
            .into(),
    );
    app.update(Msg::Agent(AgentMsg::Power(Box::new(report))), now);
    press(&mut app, KeyCode::Char('d'), now);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn schedule_form_with_a_valid_rule_80x24() {
    let now = Instant::now();
    let app = editing(80, 24, now);
    let terminal = draw(&app);
    assert_eq!(crate::tui::views::cursor(&app), Some(Position::new(30, 6)));
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn schedule_form_with_a_valid_rule_120x40() {
    let app = editing(120, 40, Instant::now());
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn schedule_form_with_an_invalid_rule_80x24() {
    let app = invalid(80, 24, Instant::now());
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn schedule_form_with_an_invalid_rule_120x40() {
    let app = invalid(120, 40, Instant::now());
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn zone_suggestions_80x24() {
    let now = Instant::now();
    let mut app = editing(80, 24, now);
    press(&mut app, KeyCode::Tab, now);
    ctrl(&mut app, 'u', now);
    type_text(&mut app, "ber", now);
    press(&mut app, KeyCode::Down, now);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn schedule_form_refused_by_the_agent_80x24() {
    let now = Instant::now();
    let mut app = editing(80, 24, now);
    ctrl(&mut app, 'w', now);
    type_text(&mut app, "sat", now);
    press(&mut app, KeyCode::Enter, now);
    let request = app
        .take_effects()
        .into_iter()
        .find_map(|e| match e {
            crate::tui::app::Effect::Power(request) => Some(request),
            _ => None,
        })
        .unwrap();
    assert!(matches!(
        request,
        PowerRequest::Edit(SettingsEdit::Schedule(_))
    ));
    app.update(
        Msg::Agent(AgentMsg::PowerRefused {
            request,
            reason: "cannot write /home/ana/.config/station/agent.toml: No space left on device"
                .into(),
        }),
        now,
    );
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn idle_form_80x24() {
    let now = Instant::now();
    let mut app = fixtures::power::app(80, 24, now);
    press(&mut app, KeyCode::Char('i'), now);
    press(&mut app, KeyCode::Tab, now);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn idle_form_with_a_duration_out_of_bounds_120x40() {
    let now = Instant::now();
    let mut app = fixtures::power::app(120, 40, now);
    press(&mut app, KeyCode::Char('i'), now);
    press(&mut app, KeyCode::Tab, now);
    ctrl(&mut app, 'u', now);
    type_text(&mut app, "5m", now);
    insta::assert_snapshot!(draw(&app).backend());
}

fn with_banner(width: u16, height: u16) -> App {
    let now = Instant::now();
    let mut app = fixtures::app(width, height, 2, now);
    let report = fixtures::power::stop_announced();
    app.update(Msg::Agent(AgentMsg::Power(Box::new(report))), now);
    app
}

#[test]
fn stop_banner_on_the_dashboard_80x24() {
    insta::assert_snapshot!(draw(&with_banner(80, 24)).backend());
}

#[test]
fn stop_banner_on_the_dashboard_120x40() {
    insta::assert_snapshot!(draw(&with_banner(120, 40)).backend());
}

#[test]
fn the_banner_names_the_users_snooze_key_and_yields_to_typing() {
    let dir = tempfile::tempdir().unwrap();
    let paths = crate::config::Paths {
        config_dir: dir.path().join("config"),
        state_dir: dir.path().join("state"),
        runtime_dir: dir.path().join("run"),
    };
    std::fs::create_dir_all(paths.keymaps_dir()).unwrap();
    std::fs::write(
        paths.keymaps_dir().join("default.toml"),
        "[global]\nz = \"none\"\n\"<C-s>\" = \"snooze\"\n",
    )
    .unwrap();
    let (keymap, problems) = crate::tui::keymap::load(&paths, "default");
    assert!(problems.is_empty(), "{problems:?}");
    let mut app = with_banner(80, 24);
    app.keymap = keymap;
    let footer = |app: &App| {
        let terminal = draw(app);
        (0..80)
            .map(|x| terminal.backend().buffer()[(x, 23)].symbol().to_owned())
            .collect::<String>()
    };
    assert_eq!(
        footer(&app).trim_end(),
        " stopping in 9 min (idle) — press <C-s> to snooze"
    );
    let now = Instant::now();
    type_text(&mut app, ":the", now);
    assert_eq!(
        footer(&app).trim_end(),
        ":the",
        "the command line comes first"
    );
}

#[test]
fn the_header_says_why_the_machine_is_up_where_it_fits() {
    let now = Instant::now();
    let mut app = fixtures::app(200, 24, 2, now);
    app.update(
        Msg::Agent(AgentMsg::Power(Box::new(fixtures::power::report()))),
        now,
    );
    let header = |app: &App| {
        let terminal = draw(app);
        (0..app.area.width)
            .map(|x| terminal.backend().buffer()[(x, 0)].symbol().to_owned())
            .collect::<String>()
    };
    let wide = header(&app);
    assert!(wide.contains("active: 2 jobs, 1 SSH session"), "{wide}");
    assert!(wide.contains("setup: startup failed (exit 3)"), "{wide}");
    app.update(
        Msg::Resize {
            width: 80,
            height: 24,
        },
        now,
    );
    let narrow = header(&app);
    assert!(!narrow.contains("active:"), "{narrow}");
    assert!(
        narrow.contains("setup: startup failed (exit 3)"),
        "{narrow}"
    );
}

#[test]
fn every_size_and_form_draws_without_panicking() {
    let now = Instant::now();
    for (width, height) in [(1, 1), (20, 5), (40, 12), (80, 24), (100, 30), (300, 90)] {
        let list = fixtures::power::app(width, height, now);
        draw(&list);
        draw(&editing(width, height, now));
        draw(&invalid(width, height, now));
        let mut idle = fixtures::power::app(width, height, now);
        press(&mut idle, KeyCode::Char('i'), now);
        draw(&idle);
        draw(&with_banner(width, height));
    }
}
