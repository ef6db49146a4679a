//! The dashboard: header, the six panels where the layout puts them, and the footer.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::tui::app::App;
use crate::tui::layout::{DashboardLayout, Panel};
use crate::tui::views::{cpu, disks, footer, gpus, header, memory, network, processes};

/// Draws the dashboard over the whole of `area`.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let layout = DashboardLayout::compute(area, &app.facts());
    header::render(app, layout.header, buf);
    for (panel, rect) in &layout.panels {
        if rect.is_empty() {
            continue;
        }
        let chrome = layout.chrome;
        match panel {
            Panel::Cpu => cpu::render(app, *rect, chrome, buf),
            Panel::Memory => memory::render(app, *rect, chrome, buf),
            Panel::Network => network::render(app, *rect, chrome, buf),
            Panel::Disks => disks::render(app, *rect, chrome, buf),
            Panel::Gpus => gpus::render(app, *rect, chrome, layout.gpus, buf),
            Panel::Processes => processes::render(app, *rect, chrome, buf),
        }
    }
    footer::render(app, layout.footer, buf);
}
