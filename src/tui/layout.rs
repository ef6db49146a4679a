//! Where each panel of the dashboard goes, for any terminal size.
//!
//! Pure geometry, shared by `update` (focus moves, page sizes, how many process rows to ask
//! the agent for) and by the views (where to draw), so the two can never disagree. The jobs
//! pane has its own, in [`jobs`], and the fleet view in [`fleet`].
//!
//! - Below 34 rows or 100 columns the layout is *compact*: panels have a one-line title rule
//!   instead of a box, GPU cards shrink to one or two lines, and processes get what is left.
//! - From 120 columns the layout is *wide*: CPU, memory and network share the top row, and
//!   disks sit beside the processes.
//! - Extra room goes to taller panels (more history, more cores per column, more rows), never
//!   to blank space.

pub mod fleet;
mod gpu_grid;
pub mod jobs;
mod list_split;

use ratatui::layout::Rect;

pub use fleet::FleetLayout;
pub use gpu_grid::GpuGrid;
use gpu_grid::{gpu_grid, gpu_rows_height, shrink_gpus};
pub use jobs::JobsLayout;
pub use list_split::ListSplit;

/// A focusable part of the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Panel {
    Cpu,
    Memory,
    Network,
    Disks,
    Gpus,
    Processes,
}

impl Panel {
    pub fn title(self) -> &'static str {
        match self {
            Panel::Cpu => "CPU",
            Panel::Memory => "Memory",
            Panel::Network => "Network",
            Panel::Disks => "Disks",
            Panel::Gpus => "GPUs",
            Panel::Processes => "Processes",
        }
    }
}

/// `rect` less one column on the left: room between a frame and text that has no marker
/// column of its own.
pub fn padded(rect: Rect) -> Rect {
    Rect {
        x: rect.x.saturating_add(1).min(rect.right()),
        width: rect.width.saturating_sub(1),
        ..rect
    }
}

/// `rect` cut into its first `rows` rows and the rest below them (`rows` at most the height).
pub fn split_rows(rect: Rect, rows: u16) -> (Rect, Rect) {
    let rows = rows.min(rect.height);
    let top = Rect {
        height: rows,
        ..rect
    };
    let below = Rect {
        y: rect.y + rows,
        height: rect.height - rows,
        ..rect
    };
    (top, below)
}

/// How panels are framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chrome {
    /// A rounded box (thick when focused).
    Boxed,
    /// A one-line title rule on top; saves a row and two columns.
    Rule,
}

impl Chrome {
    /// The content area of a panel at `rect`.
    pub fn inner(self, rect: Rect) -> Rect {
        match self {
            Chrome::Boxed => Rect {
                x: rect.x.saturating_add(1),
                y: rect.y.saturating_add(1),
                width: rect.width.saturating_sub(2),
                height: rect.height.saturating_sub(2),
            },
            Chrome::Rule => Rect {
                y: rect.y.saturating_add(1),
                height: rect.height.saturating_sub(1),
                ..rect
            },
        }
    }

    /// Rows the frame takes.
    pub fn rows(self) -> u16 {
        match self {
            Chrome::Boxed => 2,
            Chrome::Rule => 1,
        }
    }
}

/// What the layout depends on besides the terminal size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts {
    pub cores: usize,
    pub gpus: usize,
    pub disks: usize,
    pub networks: usize,
}

/// The whole screen, divided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardLayout {
    pub header: Rect,
    pub footer: Rect,
    pub chrome: Chrome,
    /// Panels in reading order (the order Tab follows).
    pub panels: Vec<(Panel, Rect)>,
    pub gpus: GpuGrid,
}

