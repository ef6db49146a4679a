//! Snapshots of the fleet view with the fixture fleet (this machine and four instances: up
//! with simulated GPUs and jobs, connecting, unreachable, refusing our key) at the sizes
//! people use; the header after drilling into an instance; every state at every size.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::tui::app::{App, Msg};
use crate::tui::fixtures;

fn draw(app: &App) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(app.area.width, app.area.height)).unwrap();
    terminal
        .draw(|frame| crate::tui::views::render(app, frame.area(), frame.buffer_mut()))
        .unwrap();
    terminal
}

fn press(app: &mut App, code: KeyCode, now: Instant) {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), now);
}

fn type_text(app: &mut App, text: &str, now: Instant) {
    for c in text.chars() {
        press(app, KeyCode::Char(c), now);
    }
}

fn line(terminal: &Terminal<TestBackend>, y: u16) -> String {
    let buffer = terminal.backend().buffer();
    (0..buffer.area.width)
        .map(|x| buffer[(x, y)].symbol().to_owned())
        .collect()
}

#[test]
fn fleet_80x24() {
    let app = fixtures::fleet::app(80, 24, Instant::now());
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn fleet_160x48() {
    let now = Instant::now();
    let mut app = fixtures::fleet::app(160, 48, now);
    press(&mut app, KeyCode::Char('j'), now);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn fleet_filtered_by_tag_120x40() {
    let now = Instant::now();
    let mut app = fixtures::fleet::app(120, 40, now);
    type_text(&mut app, "/cloud", now);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn the_header_names_the_instance_drilled_into() {
    let now = Instant::now();
    let mut app = fixtures::fleet::app(120, 40, now);
    press(&mut app, KeyCode::Char('j'), now);
    press(&mut app, KeyCode::Enter, now);
    let header = line(&draw(&app), 0);
    assert!(header.contains("station  ▸ gpu1"), "{header}");
    assert!(header.contains("○ connecting"), "{header}");
    press(&mut app, KeyCode::Char('0'), now);
    let terminal = draw(&app);
    let title = line(&terminal, 1);
    assert!(title.contains("on gpu1"), "{title}");
}

#[test]
fn no_instances_says_how_to_add_them_and_no_match_says_so() {
    let now = Instant::now();
    let mut app = fixtures::jobs::app(80, 24, now);
    app.set_fleet(&[]);
    press(&mut app, KeyCode::Char('0'), now);
    let screen = draw(&app).backend().to_string();
    assert!(screen.contains("local"), "{screen}");
    assert!(screen.contains("no instances yet"), "{screen}");
    type_text(&mut app, "/zzz", now);
    let screen = draw(&app).backend().to_string();
    assert!(screen.contains("no instance matches “zzz”"), "{screen}");
}

#[test]
fn every_state_draws_at_every_size() {
    let now = Instant::now();
    for (width, height) in [(1, 1), (20, 5), (40, 12), (60, 20), (100, 30), (300, 90)] {
        let mut app = fixtures::fleet::app(width, height, now);
        draw(&app);
        type_text(&mut app, "G/gpu", now);
        draw(&app);
        press(&mut app, KeyCode::Char('?'), now);
        draw(&app);
    }
}
