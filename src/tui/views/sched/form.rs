//! The schedule form, drawn as a popup over the editor: a row per field (the focused one
//! marked), under the cron rule what is wrong with it or its next three firings, under the
//! zone its suggestions while it is typed (or what is wrong with it), and a status line:
//! saving, the agent's refusal, the first problem, or ready.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use super::form_parts::put_status;
use super::wrap;
use crate::tui::app::App;
use crate::tui::app::sched::{CronCheck, Editor, SchedField, ScheduleForm};
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::form::{field_head, popup, visible_end};
use crate::tui::widgets::table::MARKER;
use crate::tui::widgets::text;

/// Widest the form gets.
const MAX_WIDTH: u16 = 78;
/// Width of the label column.
const LABEL: usize = 8;
/// Where values start: marker, label, two blanks.
const VALUE_X: u16 = LABEL as u16 + 3;
/// Rows under the cron rule (its problem or firings) and under the zone (suggestions).
const CRON_NOTES: u16 = 3;
const ZONE_NOTES: u16 = 4;
/// Rows of the status at the bottom.
const STATUS: u16 = 2;

/// The content row of each field.
fn field_row(field: SchedField) -> u16 {
    match field {
        SchedField::Name => 0,
        SchedField::Action => 1,
        SchedField::Cron => 2,
        SchedField::Zone => 3 + CRON_NOTES,
        SchedField::Enabled => 4 + CRON_NOTES + ZONE_NOTES,
    }
}

/// Rows inside the frame: the fields with their notes, a blank, the status.
const ROWS: u16 = 5 + CRON_NOTES + ZONE_NOTES + 1 + STATUS;

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

/// Draws the form over `area`.
pub fn render(app: &App, form: &ScheduleForm, area: Rect, buf: &mut Buffer) {
    let Some(editor) = app.sched.editor.as_ref() else {
        return;
    };
    let theme = &app.theme;
    let title = if form.editing.is_some() {
        " Edit schedule "
    } else {
        " New schedule "
    };
    let Some(inner) = popup(theme, frame_area(area), title, buf) else {
        return;
    };
    let width = inner.width.saturating_sub(VALUE_X + 1);
    for field in SchedField::ALL {
        let line = field_line(theme, form, field, width);
        text::put(buf, inner, field_row(field), &line);
    }
    let notes = |row: u16, lines: Vec<Line<'static>>, buf: &mut Buffer| {
        let rect = Rect {
            x: inner.x + VALUE_X.min(inner.width),
            width: width + 1,
            ..inner
        };
        for (i, line) in lines.into_iter().enumerate() {
            text::put(buf, rect, row + i as u16, &line);
        }
    };
    let room = usize::from(width);
    notes(
        field_row(SchedField::Cron) + 1,
        cron_notes(theme, form, room),
        buf,
    );
    notes(
        field_row(SchedField::Zone) + 1,
        zone_notes(theme, form, room),
        buf,
    );
    let (status, role) = status(editor, form);
    put_status(theme, buf, inner, (ROWS, STATUS), (&status, role));
}

fn field_line(theme: &Theme, form: &ScheduleForm, field: SchedField, width: u16) -> Line<'static> {
    let focused = form.field == field;
    let wrong = form.problem.as_ref().is_some_and(|p| p.field == field);
    let (mut spans, value_style) = field_head(theme, field.label(), LABEL, focused, wrong);
    let muted = theme.style(Role::TextMuted);
    match field {
        SchedField::Action => {
            spans.push(Span::styled(
                format!("‹ {} ›", form.action.as_str()),
                value_style,
            ));
            spans.push(Span::styled(
                "  start or stop the machine (Space, ←/→)",
                muted,
            ));
        }
        SchedField::Enabled => {
            let tick = if form.enabled { "[x]" } else { "[ ]" };
            spans.push(Span::styled(tick, value_style));
            spans.push(Span::styled(
                " a disabled schedule stays in the file but never fires",
                muted,
            ));
        }
        _ => {
            let value = form.text(field).unwrap_or_default();
            let room = usize::from(width).saturating_sub(if wrong { 2 } else { 0 });
            spans.push(Span::styled(visible_end(value, room), value_style));
            if wrong {
                spans.push(Span::styled(" ✕", theme.style(Role::StateError)));
            }
        }
    }
    Line::from(spans)
}

