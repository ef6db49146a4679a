//! Selection and scroll position of a list panel (processes, disks, interfaces, GPU cards).

/// The selected item and the first visible one. Views read it; only `update` changes it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListState {
    pub selected: usize,
    /// The first visible item.
    pub offset: usize,
}

impl ListState {
    /// Keeps the selection inside `len` items and visible in a window of `page` items that
    /// scrolls in steps of `step` (the number of cards per row for a grid, else 1).
    pub fn fit(&mut self, len: usize, page: usize, step: usize) {
        let step = step.max(1);
        self.selected = self.selected.min(len.saturating_sub(1));
        if page == 0 || len == 0 {
            self.offset = 0;
            return;
        }
        if self.selected < self.offset {
            self.offset = self.selected - self.selected % step;
        } else if self.selected >= self.offset + page {
            let first_visible = self.selected + 1 - page;
            self.offset = first_visible.div_ceil(step) * step;
        }
        // Never leave blank rows at the end when the list could fill them.
        let last_start = len.saturating_sub(page).div_ceil(step) * step;
        self.offset = self.offset.min(last_start);
    }

    /// Moves the selection by `delta` items (clamped at both ends).
    pub fn move_by(&mut self, delta: isize, len: usize) {
        let target = self.selected.saturating_add_signed(delta);
        self.selected = target.min(len.saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_stays_visible_and_in_range() {
        let mut list = ListState::default();
        list.move_by(12, 20);
        list.fit(20, 5, 1);
        assert_eq!((list.selected, list.offset), (12, 8));
        list.move_by(-10, 20);
        list.fit(20, 5, 1);
        assert_eq!((list.selected, list.offset), (2, 2));
        list.move_by(100, 20);
        list.fit(20, 5, 1);
        assert_eq!((list.selected, list.offset), (19, 15));
        list.fit(3, 5, 1);
        assert_eq!((list.selected, list.offset), (2, 0));
        list.fit(0, 5, 1);
        assert_eq!((list.selected, list.offset), (0, 0));
    }

    #[test]
    fn grids_scroll_by_whole_rows() {
        let mut list = ListState {
            selected: 5,
            offset: 0,
        };
        list.fit(8, 4, 2);
        assert_eq!(list.offset, 2);
        list.selected = 7;
        list.fit(8, 4, 2);
        assert_eq!(list.offset, 4);
        list.selected = 0;
        list.fit(8, 4, 2);
        assert_eq!(list.offset, 0);
    }
}
