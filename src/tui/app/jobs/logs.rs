//! The log view's buffer: the lines of one job's stdout or stderr as they arrive, bounded in
//! lines and bytes (the oldest are dropped), with a scroll position that can follow the end.
//!
//! Lines are kept as the job wrote them, with one exception: a carriage return followed by
//! more text (progress bars) keeps only what comes after it, as a terminal would show it.
//! Escape sequences and other control characters are removed when a line is drawn
//! ([`display_line`]), not here.

use std::collections::VecDeque;

use crate::proto::jobs::{JobId, LogChunk, LogStream};

/// Lines kept at most.
pub const MAX_LINES: usize = 10_000;
/// Bytes of text kept at most.
pub const MAX_BYTES: usize = 4 << 20;
/// Longest line kept; a longer one is cut and what follows starts a new line.
pub const MAX_LINE_BYTES: usize = 64 << 10;
/// How much of the end of a log the view asks for when it opens.
pub const TAIL_BYTES: u64 = 64 << 10;

/// One job's log as the console holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogView {
    pub job: JobId,
    pub stream: LogStream,
    /// The follow request whose chunks this view takes.
    pub follow_id: u64,
    lines: VecDeque<String>,
    /// The last line has not ended yet.
    open_line: bool,
    bytes: usize,
    /// Where in the file the first chunk started (above it: output not fetched).
    pub first_offset: Option<u64>,
    /// Where the next chunk starts.
    pub next_offset: Option<u64>,
    /// Lines dropped from the top to stay within bounds.
    pub dropped_lines: u64,
    /// The job has ended and everything it wrote is here.
    pub complete: bool,
    /// Keep the newest line in view as lines arrive.
    pub follow: bool,
    /// The first line shown.
    pub scroll: usize,
    /// Why the log could not be read.
    pub error: Option<String>,
}

impl LogView {
    /// An empty view of `job`'s `stream`, following the end.
    pub fn new(job: JobId, stream: LogStream, follow_id: u64) -> LogView {
        LogView {
            job,
            stream,
            follow_id,
            lines: VecDeque::new(),
            open_line: false,
            bytes: 0,
            first_offset: None,
            next_offset: None,
            dropped_lines: 0,
            complete: false,
            follow: true,
            scroll: 0,
            error: None,
        }
    }

    pub fn lines(&self) -> &VecDeque<String> {
        &self.lines
    }

    /// Bytes of text held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Whether nothing has arrived yet.
    pub fn is_waiting(&self) -> bool {
        self.next_offset.is_none() && self.error.is_none()
    }

    /// Adds a chunk of this view's log; false when it brought nothing new.
    pub fn append(&mut self, chunk: &LogChunk) -> bool {
        if chunk.job != self.job || chunk.stream != self.stream {
            return false;
        }
        let was_complete = self.complete;
        self.complete |= chunk.complete;
        if self
            .next_offset
            .is_some_and(|next| chunk.next_offset <= next)
        {
            // Nothing new: an empty chunk that only says the end is reached, or one sent
            // again around a reconnection.
            return self.complete != was_complete;
        }
        if self.first_offset.is_none() {
            self.first_offset = Some(chunk.offset);
        }
        self.next_offset = Some(chunk.next_offset);
        self.error = None;
        let mut pieces = chunk.data.split('\n').peekable();
        while let Some(piece) = pieces.next() {
            let ends_line = pieces.peek().is_some();
            self.add_text(piece);
            if ends_line {
                self.end_line();
            }
        }
        self.trim();
        true
    }

    fn add_text(&mut self, piece: &str) {
        if piece.is_empty() {
            return;
        }
        if !self.open_line {
            self.lines.push_back(String::new());
            self.open_line = true;
        }
        let Some(line) = self.lines.back_mut() else {
            return;
        };
        let before = line.len();
        line.push_str(piece);
        collapse_returns(line);
        if line.len() > MAX_LINE_BYTES {
            let mut cut = MAX_LINE_BYTES;
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            line.truncate(cut);
            self.open_line = false;
        }
        self.bytes = self.bytes - before + line.len();
    }

    fn end_line(&mut self) {
        if self.open_line {
            if let Some(line) = self.lines.back_mut() {
                let before = line.len();
                line.truncate(line.trim_end_matches('\r').len());
                self.bytes -= before - line.len();
            }
        } else {
            self.lines.push_back(String::new());
        }
        self.open_line = false;
    }

    /// Drops the oldest lines until the bounds hold.
    fn trim(&mut self) {
        while self.lines.len() > MAX_LINES || (self.bytes > MAX_BYTES && self.lines.len() > 1) {
            let Some(line) = self.lines.pop_front() else {
                break;
            };
            self.bytes -= line.len();
            self.dropped_lines += 1;
            self.scroll = self.scroll.saturating_sub(1);
        }
    }

    /// The largest useful scroll position for `page` visible lines.
    pub fn max_scroll(&self, page: usize) -> usize {
        self.lines.len().saturating_sub(page)
    }

    /// Keeps the scroll position in range, and at the end while following.
    pub fn fit(&mut self, page: usize) {
        let max = self.max_scroll(page);
        self.scroll = if self.follow {
            max
        } else {
            self.scroll.min(max)
        };
    }

    /// Scrolls by `delta` lines; scrolling up stops following, so the view stays put.
    pub fn scroll_by(&mut self, delta: isize, page: usize) -> bool {
        let before = (self.scroll, self.follow);
        if delta < 0 {
            self.follow = false;
        }
        self.scroll = self
            .scroll
            .saturating_add_signed(delta)
            .min(self.max_scroll(page));
        (self.scroll, self.follow) != before
    }

    /// Jumps to the end and follows it.
    pub fn to_end(&mut self, page: usize) -> bool {
        let before = (self.scroll, self.follow);
        self.follow = true;
        self.fit(page);
        (self.scroll, self.follow) != before
    }

    pub fn toggle_follow(&mut self, page: usize) {
        self.follow = !self.follow;
        self.fit(page);
    }
}

/// Keeps what follows the last carriage return that has text after it: `"10%\r20%"` is what
/// a terminal shows as `"20%"`. A carriage return at the very end waits for what follows.
fn collapse_returns(line: &mut String) {
    let text_end = line.trim_end_matches('\r').len();
    if let Some(at) = line[..text_end].rfind('\r') {
        line.drain(..=at);
    }
}

/// `line` as it can be drawn: escape sequences (colours, cursor moves) removed, tabs expanded
/// to the next multiple of 8 columns, other control characters dropped.
pub fn display_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut column = 0;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            '\t' => {
                let spaces = 8 - column % 8;
                out.extend(std::iter::repeat_n(' ', spaces));
                column += spaces;
            }
            c if c.is_control() => {}
            c => {
                out.push(c);
                column += 1;
            }
        }
    }
    out
}

/// Skips the rest of an escape sequence whose ESC was just read: CSI (`ESC [ … final`), OSC
/// (`ESC ] … BEL` or `ESC ] … ESC \`), or one character after ESC.
fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => {
            for c in chars.by_ref() {
                if ('\u{40}'..='\u{7e}').contains(&c) {
                    break;
                }
            }
        }
        Some(']') => {
            while let Some(c) = chars.next() {
                if c == '\u{7}' {
                    break;
                }
                if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                    chars.next();
                    break;
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests;
