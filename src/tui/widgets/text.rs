//! Text that fits: measuring, truncating with an ellipsis, and lines assembled from parts
//! that are dropped, least important first, until the rest fits.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Display width of `text` in terminal cells.
pub fn width(text: &str) -> usize {
    Span::raw(text).width()
}

/// `text` cut to `max` cells, ending in "…" when something was cut.
pub fn truncate(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let w = width(c.encode_utf8(&mut buf));
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `text` truncated or padded with spaces to exactly `cells` cells, aligned left.
pub fn left(text: &str, cells: usize) -> String {
    let text = truncate(text, cells);
    let pad = cells.saturating_sub(width(&text));
    format!("{text}{}", " ".repeat(pad))
}

/// `text` truncated or padded with spaces to exactly `cells` cells, aligned right.
pub fn right(text: &str, cells: usize) -> String {
    let text = truncate(text, cells);
    let pad = cells.saturating_sub(width(&text));
    format!("{}{text}", " ".repeat(pad))
}

/// Draws `line` on row `y` of `area`, cut at its right edge.
pub fn put(buf: &mut Buffer, area: Rect, y: u16, line: &Line<'_>) {
    if y < area.height {
        buf.set_line(area.x, area.y + y, line, area.width);
    }
}

/// A part of a line that can be left out when space is short.
#[derive(Debug, Clone)]
pub struct Part<'a> {
    /// Higher is kept longer.
    pub priority: u8,
    pub spans: Vec<Span<'a>>,
}

impl<'a> Part<'a> {
    pub fn new(priority: u8, spans: Vec<Span<'a>>) -> Part<'a> {
        Part { priority, spans }
    }

    pub fn text(priority: u8, text: impl Into<String>, style: Style) -> Part<'a> {
        Part::new(priority, vec![Span::styled(text.into(), style)])
    }

    fn width(&self) -> usize {
        self.spans.iter().map(Span::width).sum()
    }
}

/// Joins `parts` with `separator`, in their order, keeping the most important ones that fit
/// in `max` cells: parts are taken by priority (earlier first among equals) while they fit.
pub fn fit_parts<'a>(parts: Vec<Part<'a>>, separator: Span<'a>, max: usize) -> Vec<Span<'a>> {
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by_key(|i| (std::cmp::Reverse(parts[*i].priority), *i));
    let mut keep = vec![false; parts.len()];
    let mut used = 0;
    for i in order {
        let extra = parts[i].width() + if used > 0 { separator.width() } else { 0 };
        if used + extra <= max {
            keep[i] = true;
            used += extra;
        }
    }
    let mut spans = Vec::new();
    for (part, _) in parts.into_iter().zip(keep).filter(|(_, k)| *k) {
        if !spans.is_empty() {
            spans.push(separator.clone());
        }
        spans.extend(part.spans);
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_and_padding_count_cells() {
        assert_eq!(truncate("python", 10), "python");
        assert_eq!(truncate("python train.py", 8), "python …");
        assert_eq!(truncate("日本語テキスト", 5), "日本…");
        assert_eq!(truncate("abc", 0), "");
        assert_eq!(left("ab", 4), "ab  ");
        assert_eq!(right("ab", 4), "  ab");
        assert_eq!(right("abcdef", 4), "abc…");
    }

    #[test]
    fn parts_drop_by_priority() {
        let parts = vec![
            Part::text(9, "host", Style::default()),
            Part::text(1, "kernel", Style::default()),
            Part::text(5, "up 3d", Style::default()),
            Part::text(0, "x", Style::default()),
        ];
        let joined = |max| {
            fit_parts(parts.clone(), Span::raw("  "), max)
                .iter()
                .map(|s| s.content.to_string())
                .collect::<String>()
        };
        assert_eq!(joined(80), "host  kernel  up 3d  x");
        assert_eq!(joined(12), "host  up 3d");
        // A part that does not fit leaves room for a smaller, less important one.
        assert_eq!(joined(8), "host  x");
        assert_eq!(joined(5), "host");
        assert_eq!(joined(3), "x");
    }
}
