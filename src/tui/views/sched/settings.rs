//! The idle shutdown settings (edited with the idle form) and the settings the editor does
//! not change (how the machine stops and starts, the warning, the snooze, running jobs, the
//! file), one per row as label and value.

use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::config::duration;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::Context;
use crate::tui::layout::{Chrome, padded};
use crate::tui::theme::{Role, Theme};
use crate::tui::views::frame;
use crate::tui::widgets::text;

/// Content rows of the idle panel.
pub const IDLE_ROWS: u16 = 4;
/// Content rows of the settings panel.
pub const SETTINGS_ROWS: u16 = 5;
/// Width of the label column of the idle panel and of the other one.
const IDLE_LABEL: usize = 10;
const LABEL: usize = 16;

fn span_of(secs: u64) -> String {
    duration::format(Duration::from_secs(secs))
}

/// Draws the idle shutdown panel into `rect`.
pub fn render_idle(app: &App, rect: Rect, chrome: Chrome, buf: &mut Buffer) {
    if rect.is_empty() {
        return;
    }
    let theme = &app.theme;
    let details = app
        .keymap
        .key_for(Context::Schedules, Action::IdleEdit)
        .map(|key| format!("— {key} to edit"));
    let title = frame::title(theme, "Idle shutdown", details);
    let inner = padded(frame::panel(buf, theme, chrome, rect, title, false));
    let Some(report) = app.power.as_deref() else {
        return;
    };
    let idle = &report.settings.idle;
    let rows = [
        (
            "enabled",
            if idle.enabled { "yes" } else { "no" }.to_owned(),
        ),
        (
            "after",
            format!("{} with nothing active", span_of(idle.after_secs)),
        ),
        ("CPU quiet", format!("≤ {} % use", idle.cpu_percent)),
        (
            "GPU quiet",
            format!(
                "≤ {} % use, ≤ {} MiB memory",
                idle.gpu_percent, idle.gpu_memory_mib
            ),
        ),
    ];
    for (row, (label, value)) in rows.iter().enumerate() {
        let line = pair(theme, label, IDLE_LABEL, value, inner.width);
        text::put(buf, inner, row as u16, &line);
    }
}

/// Draws the read-only settings panel into `rect`.
pub fn render_settings(app: &App, rect: Rect, chrome: Chrome, buf: &mut Buffer) {
    if rect.is_empty() {
        return;
    }
    let theme = &app.theme;
    let title = frame::title(theme, "Stopping and starting", Some("— read-only".into()));
    let inner = padded(frame::panel(buf, theme, chrome, rect, title, false));
    let Some(report) = app.power.as_deref() else {
        return;
    };
    let settings = &report.settings;
    let jobs = if settings.on_running_jobs == "wait" {
        format!(
            "wait for them, at most {}",
            span_of(settings.drain_timeout_secs)
        )
    } else {
        format!("{} (they end with the machine)", settings.on_running_jobs)
    };
    let rows = [
        ("stop_command", settings.stop_command.clone()),
        (
            "start_command",
            settings
                .start_command
                .clone()
                .unwrap_or_else(|| "none".to_owned()),
        ),
        (
            "warn_before",
            format!(
                "{}, each snooze {}",
                span_of(settings.warn_before_secs),
                span_of(settings.snooze_secs)
            ),
        ),
        ("on_running_jobs", jobs),
        ("file", settings.file.clone()),
    ];
    for (row, (label, value)) in rows.iter().enumerate() {
        let line = pair(theme, label, LABEL, value, inner.width);
        text::put(buf, inner, row as u16, &line);
    }
}

/// "label           value", the label `label_width` cells wide, the value cut to the width.
fn pair(theme: &Theme, label: &str, label_width: usize, value: &str, width: u16) -> Line<'static> {
    let room = usize::from(width).saturating_sub(label_width + 1);
    Line::from(vec![
        Span::styled(text::left(label, label_width), theme.style(Role::TextMuted)),
        Span::raw(" "),
        Span::styled(text::truncate(value, room), theme.style(Role::Text)),
    ])
}
