//! The memory panel: memory and swap gauges, cache and available memory, the cgroup limit
//! when one is set, and the history of memory use.

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
use crate::tui::widgets::meter::{Meter, Thresholds, gauge_line};
use crate::tui::widgets::text;

/// Widest gauge; the rest of a wide panel goes to the chart.
const MAX_BAR: u16 = 40;

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Draws the memory panel into `rect`.
pub fn render(app: &App, rect: Rect, chrome: Chrome, buf: &mut Buffer) {
    let theme = &app.theme;
    let sample = app.sample.as_ref();
    let details = sample.map(|s| units::bytes(s.memory.total));
    let title = frame::title(theme, Panel::Memory.title(), details);
    let inner = padded(frame::panel(
        buf,
        theme,
        chrome,
        rect,
        title,
        app.focus == Panel::Memory,
    ));
    let Some(sample) = sample else {
        return;
    };
    let m = &sample.memory;
    let cgroup = sample
        .cgroup
        .as_ref()
        .and_then(|c| c.memory_max.map(|max| (c.memory_current.unwrap_or(0), max)));
    let rows = 3 + u16::from(cgroup.is_some());
    // The chart goes below when there is room for two rows of it, else beside.
    let (stats, chart) = if inner.height >= rows + 2 {
        let (stats, chart) = split_rows(inner, rows);
        (stats, Some(chart))
    } else if inner.width >= 36 {
        let chart_width = inner.width / 3;
        let stats = Rect {
            width: inner.width - chart_width - 1,
            ..inner
        };
        let chart = Rect {
            x: inner.right() - chart_width,
            width: chart_width,
            ..inner
        };
        (stats, Some(chart))
    } else {
        (inner, None)
    };
    let gauge = |label: &str, used: u64, total: u64| {
        let meter = Meter::new(theme, ratio(used, total), Thresholds::CAPACITY);
        let value = format!("{}/{}", units::bytes(used), units::bytes(total));
        gauge_line(meter, label, value, stats.width, MAX_BAR)
    };
    let mut lines = vec![gauge("mem ", m.used, m.total)];
    lines.push(if m.swap_total == 0 {
        Line::from(Span::styled("swap none", theme.style(Role::TextMuted)))
    } else {
        gauge("swap", m.swap_used, m.swap_total)
    });
    if let Some((current, max)) = cgroup {
        lines.push(gauge("cgrp", current, max));
    }
    lines.push(Line::from(vec![
        Span::styled("cache ", theme.style(Role::TextMuted)),
        Span::styled(units::bytes(m.cached), theme.style(Role::Text)),
        Span::styled("  avail ", theme.style(Role::TextMuted)),
        Span::styled(units::bytes(m.available), theme.style(Role::Text)),
    ]));
    for (row, line) in lines.iter().enumerate() {
        text::put(buf, stats, row as u16, line);
    }
    if let (Some(chart), Some(ring)) = (chart, app.history.get(keys::MEMORY)) {
        let values: Vec<f32> = ring.last(HistoryChart::capacity(chart.width)).collect();
        HistoryChart::new(&values, 100.0, theme.style(Role::ChartMemory))
            .newest_seq(app.history.last_seq())
            .render(chart, buf);
    }
}
