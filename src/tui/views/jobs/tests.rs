//! Snapshots of the jobs pane with the fixture jobs: the table and detail at the sizes people
//! use, the log view, the cancel question and the form with a problem; and every mode at
//! every size without panicking.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::tui::app::{AgentMsg, App, Msg};
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

fn type_text(app: &mut App, text: &str, now: Instant) {
    for c in text.chars() {
        press(app, KeyCode::Char(c), now);
    }
}

/// The fixture pane with job 5's log open and its first lines received.
fn with_log(width: u16, height: u16, now: Instant) -> App {
    let mut app = fixtures::jobs::app(width, height, now);
    press(&mut app, KeyCode::Enter, now);
    let follow = app.jobs.logs.as_ref().unwrap().follow_id;
    let chunk = fixtures::jobs::chunk(65_536, &fixtures::jobs::train_log());
    app.update(Msg::Agent(AgentMsg::Log { follow, chunk }), now);
    app
}

#[test]
fn jobs_80x24() {
    let app = fixtures::jobs::app(80, 24, Instant::now());
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn jobs_160x48() {
    let app = fixtures::jobs::app(160, 48, Instant::now());
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn queued_job_selected_120x40() {
    let now = Instant::now();
    let mut app = fixtures::jobs::app(120, 40, now);
    for _ in 0..3 {
        press(&mut app, KeyCode::Char('j'), now);
    }
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn job_log_80x24() {
    let app = with_log(80, 24, Instant::now());
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn job_log_scrolled_back_120x40() {
    let now = Instant::now();
    let mut app = with_log(120, 40, now);
    press(&mut app, KeyCode::Char('g'), now);
    press(&mut app, KeyCode::Char('g'), now);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn cancel_confirmation_80x24() {
    let now = Instant::now();
    let mut app = fixtures::jobs::app(80, 24, now);
    press(&mut app, KeyCode::Char('x'), now);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn submit_form_with_a_problem_80x24() {
    let now = Instant::now();
    let mut app = fixtures::jobs::app(80, 24, now);
    press(&mut app, KeyCode::Char('n'), now);
    type_text(&mut app, "torchrun --nproc-per-node 8 train.py", now);
    for _ in 0..4 {
        press(&mut app, KeyCode::Tab, now);
    }
    press(&mut app, KeyCode::Backspace, now);
    press(&mut app, KeyCode::Char('8'), now);
    let terminal = draw(&app);
    let cursor = crate::tui::views::cursor(&app).unwrap();
    assert_eq!(
        terminal.backend().buffer()[(cursor.x - 1, cursor.y)].symbol(),
        "8"
    );
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn submit_form_160x48() {
    let now = Instant::now();
    let mut app = fixtures::jobs::app(160, 48, now);
    press(&mut app, KeyCode::Char('n'), now);
    type_text(&mut app, "python eval.py --ckpt 'runs/train/last.pt'", now);
    press(&mut app, KeyCode::Tab, now);
    press(&mut app, KeyCode::Tab, now);
    type_text(&mut app, "eval", now);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn filter_without_matches_and_no_jobs_80x24() {
    let now = Instant::now();
    let mut app = fixtures::jobs::app(80, 24, now);
    type_text(&mut app, "/nothing", now);
    let screen = draw(&app).backend().to_string();
    assert!(screen.contains("no job matches “nothing”"), "{screen}");
    let mut empty = fixtures::app(80, 24, 2, now);
    empty.update(Msg::Action(crate::tui::action::Action::Jobs), now);
    let screen = draw(&empty).backend().to_string();
    assert!(screen.contains("waiting for the agent's jobs"), "{screen}");
    let mut snapshot = fixtures::jobs::snapshot();
    snapshot.jobs.clear();
    empty.update(Msg::Agent(AgentMsg::Jobs(Box::new(snapshot))), now);
    let screen = draw(&empty).backend().to_string();
    assert!(screen.contains("no jobs yet: n submits one"), "{screen}");
}

#[test]
fn the_dashboard_header_sums_up_the_jobs() {
    let now = Instant::now();
    let mut app = fixtures::jobs::app(120, 40, now);
    press(&mut app, KeyCode::Char('1'), now);
    let terminal = draw(&app);
    let header: String = (0..120)
        .map(|x| terminal.backend().buffer()[(x, 0)].symbol().to_owned())
        .collect();
    assert!(header.contains("jobs 3 running · 3 queued"), "{header}");
}

#[test]
fn every_mode_draws_at_every_size() {
    let now = Instant::now();
    for (width, height) in [
        (1, 1),
        (20, 5),
        (40, 12),
        (80, 24),
        (100, 30),
        (200, 50),
        (300, 90),
    ] {
        let mut app = with_log(width, height, now);
        draw(&app);
        press(&mut app, KeyCode::Esc, now);
        draw(&app);
        press(&mut app, KeyCode::Char('x'), now);
        draw(&app);
        press(&mut app, KeyCode::Esc, now);
        press(&mut app, KeyCode::Char('n'), now);
        type_text(&mut app, "echo 'unclosed", now);
        draw(&app);
        crate::tui::views::cursor(&app);
        press(&mut app, KeyCode::Char('?'), now);
        press(&mut app, KeyCode::Esc, now);
        press(&mut app, KeyCode::Esc, now);
        press(&mut app, KeyCode::Char('?'), now);
        draw(&app);
    }
}
