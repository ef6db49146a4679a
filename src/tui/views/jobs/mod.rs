//! The jobs pane: the capacity line, the table of jobs and the selected job's detail (below
//! the table, or beside it on wide terminals), or the log view in their place; the submit
//! form as a popup over them. The header and footer are the dashboard's.
//!
//! - [`table`]: the jobs, one row each.
//! - [`detail`]: the selected job in full.
//! - [`capacity`]: CPU slots and who holds each GPU.
//! - [`logs`]: a job's stdout or stderr.
//! - [`form`]: the submit form.

pub mod capacity;
pub mod detail;
pub mod form;
pub mod logs;
pub mod table;

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

use crate::tui::app::App;
use crate::tui::layout::JobsLayout;
use crate::tui::views::{footer, header};

/// Draws the jobs pane over the whole of `area`.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let layout = JobsLayout::compute(area);
    header::render(app, layout.header, buf);
    capacity::render(app, layout.capacity, buf);
    match &app.jobs.logs {
        Some(logs) => logs::render(app, logs, layout.logs, layout.chrome, buf),
        None => {
            table::render(app, layout.table, layout.chrome, buf);
            if !layout.detail.is_empty() {
                detail::render(app, layout.detail, layout.chrome, buf);
            }
        }
    }
    if let Some(form) = &app.jobs.form {
        form::render(app, form, area, buf);
    }
    footer::render(app, layout.footer, buf);
}

/// Where the terminal cursor goes in the jobs pane: in the form's focused field.
pub fn cursor(app: &App, area: Rect) -> Option<Position> {
    let form = app.jobs.form.as_ref().filter(|_| app.help.is_none())?;
    form::cursor(form, area)
}

#[cfg(test)]
mod tests;
