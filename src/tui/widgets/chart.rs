//! A history chart drawn in braille: two points per cell, four levels per row, newest at the
//! right edge, the area under the line filled.
//!
//! Flat data draws the same cells tick after tick, so an idle machine costs almost no
//! terminal output; any value above zero shows at least one dot, so "a little" never looks
//! like "nothing". Given the sequence number of the newest point, cells hold fixed pairs of
//! points (even, odd), so a new point either completes the last cell or starts a new one:
//! the chart shifts every other tick, which halves what noisy data rewrites.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;

/// Braille dot bits of the left and right column, from the bottom row of dots up.
const LEFT_UP: [u8; 4] = [0x40, 0x04, 0x02, 0x01];
const RIGHT_UP: [u8; 4] = [0x80, 0x20, 0x10, 0x08];

/// Which way the area grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grow {
    /// From the bottom edge up (the usual chart).
    Up,
    /// From the top edge down (the lower half of a mirrored rx/tx chart).
    Down,
}

/// A filled braille chart of `values` (oldest first; only the newest that fit are drawn).
#[derive(Debug, Clone)]
pub struct HistoryChart<'a> {
    values: &'a [f32],
    max: f32,
    style: Style,
    grow: Grow,
    newest_seq: Option<u64>,
}

impl<'a> HistoryChart<'a> {
    /// `max` is the value that fills the whole height.
    pub fn new(values: &'a [f32], max: f32, style: Style) -> HistoryChart<'a> {
        HistoryChart {
            values,
            max,
            style,
            grow: Grow::Up,
            newest_seq: None,
        }
    }

    /// Pairs points into cells by sequence number; `seq` is that of the newest value.
    pub fn newest_seq(mut self, seq: u64) -> Self {
        self.newest_seq = Some(seq);
        self
    }

    pub fn grow(mut self, grow: Grow) -> Self {
        self.grow = grow;
        self
    }

    /// Points that fit in `width` cells.
    pub fn capacity(width: u16) -> usize {
        usize::from(width) * 2
    }
}

impl Widget for HistoryChart<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let levels = u32::from(area.height) * 4;
        // Right-align: the newest point is the right dot column of the last cell, or its left
        // column when it starts a new pair.
        let pad = usize::from(self.newest_seq.is_some_and(|seq| seq % 2 == 0));
        let slots = Self::capacity(area.width).saturating_sub(pad);
        let shown = &self.values[self.values.len().saturating_sub(slots)..];
        let skip = slots - shown.len();
        let level = |value: f32| -> u32 {
            if !(value.is_finite() && value > 0.0 && self.max > 0.0) {
                return 0;
            }
            let scaled = (value / self.max * levels as f32).round() as u32;
            scaled.clamp(1, levels)
        };
        for column in 0..area.width {
            let point = |side: usize| {
                (usize::from(column) * 2 + side)
                    .checked_sub(skip)
                    .and_then(|i| shown.get(i))
                    .map_or(0, |v| level(*v))
            };
            let (left, right) = (point(0), point(1));
            for row in 0..area.height {
                // `stack` counts rows of cells from the edge the area grows from.
                let stack = u32::from(row);
                let y = match self.grow {
                    Grow::Up => area.bottom() - 1 - row,
                    Grow::Down => area.y + row,
                };
                let mut bits = 0u8;
                for (dots, table) in [(left, LEFT_UP), (right, RIGHT_UP)] {
                    let filled = dots.saturating_sub(stack * 4).min(4) as usize;
                    for i in 0..filled {
                        // Growing down fills a cell from its top row of dots.
                        bits |= match self.grow {
                            Grow::Up => table[i],
                            Grow::Down => table[3 - i],
                        };
                    }
                }
                if let Some(cell) = buf.cell_mut((area.x + column, y)) {
                    if bits == 0 {
                        cell.set_char(' ');
                    } else {
                        let glyph = char::from_u32(0x2800 + u32::from(bits)).unwrap_or(' ');
                        cell.set_char(glyph).set_style(self.style);
                    }
                }
            }
        }
    }
}

/// A steady upper bound for a rate chart: the smallest power of two at or above the largest
/// value (and `floor`), so the scale reads well in binary units ("512K/s", "16M/s") and changes
/// only when a peak enters or leaves the window.
pub fn nice_max(values: &[f32], floor: f32) -> f32 {
    let peak = values
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(floor.max(1.0), f32::max);
    let mut bound = 1.0f32;
    while bound < peak {
        bound *= 2.0;
    }
    bound
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draw(values: &[f32], width: u16, height: u16, grow: Grow) -> Vec<String> {
        let area = Rect::new(0, 0, width, height);
        let mut buf = Buffer::empty(area);
        HistoryChart::new(values, 100.0, Style::default())
            .grow(grow)
            .render(area, &mut buf);
        (0..height)
            .map(|y| {
                (0..width)
                    .map(|x| buf[(x, y)].symbol().to_owned())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn newest_is_at_the_right_and_area_is_filled() {
        assert_eq!(draw(&[100.0], 2, 1, Grow::Up), vec![" ⢸"]);
        assert_eq!(draw(&[0.0, 100.0, 50.0, 25.0], 2, 1, Grow::Up), vec!["⢸⣄"]);
        assert_eq!(draw(&[100.0, 50.0], 1, 2, Grow::Up), vec!["⡇", "⣿"]);
    }

    #[test]
    fn cells_hold_fixed_pairs_so_the_chart_shifts_every_other_point() {
        let draw_seq = |values: &[f32], seq| {
            let area = Rect::new(0, 0, 2, 1);
            let mut buf = Buffer::empty(area);
            HistoryChart::new(values, 100.0, Style::default())
                .newest_seq(seq)
                .render(area, &mut buf);
            (0..2)
                .map(|x| buf[(x, 0)].symbol().to_owned())
                .collect::<String>()
        };
        // Points 1..=3 (odd newest): (0,1) (2,3) pairs, full cells.
        assert_eq!(draw_seq(&[100.0, 100.0, 100.0], 3), "⢸⣿");
        // Point 4 starts a new cell: the last cell is half full, the others did not move.
        assert_eq!(draw_seq(&[100.0, 100.0, 100.0, 25.0], 4), "⣿⡀");
    }

    #[test]
    fn small_values_show_one_dot_and_zero_shows_nothing() {
        assert_eq!(draw(&[0.1, 0.0], 1, 2, Grow::Up), vec![" ", "⡀"]);
        assert_eq!(draw(&[0.0, 0.0], 1, 1, Grow::Up), vec![" "]);
    }

    #[test]
    fn grows_down_from_the_top() {
        assert_eq!(draw(&[25.0, 100.0], 1, 1, Grow::Down), vec!["⢹"]);
        assert_eq!(draw(&[50.0, 0.0], 1, 2, Grow::Down), vec!["⡇", " "]);
    }

    #[test]
    fn nice_bounds() {
        assert_eq!(nice_max(&[0.0], 1.0), 1.0);
        assert_eq!(nice_max(&[3.0, 1.0], 1.0), 4.0);
        assert_eq!(nice_max(&[1500.0], 1024.0), 2048.0);
        assert_eq!(nice_max(&[10.0, f32::NAN], 1024.0), 1024.0);
        assert_eq!(nice_max(&[20e6], 1.0), 33_554_432.0);
    }
}
