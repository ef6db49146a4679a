//! The schedule editor (`:sched`): the power schedules and idle settings the agent reported,
//! the selection in the list, the delete confirmation, and the form open over them.
//!
//! Nothing here writes agent.toml: a change leaves as an [`Effect::Power`] edit and the form
//! waits ("saving…") until the agent answers, with a report that shows the change (the form
//! closes) or a refusal naming the field (shown in the form; the file is untouched).
//!
//! - [`actions`]: what keys do in the list and in the forms.
//! - [`events`]: reports, refusals, a lost link and the clock.
//! - [`schedule_form`]: the schedule form: cron checked as it is typed, next firings, zone
//!   suggestions.
//! - [`idle_form`]: the idle shutdown form.
//! - [`field`]: editing one line of text.
//! - [`time`]: firing times as people read them, in the schedule's zone.
//!
//! [`Effect::Power`]: crate::tui::app::Effect::Power

mod actions;
mod events;
pub mod field;
pub mod idle_form;
pub mod schedule_form;
pub mod time;

use crate::proto::power::{PowerReport, ScheduleView, SettingsEdit};

pub use idle_form::{IdleField, IdleForm};
pub use schedule_form::{CronCheck, SchedField, ScheduleForm};

/// Everything the schedule editor shows and remembers besides the report itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchedState {
    /// Row of the selected schedule.
    pub selected: usize,
    /// The schedule the selection follows when reports add or remove rows.
    pub selected_name: Option<String>,
    /// The form open over the list.
    pub editor: Option<Editor>,
    /// The schedule a delete waits for a yes about.
    pub confirm: Option<String>,
    /// Why the agent sends no power report (it refused the subscription).
    pub unavailable: Option<String>,
}

/// A form and where its change stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Editor {
    pub form: Form,
    /// The change sent and not answered yet: the form shows "saving…" and takes no keys.
    pub saving: Option<SettingsEdit>,
    /// Why the agent refused the last change (the reason names the field).
    pub refused: Option<String>,
}

impl Editor {
    pub fn new(form: Form) -> Editor {
        Editor {
            form,
            saving: None,
            refused: None,
        }
    }
}

/// Which form is open.
#[derive(Debug, Clone, PartialEq)]
pub enum Form {
    Schedule(ScheduleForm),
    Idle(IdleForm),
}

impl SchedState {
    /// The selected schedule in `report`, if there is one.
    pub fn selected_in<'a>(&self, report: Option<&'a PowerReport>) -> Option<&'a ScheduleView> {
        report?.settings.schedules.get(self.selected)
    }

    /// Puts the selection back on the schedule it followed; when that one is gone, keeps the
    /// row (within the list).
    pub fn reselect(&mut self, report: Option<&PowerReport>) {
        let schedules = report.map_or(&[][..], |r| r.settings.schedules.as_slice());
        if let Some(at) = self
            .selected_name
            .as_ref()
            .and_then(|name| schedules.iter().position(|s| s.name == *name))
        {
            self.selected = at;
        }
        self.selected = self.selected.min(schedules.len().saturating_sub(1));
        self.selected_name = schedules.get(self.selected).map(|s| s.name.clone());
    }

    /// Moves the selection by `delta` rows (clamped); true when it moved.
    pub fn move_selection(&mut self, delta: isize, report: Option<&PowerReport>) -> bool {
        let len = report.map_or(0, |r| r.settings.schedules.len());
        let before = self.selected;
        self.selected = self
            .selected
            .saturating_add_signed(delta)
            .min(len.saturating_sub(1));
        self.selected_name = report
            .and_then(|r| r.settings.schedules.get(self.selected))
            .map(|s| s.name.clone());
        self.selected != before
    }
}

/// Whether `settings` show `edit` done: what decides that a report answers the form's change
/// (reports also come on their own, e.g. when the idle time moves on).
pub fn applied(edit: &SettingsEdit, settings: &crate::proto::power::PowerSettingsView) -> bool {
    use crate::proto::power::ScheduleEdit;
    let named = |name: &str| settings.schedules.iter().find(|s| s.name == name);
    match edit {
        SettingsEdit::Schedule(ScheduleEdit::Add(spec)) => {
            named(&spec.name).is_some_and(|s| schedule_form::same_schedule(&s.spec(), spec))
        }
        SettingsEdit::Schedule(ScheduleEdit::Replace { name, with }) => {
            named(&with.name).is_some_and(|s| schedule_form::same_schedule(&s.spec(), with))
                && (*name == with.name || named(name).is_none())
        }
        SettingsEdit::Schedule(ScheduleEdit::SetEnabled { name, enabled }) => {
            named(name).is_some_and(|s| s.enabled == *enabled)
        }
        SettingsEdit::Schedule(ScheduleEdit::Delete { name }) => named(name).is_none(),
        SettingsEdit::Idle(edit) => idle_form::idle_applied(edit, &settings.idle),
    }
}

#[cfg(test)]
mod tests;
