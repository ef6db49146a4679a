//! The submit form, drawn as a popup over the jobs pane: one row per field (the focused one
//! marked), then what is wrong with the form, or that it is ready, and where the job runs.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use crate::tui::app::App;
use crate::tui::app::jobs::{Field, JobForm};
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::form::{field_head, popup, visible_end};
use crate::tui::widgets::text;

/// Widest the form gets.
const MAX_WIDTH: u16 = 84;
/// Width of the label column.
const LABEL: usize = 9;
/// Rows inside the frame: the fields, a blank, the problem and the folder.
const ROWS: u16 = Field::ALL.len() as u16 + 3;

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

/// Where a field's value starts, and how wide it may be, in the form's content area.
fn value_area(inner: Rect, field: Field) -> Rect {
    let row = Field::ALL.iter().position(|f| *f == field).unwrap_or(0) as u16;
    let x = (LABEL + 3) as u16;
    Rect {
        x: inner.x + x.min(inner.width),
        y: inner.y + row,
        width: inner.width.saturating_sub(x + 1),
        height: u16::from(row < inner.height),
    }
}

/// Draws the form over `area`.
pub fn render(app: &App, form: &JobForm, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let Some(inner) = popup(theme, frame_area(area), " New job ", buf) else {
        return;
    };
    for (row, field) in Field::ALL.into_iter().enumerate() {
        let line = field_line(theme, form, field, value_area(inner, field).width);
        text::put(buf, inner, row as u16, &line);
    }
    let width = usize::from(inner.width).saturating_sub(2);
    let (status, role) = status(form);
    let status = Line::styled(
        format!(" {}", text::truncate(&status, width)),
        theme.style(role),
    );
    text::put(buf, inner, ROWS - 2, &status);
    let folder = match &app.job_defaults.cwd {
        Some(cwd) => format!(" runs in {cwd}, with this console's environment"),
        None => " the console's folder is unknown".to_owned(),
    };
    let folder = Line::styled(
        text::truncate(&folder, width + 1),
        theme.style(Role::TextMuted),
    );
    text::put(buf, inner, ROWS - 1, &folder);
}

fn field_line(theme: &Theme, form: &JobForm, field: Field, width: u16) -> Line<'static> {
    let focused = form.field == field;
    let wrong = form
        .problem
        .as_ref()
        .is_some_and(|p| p.field == Some(field));
    let (mut spans, value_style) = field_head(theme, field.label(), LABEL, focused, wrong);
    match form.text(field) {
        Some(value) => {
            let room = value_room(form, field, width);
            spans.push(Span::styled(visible_end(value, room), value_style));
        }
        None => {
            let tick = if form.shell { "[x]" } else { "[ ]" };
            spans.push(Span::styled(tick, value_style));
            spans.push(Span::styled(
                " run the command through sh -c (pipes, $VARS, ~)",
                theme.style(Role::TextMuted),
            ));
        }
    }
    if wrong {
        spans.push(Span::styled(" ✕", theme.style(Role::StateError)));
    }
    Line::from(spans)
}

/// Cells for the value of `field` in a row `width` cells wide: less the mark of a wrong one.
fn value_room(form: &JobForm, field: Field, width: u16) -> usize {
    let wrong = form
        .problem
        .as_ref()
        .is_some_and(|p| p.field == Some(field));
    usize::from(width).saturating_sub(if wrong { 2 } else { 0 })
}

/// The form's status line and its role.
fn status(form: &JobForm) -> (String, Role) {
    if form.submitting {
        return ("submitting…".into(), Role::TextMuted);
    }
    if let Some(reason) = &form.refused {
        return (format!("✕ the agent refused: {reason}"), Role::StateError);
    }
    match &form.problem {
        Some(problem) => {
            let text = match problem.field {
                Some(field) => format!("✕ {}: {}", field.label(), problem.message),
                None => format!("✕ {}", problem.message),
            };
            (text, Role::StateError)
        }
        None => ("✓ ready to submit".into(), Role::StateOk),
    }
}

/// Where the terminal cursor goes: after the focused field's text.
pub fn cursor(form: &JobForm, area: Rect) -> Option<Position> {
    let outer = frame_area(area);
    let inner = Block::bordered().inner(outer);
    let value = form.text(form.field)?;
    let at = value_area(inner, form.field);
    if at.is_empty() {
        return None;
    }
    let shown = visible_end(value, value_room(form, form.field, at.width));
    let x = at.x + text::width(&shown) as u16;
    Some(Position::new(x.min(at.right().saturating_sub(1)), at.y))
}
