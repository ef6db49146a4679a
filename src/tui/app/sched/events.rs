//! What the agent's power messages, a lost link and the clock do to the schedule editor.
//!
//! A form that sent a change waits for a report that shows it (reports also come on their
//! own, so any report is not enough); a refusal of that very change is shown in the form. A
//! link that breaks first leaves the change unanswered: the form says so and can be sent
//! again.

use super::{Form, applied};
use crate::proto::power::{ScheduleEdit, SettingsEdit};
use crate::tui::app::{App, Level, PowerRequest, View};

impl App {
    /// A new report is in `self.power`: the selection follows its schedule, and a form
    /// whose change it shows closes. True when the editor changed.
    pub(in crate::tui::app) fn sched_on_report(&mut self) -> bool {
        self.sched.unavailable = None;
        let before = (self.sched.selected, self.sched.editor.is_some());
        self.sched.reselect(self.power.as_deref());
        let saved = match (&self.sched.editor, self.power.as_deref()) {
            (Some(editor), Some(report)) => editor
                .saving
                .as_ref()
                .filter(|edit| applied(edit, &report.settings))
                .cloned(),
            _ => None,
        };
        if let Some(edit) = saved {
            self.sched.editor = None;
            if let Some(name) = saved_name(&edit) {
                self.sched.selected_name = Some(name);
                self.sched.reselect(self.power.as_deref());
            }
            self.say(Level::Info, saved_text(&edit));
        }
        let now_ms = self.wall_ms();
        let taken = self.editor_taken();
        if let Some(Form::Schedule(form)) = self.sched.editor.as_mut().map(|e| &mut e.form) {
            // Another schedule may have taken the name meanwhile.
            form.recheck(now_ms, &taken);
        }
        before != (self.sched.selected, self.sched.editor.is_some())
    }

    /// The agent sends no power report: nothing to edit, and why.
    pub(in crate::tui::app) fn sched_on_unavailable(&mut self, reason: String) {
        if let Some(editor) = self.sched.editor.as_mut()
            && editor.saving.take().is_some()
        {
            editor.refused = Some(format!("the agent has no power settings: {reason}"));
        }
        self.sched.unavailable = Some(reason);
        self.sched.confirm = None;
    }

    /// A refused power request: shown in the form when it refuses the form's change; false
    /// when it is about something else (the footer says it then).
    pub(in crate::tui::app) fn sched_on_refused(
        &mut self,
        request: &PowerRequest,
        reason: &str,
    ) -> bool {
        let PowerRequest::Edit(edit) = request else {
            return false;
        };
        match self.sched.editor.as_mut() {
            Some(editor) if editor.saving.as_ref() == Some(edit) => {
                editor.saving = None;
                editor.refused = Some(reason.to_owned());
                true
            }
            _ => false,
        }
    }

    /// The link broke: a change in flight gets no answer on this connection.
    pub(in crate::tui::app) fn sched_on_lost(&mut self, reason: &str) {
        if let Some(editor) = self.sched.editor.as_mut()
            && editor.saving.take().is_some()
        {
            editor.refused = Some(format!(
                "the connection broke before the agent answered ({reason}); \
                 the change may not be saved: check once the agent is back"
            ));
        }
    }

    /// The clock moved: the form's next firings move on once the first has passed.
    pub(in crate::tui::app) fn tick_sched(&mut self) -> bool {
        let now_ms = self.wall_ms();
        let taken = self.editor_taken();
        match self.sched.editor.as_mut().map(|e| &mut e.form) {
            Some(Form::Schedule(form)) => {
                form.advance(now_ms, &taken) && self.view == View::Schedules
            }
            _ => false,
        }
    }
}

/// The schedule a saved change leaves selected.
fn saved_name(edit: &SettingsEdit) -> Option<String> {
    match edit {
        SettingsEdit::Schedule(ScheduleEdit::Add(spec))
        | SettingsEdit::Schedule(ScheduleEdit::Replace { with: spec, .. }) => {
            Some(spec.name.clone())
        }
        _ => None,
    }
}

/// The footer's word that a change is saved.
fn saved_text(edit: &SettingsEdit) -> String {
    match edit {
        SettingsEdit::Schedule(ScheduleEdit::Add(spec)) => format!("schedule {} added", spec.name),
        SettingsEdit::Schedule(ScheduleEdit::Replace { with, .. }) => {
            format!("schedule {} saved", with.name)
        }
        SettingsEdit::Schedule(ScheduleEdit::SetEnabled {
            name,
            enabled: true,
        }) => {
            format!("schedule {name} enabled")
        }
        SettingsEdit::Schedule(ScheduleEdit::SetEnabled { name, .. }) => {
            format!("schedule {name} disabled")
        }
        SettingsEdit::Schedule(ScheduleEdit::Delete { name }) => format!("schedule {name} deleted"),
        SettingsEdit::Idle(_) => "idle shutdown settings saved".to_owned(),
    }
}
