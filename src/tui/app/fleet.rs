//! The fleet view's state: one row per instance (this machine first, as `local`, then the
//! inventory in its file's order), the `/` filter by name or tag, the selection, and which
//! instance the console's main link is on.
//!
//! Each row is fed by its own connection task (`tui::fleet_link`), started the first time the
//! fleet view shows; rows merge the [`FleetMsg`]s those tasks send. `Enter` drills into the
//! selected instance: the main link (dashboard, jobs pane) switches to it through
//! [`Effect::Open`] and what the console held about the previous instance is dropped. The row
//! tasks are never stopped by that, so going back to the fleet shows live rows at once.
//!
//! - [`row`]: a row, its state and figures, and the messages about it.

mod row;

pub use row::{FleetMsg, FleetRow, GpuSummary, JobCounts, RowState, RowStats, RowUpdate};

use crate::client::target::Target;
use crate::config::Instance;
use crate::core::history::HistoryBook;
use crate::tui::action::Action;
use crate::tui::app::{App, Effect, InputKind, Level, LinkState, ListState, View};
use crate::tui::layout::FleetLayout;

/// The name of this machine's row.
pub const LOCAL: &str = "local";

/// Everything the fleet view shows and remembers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetState {
    /// `local` first, then the inventory's instances in file order; never reordered, so a
    /// row's index identifies it for the whole run.
    pub rows: Vec<FleetRow>,
    /// `/` filter: part of a name or a tag, any case.
    pub filter: Option<String>,
    /// Selection and scroll among the rows the filter lets through.
    pub list: ListState,
    /// The row the selection follows as rows are filtered.
    pub selected: usize,
    /// The row whose instance the dashboard and the jobs pane show.
    pub on: usize,
    /// Whether the row tasks have been started.
    pub watching: bool,
}

impl Default for FleetState {
    /// This machine alone.
    fn default() -> Self {
        FleetState::new(&[])
    }
}

impl FleetState {
    /// The rows for `instances`, after this machine's.
    pub fn new(instances: &[Instance]) -> FleetState {
        let local = FleetRow::new(LOCAL, Vec::new(), Target::Local);
        let rows = std::iter::once(local)
            .chain(instances.iter().map(|instance| {
                let target = Target::for_instance(instance.clone());
                FleetRow::new(&instance.name, instance.tags.clone(), target)
            }))
            .collect();
        FleetState {
            rows,
            filter: None,
            list: ListState::default(),
            selected: 0,
            on: 0,
            watching: false,
        }
    }

    /// Whether the inventory named any instance.
    pub fn has_instances(&self) -> bool {
        self.rows.len() > 1
    }

    /// Where each row's task connects, by row index.
    /// Each row's name and target, in row order.
    pub fn targets(&self) -> Vec<(String, Target)> {
        self.rows
            .iter()
            .map(|row| (row.name.clone(), row.target.clone()))
            .collect()
    }

    /// Indices of the rows the filter lets through.
    pub fn visible(&self) -> Vec<usize> {
        let filter = self.filter.as_deref().map(str::to_lowercase);
        (0..self.rows.len())
            .filter(|&i| filter.as_deref().is_none_or(|f| self.rows[i].matches(f)))
            .collect()
    }

    /// The selected row, when any row shows.
    pub fn selected_row(&self) -> Option<&FleetRow> {
        self.visible()
            .contains(&self.selected)
            .then(|| &self.rows[self.selected])
    }

    /// The name of the instance the console is on, unless it is this machine.
    pub fn on_name(&self) -> Option<&str> {
        (self.on != 0).then(|| self.rows[self.on].name.as_str())
    }

    /// Takes one task's news; false when its row looks the same as before.
    pub fn merge(&mut self, msg: FleetMsg) -> bool {
        self.rows
            .get_mut(msg.row)
            .is_some_and(|row| row.apply(msg.update))
    }

    /// Changes the filter; the selection stays on its row when that still shows, else goes
    /// to the first row that does.
    pub fn set_filter(&mut self, filter: Option<String>) -> bool {
        let filter = filter.filter(|f| !f.trim().is_empty());
        if self.filter == filter {
            return false;
        }
        self.filter = filter;
        let visible = self.visible();
        if !visible.contains(&self.selected) {
            self.selected = visible.first().copied().unwrap_or(0);
        }
        self.reselect();
        true
    }

    /// Moves the selection by `delta` visible rows (clamped).
    pub fn move_selection(&mut self, delta: isize) -> bool {
        let before = self.selected;
        let visible = self.visible();
        self.list.move_by(delta, visible.len());
        if let Some(&row) = visible.get(self.list.selected) {
            self.selected = row;
        }
        self.selected != before
    }

