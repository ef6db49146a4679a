//! The idle shutdown form, drawn as a popup over the editor: a row per field with what it
//! means beside it, then a status line: saving, the agent's refusal, the first problem, or
//! ready. Also the popup frame and field scrolling the schedule form shares.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use super::form_parts::put_status;
use crate::tui::app::App;
use crate::tui::app::sched::{Editor, IdleField, IdleForm};
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::form::{field_head, popup, visible_end};
use crate::tui::widgets::text;

/// Widest the form gets.
const MAX_WIDTH: u16 = 78;
/// Width of the label column.
const LABEL: usize = 10;
/// Where values start: marker, label, two blanks.
const VALUE_X: u16 = LABEL as u16 + 3;
/// Cells a value gets before the hint beside it.
const VALUE: usize = 10;
/// Rows of the status at the bottom.
const STATUS: u16 = 2;
/// Rows inside the frame: the fields, a blank, the status.
const ROWS: u16 = IdleField::ALL.len() as u16 + 1 + STATUS;

/// The form's frame within the screen `area`.
fn frame_area(area: Rect) -> Rect {
    let width = area.width.saturating_sub(4).min(MAX_WIDTH);
    let height = (ROWS + 2).min(area.height.saturating_sub(2));
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

fn row_of(field: IdleField) -> u16 {
    IdleField::ALL.iter().position(|f| *f == field).unwrap_or(0) as u16
}

/// Draws the form over `area`.
pub fn render(app: &App, form: &IdleForm, area: Rect, buf: &mut Buffer) {
    let Some(editor) = app.sched.editor.as_ref() else {
        return;
    };
    let theme = &app.theme;
    let Some(inner) = popup(theme, frame_area(area), " Idle shutdown ", buf) else {
        return;
    };
    for field in IdleField::ALL {
        let line = field_line(theme, form, field, inner.width);
        text::put(buf, inner, row_of(field), &line);
    }
    let (status, role) = status(editor, form);
    put_status(theme, buf, inner, (ROWS, STATUS), (&status, role));
}

fn field_line(theme: &Theme, form: &IdleForm, field: IdleField, width: u16) -> Line<'static> {
    let wrong = form.problem.as_ref().is_some_and(|p| p.field == field);
    let (mut spans, value_style) =
        field_head(theme, field.label(), LABEL, form.field == field, wrong);
    let value = match form.text(field) {
        Some(value) => visible_end(value, VALUE),
        None if form.enabled => "[x]".to_owned(),
        None => "[ ]".to_owned(),
    };
    let mark = if wrong { "✕" } else { " " };
    let hint = if field == IdleField::After {
        let (low, high) = (form.after_bounds.start(), form.after_bounds.end());
        format!(
            "{} ({} – {})",
            field.hint(),
            crate::config::duration::format(*low),
            crate::config::duration::format(*high)
        )
    } else {
        field.hint().to_owned()
    };
    let room = usize::from(width).saturating_sub(usize::from(VALUE_X) + VALUE + 2);
    spans.extend([
        Span::styled(text::left(&value, VALUE), value_style),
        Span::styled(mark, theme.style(Role::StateError)),
        Span::raw(" "),
        Span::styled(text::truncate(&hint, room), theme.style(Role::TextMuted)),
    ]);
    Line::from(spans)
}

/// The form's status line and its role.
fn status(editor: &Editor, form: &IdleForm) -> (String, Role) {
    if editor.saving.is_some() {
        return ("saving…".into(), Role::TextMuted);
    }
    if let Some(reason) = &editor.refused {
        return (format!("✕ the agent refused: {reason}"), Role::StateError);
    }
    match &form.problem {
        Some(problem) => (
            format!("✕ {}: {}", problem.field.label(), problem.message),
            Role::StateError,
        ),
        None => ("✓ Enter saves, Esc cancels".into(), Role::StateOk),
    }
}

/// Where the terminal cursor goes: after the focused field's text.
pub fn cursor(form: &IdleForm, area: Rect) -> Option<Position> {
    let inner = Block::bordered().inner(frame_area(area));
    let value = form.text(form.field)?;
    let row = row_of(form.field);
    if row >= inner.height || inner.width <= VALUE_X + 1 {
        return None;
    }
    let shown = visible_end(value, VALUE);
    let x = inner.x + VALUE_X + text::width(&shown) as u16;
    Some(Position::new(
        x.min(inner.right().saturating_sub(1)),
        inner.y + row,
    ))
}
