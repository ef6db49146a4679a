//! Two rates in one chart: the first grows up from the middle, the second down from it
//! (receive/transmit, read/write), each with its own scale written at the right edge.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::core::units;
use crate::tui::widgets::chart::{Grow, HistoryChart, nice_max};
use crate::tui::widgets::text;

/// One half of the chart.
#[derive(Debug, Clone, Copy)]
pub struct Half<'a> {
    pub values: &'a [f32],
    pub style: Style,
    /// Shown before the scale, e.g. "rx".
    pub label: &'a str,
}

/// Draws `up` above the middle of `area` and `down` below it; `muted` styles the scales;
/// `newest_seq` is the sequence number of the newest point (see [`HistoryChart::newest_seq`]).
pub fn render(
    up: Half<'_>,
    down: Half<'_>,
    muted: Style,
    newest_seq: u64,
    area: Rect,
    buf: &mut Buffer,
) {
    if area.is_empty() {
        return;
    }
    let top = Rect {
        height: area.height.div_ceil(2),
        ..area
    };
    let bottom = Rect {
        y: top.bottom(),
        height: area.height - top.height,
        ..area
    };
    for (half, rect, grow) in [(up, top, Grow::Up), (down, bottom, Grow::Down)] {
        if rect.is_empty() {
            continue;
        }
        let shown = &half.values[half
            .values
            .len()
            .saturating_sub(HistoryChart::capacity(rect.width))..];
        // 1 KiB/s floor: an idle link does not blow noise up to full height.
        let max = nice_max(shown, 1024.0);
        HistoryChart::new(shown, max, half.style)
            .grow(grow)
            .newest_seq(newest_seq)
            .render(rect, buf);
        let scale = format!("{} {}", half.label, units::rate(f64::from(max)));
        let width = text::width(&scale) as u16;
        if rect.width > width + 4 {
            let y = match grow {
                Grow::Up => 0,
                Grow::Down => rect.height - 1,
            };
            let at = Rect {
                x: rect.right() - width,
                width,
                ..rect
            };
            text::put(buf, at, y, &Line::from(Span::styled(scale, muted)));
        }
    }
}
