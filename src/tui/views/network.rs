//! The network panel: receive and transmit rates per interface, and the history of both
//! (all interfaces but loopback) as a mirrored chart.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::core::history::keys;
use crate::core::units;
use crate::tui::app::App;
use crate::tui::layout::{Chrome, ListSplit, Panel};
use crate::tui::theme::Role;
use crate::tui::views::frame;
use crate::tui::widgets::dual_chart::{self, Half};
use crate::tui::widgets::table;
use crate::tui::widgets::text;

/// Width of a rate column: "↓" and "999M/s" and a space.
const RATE: usize = 9;

/// Draws the network panel into `rect`.
pub fn render(app: &App, rect: Rect, chrome: Chrome, buf: &mut Buffer) {
    let theme = &app.theme;
    let focused = app.focus == Panel::Network;
    let sample = app.sample.as_ref();
    let details = sample.map(|s| {
        let rx: f64 = s.networks.iter().map(|n| n.rx_bps).sum();
        let tx: f64 = s.networks.iter().map(|n| n.tx_bps).sum();
        format!("↓{} ↑{}", units::rate(rx), units::rate(tx))
    });
    let title = frame::title(theme, Panel::Network.title(), details);
    let inner = frame::panel(buf, theme, chrome, rect, title, focused);
    let Some(sample) = sample else {
        return;
    };
    let split = ListSplit::new(inner, sample.networks.len(), chrome);
    let list = split.list;
    let name_width = usize::from(list.width).saturating_sub(2 * RATE + 1).max(4);
    if split.header {
        let header = format!(
            " {}{}{}",
            text::left("IFACE", name_width),
            text::right("RX", RATE),
            text::right("TX", RATE)
        );
        text::put(
            buf,
            list,
            0,
            &Line::styled(header, theme.style(Role::TableHeader)),
        );
    }
    let body = table::body(list, split.header);
    if sample.networks.is_empty() {
        let none = Line::styled(" no interfaces", theme.style(Role::TextMuted));
        text::put(buf, body, 0, &none);
    }
    let rows = sample.networks.iter().map(|n| {
        Line::from(vec![
            Span::styled(text::left(&n.name, name_width), theme.style(Role::Text)),
            Span::styled(
                text::right(&format!("↓{}", units::rate(n.rx_bps)), RATE),
                theme.style(Role::Text),
            ),
            Span::styled(
                text::right(&format!("↑{}", units::rate(n.tx_bps)), RATE),
                theme.style(Role::Text),
            ),
        ])
    });
    table::render_rows(theme, body, rows, app.lists.network, focused, buf);
    if let Some(chart) = split.chart {
        let rx: Vec<f32> = app
            .history
            .get(keys::NET_RX)
            .map_or_else(Vec::new, |r| r.iter().collect());
        let tx: Vec<f32> = app
            .history
            .get(keys::NET_TX)
            .map_or_else(Vec::new, |r| r.iter().collect());
        dual_chart::render(
            Half {
                values: &rx,
                style: theme.style(Role::ChartNetRx),
                label: "rx",
            },
            Half {
                values: &tx,
                style: theme.style(Role::ChartNetTx),
                label: "tx",
            },
            theme.style(Role::TextMuted),
            app.history.last_seq(),
            chart,
            buf,
        );
    }
}
