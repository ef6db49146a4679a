//! The disks panel: per mount a usage gauge, used and total size, and read/write rates; and
//! the history of all disks' reads and writes as a mirrored chart.
//!
//! Columns that do not fit go, least useful first: sizes, then the gauge.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::core::history::keys;
use crate::core::units;
use crate::proto::telemetry::DiskSample;
use crate::tui::app::App;
use crate::tui::layout::{Chrome, ListSplit, Panel};
use crate::tui::theme::{Role, Theme};
use crate::tui::views::frame;
use crate::tui::widgets::dual_chart::{self, Half};
use crate::tui::widgets::meter::{Meter, Thresholds};
use crate::tui::widgets::table;
use crate::tui::widgets::text;

const RATE: usize = 9;
const PERCENT: usize = 5;
const SIZE: usize = 12;
const MAX_BAR: usize = 20;

/// Which optional columns fit in a row of `width` cells, and the mount column's width.
#[derive(Debug, Clone, Copy)]
struct Columns {
    mount: usize,
    bar: usize,
    size: bool,
}

impl Columns {
    fn fit(width: usize) -> Columns {
        // marker, mount ≥ 6, percent, two rates are always there.
        let fixed = 1 + PERCENT + 2 * RATE;
        let mut rest = width.saturating_sub(fixed);
        let size = rest >= 6 + SIZE + 5;
        if size {
            rest -= SIZE;
        }
        let bar = if rest >= 6 + 5 {
            (rest - 6 - 1).min(MAX_BAR).min(rest / 2)
        } else {
            0
        };
        let mount = rest.saturating_sub(if bar > 0 { bar + 1 } else { 0 });
        Columns { mount, bar, size }
    }
}

/// Draws the disks panel into `rect`.
pub fn render(app: &App, rect: Rect, chrome: Chrome, buf: &mut Buffer) {
    let theme = &app.theme;
    let focused = app.focus == Panel::Disks;
    let sample = app.sample.as_ref();
    let details = sample.map(|s| {
        let read: f64 = s.disks.iter().filter_map(|d| d.read_bps).sum();
        let write: f64 = s.disks.iter().filter_map(|d| d.write_bps).sum();
        format!("r {} w {}", units::rate(read), units::rate(write))
    });
    let title = frame::title(theme, Panel::Disks.title(), details);
    let inner = frame::panel(buf, theme, chrome, rect, title, focused);
    let Some(sample) = sample else {
        return;
    };
    let split = ListSplit::new(inner, sample.disks.len(), chrome);
    let columns = Columns::fit(usize::from(split.list.width));
    if split.header {
        let mut header = format!(" {}", text::left("MOUNT", columns.mount));
        if columns.bar > 0 {
            header.push_str(&" ".repeat(columns.bar + 1));
        }
        header.push_str(&text::right("USE", PERCENT));
        if columns.size {
            header.push_str(&text::right("USED/SIZE", SIZE));
        }
        header.push_str(&text::right("READ", RATE));
        header.push_str(&text::right("WRITE", RATE));
        let header = Line::styled(header, theme.style(Role::TableHeader));
        text::put(buf, split.list, 0, &header);
    }
    if sample.disks.is_empty() {
        let none = Line::styled(" no disks", theme.style(Role::TextMuted));
        text::put(buf, table::body(split.list, split.header), 0, &none);
    }
    let rows = sample
        .disks
        .iter()
        .map(|d| row(theme, d, columns, split.header));
    let body = table::body(split.list, split.header);
    table::render_rows(theme, body, rows, app.lists.disks, focused, buf);
    if let Some(chart) = split.chart {
        let series = |key| {
            app.history
                .get(key)
                .map_or_else(Vec::new, |r| r.iter().collect::<Vec<f32>>())
        };
        let (read, write) = (series(keys::DISK_READ), series(keys::DISK_WRITE));
        dual_chart::render(
            Half {
                values: &read,
                style: theme.style(Role::ChartDiskRead),
                label: "read",
            },
            Half {
                values: &write,
                style: theme.style(Role::ChartDiskWrite),
                label: "write",
            },
            theme.style(Role::TextMuted),
            app.history.last_seq(),
            chart,
            buf,
        );
    }
}

/// One disk; without a header the rates say which is which (`r`, `w`).
fn row(theme: &Theme, disk: &DiskSample, columns: Columns, header: bool) -> Line<'static> {
    let ratio = (disk.total > 0).then(|| disk.used as f64 / disk.total as f64);
    let text_style = theme.style(Role::Text);
    let mut spans = vec![Span::styled(
        text::left(&disk.mount, columns.mount),
        text_style,
    )];
    if columns.bar > 0 {
        spans.push(Span::raw(" "));
        spans.extend(Meter::new(theme, ratio, Thresholds::CAPACITY).spans(columns.bar as u16));
    }
    let percent = ratio.map_or_else(
        || units::NOT_AVAILABLE.to_owned(),
        |r| format!("{:.0}%", r * 100.0),
    );
    spans.push(Span::styled(text::right(&percent, PERCENT), text_style));
    if columns.size {
        let size = format!("{}/{}", units::bytes(disk.used), units::bytes(disk.total));
        spans.push(Span::styled(text::right(&size, SIZE), text_style));
    }
    let (read, write) = (
        units::opt_rate(disk.read_bps),
        units::opt_rate(disk.write_bps),
    );
    let (read, write) = if header {
        (read, write)
    } else {
        (format!("r {read}"), format!("w {write}"))
    };
    spans.push(Span::styled(text::right(&read, RATE), text_style));
    spans.push(Span::styled(text::right(&write, RATE), text_style));
    Line::from(spans)
}
