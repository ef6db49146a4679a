//! Snapshots of the whole screen with fixed data, at the sizes people use.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Position;

use crate::tui::action::Action;
use crate::tui::app::{AgentMsg, Msg};
use crate::tui::fixtures;

fn draw(app: &crate::tui::app::App) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(app.area.width, app.area.height)).unwrap();
    terminal
        .draw(|frame| super::render(app, frame.area(), frame.buffer_mut()))
        .unwrap();
    terminal
}

#[test]
fn dashboard_80x24() {
    let app = fixtures::app(80, 24, 2, Instant::now());
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn dashboard_160x48() {
    let app = fixtures::app(160, 48, 2, Instant::now());
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn no_gpu_80x24() {
    let app = fixtures::app(80, 24, 0, Instant::now());
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn help_overlay_80x24() {
    let mut app = fixtures::app(80, 24, 2, Instant::now());
    app.update(Msg::Action(Action::Help), Instant::now());
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn command_line_80x24() {
    let now = Instant::now();
    let mut app = fixtures::app(80, 24, 2, now);
    for c in ":theme li".chars() {
        app.update(
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            now,
        );
    }
    let terminal = draw(&app);
    assert_eq!(super::cursor(&app), Some(Position::new(9, 23)));
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn filtered_processes_and_a_message_120x40() {
    let now = Instant::now();
    let mut app = fixtures::app(120, 40, 2, now);
    for c in "/python".chars() {
        app.update(
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            now,
        );
    }
    app.update(
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        now,
    );
    app.update(Msg::Action(Action::FocusPrev), now);
    app.update(
        Msg::Agent(AgentMsg::Lost {
            reason: "connection reset".into(),
        }),
        now,
    );
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn every_size_draws_without_panicking() {
    for (width, height) in [
        (1, 1),
        (20, 5),
        (40, 12),
        (80, 24),
        (100, 30),
        (200, 50),
        (300, 90),
    ] {
        for gpus in [0, 1, 2, 8] {
            let app = fixtures::app(width, height, gpus, Instant::now());
            draw(&app);
        }
    }
}

#[test]
fn help_and_hints_follow_the_users_keymap() {
    let dir = tempfile::tempdir().unwrap();
    let paths = crate::config::Paths {
        config_dir: dir.path().join("config"),
        state_dir: dir.path().join("state"),
        runtime_dir: dir.path().join("run"),
    };
    std::fs::create_dir_all(paths.keymaps_dir()).unwrap();
    std::fs::write(
        paths.keymaps_dir().join("default.toml"),
        "[global]\nq = \"none\"\nx = { action = \"quit\", desc = \"Leave now\" }\n",
    )
    .unwrap();
    let (keymap, problems) = crate::tui::keymap::load(&paths, "default");
    assert!(problems.is_empty(), "{problems:?}");
    let lines = super::help::lines(&keymap);
    let quit = super::help::HelpLine::Entry {
        keys: "x".into(),
        desc: "Leave now".into(),
    };
    assert!(lines.contains(&quit), "{lines:#?}");
    let mut app = fixtures::app(80, 24, 2, Instant::now());
    app.keymap = keymap;
    let terminal = draw(&app);
    let footer: String = (0..80)
        .map(|x| terminal.backend().buffer()[(x, 23)].symbol().to_owned())
        .collect();
    assert!(footer.starts_with(" <C-c> quit  ? help"), "{footer}");
}

#[test]
fn missing_readings_show_na_and_empty_lists_draw() {
    let now = Instant::now();
    let mut connected = fixtures::connected(1);
    let sample = connected.snapshot.latest.as_mut().unwrap();
    sample.cpu.cores.clear();
    sample.disks.clear();
    sample.networks.clear();
    sample.processes.rows.clear();
    sample.memory.swap_total = 0;
    let gpu = &mut sample.gpus.gpus[0];
    gpu.utilization = None;
    gpu.memory_used = None;
    gpu.temperature_c = None;
    gpu.power_w = None;
    gpu.sm_clock_mhz = None;
    gpu.pcie_rx_bps = None;
    gpu.processes.clear();
    for (width, height) in [(80, 24), (160, 48)] {
        let mut app = crate::tui::app::App::new(
            crate::tui::keymap::Keymap::default(),
            crate::tui::theme::Theme::plain(),
            "dark",
            ratatui::layout::Rect::new(0, 0, width, height),
        );
        app.update(
            Msg::Agent(AgentMsg::Connected(Box::new(connected.clone()))),
            now,
        );
        let screen = format!("{}", draw(&app).backend());
        assert!(screen.contains("n/a"), "{screen}");
        assert!(screen.contains("swap none"), "{screen}");
        assert!(screen.contains("no processes"), "{screen}");
    }
}

mod questions {
    use super::*;
    use crate::tui::app::question::{Question, QuestionKind};

    fn asked(kind: QuestionKind, width: u16, height: u16) -> String {
        let mut app = fixtures::app(width, height, 2, Instant::now());
        app.update(Msg::Question(Question { id: 1, kind }), Instant::now());
        draw(&app).backend().to_string()
    }

    #[test]
    fn host_key_dialog_80x24() {
        insta::assert_snapshot!(asked(
            QuestionKind::HostKey {
                host: "gpu1 (10.0.0.5:22)".into(),
                key: "ED25519 key SHA256:uK1iXKUcMqg5FnGHybn4vXAlJIN0C+JkQBG/7gw7jm4".into(),
                known_hosts: "/home/ana/.ssh/known_hosts".into(),
            },
            80,
            24
        ));
    }

    #[test]
    fn passphrase_dialog_after_a_wrong_one_80x24() {
        insta::assert_snapshot!(asked(
            QuestionKind::Passphrase {
                host: "gpu1 (10.0.0.5:22)".into(),
                key: "/home/ana/.ssh/id_ed25519".into(),
                attempt: 2,
            },
            80,
            24
        ));
    }

    #[test]
    fn install_dialog_120x40() {
        insta::assert_snapshot!(asked(
            QuestionKind::Install {
                host: "gpu1 (10.0.0.5:22)".into(),
                offer: "station is not installed on gpu1 (10.0.0.5:22) (x86_64, glibc 2.36). \
                        Upload station 0.1.0 (12.4 MB) to \
                        /home/ana/.local/share/station/bin/station-0.1.0?"
                    .into(),
            },
            120,
            40
        ));
    }
}
