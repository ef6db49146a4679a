//! `update` without rendering: keys, actions, agent messages and the effects they queue.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::config::{ConfigProblem, Severity};
use crate::proto::telemetry::ProcessSort;
use crate::tui::fixtures;

fn key(code: KeyCode) -> Msg {
    let modifiers = match code {
        KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    Msg::Key(KeyEvent::new(code, modifiers))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

struct Harness {
    app: App,
    now: Instant,
}

impl Harness {
    fn new(width: u16, height: u16) -> Harness {
        let now = Instant::now();
        let mut app = fixtures::app(width, height, 2, now);
        app.take_effects();
        Harness { app, now }
    }

    fn send(&mut self, msg: Msg) -> bool {
        self.app.update(msg, self.now)
    }

    fn press(&mut self, c: char) -> bool {
        self.send(key(KeyCode::Char(c)))
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(c);
        }
    }

    fn pids(&self) -> Vec<u32> {
        let rows = &self.app.sample.as_ref().unwrap().processes.rows;
        rows.iter().map(|r| r.pid).collect()
    }

    fn selected_pid(&self) -> u32 {
        self.pids()[self.app.lists.processes.selected]
    }

    fn queries(&mut self) -> Vec<ProcessQuery> {
        self.app
            .take_effects()
            .into_iter()
            .filter_map(|e| match e {
                Effect::Query(q) => Some(q),
                _ => None,
            })
            .collect()
    }
}

#[test]
fn q_and_ctrl_c_quit() {
    let mut h = Harness::new(80, 24);
    assert!(h.press('q'));
    assert!(h.app.quit);
    let mut h = Harness::new(80, 24);
    h.send(ctrl('c'));
    assert!(h.app.quit);
}

#[test]
fn help_opens_scrolls_and_closes_without_quitting() {
    let mut h = Harness::new(80, 24);
    assert!(h.press('?'));
    assert_eq!(h.app.help, Some(0));
    assert!(!h.press('k'), "already at the top");
    assert!(h.press('j'));
    assert_eq!(h.app.help, Some(1));
    h.press('G');
    let max = crate::tui::views::help::max_scroll(&h.app.keymap, h.app.area);
    assert!(max > 0, "the help is longer than 24 rows");
    assert_eq!(h.app.help, Some(max));
    assert!(!h.press('j'), "already at the bottom");
    assert!(h.press('q'));
    assert_eq!(h.app.help, None);
    assert!(!h.app.quit, "q in help closes help");
    h.press('?');
    h.send(key(KeyCode::Esc));
    assert_eq!(h.app.help, None);
    h.press('?');
    h.press('?');
    assert_eq!(h.app.help, None);
}

#[test]
fn tab_cycles_focus_in_reading_order_and_hl_move_sideways() {
    let mut h = Harness::new(80, 24);
    assert_eq!(h.app.focus, Panel::Processes);
    let mut seen = vec![];
    for _ in 0..6 {
        h.send(key(KeyCode::Tab));
        seen.push(h.app.focus);
    }
    use Panel::*;
    assert_eq!(seen, [Cpu, Memory, Gpus, Disks, Network, Processes]);
    h.send(Msg::Key(KeyEvent::new(
        KeyCode::BackTab,
        KeyModifiers::SHIFT,
    )));
    assert_eq!(h.app.focus, Network);
    assert!(h.press('h'));
    assert_eq!(h.app.focus, Disks);
    assert!(!h.press('h'), "nothing further left");
    h.press('l');
    assert_eq!(h.app.focus, Network);
    h.press('K');
    assert_eq!(h.app.focus, Gpus);
    h.send(key(KeyCode::Up));
    assert_eq!(
        h.app.focus, Gpus,
        "arrows move the selection, not the focus"
    );
}

#[test]
fn selection_moves_pages_and_follows_its_process() {
    let mut h = Harness::new(80, 24);
    assert!(h.press('j'));
    assert_eq!(h.selected_pid(), 48122);
    assert!(h.press('k'));
    assert_eq!(h.app.lists.processes.selected, 0);
    assert!(!h.press('k'), "already at the top");
    h.press('j');
    h.press('j');
    assert_eq!(h.selected_pid(), 3310);
    // Sorting by memory moves jupyter down; the selection stays on it.
    h.press('M');
    assert_eq!(h.app.query.sort, ProcessSort::Memory);
    assert_eq!(h.pids()[..3], [48121, 48122, 3310]);
    h.press('V');
    assert_eq!(h.selected_pid(), 3310);
    assert_ne!(h.app.lists.processes.selected, 2);
    let page = h.app.layout().page(Panel::Processes, &h.app.facts());
    h.send(key(KeyCode::Char('g')));
    h.send(key(KeyCode::Char('g')));
    assert_eq!(h.app.lists.processes.selected, 0);
    h.send(key(KeyCode::PageDown));
    assert_eq!(h.app.lists.processes.selected, page);
    let offset = h.app.lists.processes.offset;
    assert!(offset > 0 && offset <= page, "scrolled to keep it visible");
}

#[test]
fn an_untouched_selection_stays_on_the_first_row() {
    let mut h = Harness::new(80, 24);
    let mut sample = fixtures::sample_at(601, 2);
    sample.processes.rows[1].cpu = 1000.0;
    h.send(Msg::Agent(AgentMsg::Sample(Box::new(sample))));
    assert_eq!(h.app.lists.processes.selected, 0);
    assert_eq!(h.selected_pid(), 48122, "the new busiest process");
    assert_eq!(h.app.selected_pid, None);
}

#[test]
fn scrolling_to_the_bottom_asks_for_more_rows() {
    let mut h = Harness::new(80, 24);
    let before = h.app.query.limit;
    h.press('G');
    let len = h.pids().len();
    assert_eq!(h.app.lists.processes.selected, len - 1);
    let queries = h.queries();
    assert_eq!(queries.len(), 1, "{queries:?}");
    assert!(queries[0].limit > before && queries[0].limit as usize > len);
}

#[test]
fn chords_show_pending_and_cancel() {
    let mut h = Harness::new(80, 24);
    h.press('j');
    assert!(h.press('g'));
    assert_eq!(h.app.pending.len(), 1);
    assert!(h.press('x'));
    assert!(h.app.pending.is_empty());
    assert_eq!(
        h.app.lists.processes.selected, 1,
        "cancelled chord does nothing"
    );
    h.press('g');
    h.press('g');
    assert_eq!(h.app.lists.processes.selected, 0);
    assert!(!h.press('x'), "unbound keys change nothing");
}

#[test]
fn sort_keys_resort_at_once_and_query_the_agent() {
    let mut h = Harness::new(80, 24);
    assert!(h.press('s'));
    assert_eq!(h.app.query.sort, ProcessSort::Memory);
    let queries = h.queries();
    assert_eq!(queries.last().map(|q| q.sort), Some(ProcessSort::Memory));
    let rss: Vec<u64> = h
        .app
        .sample
        .as_ref()
        .unwrap()
        .processes
        .rows
        .iter()
        .map(|r| r.rss)
        .collect();
    assert!(
        rss.windows(2).all(|w| w[0] >= w[1]),
        "sorted by memory: {rss:?}"
    );
    h.press('s');
    h.press('s');
    assert_eq!(h.app.query.sort, ProcessSort::Cpu);
    assert!(!h.press('P'), "already by CPU");
    assert!(h.queries().iter().all(|q| q.sort == ProcessSort::Cpu));
}

#[test]
fn filter_applies_while_typing_and_esc_clears_it() {
    let mut h = Harness::new(80, 24);
    h.press('/');
    assert_eq!(
        h.app.input.as_ref().map(|i| i.kind),
        Some(InputKind::Filter)
    );
    h.type_text("TRAIN");
    assert_eq!(h.app.query.filter.as_deref(), Some("TRAIN"));
    assert_eq!(h.pids(), [48121, 48122, 2231], "command or user, any case");
    assert_eq!(
        h.queries().last().and_then(|q| q.filter.clone()).as_deref(),
        Some("TRAIN")
    );
    h.send(key(KeyCode::Enter));
    assert!(h.app.input.is_none());
    assert_eq!(
        h.app.query.filter.as_deref(),
        Some("TRAIN"),
        "Enter keeps the filter"
    );
    assert!(h.press('q') && h.app.quit, "keys work again after Enter");
    h.app.quit = false;
    h.send(key(KeyCode::Esc));
    assert_eq!(
        h.app.query.filter, None,
        "Esc on the dashboard clears the filter"
    );
    assert_eq!(h.queries().last().map(|q| q.filter.clone()), Some(None));
    h.press('/');
    h.type_text("zzz");
    assert!(h.pids().is_empty());
    h.send(key(KeyCode::Esc));
    assert_eq!(
        (h.app.input.clone(), h.app.query.filter.clone()),
        (None, None)
    );
}

#[test]
fn command_line_runs_commands_and_reports_mistakes() {
    let mut h = Harness::new(80, 24);
    let run = |h: &mut Harness, line: &str| {
        h.press(':');
        h.type_text(line);
        h.send(key(KeyCode::Enter));
    };
    run(&mut h, "theme light");
    assert_eq!(
        h.app.take_effects(),
        vec![Effect::LoadTheme("light".into())]
    );
    run(&mut h, "sort gpu");
    assert_eq!(h.app.query.sort, ProcessSort::GpuMemory);
    run(&mut h, "frobnicate");
    let message = h.app.message.clone().unwrap();
    assert_eq!(message.level, Level::Error);
    assert!(message.text.contains("unknown command `frobnicate`"));
    h.press('j');
    assert!(h.app.message.is_none(), "a key clears the message");
    run(&mut h, "help");
    assert_eq!(h.app.help, Some(0));
    h.send(key(KeyCode::Esc));
    h.press(':');
    h.type_text("qx");
    h.send(key(KeyCode::Backspace));
    h.send(ctrl('u'));
    assert_eq!(h.app.input.as_ref().map(|i| i.text.as_str()), Some(""));
    h.send(key(KeyCode::Backspace));
    assert!(
        h.app.input.is_none(),
        "backspace on an empty line closes it"
    );
    run(&mut h, "q");
    assert!(h.app.quit);
}

#[test]
fn theme_results_apply_or_are_reported() {
    let mut h = Harness::new(80, 24);
    let problem = ConfigProblem::whole_file(
        Severity::Error,
        std::path::Path::new("/t/x.toml"),
        "bad colour",
    );
    let theme = Box::new(crate::tui::theme::Theme::plain());
    h.send(Msg::ThemeLoaded {
        name: "x".into(),
        theme: theme.clone(),
        problems: vec![problem],
    });
    assert_eq!(h.app.theme_name, "dark");
    assert!(h.app.message.as_ref().unwrap().text.contains("bad colour"));
    h.send(Msg::ThemeLoaded {
        name: "light".into(),
        theme,
        problems: vec![],
    });
    assert_eq!(h.app.theme_name, "light");
}

#[test]
fn resize_refits_and_requests_rows_for_the_new_page() {
    let mut h = Harness::new(80, 24);
    assert!(
        !h.send(Msg::Resize {
            width: 80,
            height: 24
        }),
        "same size changes nothing"
    );
    assert!(h.send(Msg::Resize {
        width: 160,
        height: 48
    }));
    let queries = h.queries();
    let page = h.app.layout().page(Panel::Processes, &h.app.facts());
    assert!(queries.last().is_some_and(|q| q.limit as usize > page));
}

#[test]
fn link_goes_stale_then_lost_then_live_again() {
    let mut h = Harness::new(80, 24);
    assert_eq!(h.app.link, LinkState::Live);
    h.now += Duration::from_secs(2);
    assert!(!h.send(Msg::Tick), "still fresh: nothing to redraw");
    h.now += Duration::from_secs(2);
    assert!(h.send(Msg::Tick));
    assert_eq!(h.app.link, LinkState::Stale { secs: 4 });
    h.send(Msg::Agent(AgentMsg::Lost {
        reason: "connection reset".into(),
    }));
    assert!(matches!(h.app.link, LinkState::Lost { secs: Some(4), .. }));
    assert!(!h.send(Msg::Agent(AgentMsg::Lost {
        reason: "connection reset".into()
    })));
    h.now += Duration::from_secs(1);
    assert!(h.send(Msg::Tick));
    assert!(matches!(h.app.link, LinkState::Lost { secs: Some(5), .. }));
    let mut connected = fixtures::connected(2);
    connected.snapshot.latest = Some(fixtures::sample_at(605, 2));
    h.send(Msg::Agent(AgentMsg::Connected(Box::new(connected))));
    assert_eq!(h.app.link, LinkState::Live);
    assert!(h.app.message.as_ref().unwrap().text.contains("reconnected"));
    assert_eq!(h.app.history.last_seq(), 605);
}

#[test]
fn samples_extend_history_and_keep_the_selection() {
    let mut h = Harness::new(80, 24);
    h.press('j');
    let points = h
        .app
        .history
        .get(crate::core::history::keys::CPU)
        .unwrap()
        .len();
    let mut sample = fixtures::sample_at(601, 2);
    sample.processes.rows.retain(|r| r.pid != 48121);
    assert!(h.send(Msg::Agent(AgentMsg::Sample(Box::new(sample)))));
    assert_eq!(h.selected_pid(), 48122, "selection follows the process");
    let after = h
        .app
        .history
        .get(crate::core::history::keys::CPU)
        .unwrap()
        .len();
    assert_eq!(after, (points + 1).min(600));
    assert!(h.send(Msg::Agent(AgentMsg::Notice {
        level: crate::proto::NoticeLevel::Warning,
        message: "agent stopping".into(),
    })));
    assert_eq!(
        h.app.message.as_ref().map(|m| m.level),
        Some(Level::Warning)
    );
}

#[test]
fn kernel_threads_toggle_hides_them_at_once_and_asks_the_agent() {
    let mut h = Harness::new(80, 24);
    assert!(!h.app.query.kernel_threads, "hidden by default, as in htop");
    assert!(h.press('T'));
    assert_eq!(h.queries().last().map(|q| q.kernel_threads), Some(true));
    let rows = &mut h.app.sample.as_mut().unwrap().processes.rows;
    rows.iter_mut()
        .find(|r| r.pid == 1022)
        .unwrap()
        .kernel_thread = true;
    assert!(h.press('T'));
    assert!(!h.pids().contains(&1022), "hidden among the rows held");
    assert_eq!(h.queries().last().map(|q| q.kernel_threads), Some(false));
}
