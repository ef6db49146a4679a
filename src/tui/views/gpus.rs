//! The GPU panel: one card per GPU (see [`gpu_card`](super::gpu_card)), or why there are
//! none. Simulated GPUs say SIMULATED in the panel title and on every card.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

use crate::proto::telemetry::GpuSource;
use crate::tui::app::App;
use crate::tui::layout::{Chrome, GpuGrid, Panel};
use crate::tui::theme::Role;
use crate::tui::views::{frame, gpu_card};
use crate::tui::widgets::text;

/// Draws the GPU panel (or the grid of boxed cards) into `rect`.
pub fn render(app: &App, rect: Rect, chrome: Chrome, grid: GpuGrid, buf: &mut Buffer) {
    let theme = &app.theme;
    let focused = app.focus == Panel::Gpus;
    let panel = app.sample.as_ref().map(|s| &s.gpus);
    let count = panel.map_or(0, |p| p.gpus.len());
    if grid.boxed && count > 0 {
        return render_boxes(app, rect, grid, buf);
    }
    let details = panel.map(|p| match &p.source {
        GpuSource::Simulated => format!("{count} · {}", gpu_card::SIMULATED),
        GpuSource::Nvml { driver_version, .. } => format!("{count} · driver {driver_version}"),
        GpuSource::Unavailable { .. } => String::new(),
        GpuSource::Loading => "loading".into(),
    });
    let title = frame::title(theme, Panel::Gpus.title(), details);
    let inner = frame::panel(buf, theme, chrome, rect, title, focused);
    let Some(panel) = panel else {
        return;
    };
    if count == 0 {
        let text = match &panel.source {
            GpuSource::Unavailable { reason } => format!(" no NVIDIA GPU: {reason}"),
            GpuSource::Loading => " looking for GPUs…".into(),
            _ => " no NVIDIA GPU".into(),
        };
        let text = text::truncate(&text, usize::from(inner.width));
        text::put(
            buf,
            inner,
            0,
            &Line::styled(text, theme.style(Role::TextMuted)),
        );
        return;
    }
    let state = app.lists.gpus;
    for (row, gpu) in panel.gpus.iter().enumerate().skip(state.offset) {
        let y = (row - state.offset) as u16 * grid.lines;
        if y + grid.lines > inner.height {
            break;
        }
        let area = Rect {
            y: inner.y + y,
            height: grid.lines,
            ..inner
        };
        let selected = focused && row == state.selected;
        gpu_card::render_row(theme, gpu, selected, grid.lines, area, buf);
    }
}

/// Boxed cards in a grid, scrolled by whole rows of cards.
fn render_boxes(app: &App, rect: Rect, grid: GpuGrid, buf: &mut Buffer) {
    let Some(sample) = &app.sample else {
        return;
    };
    let focused = app.focus == Panel::Gpus;
    let state = app.lists.gpus;
    let columns = usize::from(grid.columns.max(1));
    let width = rect.width / grid.columns.max(1);
    for (i, gpu) in sample.gpus.gpus.iter().enumerate().skip(state.offset) {
        let slot = i - state.offset;
        let (row, column) = ((slot / columns) as u16, (slot % columns) as u16);
        if row >= grid.visible_rows {
            break;
        }
        let x = rect.x + column * width;
        let card_width = if column + 1 == grid.columns {
            rect.right() - x
        } else {
            width
        };
        let area = Rect {
            x,
            y: rect.y + row * grid.card_height(),
            width: card_width,
            height: grid.card_height(),
        };
        let highlighted = focused && i == state.selected;
        gpu_card::render_box(
            &app.theme,
            &app.history,
            gpu,
            highlighted,
            area.intersection(rect),
            buf,
        );
    }
}
