//! Panel frames: a rounded box, or a one-line rule in the compact layout; thick when the
//! panel has the focus, so focus shows without colour too.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Widget};

use crate::tui::layout::Chrome;
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::text;

/// Draws the frame of a panel titled `title` (already styled) and returns its content area.
pub fn panel(
    buf: &mut Buffer,
    theme: &Theme,
    chrome: Chrome,
    rect: Rect,
    title: Vec<Span<'_>>,
    focused: bool,
) -> Rect {
    let border = theme.style(if focused {
        Role::BorderFocused
    } else {
        Role::Border
    });
    match chrome {
        Chrome::Boxed => {
            let mut spans = vec![Span::styled(" ", border)];
            spans.extend(title);
            spans.push(Span::styled(" ", border));
            let block = Block::bordered()
                .border_type(if focused {
                    BorderType::Thick
                } else {
                    BorderType::Rounded
                })
                .border_style(border)
                .title(Line::from(spans));
            let inner = block.inner(rect);
            block.render(rect, buf);
            inner
        }
        Chrome::Rule => {
            rule(buf, rect, title, focused, border);
            chrome.inner(rect)
        }
    }
}

/// `─ Title ───────` across the top row of `rect`.
fn rule(
    buf: &mut Buffer,
    rect: Rect,
    title: Vec<Span<'_>>,
    focused: bool,
    border: ratatui::style::Style,
) {
    if rect.is_empty() {
        return;
    }
    let glyph = if focused { "━" } else { "─" };
    let mut spans = vec![Span::styled(format!("{glyph} "), border)];
    spans.extend(title);
    spans.push(Span::styled(" ", border));
    let used: usize = spans.iter().map(Span::width).sum();
    let rest = usize::from(rect.width).saturating_sub(used);
    spans.push(Span::styled(glyph.repeat(rest), border));
    text::put(buf, Rect { height: 1, ..rect }, 0, &Line::from(spans));
}

/// A panel title: the name in the title role, then details in the muted role.
pub fn title<'a>(theme: &Theme, name: &'a str, details: Option<String>) -> Vec<Span<'a>> {
    let mut spans = vec![Span::styled(name, theme.style(Role::Title))];
    if let Some(details) = details.filter(|d| !d.is_empty()) {
        spans.push(Span::styled(
            format!(" {details}"),
            theme.style(Role::TextMuted),
        ));
    }
    spans
}
