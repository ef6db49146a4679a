//! Where the parts of the jobs pane go: the capacity line, the table, and the detail panel
//! below the table, or beside it on wide terminals; the log view takes the place of both.
//!
//! Pure geometry, shared by `update` (page sizes) and the views.

use ratatui::layout::Rect;

use super::{Chrome, split_rows};

/// From this width the detail panel sits beside the table.
pub const SIDE_BY_SIDE: u16 = 150;
/// Content rows of the detail panel when it sits below the table.
pub const DETAIL_ROWS: u16 = 6;
/// Rows the table keeps at least (frame, column header and three jobs) before the detail
/// panel gives way.
const MIN_TABLE: u16 = 4;

/// The jobs pane, divided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobsLayout {
    pub header: Rect,
    pub footer: Rect,
    pub chrome: Chrome,
    /// One line: CPU slots and who holds each GPU.
    pub capacity: Rect,
    /// The table panel, frame included.
    pub table: Rect,
    /// The detail panel, frame included; empty when there is no room for it.
    pub detail: Rect,
    /// The log panel, frame included: where the table and the detail panel are.
    pub logs: Rect,
}

impl JobsLayout {
    pub fn compute(area: Rect) -> JobsLayout {
        let (header, rest) = split_rows(area, 1);
        let (body, footer) = split_rows(rest, rest.height.saturating_sub(1));
        let chrome = if area.height >= 34 && area.width >= 100 {
            Chrome::Boxed
        } else {
            Chrome::Rule
        };
        let (capacity, main) = split_rows(body, 1);
        let (table, detail) = if main.width >= SIDE_BY_SIDE {
            let detail_width = (main.width * 36 / 100).clamp(48, 72);
            let gap = u16::from(chrome == Chrome::Rule);
            let table = Rect {
                width: main.width - detail_width - gap,
                ..main
            };
            let detail = Rect {
                x: main.right() - detail_width,
                width: detail_width,
                ..main
            };
            (table, detail)
        } else {
            let detail_height = DETAIL_ROWS + chrome.rows();
            if main.height >= detail_height + MIN_TABLE + chrome.rows() {
                let (table, detail) = split_rows(main, main.height - detail_height);
                (table, detail)
            } else {
                (main, Rect { height: 0, ..main })
            }
        };
        JobsLayout {
            header,
            footer,
            chrome,
            capacity,
            table,
            detail,
            logs: main,
        }
    }

    /// Job rows visible at once (under the column header).
    pub fn table_rows(&self) -> usize {
        usize::from(self.chrome.inner(self.table).height.saturating_sub(1))
    }

    /// Log lines visible at once.
    pub fn log_rows(&self) -> usize {
        usize::from(self.chrome.inner(self.logs).height)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_fit_without_overlapping_at_every_size() {
        for (width, height) in [(80, 24), (100, 30), (160, 48), (300, 90), (40, 10), (1, 1)] {
            let area = Rect::new(0, 0, width, height);
            let l = JobsLayout::compute(area);
            let parts = [l.header, l.capacity, l.table, l.detail, l.footer];
            for (i, a) in parts.iter().enumerate() {
                assert_eq!(
                    area.intersection(*a),
                    *a,
                    "{a:?} outside at {width}x{height}"
                );
                for b in &parts[i + 1..] {
                    assert!(!a.intersects(*b), "{a:?} and {b:?} at {width}x{height}");
                }
            }
            assert_eq!(l.logs.intersection(l.table), l.table);
        }
    }

    #[test]
    fn the_detail_goes_below_on_narrow_terminals_and_beside_on_wide_ones() {
        let narrow = JobsLayout::compute(Rect::new(0, 0, 80, 24));
        assert_eq!(narrow.chrome, Chrome::Rule);
        assert_eq!(narrow.detail.y, narrow.table.bottom());
        assert_eq!(narrow.detail.height, DETAIL_ROWS + 1);
        assert_eq!(narrow.table_rows(), 12);
        assert_eq!(narrow.log_rows(), 20);
        let wide = JobsLayout::compute(Rect::new(0, 0, 160, 48));
        assert_eq!(wide.chrome, Chrome::Boxed);
        assert_eq!(wide.detail.y, wide.table.y);
        assert!(wide.detail.x > wide.table.right() - 1);
        assert_eq!(wide.table_rows(), 42);
        let tiny = JobsLayout::compute(Rect::new(0, 0, 60, 12));
        assert!(tiny.detail.is_empty(), "the table comes first");
        assert!(tiny.table_rows() >= 3);
    }
}
