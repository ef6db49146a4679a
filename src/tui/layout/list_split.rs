//! How a list panel (disks, network) shares its room between the list and a history chart.

use ratatui::layout::Rect;

use super::Chrome;

/// How a list panel (disks, network) shares its room between the list and its history chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListSplit {
    /// The list, including its column header when there is one.
    pub list: Rect,
    pub header: bool,
    pub chart: Option<Rect>,
}

impl ListSplit {
    /// The chart goes below the list when at least two rows are left, beside it when the
    /// panel is wide, and is left out otherwise.
    pub fn new(inner: Rect, items: usize, chrome: Chrome) -> ListSplit {
        let header = chrome == Chrome::Boxed && inner.height >= 3;
        let wanted = items.max(1) as u16 + u16::from(header);
        if inner.height >= wanted + 2 {
            let (list, chart) = super::split_rows(inner, wanted);
            return ListSplit {
                list,
                header,
                chart: Some(chart),
            };
        }
        if inner.width >= 64 {
            let chart_width = inner.width * 2 / 5;
            let list = Rect {
                width: inner.width - chart_width - 1,
                ..inner
            };
            let chart = Rect {
                x: inner.right() - chart_width,
                width: chart_width,
                ..inner
            };
            return ListSplit {
                list,
                header,
                chart: Some(chart),
            };
        }
        ListSplit {
            list: inner,
            header,
            chart: None,
        }
    }

    /// Item rows visible at once.
    pub fn rows(&self) -> usize {
        usize::from(self.list.height.saturating_sub(u16::from(self.header)))
    }
}