impl DashboardLayout {
    pub fn compute(area: Rect, facts: &Facts) -> DashboardLayout {
        let header = Rect {
            height: area.height.min(1),
            ..area
        };
        let footer = Rect {
            y: area.bottom().saturating_sub(1).max(area.y),
            height: area.height.saturating_sub(1).min(1),
            ..area
        };
        let body = Rect {
            y: area.y + header.height,
            height: area.height.saturating_sub(header.height + footer.height),
            ..area
        };
        let chrome = if area.height >= 34 && area.width >= 100 {
            Chrome::Boxed
        } else {
            Chrome::Rule
        };
        let wide = area.width >= 120;
        let frame = chrome.rows();
        let total = body.height;

        let mut top = (total * 22 / 100).clamp(3, 14) + frame;
        let list = facts.disks.max(facts.networks).clamp(2, 5) as u16;
        let mut middle = if wide {
            0
        } else {
            list + frame + u16::from(chrome == Chrome::Boxed)
        };
        let min_processes = 3 + frame;
        let mut gpus = gpu_grid(chrome, area.width, facts.gpus, total);
        let mut gpu_height = gpu_rows_height(&gpus, facts.gpus, frame);
        // Shrink until the processes get their minimum: GPUs first, then the top, then the
        // disks/network row.
        while top + gpu_height + middle + min_processes > total {
            if gpus.visible_rows > 1 || gpus.lines > 1 {
                gpus = shrink_gpus(gpus, facts.gpus);
                gpu_height = gpu_rows_height(&gpus, facts.gpus, frame);
            } else if top > 3 + frame {
                top -= 1;
            } else if middle > 2 + frame {
                middle -= 1;
            } else {
                break;
            }
        }
        let mut y = body.y;
        let mut row = |height: u16| {
            let height = height.min(body.bottom().saturating_sub(y));
            let rect = Rect {
                x: body.x,
                y,
                width: body.width,
                height,
            };
            y += height;
            rect
        };
        let top_row = row(top);
        let gpu_row = row(gpu_height);
        let middle_row = row(middle);
        let bottom_row = row(total);
        let gap = u16::from(chrome == Chrome::Rule);
        let mut panels = Vec::with_capacity(6);
        if wide {
            let [cpu, memory, network] = split(top_row, &[40, 30, 30], gap);
            panels.extend([
                (Panel::Cpu, cpu),
                (Panel::Memory, memory),
                (Panel::Network, network),
            ]);
            panels.push((Panel::Gpus, gpu_row));
            let [processes, disks] = split(bottom_row, &[62, 38], gap);
            panels.extend([(Panel::Processes, processes), (Panel::Disks, disks)]);
        } else {
            let [cpu, memory] = split(top_row, &[50, 50], gap);
            panels.extend([(Panel::Cpu, cpu), (Panel::Memory, memory)]);
            panels.push((Panel::Gpus, gpu_row));
            let [disks, network] = split(middle_row, &[50, 50], gap);
            panels.extend([(Panel::Disks, disks), (Panel::Network, network)]);
            panels.push((Panel::Processes, bottom_row));
        }
        DashboardLayout {
            header,
            footer,
            chrome,
            panels,
            gpus,
        }
    }

    pub fn rect(&self, panel: Panel) -> Rect {
        self.panels
            .iter()
            .find(|(p, _)| *p == panel)
            .map_or(Rect::default(), |(_, r)| *r)
    }

    /// The content area of `panel`.
    pub fn inner(&self, panel: Panel) -> Rect {
        if panel == Panel::Gpus && self.gpus.boxed {
            return self.rect(panel);
        }
        self.chrome.inner(self.rect(panel))
    }

    /// Rows of a list panel that are visible at once (a page).
    pub fn page(&self, panel: Panel, facts: &Facts) -> usize {
        let inner = self.inner(panel);
        match panel {
            Panel::Processes => usize::from(inner.height.saturating_sub(1)),
            Panel::Disks => ListSplit::new(inner, facts.disks, self.chrome).rows(),
            Panel::Network => ListSplit::new(inner, facts.networks, self.chrome).rows(),
            Panel::Gpus => self.gpus.visible_cards(),
            Panel::Cpu | Panel::Memory => 0,
        }
    }

    /// The panel next to `from` in direction (`dx`, `dy`), each -1, 0 or 1: the nearest one
    /// that shares rows (or columns) with it, preferring the one level with its top-left
    /// corner, then the one sharing the most.
    pub fn neighbour(&self, from: Panel, dx: i8, dy: i8) -> Option<Panel> {
        let o = self.rect(from);
        let overlap = |a0: u16, a1: u16, b0: u16, b1: u16| a1.min(b1).saturating_sub(a0.max(b0));
        self.panels
            .iter()
            .filter(|(p, r)| *p != from && r.area() > 0)
            .filter_map(|(panel, r)| {
                let rows = overlap(r.y, r.bottom(), o.y, o.bottom());
                let columns = overlap(r.x, r.right(), o.x, o.right());
                let level_row = r.y <= o.y && o.y < r.bottom();
                let level_column = r.x <= o.x && o.x < r.right();
                let (distance, shared, level) = match (dx, dy) {
                    (1, 0) if r.x >= o.right() => (r.x - o.right(), rows, level_row),
                    (-1, 0) if r.right() <= o.x => (o.x - r.right(), rows, level_row),
                    (0, 1) if r.y >= o.bottom() => (r.y - o.bottom(), columns, level_column),
                    (0, -1) if r.bottom() <= o.y => (o.y - r.bottom(), columns, level_column),
                    _ => return None,
                };
                (shared > 0).then_some(((distance, !level, u16::MAX - shared, r.x), *panel))
            })
            .min_by_key(|(rank, _)| *rank)
            .map(|(_, panel)| panel)
    }
}

/// Splits `rect` across by percentages, leaving `gap` columns between the parts.
fn split<const N: usize>(rect: Rect, percents: &[u16; N], gap: u16) -> [Rect; N] {
    let usable = rect.width.saturating_sub(gap * (N as u16 - 1));
    let mut x = rect.x;
    let mut out = [Rect::default(); N];
    for (i, percent) in percents.iter().enumerate() {
        let width = if i == N - 1 {
            rect.right().saturating_sub(x)
        } else {
            (u32::from(usable) * u32::from(*percent) / 100) as u16
        };
        out[i] = Rect { x, width, ..rect };
        x = x.saturating_add(width + gap).min(rect.right());
    }
    out
}

#[cfg(test)]
mod tests;
