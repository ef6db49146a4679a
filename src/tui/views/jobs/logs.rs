//! The log view: one job's stdout or stderr, scrolled or following its end. Lines are cut
//! at the panel's width; escape sequences and control characters are not drawn.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::proto::jobs::LogStream;
use crate::tui::app::App;
use crate::tui::app::jobs::LogView;
use crate::tui::app::jobs::logs::display_line;
use crate::tui::layout::{self, Chrome};
use crate::tui::theme::Role;
use crate::tui::views::frame;
use crate::tui::widgets::text::{self, Part, fit_parts};

/// Draws the log panel into `rect`.
pub fn render(app: &App, logs: &LogView, rect: Rect, chrome: Chrome, buf: &mut Buffer) {
    let theme = &app.theme;
    let title = title(app, logs, rect.width.saturating_sub(4));
    let inner = layout::padded(frame::panel(buf, theme, chrome, rect, title, true));
    let muted = theme.style(Role::TextMuted);
    if let Some(error) = &logs.error {
        let text = format!(" cannot read the log: {error}");
        let line = Line::styled(
            text::truncate(&text, usize::from(inner.width)),
            theme.style(Role::StateError),
        );
        text::put(buf, inner, 0, &line);
        return;
    }
    if logs.lines().is_empty() {
        let text = if logs.is_waiting() {
            " waiting for the log…"
        } else if logs.complete {
            " the job wrote nothing here"
        } else {
            " nothing yet"
        };
        text::put(buf, inner, 0, &Line::styled(text, muted));
        return;
    }
    let style = theme.style(Role::Text);
    let width = usize::from(inner.width);
    for (y, raw) in logs
        .lines()
        .iter()
        .skip(logs.scroll)
        .take(usize::from(inner.height))
        .enumerate()
    {
        let shown = text::truncate(&display_line(raw), width);
        text::put(buf, inner, y as u16, &Line::styled(shown, style));
    }
}

/// "Log job 5 train · stdout · following · line 120 of 300 · earlier output not shown",
/// the least important parts left out when `width` is short.
fn title(app: &App, logs: &LogView, width: u16) -> Vec<Span<'static>> {
    let theme = &app.theme;
    let muted = theme.style(Role::TextMuted);
    let strong = theme.style(Role::TextStrong);
    let mut head = vec![
        Span::styled("Log", theme.style(Role::Title)),
        Span::styled(format!(" job {}", logs.job), muted),
    ];
    if let Some(name) = app.jobs.job(logs.job).and_then(|job| job.name.clone()) {
        head.push(Span::styled(format!(" {name}"), strong));
    }
    let stream = match logs.stream {
        LogStream::Stdout => "stdout",
        LogStream::Stderr => "stderr",
    };
    let mut parts = vec![
        Part::new(9, head),
        Part::text(8, stream, strong),
        Part::text(7, if logs.follow { "following" } else { "paused" }, muted),
    ];
    if logs.complete {
        parts.push(Part::text(6, "ended", muted));
    }
    let total = logs.lines().len();
    if total > 0 {
        parts.push(Part::text(
            4,
            format!("line {} of {total}", logs.scroll + 1),
            muted,
        ));
    }
    if logs.first_offset.unwrap_or(0) > 0 || logs.dropped_lines > 0 {
        parts.push(Part::text(3, "earlier output not shown", muted));
    }
    fit_parts(parts, Span::styled(" · ", muted), usize::from(width))
}
