//! The fleet view: one row per instance (this machine first, as `local`) with its connection
//! state and, while it is up, CPU, memory, GPUs (SIMULATED ones labelled), jobs and uptime.
//! A row that is down says why in place of its figures. The name column takes what the width
//! leaves (up to a point); wide terminals also get the tags.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::client::target::LinkProblem;
use crate::core::units;
use crate::tui::app::App;
use crate::tui::app::fleet::{FleetRow, FleetState, GpuSummary, RowState, RowStats};
use crate::tui::layout::{Chrome, FleetLayout};
use crate::tui::theme::{Role, Theme};
use crate::tui::views::{footer, frame, header};
use crate::tui::widgets::{table, text};

const STATE: usize = 13;
const PERCENT: usize = 4;
const GPU: usize = 8;
const VRAM: usize = 9;
const RUN: usize = 3;
const QUEUE: usize = 5;
const UPTIME: usize = 7;
/// From this width the label reads SIMULATED rather than SIM.
const WIDE: u16 = 110;

/// Column widths for a table `width` cells wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Columns {
    width: usize,
    name: usize,
    simulated: usize,
    /// 0 when there is no room for the tags.
    tags: usize,
}

impl Columns {
    fn new(width: u16) -> Columns {
        let simulated = if width >= WIDE { 9 } else { 3 };
        // Marker, then each fixed column with the blank before it.
        let fixed = 1 + 1 + STATE + 2 * (1 + PERCENT) + 1 + GPU + 1 + VRAM + 1 + simulated;
        let fixed = fixed + 1 + RUN + 1 + QUEUE + 1 + UPTIME;
        let rest = usize::from(width).saturating_sub(fixed);
        let name = rest.clamp(8, 24).min(rest);
        let tags = rest - name;
        Columns {
            width: usize::from(width),
            name,
            simulated,
            tags: if tags > 6 { tags - 1 } else { 0 },
        }
    }

    /// Cells left after the marker, the name, the state and a blank: where the figures go,
    /// or the reason a row is down.
    fn rest(self) -> usize {
        self.width.saturating_sub(1 + self.name + 1 + STATE + 1)
    }
}

/// Draws the fleet view over the whole of `area`.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let layout = FleetLayout::compute(area);
    header::render(app, layout.header, buf);
    render_table(app, layout.table, layout.chrome, buf);
    footer::render(app, layout.footer, buf);
}

fn render_table(app: &App, rect: Rect, chrome: Chrome, buf: &mut Buffer) {
    let theme = &app.theme;
    let fleet = &app.fleet;
    let visible = fleet.visible();
    let title = frame::title(theme, "Fleet", Some(details(fleet, visible.len())));
    let inner = frame::panel(buf, theme, chrome, rect, title, true);
    let columns = Columns::new(inner.width);
    text::put(buf, inner, 0, &header_line(theme, columns));
    let body = table::body(inner, true);
    let rows = visible
        .iter()
        .map(|&i| row_line(theme, &fleet.rows[i], columns));
    table::render_rows(theme, body, rows, fleet.list, true, buf);
    if let Some(note) = note(fleet, visible.is_empty()) {
        let y = u16::try_from(visible.len().saturating_sub(fleet.list.offset)).unwrap_or(0) + 1;
        if y < body.height {
            let line = Line::styled(
                text::truncate(&note, usize::from(body.width)),
                theme.style(Role::TextMuted),
            );
            text::put(buf, body, y, &line);
        }
    }
}

/// "4 · 2 up · 1 connecting · 1 down · on gpu1", or how many match the filter.
fn details(fleet: &FleetState, shown: usize) -> String {
    let total = fleet.rows.len();
    if let Some(filter) = &fleet.filter {
        return format!("{shown} of {total} match “{filter}”");
    }
    let (up, connecting, down) = fleet.counts();
    let mut parts = vec![total.to_string(), format!("{up} up")];
    if connecting > 0 {
        parts.push(format!("{connecting} connecting"));
    }
    if down > 0 {
        parts.push(format!("{down} down"));
    }
    if let Some(name) = fleet.on_name() {
        parts.push(format!("on {name}"));
    }
    parts.join(" · ")
}

/// What the table says under its rows: why nothing matches, or how to add instances.
fn note(fleet: &FleetState, empty: bool) -> Option<String> {
    if let Some(filter) = fleet.filter.as_ref().filter(|_| empty) {
        return Some(format!(" no instance matches “{filter}”"));
    }
    (!fleet.has_instances() && fleet.filter.is_none()).then(|| {
        " no instances yet: `station fleet add NAME` or `station fleet import` adds them".into()
    })
}

