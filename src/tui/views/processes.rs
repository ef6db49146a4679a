//! The process table: pid, user, CPU, resident memory, GPU memory and command, in the order
//! the user chose (marked ▾ in the header), optionally filtered.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::core::units;
use crate::proto::telemetry::{ProcessSample, ProcessSort};
use crate::tui::app::App;
use crate::tui::layout::{Chrome, Panel};
use crate::tui::theme::{Role, Theme};
use crate::tui::views::frame;
use crate::tui::widgets::table;
use crate::tui::widgets::text;

const PID: usize = 7;
const USER: usize = 9;
const NUMBER: usize = 7;
const SORTED: &str = "▾";

/// Draws the process table into `rect`.
pub fn render(app: &App, rect: Rect, chrome: Chrome, buf: &mut Buffer) {
    let theme = &app.theme;
    let focused = app.focus == Panel::Processes;
    let query = &app.query;
    let details = app.sample.as_ref().map(|s| {
        let table = &s.processes;
        // Until the agent answers a new filter, the rows held (filtered here) are the count,
        // when they are all there are.
        let matched = if (table.rows.len() as u32) < query.limit {
            table.rows.len() as u32
        } else {
            table.matched
        };
        let mut details = match &query.filter {
            Some(filter) => format!("{matched} of {} match “{filter}”", table.total),
            None if !query.kernel_threads && matched < table.total => {
                format!("{matched} (+{} kernel threads)", table.total - matched)
            }
            None => table.total.to_string(),
        };
        details.push_str(&format!(" · by {}", query.sort.name()));
        details
    });
    let title = frame::title(theme, Panel::Processes.title(), details);
    let inner = frame::panel(buf, theme, chrome, rect, title, focused);
    let Some(sample) = &app.sample else {
        return;
    };
    let command_width =
        usize::from(inner.width).saturating_sub(1 + PID + 2 + (USER - 1) + 3 * NUMBER + 2);
    text::put(buf, inner, 0, &header(theme, query.sort, command_width));
    let body = table::body(inner, true);
    let rows = &sample.processes.rows;
    if rows.is_empty() {
        let text = match &query.filter {
            Some(filter) => format!(" no process matches “{filter}”"),
            None => " no processes".into(),
        };
        text::put(
            buf,
            body,
            0,
            &Line::styled(text, theme.style(Role::TextMuted)),
        );
        return;
    }
    let lines = rows.iter().map(|p| row(theme, p, command_width));
    table::render_rows(theme, body, lines, app.lists.processes, focused, buf);
}

fn header(theme: &Theme, sort: ProcessSort, command_width: usize) -> Line<'static> {
    let mark = |column: ProcessSort, name: &str| {
        if column == sort {
            format!("{name}{SORTED}")
        } else {
            name.to_owned()
        }
    };
    let text = format!(
        " {}  {}{}{}{}  {}",
        text::right("PID", PID),
        text::left("USER", USER - 1),
        text::right(&mark(ProcessSort::Cpu, "CPU%"), NUMBER),
        text::right(&mark(ProcessSort::Memory, "RSS"), NUMBER),
        text::right(&mark(ProcessSort::GpuMemory, "GPU"), NUMBER),
        text::left("COMMAND", command_width),
    );
    Line::styled(text, theme.style(Role::TableHeader))
}

fn row(theme: &Theme, p: &ProcessSample, command_width: usize) -> Line<'static> {
    let style = theme.style(Role::Text);
    let gpu = p.gpu_memory.map_or_else(|| "-".to_owned(), units::bytes);
    Line::from(vec![
        Span::styled(
            text::right(&p.pid.to_string(), PID),
            theme.style(Role::TextMuted),
        ),
        Span::raw("  "),
        Span::styled(text::left(&p.user, USER - 1), style),
        Span::styled(text::right(&format!("{:.1}", p.cpu), NUMBER), style),
        Span::styled(text::right(&units::bytes(p.rss), NUMBER), style),
        Span::styled(text::right(&gpu, NUMBER), style),
        Span::raw("  "),
        Span::styled(text::truncate(&p.command, command_width), style),
    ])
}
