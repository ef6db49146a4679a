//! Focus between panels and the selection inside them.

use super::processes;
use super::{App, Effect, ListState};
use crate::tui::layout::Panel;

impl App {
    pub(super) fn focus_step(&mut self, step: isize) -> bool {
        let layout = self.layout();
        let order: Vec<Panel> = layout.panels.iter().map(|(p, _)| *p).collect();
        let Some(at) = order.iter().position(|p| *p == self.focus) else {
            return false;
        };
        let next = (at as isize + step).rem_euclid(order.len() as isize) as usize;
        self.set_focus(order[next])
    }

    pub(super) fn focus_towards(&mut self, dx: i8, dy: i8) -> bool {
        match self.layout().neighbour(self.focus, dx, dy) {
            Some(panel) => self.set_focus(panel),
            None => false,
        }
    }

    fn set_focus(&mut self, panel: Panel) -> bool {
        let changed = panel != self.focus;
        self.focus = panel;
        changed
    }

    /// The number of items in a list panel, and how far one page goes.
    fn list_len(&self, panel: Panel) -> usize {
        let Some(sample) = &self.sample else {
            return 0;
        };
        match panel {
            Panel::Processes => sample.processes.rows.len(),
            Panel::Disks => sample.disks.len(),
            Panel::Network => sample.networks.len(),
            Panel::Gpus => sample.gpus.gpus.len(),
            Panel::Cpu | Panel::Memory => 0,
        }
    }

    fn list_mut(&mut self, panel: Panel) -> Option<&mut ListState> {
        match panel {
            Panel::Processes => Some(&mut self.lists.processes),
            Panel::Disks => Some(&mut self.lists.disks),
            Panel::Network => Some(&mut self.lists.network),
            Panel::Gpus => Some(&mut self.lists.gpus),
            Panel::Cpu | Panel::Memory => None,
        }
    }

    pub(super) fn move_selection(&mut self, delta: isize) -> bool {
        let panel = self.focus;
        let len = self.list_len(panel);
        let Some(list) = self.list_mut(panel) else {
            return false;
        };
        let before = *list;
        list.move_by(delta, len);
        if panel == Panel::Processes {
            self.follow_selected_row();
        }
        self.fit_lists();
        self.request_rows();
        self.list_mut(panel).is_some_and(|list| *list != before)
    }

    pub(super) fn move_pages(&mut self, pages: isize) -> bool {
        let page = self.layout().page(self.focus, &self.facts()).max(1);
        self.move_selection(pages * page as isize)
    }

    /// Remembers the pid under a selection the user moved, so it stays selected when rows
    /// move; on the first row the selection stays on the first row (the busiest process).
    fn follow_selected_row(&mut self) {
        let selected = self.lists.processes.selected;
        self.selected_pid = self
            .sample
            .as_ref()
            .filter(|_| selected > 0)
            .and_then(|s| s.processes.rows.get(selected))
            .map(|row| row.pid);
    }

    /// Keeps every selection in range and visible for the current layout (the jobs pane's
    /// and the fleet's too).
    pub(super) fn fit_lists(&mut self) {
        let layout = self.layout();
        let facts = self.facts();
        let columns = usize::from(layout.gpus.columns);
        for panel in [Panel::Processes, Panel::Disks, Panel::Network, Panel::Gpus] {
            let len = self.list_len(panel);
            let page = layout.page(panel, &facts);
            let step = if panel == Panel::Gpus { columns } else { 1 };
            if let Some(list) = self.list_mut(panel) {
                list.fit(len, page, step);
            }
        }
        self.fit_jobs();
        self.fit_fleet();
    }

    /// Applies the query's sort and filter to the rows held, and puts the selection back on
    /// the process it was on.
    pub(super) fn reshape_rows(&mut self) {
        let Some(sample) = self.sample.as_mut() else {
            return;
        };
        let rows = &mut sample.processes.rows;
        let filter = self.query.filter.as_deref();
        let kernel_threads = self.query.kernel_threads;
        rows.retain(|row| {
            (kernel_threads || !row.kernel_thread) && processes::matches(row, filter)
        });
        processes::sort(rows, self.query.sort);
        if let Some(pid) = self.selected_pid {
            match rows.iter().position(|r| r.pid == pid) {
                Some(at) => self.lists.processes.selected = at,
                // Gone: the selection stays where it was, on whatever is there now.
                None => self.selected_pid = None,
            }
        }
        self.fit_lists();
    }

    /// Rows to ask the agent for, for the current page and selection.
    pub(super) fn wanted_limit(&self) -> u32 {
        let page = self.layout().page(Panel::Processes, &self.facts());
        processes::limit_for(page, self.lists.processes.selected)
    }

    /// Asks for more (or fewer) rows when the page or the selection needs it.
    pub(super) fn request_rows(&mut self) {
        let limit = self.wanted_limit();
        if limit != self.query.limit {
            self.query.limit = limit;
            self.effects.push(Effect::Query(self.query.clone()));
        }
    }
}
