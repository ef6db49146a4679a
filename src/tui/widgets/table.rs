//! Rows of a list panel: a marker column that shows the selection without colour, and the
//! selection style, both only while the panel has the focus.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::tui::app::ListState;
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::text;

/// Marks the selected row of the focused list.
pub const MARKER: &str = "›";

/// The rows under an optional one-line header.
pub fn body(list: Rect, header: bool) -> Rect {
    let skip = u16::from(header).min(list.height);
    Rect {
        y: list.y + skip,
        height: list.height - skip,
        ..list
    }
}

/// Draws the visible `rows` (each without the marker column) from `state.offset` on.
pub fn render_rows<'a>(
    theme: &Theme,
    area: Rect,
    rows: impl Iterator<Item = Line<'a>>,
    state: ListState,
    focused: bool,
    buf: &mut Buffer,
) {
    for (i, (index, row)) in rows
        .enumerate()
        .skip(state.offset)
        .take(usize::from(area.height))
        .enumerate()
    {
        let selected = focused && index == state.selected;
        let marker = if selected {
            Span::styled(MARKER, theme.style(Role::Selection))
        } else {
            Span::raw(" ")
        };
        let mut spans = vec![marker];
        spans.extend(row.spans);
        let y = i as u16;
        text::put(buf, area, y, &Line::from(spans));
        if selected {
            let line = Rect {
                y: area.y + y,
                height: 1,
                ..area
            };
            buf.set_style(line, theme.style(Role::Selection));
        }
    }
}
