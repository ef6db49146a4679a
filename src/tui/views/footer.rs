//! The bottom line: the command line or filter while one is open, else the question of the
//! confirmation bar, else an error message, else the stop banner while the agent announces a
//! stop, else the latest message, else key hints for the mode taken from the live keymap (so
//! they follow the user's bindings).
//!
//! The banner takes the footer's row rather than one of its own, so no view's layout moves
//! when a stop is announced; it is drawn reversed in the error role across the whole width.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use crate::tui::action::Action;
use crate::tui::app::{App, InputKind, Level};
use crate::tui::keymap::Context;
use crate::tui::theme::Role;
use crate::tui::widgets::text::{self, Part, fit_parts};

/// Hints shown on the dashboard: (actions that share one hint, label).
const DASHBOARD_HINTS: &[(&[Action], &str)] = &[
    (&[Action::Quit], "quit"),
    (&[Action::Help], "help"),
    (&[Action::CommandLine], "command"),
    (&[Action::FocusNext], "focus"),
    (&[Action::Down, Action::Up], "move"),
    (&[Action::SortNext], "sort"),
    (&[Action::Filter], "filter"),
];

const HELP_HINTS: &[(&[Action], &str)] = &[
    (&[Action::Back], "close"),
    (&[Action::Down, Action::Up], "scroll"),
];

const JOBS_HINTS: &[(&[Action], &str)] = &[
    (&[Action::Quit], "quit"),
    (&[Action::Help], "help"),
    (&[Action::Down, Action::Up], "move"),
    (&[Action::JobLogs], "log"),
    (&[Action::JobCancel], "cancel"),
    (&[Action::JobNew], "new"),
    (&[Action::Filter], "filter"),
    (&[Action::Dashboard], "dashboard"),
];

const LOG_HINTS: &[(&[Action], &str)] = &[
    (&[Action::Back], "close"),
    (&[Action::Down, Action::Up], "scroll"),
    (&[Action::Follow], "follow"),
    (&[Action::LogStream], "stdout/stderr"),
    (&[Action::Top, Action::Bottom], "top/end"),
];

const FORM_HINTS: &[(&[Action], &str)] = &[
    (&[Action::FocusNext], "next field"),
    (&[Action::Submit], "submit"),
    (&[Action::Back], "cancel"),
    (&[Action::ShellToggle], "shell"),
];

const FLEET_HINTS: &[(&[Action], &str)] = &[
    (&[Action::Quit], "quit"),
    (&[Action::Help], "help"),
    (&[Action::Down, Action::Up], "move"),
    (&[Action::FleetOpen], "open"),
    (&[Action::Filter], "filter"),
    (&[Action::Dashboard], "dashboard"),
    (&[Action::Jobs], "jobs"),
];

const SCHED_HINTS: &[(&[Action], &str)] = &[
    (&[Action::Quit], "quit"),
    (&[Action::Help], "help"),
    (&[Action::Down, Action::Up], "move"),
    (&[Action::SchedAdd], "add"),
    (&[Action::SchedEdit], "edit"),
    (&[Action::SchedToggle], "on/off"),
    (&[Action::SchedDelete], "delete"),
    (&[Action::IdleEdit], "idle"),
    (&[Action::Dashboard], "dashboard"),
];

const SCHED_FORM_HINTS: &[(&[Action], &str)] = &[
    (&[Action::FocusNext], "next field"),
    (&[Action::Submit], "save"),
    (&[Action::Back], "cancel"),
];

const CONFIRM_HINTS: &[(&[Action], &str)] = &[(&[Action::Confirm], "yes"), (&[Action::Back], "no")];

