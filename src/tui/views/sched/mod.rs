//! The schedule editor (`:sched`): a warning when the settings file on disk is not what is in
//! force, the schedules (one row each, next firing on the zone's wall clock), the idle
//! shutdown settings and the read-only power settings; a form as a popup over them. The
//! header and footer are the dashboard's.
//!
//! - [`list`]: the schedules.
//! - [`settings`]: idle shutdown and the read-only settings.
//! - [`form`]: the schedule form.
//! - [`idle_form`]: the idle shutdown form.

pub mod form;
pub mod form_parts;
pub mod idle_form;
pub mod list;
pub mod settings;

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::Line;

use crate::tui::app::App;
use crate::tui::app::sched::Form;
use crate::tui::layout::{Chrome, split_rows};
use crate::tui::theme::Role;
use crate::tui::views::{footer, header};
use crate::tui::widgets::text;

/// From this width the idle and the other settings sit side by side.
const SIDE_BY_SIDE: u16 = 120;
/// Rows the schedule table keeps at least (frame, column header, two schedules).
const MIN_LIST: u16 = 3;

/// The editor's screen, divided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SchedLayout {
    header: Rect,
    footer: Rect,
    chrome: Chrome,
    /// The warning about the file on disk (empty when there is none).
    problem: Rect,
    list: Rect,
    idle: Rect,
    settings: Rect,
}

impl SchedLayout {
    fn compute(area: Rect, problem_rows: u16) -> SchedLayout {
        let (header, rest) = split_rows(area, 1);
        let (body, footer) = split_rows(rest, rest.height.saturating_sub(1));
        let chrome = if area.height >= 34 && area.width >= 100 {
            Chrome::Boxed
        } else {
            Chrome::Rule
        };
        let (problem, body) = split_rows(body, problem_rows);
        let frame = chrome.rows();
        let idle_height = settings::IDLE_ROWS + frame;
        let settings_height = settings::SETTINGS_ROWS + frame;
        let wide = area.width >= SIDE_BY_SIDE;
        let below = if wide {
            idle_height.max(settings_height)
        } else {
            idle_height + settings_height
        };
        let below = below.min(body.height.saturating_sub(MIN_LIST + frame));
        let (list, bottom) = split_rows(body, body.height - below);
        let (idle, settings) = if wide {
            let idle_width = bottom.width * 2 / 5;
            let gap = u16::from(chrome == Chrome::Rule);
            let idle = Rect {
                width: idle_width,
                ..bottom
            };
            let settings = Rect {
                x: bottom.x + idle_width + gap,
                width: bottom.width.saturating_sub(idle_width + gap),
                ..bottom
            };
            (idle, settings)
        } else {
            split_rows(bottom, idle_height)
        };
        SchedLayout {
            header,
            footer,
            chrome,
            problem,
            list,
            idle,
            settings,
        }
    }
}

/// Draws the schedule editor over the whole of `area`.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let problem = problem_lines(app, area.width);
    let layout = SchedLayout::compute(area, problem.len() as u16);
    header::render(app, layout.header, buf);
    let warn = app.theme.style(Role::StateWarn);
    for (row, line) in problem.iter().enumerate() {
        text::put(
            buf,
            layout.problem,
            row as u16,
            &Line::styled(line.clone(), warn),
        );
    }
    list::render(app, layout.list, layout.chrome, buf);
    settings::render_idle(app, layout.idle, layout.chrome, buf);
    settings::render_settings(app, layout.settings, layout.chrome, buf);
    match app.sched.editor.as_ref().map(|e| &e.form) {
        Some(Form::Schedule(form)) => form::render(app, form, area, buf),
        Some(Form::Idle(form)) => idle_form::render(app, form, area, buf),
        None => {}
    }
    footer::render(app, layout.footer, buf);
}

/// The warning that the file on disk is not in force, wrapped to at most two rows.
fn problem_lines(app: &App, width: u16) -> Vec<String> {
    let Some(problem) = app
        .power
        .as_deref()
        .and_then(|r| r.settings.problem.as_deref())
    else {
        return Vec::new();
    };
    let message = format!(
        "⚠ the settings file on disk was refused; the last good settings stay in force: {problem}"
    );
    wrap(&message, usize::from(width).saturating_sub(1), 2)
        .into_iter()
        .map(|line| format!(" {line}"))
        .collect()
}

/// Where the terminal cursor goes: in the open form's focused text field.
pub fn cursor(app: &App, area: Rect) -> Option<Position> {
    if app.help.is_some() {
        return None;
    }
    let editor = app.sched.editor.as_ref().filter(|e| e.saving.is_none())?;
    match &editor.form {
        Form::Schedule(form) => form::cursor(form, area),
        Form::Idle(form) => idle_form::cursor(form, area),
    }
}

/// `text` broken at blanks into lines of at most `width` cells, at most `rows` of them; the
/// last one ends in "…" when text was left over.
pub fn wrap(text: &str, width: usize, rows: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if text::width(&candidate) <= width || line.is_empty() {
            line = candidate;
        } else {
            lines.push(std::mem::take(&mut line));
            line = word.to_owned();
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    let cut = lines.len() > rows;
    lines.truncate(rows);
    if cut && let Some(last) = lines.last_mut() {
        last.push_str(" …");
    }
    lines
        .iter()
        .map(|line| text::truncate(line, width))
        .collect()
}

#[cfg(test)]
mod tests;
