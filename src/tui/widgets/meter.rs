//! A one-line bar: filled to a ratio with eighth-cell precision, coloured by how full it is.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::tui::theme::{Role, Theme};

/// Partial blocks, one to seven eighths.
const EIGHTHS: [char; 7] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉'];
/// What the empty part of the bar shows, so its length reads without colour.
const TRACK: char = '·';

/// Where a bar turns from ok to warning to critical.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub warn: f64,
    pub crit: f64,
}

impl Thresholds {
    /// For busy shares (CPU, GPU): busy is fine, saturated is worth a look.
    pub const LOAD: Thresholds = Thresholds {
        warn: 0.75,
        crit: 0.9,
    };
    /// For capacities (memory, disks, GPU memory), where full means trouble.
    pub const CAPACITY: Thresholds = Thresholds {
        warn: 0.8,
        crit: 0.95,
    };

    /// The gauge role for `ratio`.
    pub fn role(self, ratio: f64) -> Role {
        if ratio >= self.crit {
            Role::GaugeCrit
        } else if ratio >= self.warn {
            Role::GaugeWarn
        } else {
            Role::GaugeOk
        }
    }
}

/// A horizontal bar; `None` draws an empty track (the value is not available).
#[derive(Debug, Clone, Copy)]
pub struct Meter<'a> {
    pub ratio: Option<f64>,
    pub thresholds: Thresholds,
    pub theme: &'a Theme,
}

impl<'a> Meter<'a> {
    pub fn new(theme: &'a Theme, ratio: Option<f64>, thresholds: Thresholds) -> Meter<'a> {
        Meter {
            ratio,
            thresholds,
            theme,
        }
    }
}

impl Meter<'_> {
    /// The bar as styled text `width` cells wide, to place inside a line.
    pub fn spans(&self, width: u16) -> Vec<Span<'static>> {
        let ratio = self.ratio.map(|r| {
            if r.is_finite() {
                r.clamp(0.0, 1.0)
            } else {
                0.0
            }
        });
        let fill = self.theme.style(self.thresholds.role(ratio.unwrap_or(0.0)));
        let track = self.theme.style(Role::GaugeTrack);
        let eighths = (ratio.unwrap_or(0.0) * f64::from(width) * 8.0).round() as usize;
        let width = usize::from(width);
        let full = (eighths / 8).min(width);
        let partial = if full < width { eighths % 8 } else { 0 };
        let mut filled = "█".repeat(full);
        if partial > 0 {
            filled.push(EIGHTHS[partial - 1]);
        }
        let empty = width - full - usize::from(partial > 0);
        let mut spans = Vec::with_capacity(2);
        if !filled.is_empty() {
            spans.push(Span::styled(filled, fill));
        }
        if empty > 0 {
            spans.push(Span::styled(TRACK.to_string().repeat(empty), track));
        }
        spans
    }
}

/// `label bar value` in `width` cells: the bar takes what the label and value leave, at most
/// `max_bar` cells.
pub fn gauge_line(
    meter: Meter<'_>,
    label: &str,
    value: String,
    width: u16,
    max_bar: u16,
) -> Line<'static> {
    let theme = meter.theme;
    let label = Span::styled(format!("{label} "), theme.style(Role::TextMuted));
    let value = Span::styled(format!(" {value}"), theme.style(Role::Text));
    let fixed = label.width() + value.width();
    let bar = (usize::from(width).saturating_sub(fixed) as u16).min(max_bar);
    let mut spans = vec![label];
    spans.extend(meter.spans(bar));
    spans.push(value);
    Line::from(spans)
}

impl Widget for Meter<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        buf.set_line(
            area.x,
            area.y,
            &Line::from(self.spans(area.width)),
            area.width,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draw(ratio: Option<f64>, width: u16) -> String {
        let theme = Theme::plain();
        let area = Rect::new(0, 0, width, 1);
        let mut buf = Buffer::empty(area);
        Meter::new(&theme, ratio, Thresholds::LOAD).render(area, &mut buf);
        buf.content().iter().map(|c| c.symbol()).collect()
    }

    #[test]
    fn fills_in_eighths() {
        assert_eq!(draw(Some(0.0), 4), "····");
        assert_eq!(draw(Some(0.5), 4), "██··");
        assert_eq!(draw(Some(0.55), 4), "██▎·");
        assert_eq!(draw(Some(1.0), 4), "████");
        assert_eq!(draw(Some(7.0), 4), "████");
        assert_eq!(draw(Some(f64::NAN), 2), "··");
        assert_eq!(draw(None, 3), "···");
    }

    #[test]
    fn thresholds_pick_roles() {
        assert_eq!(Thresholds::LOAD.role(0.5), Role::GaugeOk);
        assert_eq!(Thresholds::LOAD.role(0.8), Role::GaugeWarn);
        assert_eq!(Thresholds::LOAD.role(0.95), Role::GaugeCrit);
        assert_eq!(Thresholds::CAPACITY.role(0.9), Role::GaugeWarn);
    }
}
