//! The CPU panel: a bar per core (column by column, more columns on wider terminals), the
//! total with its history chart, and the load average in the title.
//!
//! When the cores do not fit as bars (many cores, little room), each core becomes one block
//! character whose height is its load.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::core::history::keys;
use crate::core::units;
use crate::tui::app::App;
use crate::tui::layout::{Chrome, Panel, padded, split_rows};
use crate::tui::theme::Role;
use crate::tui::views::frame;
use crate::tui::widgets::chart::HistoryChart;
use crate::tui::widgets::meter::{Meter, Thresholds};
use crate::tui::widgets::text;

/// Narrowest "index bar percent" item.
const MIN_ITEM: u16 = 14;
/// Widest bar per core; more room goes to more columns and a longer chart.
const MAX_BAR: u16 = 24;
const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Draws the CPU panel into `rect`.
pub fn render(app: &App, rect: Rect, chrome: Chrome, buf: &mut Buffer) {
    let theme = &app.theme;
    let sample = app.sample.as_ref();
    let details = sample.map(|s| {
        let mut text = format!(
            "{} cores · load {:.2} {:.2} {:.2}",
            s.cpu.cores.len(),
            s.load[0],
            s.load[1],
            s.load[2]
        );
        if let Some(cores) = s.cgroup.as_ref().and_then(|c| c.cpu_max_cores) {
            text.push_str(&format!(" · limit {cores:.1}"));
        }
        text
    });
    let title = frame::title(theme, Panel::Cpu.title(), details);
    let inner = padded(frame::panel(
        buf,
        theme,
        chrome,
        rect,
        title,
        app.focus == Panel::Cpu,
    ));
    let Some(sample) = sample else {
        return;
    };
    if inner.is_empty() {
        return;
    }
    let Some((cores_area, chart_area)) = split(inner, sample.cpu.cores.len()) else {
        render_cores(app, &sample.cpu.cores, inner, buf);
        return;
    };
    render_cores(app, &sample.cpu.cores, cores_area, buf);
    let total = Line::from(vec![
        Span::styled("total ", theme.style(Role::TextMuted)),
        Span::styled(
            units::percent(sample.cpu.total),
            theme.style(Role::TextStrong),
        ),
    ]);
    text::put(buf, chart_area, 0, &total);
    let plot = Rect {
        y: chart_area.y + 1,
        height: chart_area.height.saturating_sub(1),
        ..chart_area
    };
    if let Some(ring) = app.history.get(keys::CPU) {
        let values: Vec<f32> = ring.last(HistoryChart::capacity(plot.width)).collect();
        HistoryChart::new(&values, 100.0, theme.style(Role::ChartCpu))
            .newest_seq(app.history.last_seq())
            .render(plot, buf);
    }
}

/// Where the cores and the total chart go: few cores sit on top of a full-width chart; many
/// take what full-size bars need beside it (at most three fifths), so wide terminals show more
/// history either way. `None`: too narrow for a chart.
fn split(inner: Rect, cores: usize) -> Option<(Rect, Rect)> {
    let cores = cores.max(1);
    let index_width = (cores - 1).to_string().len() as u16;
    let full_item = index_width + 8 + MAX_BAR;
    let rows_needed = cores.div_ceil(usize::from((inner.width / full_item).max(1)));
    if inner.height >= 6 && rows_needed <= usize::from(inner.height / 2) {
        let rows = rows_needed as u16;
        return Some(split_rows(inner, rows));
    }
    if inner.width < 30 {
        return None;
    }
    let columns = cores.div_ceil(usize::from(inner.height)) as u16;
    let needed = columns.saturating_mul(full_item);
    let chart_width = inner.width - needed.min(inner.width * 3 / 5);
    let cores_area = Rect {
        width: inner.width - chart_width,
        ..inner
    };
    let chart_area = Rect {
        x: inner.right() - chart_width + 1,
        width: chart_width - 1,
        ..inner
    };
    Some((cores_area, chart_area))
}

fn render_cores(app: &App, cores: &[f32], area: Rect, buf: &mut Buffer) {
    if area.is_empty() || cores.is_empty() {
        return;
    }
    let rows = usize::from(area.height);
    let columns = cores.len().div_ceil(rows);
    let item = area.width / columns as u16;
    if item < 3 {
        return render_blocks(app, cores, area, buf);
    }
    let theme = &app.theme;
    let index_width = (cores.len() - 1).to_string().len();
    // Wide enough: "index bar percent"; else bars alone (the total is beside them).
    let labelled = item >= MIN_ITEM;
    let bar = if labelled {
        (item - index_width as u16 - 8).min(MAX_BAR)
    } else {
        item - 1
    };
    for (i, value) in cores.iter().enumerate() {
        let (column, row) = (i / rows, i % rows);
        let x = area.x + column as u16 * item;
        let meter = Meter::new(theme, Some(f64::from(*value) / 100.0), Thresholds::LOAD);
        let mut spans = Vec::with_capacity(4);
        if labelled {
            spans.push(Span::styled(
                format!("{i:>index_width$} "),
                theme.style(Role::TextMuted),
            ));
        }
        spans.extend(meter.spans(bar));
        if labelled {
            let percent = format!(" {:>5}", units::percent(*value));
            spans.push(Span::styled(percent, theme.style(Role::Text)));
        }
        let cell = Rect {
            x,
            width: item - 1,
            ..area
        };
        text::put(buf, cell, row as u16, &Line::from(spans));
    }
}

/// One block character per core, row by row.
fn render_blocks(app: &App, cores: &[f32], area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let per_row = usize::from(area.width).max(1);
    for (i, value) in cores.iter().enumerate() {
        let (row, column) = (i / per_row, i % per_row);
        if row >= usize::from(area.height) {
            break;
        }
        let ratio = f64::from(value.clamp(0.0, 100.0)) / 100.0;
        let level = (ratio * 7.0).round() as usize;
        let style = theme.style(Thresholds::LOAD.role(ratio));
        if let Some(cell) = buf.cell_mut((area.x + column as u16, area.y + row as u16)) {
            cell.set_char(LEVELS[level.min(7)]).set_style(style);
        }
    }
}
