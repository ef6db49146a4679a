//! The schedules, one row each: name, action, cron rule, zone, on or off, and the next
//! firing on the zone's wall clock (as the agent computed it). Disabled rows are muted.
//! Columns are as wide as their longest value (within limits); the firing time gets
//! shorter on narrow screens, the zone being on the row already. Below the rows, where there
//! is room, the selected schedule's next firings in full.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::config::power::MAX_SCHEDULES;
use crate::core::power::schedule::find_zone;
use crate::proto::power::ScheduleView;
use crate::tui::action::Action;
use crate::tui::app::sched::time::{TimeForm, firing_text};
use crate::tui::app::{App, ListState};
use crate::tui::keymap::Context;
use crate::tui::layout::Chrome;
use crate::tui::theme::{Role, Theme};
use crate::tui::views::frame;
use crate::tui::widgets::{table, text};

const ACTION: usize = 6;
const ON: usize = 3;

/// Column widths for a table `width` cells wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Columns {
    name: usize,
    cron: usize,
    zone: usize,
    next: usize,
    time: TimeForm,
}

impl Columns {
    fn new(width: u16, schedules: &[ScheduleView]) -> Columns {
        let longest = |f: fn(&ScheduleView) -> &str, header: &str, max: usize| {
            schedules
                .iter()
                .map(|s| text::width(f(s)))
                .fold(text::width(header), usize::max)
                .min(max)
        };
        let name = longest(|s| &s.name, "NAME", 20);
        let cron = longest(|s| &s.cron, "CRON", 24);
        let zone = longest(|s| &s.zone, "ZONE", 22);
        // Marker, then each column with the two blanks before the next.
        let fixed = 1 + name + 2 + ACTION + 2 + cron + 2 + zone + 2 + ON + 2;
        let next = usize::from(width).saturating_sub(fixed);
        let time = TimeForm::ALL
            .into_iter()
            .find(|form| form.width() <= next)
            .unwrap_or(TimeForm::Short);
        Columns {
            name,
            cron,
            zone,
            next,
            time,
        }
    }
}

/// Draws the schedules panel into `rect`.
pub fn render(app: &App, rect: Rect, chrome: Chrome, buf: &mut Buffer) {
    let theme = &app.theme;
    let report = app.power.as_deref();
    let schedules = report.map_or(&[][..], |r| r.settings.schedules.as_slice());
    let details = report.map(|_| format!("{} of at most {MAX_SCHEDULES}", schedules.len()));
    let title = frame::title(theme, "Schedules", details);
    let focused = app.sched.editor.is_none();
    let inner = frame::panel(buf, theme, chrome, rect, title, focused);
    let columns = Columns::new(inner.width, schedules);
    if !schedules.is_empty() {
        text::put(buf, inner, 0, &header(theme, columns));
    }
    let body = table::body(inner, !schedules.is_empty());
    if let Some(empty) = empty_text(app, schedules.is_empty()) {
        let line = Line::styled(
            text::truncate(&empty, usize::from(body.width)),
            theme.style(Role::TextMuted),
        );
        text::put(buf, body, 0, &line);
        return;
    }
    // At most eight rows: scroll only as far as keeps the selection in sight.
    let page = usize::from(body.height).max(1);
    let state = ListState {
        selected: app.sched.selected,
        offset: (app.sched.selected + 1).saturating_sub(page),
    };
    let rows = schedules.iter().map(|s| row(theme, s, columns));
    table::render_rows(theme, body, rows, state, focused, buf);
    if let Some(selected) = schedules.get(app.sched.selected) {
        let lines = firings(app, selected, usize::from(body.width));
        let top = schedules.len() + 1;
        if usize::from(body.height) >= top + lines.len() {
            for (i, line) in lines.into_iter().enumerate() {
                text::put(buf, body, (top + i) as u16, &line);
            }
        }
    }
}

/// The selected schedule's next firings (or why it has none), one per line.
fn firings(app: &App, schedule: &ScheduleView, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let muted = theme.style(Role::TextMuted);
    let head = |text: String| Line::styled(text::truncate(&text, width), muted);
    if !schedule.enabled {
        let enable = app
            .keymap
            .key_for(Context::Schedules, Action::SchedToggle)
            .map_or_else(String::new, |key| format!(" ({key} enables it)"));
        return vec![head(format!(
            " {} is disabled: it never fires{enable}",
            schedule.name
        ))];
    }
    let Ok((zone, _)) = find_zone(&schedule.zone) else {
        return Vec::new();
    };
    let mut lines = vec![head(format!(
        " next firings of {}, in {}:",
        schedule.name, schedule.zone
    ))];
    lines.extend(schedule.next_ms.iter().map(|at| {
        let time = firing_text(*at, &zone, TimeForm::Full);
        Line::styled(
            text::truncate(&format!("   {time}"), width),
            theme.style(Role::Text),
        )
    }));
    lines
}

/// What the panel says instead of rows, when it has none.
fn empty_text(app: &App, empty: bool) -> Option<String> {
    if app.power.is_none() {
        return Some(match &app.sched.unavailable {
            Some(reason) => format!(" no power settings: {reason}"),
            None => " waiting for the agent's power settings…".to_owned(),
        });
    }
    if !empty {
        return None;
    }
    Some(
        match app.keymap.key_for(Context::Schedules, Action::SchedAdd) {
            Some(key) => format!(" no schedules: {key} adds one"),
            None => " no schedules".to_owned(),
        },
    )
}

fn header(theme: &Theme, c: Columns) -> Line<'static> {
    let text = format!(
        " {}  {}  {}  {}  {}  {}",
        text::left("NAME", c.name),
        text::left("ACTION", ACTION),
        text::left("CRON", c.cron),
        text::left("ZONE", c.zone),
        text::left("ON", ON),
        text::left("NEXT", c.next),
    );
    Line::styled(text, theme.style(Role::TableHeader))
}

fn row(theme: &Theme, schedule: &ScheduleView, c: Columns) -> Line<'static> {
    let style = theme.style(if schedule.enabled {
        Role::Text
    } else {
        Role::TextMuted
    });
    let on = if schedule.enabled { "on" } else { "off" };
    let next = match (schedule.next_ms.first(), find_zone(&schedule.zone)) {
        (Some(at), Ok((zone, _))) => firing_text(*at, &zone, c.time),
        _ => "-".to_owned(),
    };
    Line::from(vec![
        Span::styled(text::left(&schedule.name, c.name), style),
        Span::raw("  "),
        Span::styled(text::left(schedule.action.as_str(), ACTION), style),
        Span::raw("  "),
        Span::styled(text::left(&schedule.cron, c.cron), style),
        Span::raw("  "),
        Span::styled(text::left(&schedule.zone, c.zone), style),
        Span::raw("  "),
        Span::styled(text::left(on, ON), style),
        Span::raw("  "),
        Span::styled(text::truncate(&next, c.next), style),
    ])
}
