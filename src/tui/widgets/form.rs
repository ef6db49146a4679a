//! What popups and forms draw alike: a cleared, focused frame with a title; a field row's
//! marker, label and value style; and a value cut to its end so the cursor stays in view.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::table::MARKER;
use crate::tui::widgets::text;

/// Clears `outer`, draws a focused frame titled `title` and returns the content area;
/// `None` when there is no room.
pub fn popup(theme: &Theme, outer: Rect, title: &str, buf: &mut Buffer) -> Option<Rect> {
    if outer.is_empty() {
        return None;
    }
    Clear.render(outer, buf);
    buf.set_style(outer, theme.style(Role::Popup));
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::BorderFocused))
        .title(Line::from(Span::styled(
            title.to_owned(),
            theme.style(Role::Title),
        )));
    let inner = block.inner(outer);
    block.render(outer, buf);
    Some(inner)
}

/// The end of `value` that fits in `width` cells with room for the cursor.
pub fn visible_end(value: &str, width: usize) -> String {
    let room = width.saturating_sub(1);
    let mut start = 0;
    while text::width(&value[start..]) > room {
        start += value[start..].chars().next().map_or(1, char::len_utf8);
    }
    value[start..].to_owned()
}

/// The start of a field's row: the marker (when `focused`), the label cut to `label_width`
/// (in the error role when the field is `wrong`), the gap, and the style of its value.
pub fn field_head(
    theme: &Theme,
    label: &str,
    label_width: usize,
    focused: bool,
    wrong: bool,
) -> (Vec<Span<'static>>, Style) {
    let marker = if focused {
        Span::styled(MARKER, theme.style(Role::Selection))
    } else {
        Span::raw(" ")
    };
    let label_role = if wrong {
        Role::StateError
    } else {
        Role::TextMuted
    };
    let value_style = theme.style(if focused {
        Role::CommandLine
    } else {
        Role::Text
    });
    let head = vec![
        marker,
        Span::styled(text::left(label, label_width), theme.style(label_role)),
        Span::raw("  "),
    ];
    (head, value_style)
}
