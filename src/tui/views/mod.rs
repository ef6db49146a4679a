//! What the console draws: pure functions of the state, one file per panel.
//!
//! Views read [`App`] and write into a [`Buffer`]; they do no I/O, change nothing and read no
//! clock (everything time-dependent was computed by `update`), so the same state always draws
//! the same screen, which is what the snapshot tests rely on.

pub mod cpu;
pub mod dashboard;
pub mod disks;
pub mod fleet;
pub mod footer;
pub mod frame;
pub mod gpu_card;
pub mod gpus;
pub mod header;
pub mod help;
pub mod jobs;
pub mod memory;
pub mod network;
pub mod processes;
pub mod question;
pub mod sched;

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

use crate::tui::app::{App, View};

/// Draws the whole screen.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    match app.view {
        View::Dashboard => dashboard::render(app, area, buf),
        View::Jobs => jobs::render(app, area, buf),
        View::Fleet => fleet::render(app, area, buf),
        View::Schedules => sched::render(app, area, buf),
    }
    if let Some(scroll) = app.help {
        help::render(app, scroll, area, buf);
    }
    question::render(app, area, buf);
}

/// Where the terminal cursor goes: at the end of the command line while one is open, else
/// in the focused field of the open form.
pub fn cursor(app: &App) -> Option<Position> {
    if app.questions.open.is_some() {
        return None;
    }
    footer::cursor(app, app.layout().footer).or_else(|| match app.view {
        View::Jobs => jobs::cursor(app, app.area),
        View::Schedules => sched::cursor(app, app.area),
        View::Dashboard | View::Fleet => None,
    })
}

#[cfg(test)]
mod tests;