    /// Puts the list's selection on the selected row and keeps it visible in `page` rows.
    pub fn fit(&mut self, page: usize) {
        self.reselect();
        self.list.fit(self.visible().len(), page, 1);
    }

    fn reselect(&mut self) {
        if let Some(at) = self.visible().iter().position(|&i| i == self.selected) {
            self.list.selected = at;
        }
    }

    /// (up, connecting, down) rows among those watched.
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |wanted: fn(&RowState) -> bool| {
            self.rows.iter().filter(|row| wanted(&row.state)).count()
        };
        (
            count(|s| *s == RowState::Up),
            count(|s| *s == RowState::Connecting),
            count(|s| matches!(s, RowState::Down(_))),
        )
    }
}

impl App {
    /// Shows the fleet view, starting the row tasks the first time.
    pub(super) fn show_fleet(&mut self) -> bool {
        if !self.fleet.watching {
            self.fleet.watching = true;
            self.effects.push(Effect::WatchFleet(self.fleet.targets()));
        }
        let changed = self.show_view(View::Fleet);
        self.fit_fleet();
        changed
    }

    /// A row task's news; true when it shows.
    pub(super) fn on_fleet(&mut self, msg: FleetMsg) -> bool {
        self.fleet.merge(msg) && self.view == View::Fleet
    }

    /// Actions in the fleet view: `Some(changed)` when handled here, `None` for the ones
    /// that work the same everywhere.
    pub(super) fn apply_in_fleet(&mut self, action: Action) -> Option<bool> {
        if self.view != View::Fleet {
            return None;
        }
        let page = FleetLayout::compute(self.area).table_rows().max(1) as isize;
        let changed = match action {
            Action::Up => self.move_fleet(-1),
            Action::Down => self.move_fleet(1),
            Action::PageUp => self.move_fleet(-page),
            Action::PageDown => self.move_fleet(page),
            Action::Top => self.move_fleet(isize::MIN / 2),
            Action::Bottom => self.move_fleet(isize::MAX / 2),
            Action::Filter => self.open_input(InputKind::FleetFilter),
            Action::Back if self.fleet.filter.is_some() => {
                self.set_fleet_filter(None);
                self.say(Level::Info, "filter cleared");
                true
            }
            Action::Back => self.show_view(View::Dashboard),
            Action::FleetOpen => self.open_selected(),
            _ => return None,
        };
        Some(changed)
    }

    /// Changes the fleet filter and keeps the selection visible.
    pub(super) fn set_fleet_filter(&mut self, filter: Option<String>) {
        self.fleet.set_filter(filter);
        self.fit_fleet();
    }

    /// Keeps the fleet selection in range and visible.
    pub(super) fn fit_fleet(&mut self) {
        let page = FleetLayout::compute(self.area).table_rows();
        self.fleet.fit(page);
    }

    fn move_fleet(&mut self, delta: isize) -> bool {
        let changed = self.fleet.move_selection(delta);
        self.fit_fleet();
        changed
    }

    /// Drills into the selected instance: its dashboard, through a main link of its own.
    fn open_selected(&mut self) -> bool {
        let Some(row) = self.fleet.selected_row() else {
            return false;
        };
        let (index, target, name) = (self.fleet.selected, row.target.clone(), row.name.clone());
        if index != self.fleet.on {
            self.forget_instance();
            self.fleet.on = index;
            self.link = LinkState::Connecting;
            self.effects.push(Effect::Open(target));
            self.say(Level::Info, format!("connecting to {name}…"));
        }
        self.show_view(View::Dashboard);
        true
    }

    /// Marks the console as already on the instance called `name` (the console was started
    /// with `station connect`): its row, its dashboard, no new connection.
    pub fn start_on(&mut self, name: &str) {
        if let Some(index) = self.fleet.rows.iter().position(|row| row.name == name) {
            self.fleet.selected = index;
            self.fleet.on = index;
            self.show_view(View::Dashboard);
        }
    }

    /// Drops what the console holds about the instance it was on: another one's samples,
    /// history, processes and jobs must never mix with these.
    fn forget_instance(&mut self) {
        self.host = None;
        self.agent = None;
        self.sample = None;
        self.history = HistoryBook::new(1000);
        self.jobs = Default::default();
        self.power = None;
        self.sched = Default::default();
        self.lists = Default::default();
        self.selected_pid = None;
        self.last_sample_at = None;
        self.agent_clock = None;
        self.smoothing.clear();
    }
}

#[cfg(test)]
mod tests;
