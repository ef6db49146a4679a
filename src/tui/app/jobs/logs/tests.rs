//! The log buffer: lines across chunks, bounds, carriage returns, scrolling and following.

use super::*;

fn chunk(offset: u64, data: &str) -> LogChunk {
    LogChunk {
        job: 7,
        stream: LogStream::Stdout,
        offset,
        data: data.into(),
        next_offset: offset + data.len() as u64,
        complete: false,
    }
}

fn view() -> LogView {
    LogView::new(7, LogStream::Stdout, 1)
}

fn lines(view: &LogView) -> Vec<&str> {
    view.lines().iter().map(String::as_str).collect()
}

#[test]
fn lines_continue_across_chunks() {
    let mut log = view();
    assert!(log.is_waiting());
    assert!(log.append(&chunk(0, "epoch 1\nepo")));
    assert!(!log.is_waiting());
    assert!(log.append(&chunk(11, "ch 2\n\nloss 0.3")));
    assert_eq!(lines(&log), ["epoch 1", "epoch 2", "", "loss 0.3"]);
    assert_eq!(log.next_offset, Some(25));
    assert_eq!(log.bytes(), "epoch 1epoch 2loss 0.3".len());
}

#[test]
fn chunks_of_other_logs_and_repeats_are_ignored() {
    let mut log = view();
    log.append(&chunk(0, "a\n"));
    let mut other = chunk(2, "b\n");
    other.stream = LogStream::Stderr;
    assert!(!log.append(&other));
    other.stream = LogStream::Stdout;
    other.job = 8;
    assert!(!log.append(&other));
    assert!(
        !log.append(&chunk(0, "a\n")),
        "sent again after a reconnection"
    );
    assert_eq!(lines(&log), ["a"]);
    let mut end = chunk(2, "");
    end.complete = true;
    assert!(log.append(&end), "the end of the log is news");
    assert!(log.complete);
}

#[test]
fn carriage_returns_keep_what_a_terminal_shows() {
    let mut log = view();
    log.append(&chunk(0, "10%\r20%\r"));
    assert_eq!(lines(&log), ["20%\r"], "a final CR waits for what follows");
    log.append(&chunk(9, "30%\rdone\r\nnext\r\n"));
    assert_eq!(lines(&log), ["done", "next"]);
}

#[test]
fn the_oldest_lines_go_first_when_the_line_bound_is_reached() {
    let mut log = view();
    let text: String = (0..MAX_LINES + 5).map(|i| format!("{i}\n")).collect();
    log.append(&chunk(0, &text));
    assert_eq!(log.lines().len(), MAX_LINES);
    assert_eq!(log.lines()[0], "5");
    assert_eq!(log.dropped_lines, 5);
}

#[test]
fn the_byte_bound_holds_and_long_lines_are_cut() {
    let mut log = view();
    let line = format!("{}\n", "x".repeat(1000));
    let mut offset = 0;
    for _ in 0..(MAX_BYTES / 1000 + 50) {
        log.append(&chunk(offset, &line));
        offset += line.len() as u64;
    }
    assert!(log.bytes() <= MAX_BYTES, "{}", log.bytes());
    assert!(log.dropped_lines >= 50);
    let endless = "é".repeat(MAX_LINE_BYTES);
    log.append(&chunk(offset, &endless));
    let last = log.lines().back().unwrap();
    assert!(last.len() <= MAX_LINE_BYTES);
    log.append(&chunk(offset + endless.len() as u64, "tail\n"));
    assert_eq!(log.lines().back().unwrap(), "tail", "a cut line ends there");
    assert!(log.bytes() <= MAX_BYTES);
}

#[test]
fn follow_keeps_the_end_in_view_until_the_user_scrolls_up() {
    let mut log = view();
    let text: String = (0..30).map(|i| format!("{i}\n")).collect();
    log.append(&chunk(0, &text));
    log.fit(10);
    assert_eq!(log.scroll, 20);
    assert!(log.scroll_by(-3, 10));
    assert!(!log.follow, "scrolling up stops following");
    assert_eq!(log.scroll, 17);
    log.append(&chunk(text.len() as u64, "30\n31\n"));
    log.fit(10);
    assert_eq!(
        log.scroll, 17,
        "new lines do not move a view that stopped following"
    );
    assert!(log.scroll_by(100, 10));
    assert_eq!(log.scroll, 22);
    assert!(!log.follow, "scrolling down does not start following");
    log.toggle_follow(10);
    assert!(log.follow);
    log.toggle_follow(10);
    assert!(!log.follow);
    log.scroll = 0;
    assert!(log.to_end(10));
    assert_eq!((log.scroll, log.follow), (22, true));
    assert!(!log.to_end(10), "already there");
}

#[test]
fn dropping_lines_keeps_the_scrolled_view_on_the_same_text() {
    let mut log = view();
    let text: String = (0..MAX_LINES).map(|i| format!("{i}\n")).collect();
    log.append(&chunk(0, &text));
    log.follow = false;
    log.scroll = 100;
    log.append(&chunk(text.len() as u64, "new 1\nnew 2\n"));
    assert_eq!(log.scroll, 98);
    assert_eq!(log.lines()[log.scroll], "100");
}

#[test]
fn display_lines_lose_escapes_and_control_characters() {
    assert_eq!(
        display_line("\u{1b}[1;31mERROR\u{1b}[0m: bad"),
        "ERROR: bad"
    );
    assert_eq!(display_line("\u{1b}]0;title\u{7}text"), "text");
    assert_eq!(display_line("\u{1b}]8;;http://x\u{1b}\\link"), "link");
    assert_eq!(display_line("a\tb\u{0}c"), "a       bc");
    assert_eq!(display_line("12345678\tx"), "12345678        x");
    assert_eq!(display_line("50%\r"), "50%");
}