fn header_line(theme: &Theme, c: Columns) -> Line<'static> {
    let mut text = format!(
        " {} {} {} {} {} {} {} {} {} {}",
        text::left("NAME", c.name),
        text::left("STATE", STATE),
        text::right("CPU", PERCENT),
        text::right("MEM", PERCENT),
        text::left("GPU", GPU),
        text::right("VRAM", VRAM),
        text::left("", c.simulated),
        text::right("RUN", RUN),
        text::right("QUEUE", QUEUE),
        text::right("UP", UPTIME),
    );
    if c.tags > 0 {
        text.push(' ');
        text.push_str(&text::left("TAGS", c.tags));
    }
    Line::styled(text, theme.style(Role::TableHeader))
}

/// The state's glyph and words, and its theme role.
pub fn state_text(state: &RowState) -> (String, Role) {
    match state {
        RowState::Idle => ("· idle".into(), Role::TextMuted),
        RowState::Connecting => ("○ connecting".into(), Role::FleetConnecting),
        RowState::Up => ("● up".into(), Role::FleetUp),
        RowState::Down(problem) => {
            let (glyph, role) = match problem {
                LinkProblem::Unreachable(_) => ("✕", Role::FleetUnreachable),
                LinkProblem::HostKeyUnknown(_) => ("?", Role::FleetFailed),
                _ => ("✕", Role::FleetFailed),
            };
            (format!("{glyph} {}", problem.label()), role)
        }
    }
}

fn row_line(theme: &Theme, row: &FleetRow, c: Columns) -> Line<'static> {
    let (state, role) = state_text(&row.state);
    let mut spans = vec![
        Span::styled(text::left(&row.name, c.name), theme.style(Role::Text)),
        Span::raw(" "),
        Span::styled(text::left(&state, STATE), theme.style(role)),
    ];
    let mut rest = |text: &str, role: Role| {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            text::truncate(text, c.rest()),
            theme.style(role),
        ));
    };
    match (&row.state, &row.stats) {
        (RowState::Up, Some(stats)) => {
            figures(theme, stats, c, &mut spans);
            if c.tags > 0 {
                let tags = row.tags.join(",");
                spans.push(Span::raw(" "));
                spans.push(Span::styled(
                    text::truncate(&tags, c.tags),
                    theme.style(Role::TextMuted),
                ));
            }
        }
        (RowState::Down(problem), _) => rest(problem.reason(), role),
        (RowState::Connecting, _) => rest(&row.target.describe(), Role::TextMuted),
        (RowState::Up | RowState::Idle, _) => {}
    }
    Line::from(spans)
}

/// The figures of an instance that is up, and its tags.
fn figures(theme: &Theme, stats: &RowStats, c: Columns, spans: &mut Vec<Span<'static>>) {
    let style = theme.style(Role::Text);
    let muted = theme.style(Role::TextMuted);
    let mut cell = |text: String, style| {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(text, style));
    };
    cell(text::right(&format!("{}%", stats.cpu), PERCENT), style);
    cell(text::right(&format!("{}%", stats.memory), PERCENT), style);
    let (gpu, vram) = stats.gpus.as_ref().map_or_else(
        || ("-".to_owned(), String::new()),
        |gpus| (gpu_text(gpus), vram_text(gpus)),
    );
    let gpu_style = if stats.gpus.is_some() { style } else { muted };
    cell(text::left(&gpu, GPU), gpu_style);
    cell(text::right(&vram, VRAM), style);
    let simulated = stats.gpus.as_ref().is_some_and(|g| g.simulated);
    let label = match (simulated, c.simulated) {
        (false, width) => " ".repeat(width),
        (true, 3) => "SIM".to_owned(),
        (true, _) => "SIMULATED".to_owned(),
    };
    let label_style = if simulated {
        theme.style(Role::Simulated)
    } else {
        style
    };
    cell(label, label_style);
    let (run, queue) = stats.jobs.map_or_else(
        || ("-".to_owned(), "-".to_owned()),
        |jobs| (jobs.running.to_string(), jobs.queued.to_string()),
    );
    cell(text::right(&run, RUN), style);
    cell(text::right(&queue, QUEUE), style);
    cell(
        text::right(&units::uptime(stats.uptime_secs), UPTIME),
        muted,
    );
}

/// "2× 47%": how many GPUs and their mean utilisation.
fn gpu_text(gpus: &GpuSummary) -> String {
    match gpus.utilization {
        Some(util) => format!("{}× {util}%", gpus.count),
        None => format!("{}×", gpus.count),
    }
}

/// "62G/160G": GPU memory used of the total, when the GPUs report it.
fn vram_text(gpus: &GpuSummary) -> String {
    if gpus.memory_total == 0 {
        return "-".into();
    }
    format!(
        "{}/{}",
        units::bytes(gpus.memory_used),
        units::bytes(gpus.memory_total)
    )
}

#[cfg(test)]
mod tests;