/// Draws the footer line into `area`.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    buf.set_style(area, theme.style(Role::StatusBar));
    if let Some(input) = &app.input {
        let prompt = match input.kind {
            InputKind::Command => ":",
            InputKind::Filter | InputKind::JobFilter | InputKind::FleetFilter => "/",
        };
        let style = theme.style(Role::CommandLine);
        buf.set_style(area, style);
        let visible = visible_input(&input.text, area.width);
        let line = Line::from(vec![
            Span::styled(prompt, style),
            Span::styled(visible, style),
        ]);
        text::put(buf, area, 0, &line);
        return;
    }
    if let Some(question) = question(app).filter(|_| app.help.is_none()) {
        let room = usize::from(area.width).saturating_sub(text::width(&question));
        let mut spans = vec![Span::styled(question, theme.style(Role::StateWarn))];
        spans.extend(hints(app, Context::Confirm, CONFIRM_HINTS, room));
        text::put(buf, area, 0, &Line::from(spans));
        return;
    }
    let error = app.message.as_ref().filter(|m| m.level == Level::Error);
    if error.is_none()
        && let Some(banner) = banner(app)
    {
        let style = theme
            .style(Role::StateError)
            .add_modifier(Modifier::REVERSED);
        buf.set_style(area, style);
        let width = usize::from(area.width.saturating_sub(2));
        let line = Line::styled(format!(" {}", text::truncate(&banner, width)), style);
        text::put(buf, area, 0, &line);
        return;
    }
    if let Some(message) = &app.message {
        let role = match message.level {
            Level::Info => Role::Text,
            Level::Warning => Role::StateWarn,
            Level::Error => Role::StateError,
        };
        let line = Line::from(vec![
            Span::raw(" "),
            Span::styled(
                text::truncate(&message.text, usize::from(area.width.saturating_sub(2))),
                theme.style(role),
            ),
        ]);
        text::put(buf, area, 0, &line);
        return;
    }
    let context = app.context();
    let table = match context {
        Context::Help => HELP_HINTS,
        Context::Dashboard => DASHBOARD_HINTS,
        Context::Jobs => JOBS_HINTS,
        Context::JobLogs => LOG_HINTS,
        Context::JobForm => FORM_HINTS,
        Context::Confirm => CONFIRM_HINTS,
        Context::Fleet => FLEET_HINTS,
        Context::Schedules => SCHED_HINTS,
        Context::SchedForm => SCHED_FORM_HINTS,
    };
    let pending = pending_text(app);
    let room = usize::from(area.width).saturating_sub(text::width(&pending) + 2);
    let mut spans = vec![Span::raw(" ")];
    spans.extend(hints(app, context, table, room));
    if !pending.is_empty() {
        let used: usize = spans.iter().map(Span::width).sum();
        let gap = usize::from(area.width).saturating_sub(used + text::width(&pending) + 1);
        spans.push(Span::raw(" ".repeat(gap)));
        spans.push(Span::styled(pending, theme.style(Role::HelpKey)));
    }
    text::put(buf, area, 0, &Line::from(spans));
}

/// The question of the confirmation bar, when one is asked.
fn question(app: &App) -> Option<String> {
    if let Some(confirm) = &app.jobs.confirm {
        let label = text::truncate(&confirm.label, 32);
        return Some(if confirm.running {
            format!(" Cancel running job {} ({label})? ", confirm.id)
        } else {
            format!(" Remove job {} ({label}) from the queue? ", confirm.id)
        });
    }
    let name = app.sched.confirm.as_ref()?;
    Some(format!(
        " Delete schedule {} from the settings file? ",
        text::truncate(name, 32)
    ))
}

/// The agent's stop banner, naming the snooze key the user has (the agent names `z`).
fn banner(app: &App) -> Option<String> {
    let banner = app.power.as_deref()?.banner.clone()?;
    let key = app
        .keymap
        .key_for(app.context(), Action::Snooze)
        .map(ToString::to_string);
    Some(match key {
        Some(key) if key != "z" => banner.replace("press z to", &format!("press {key} to")),
        Some(_) => banner,
        None => banner.replace(" — press z to snooze", ""),
    })
}

/// Key hints of `context` that fit in `room` cells, the least important dropped first.
fn hints(
    app: &App,
    context: Context,
    table: &[(&[Action], &str)],
    room: usize,
) -> Vec<Span<'static>> {
    let theme = &app.theme;
    let mut parts = Vec::new();
    for (i, (actions, label)) in table.iter().enumerate() {
        let keys: Vec<String> = actions
            .iter()
            .filter_map(|a| app.keymap.key_for(context, *a))
            .map(ToString::to_string)
            .collect();
        if keys.is_empty() {
            continue;
        }
        let priority = u8::try_from(table.len() - i).unwrap_or(0);
        parts.push(Part::new(
            priority,
            vec![
                Span::styled(keys.join("/"), theme.style(Role::HelpKey)),
                Span::styled(format!(" {label}"), theme.style(Role::TextMuted)),
            ],
        ));
    }
    fit_parts(parts, Span::raw("  "), room)
}

/// The keys of an unfinished chord, e.g. "g…".
fn pending_text(app: &App) -> String {
    if app.pending.is_empty() {
        return String::new();
    }
    let keys: Vec<String> = app.pending.iter().map(ToString::to_string).collect();
    format!("{}…", keys.join(" "))
}

/// The end of `text` that fits after the prompt with room for the cursor.
fn visible_input(input: &str, width: u16) -> String {
    let room = usize::from(width).saturating_sub(2);
    let mut start = 0;
    while text::width(&input[start..]) > room {
        start += input[start..].chars().next().map_or(1, char::len_utf8);
    }
    input[start..].to_owned()
}

/// The cursor position after the typed text.
pub fn cursor(app: &App, area: Rect) -> Option<Position> {
    let input = app.input.as_ref()?;
    let shown = visible_input(&input.text, area.width);
    let x = area.x + 1 + text::width(&shown) as u16;
    Some(Position::new(x.min(area.right().saturating_sub(1)), area.y))
}
