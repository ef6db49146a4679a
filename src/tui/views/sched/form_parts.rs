//! What the schedule form and the idle form draw alike beyond `widgets::form`: the status
//! rows at the bottom, wrapped.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::wrap;
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::text;

/// `status` wrapped into the last `rows` rows of `inner` (of `height` rows in all).
pub fn put_status(
    theme: &Theme,
    buf: &mut Buffer,
    inner: Rect,
    (height, rows): (u16, u16),
    (status, role): (&str, Role),
) {
    let room = usize::from(inner.width).saturating_sub(2);
    for (i, line) in wrap(status, room, usize::from(rows))
        .into_iter()
        .enumerate()
    {
        let line = Line::styled(format!(" {line}"), theme.style(role));
        text::put(buf, inner, height - rows + i as u16, &line);
    }
}
