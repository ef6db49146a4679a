//! How GPU cards are arranged: boxed detailed cards in a grid on large terminals, one or two
//! lines per GPU in the compact layout, shrinking step by step when room is short.

use super::Chrome;

/// How the GPU cards are arranged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GpuGrid {
    /// Each card is its own box (the GPU panel has no frame of its own then).
    pub boxed: bool,
    /// Content lines per card.
    pub lines: u16,
    pub columns: u16,
    /// Rows of cards that fit.
    pub visible_rows: u16,
}

impl GpuGrid {
    /// Cards visible at once.
    pub fn visible_cards(&self) -> usize {
        usize::from(self.columns) * usize::from(self.visible_rows)
    }

    /// Height of one card including its frame.
    pub fn card_height(&self) -> u16 {
        self.lines + if self.boxed { 2 } else { 0 }
    }
}

/// Content lines of a detailed (boxed) card: utilisation, memory, readings, processes; taller
/// terminals get taller cards (longer process lists, taller history).
const DETAILED_CARD_LINES: std::ops::RangeInclusive<u16> = 5..=10;
/// Narrowest boxed card.
const MIN_CARD_WIDTH: u16 = 56;

/// The first guess at the GPU grid, before shrinking to fit.
pub(super) fn gpu_grid(chrome: Chrome, width: u16, gpus: usize, total: u16) -> GpuGrid {
    let gpus_u16 = gpus.clamp(1, 64) as u16;
    if chrome == Chrome::Boxed && gpus > 0 {
        let lines = (total / 8).clamp(*DETAILED_CARD_LINES.start(), *DETAILED_CARD_LINES.end());
        let columns = (width / MIN_CARD_WIDTH).clamp(1, gpus_u16);
        let rows = gpus_u16.div_ceil(columns);
        let fit = (total * 2 / 5 / (lines + 2)).max(1);
        return GpuGrid {
            boxed: true,
            lines,
            columns,
            visible_rows: rows.min(fit),
        };
    }
    let lines = if gpus == 0 { 1 } else { 2 };
    GpuGrid {
        boxed: false,
        lines,
        columns: 1,
        visible_rows: gpus_u16,
    }
}

/// One step smaller: fewer visible rows of cards first, then fewer lines per card.
pub(super) fn shrink_gpus(grid: GpuGrid, gpus: usize) -> GpuGrid {
    if grid.boxed && grid.visible_rows > 1 {
        return GpuGrid {
            visible_rows: grid.visible_rows - 1,
            ..grid
        };
    }
    if grid.boxed {
        // Unboxed two-line cards take far less room than one detailed box per row.
        return GpuGrid {
            boxed: false,
            lines: 2,
            columns: 1,
            visible_rows: gpus.clamp(1, 64) as u16,
        };
    }
    if grid.lines > 1 {
        return GpuGrid { lines: 1, ..grid };
    }
    GpuGrid {
        visible_rows: grid.visible_rows.saturating_sub(1).max(1),
        ..grid
    }
}

pub(super) fn gpu_rows_height(grid: &GpuGrid, gpus: usize, frame: u16) -> u16 {
    if grid.boxed {
        grid.visible_rows * grid.card_height()
    } else {
        let rows = grid.visible_rows.min(gpus.max(1) as u16);
        rows * grid.lines + frame
    }
}
