//! Where the parts of the fleet view go: the header, one table of instances, the footer.
//!
//! Pure geometry, shared by `update` (page size) and the view.

use ratatui::layout::Rect;

use super::{Chrome, split_rows};

/// The fleet view, divided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetLayout {
    pub header: Rect,
    pub footer: Rect,
    pub chrome: Chrome,
    /// The table panel, frame included.
    pub table: Rect,
}

impl FleetLayout {
    pub fn compute(area: Rect) -> FleetLayout {
        let (header, rest) = split_rows(area, 1);
        let (table, footer) = split_rows(rest, rest.height.saturating_sub(1));
        let chrome = if area.height >= 34 && area.width >= 100 {
            Chrome::Boxed
        } else {
            Chrome::Rule
        };
        FleetLayout {
            header,
            footer,
            chrome,
            table,
        }
    }

    /// Instance rows visible at once (under the column header).
    pub fn table_rows(&self) -> usize {
        usize::from(self.chrome.inner(self.table).height.saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_takes_all_but_the_header_and_footer() {
        let small = FleetLayout::compute(Rect::new(0, 0, 80, 24));
        assert_eq!(small.chrome, Chrome::Rule);
        assert_eq!((small.header.y, small.footer.y), (0, 23));
        assert_eq!(small.table, Rect::new(0, 1, 80, 22));
        assert_eq!(small.table_rows(), 20);
        let large = FleetLayout::compute(Rect::new(0, 0, 160, 48));
        assert_eq!(large.chrome, Chrome::Boxed);
        assert_eq!(large.table_rows(), 43);
    }
}