/// Under the cron rule: the next firings, or what is wrong.
fn cron_notes(theme: &Theme, form: &ScheduleForm, room: usize) -> Vec<Line<'static>> {
    let muted = theme.style(Role::TextMuted);
    match &form.cron_check {
        CronCheck::Firings { text: times, .. } => times
            .iter()
            .enumerate()
            .map(|(i, time)| {
                let lead = if i == 0 { "✓ next " } else { "       " };
                Line::from(vec![
                    Span::styled(lead, theme.style(Role::StateOk)),
                    Span::styled(text::truncate(time, room.saturating_sub(7)), muted),
                ])
            })
            .collect(),
        CronCheck::NeedsZone => vec![Line::styled(
            text::truncate(
                "✓ valid; the next firings show once the zone is valid",
                room,
            ),
            theme.style(Role::StateOk),
        )],
        CronCheck::Invalid(message) => wrap(&format!("✕ {message}"), room, usize::from(CRON_NOTES))
            .into_iter()
            .map(|line| Line::styled(line, theme.style(Role::StateError)))
            .collect(),
    }
}

/// Under the zone: the suggestions while it is typed (the highlighted one marked), else what
/// is wrong with it.
fn zone_notes(theme: &Theme, form: &ScheduleForm, room: usize) -> Vec<Line<'static>> {
    if form.suggesting() {
        return form
            .suggestions
            .iter()
            .enumerate()
            .map(|(i, zone)| {
                let picked = form.pick == Some(i);
                let (mark, role) = if picked {
                    (MARKER, Role::Selection)
                } else {
                    (" ", Role::Text)
                };
                Line::styled(
                    text::left(&format!("{mark} {zone}"), room.min(32)),
                    theme.style(role),
                )
            })
            .collect();
    }
    match &form.zone_problem {
        Some(message) => wrap(&format!("✕ {message}"), room, usize::from(ZONE_NOTES))
            .into_iter()
            .map(|line| Line::styled(line, theme.style(Role::StateError)))
            .collect(),
        None => Vec::new(),
    }
}

/// The form's status line and its role.
fn status(editor: &Editor, form: &ScheduleForm) -> (String, Role) {
    if editor.saving.is_some() {
        return ("saving…".into(), Role::TextMuted);
    }
    if let Some(reason) = &editor.refused {
        return (format!("✕ the agent refused: {reason}"), Role::StateError);
    }
    match &form.problem {
        Some(problem) if problem.field == SchedField::Name => (
            format!("✕ {}: {}", problem.field.label(), problem.message),
            Role::StateError,
        ),
        _ if form.suggesting() => (
            "Tab takes the suggestion, ↓/↑ choose another".into(),
            Role::TextMuted,
        ),
        Some(problem) => (
            format!(
                "✕ the {} field needs a fix (see above)",
                problem.field.label()
            ),
            Role::StateError,
        ),
        None => ("✓ Enter saves, Esc cancels".into(), Role::StateOk),
    }
}

/// Where the terminal cursor goes: after the focused field's text.
pub fn cursor(form: &ScheduleForm, area: Rect) -> Option<Position> {
    let inner = Block::bordered().inner(frame_area(area));
    let value = form.text(form.field)?;
    let row = field_row(form.field);
    if row >= inner.height || inner.width <= VALUE_X + 1 {
        return None;
    }
    let wrong = form.problem.as_ref().is_some_and(|p| p.field == form.field);
    let room = usize::from(inner.width - VALUE_X - 1).saturating_sub(if wrong { 2 } else { 0 });
    let shown = visible_end(value, room);
    let x = inner.x + VALUE_X + text::width(&shown) as u16;
    Some(Position::new(
        x.min(inner.right().saturating_sub(1)),
        inner.y + row,
    ))
}
