//! What keys do in the schedule editor: the list (move, add, edit, enable or disable, delete
//! after a yes, the idle form) and the forms (fields, zone suggestions, save, cancel).
//! Changes leave as [`Effect::Power`] edits.

use crossterm::event::KeyEvent;

use super::{Editor, Form, IdleForm, ScheduleForm};
use crate::config::power::MAX_SCHEDULES;
use crate::proto::power::{IdleEdit, ScheduleEdit, SettingsEdit};
use crate::tui::action::Action;
use crate::tui::app::{App, Effect, Level, PowerRequest, View};

/// The zone a new schedule starts with when there is no other schedule to copy it from.
const DEFAULT_ZONE: &str = "UTC";

impl App {
    /// Actions in the schedule editor: `Some(changed)` when handled here, `None` for the
    /// ones that work the same everywhere (quit, help, command line, switching views).
    pub(in crate::tui::app) fn apply_in_sched(&mut self, action: Action) -> Option<bool> {
        if self.view != View::Schedules {
            return None;
        }
        if self.sched.confirm.is_some() {
            return self.apply_in_sched_confirm(action);
        }
        if action.works_everywhere() {
            return None;
        }
        Some(if self.sched.editor.is_some() {
            self.apply_in_sched_form(action)
        } else {
            self.apply_in_sched_list(action)
        })
    }

    fn apply_in_sched_list(&mut self, action: Action) -> bool {
        let report = self.power.as_deref();
        match action {
            Action::Up => self.sched.move_selection(-1, report),
            Action::Down => self.sched.move_selection(1, report),
            Action::Top => self.sched.move_selection(isize::MIN / 2, report),
            Action::Bottom => self.sched.move_selection(isize::MAX / 2, report),
            Action::SchedAdd => self.open_schedule_form(false),
            Action::SchedEdit => self.open_schedule_form(true),
            Action::SchedToggle => self.toggle_schedule(),
            Action::SchedDelete => self.ask_delete_schedule(),
            Action::IdleEdit => self.open_idle_form(),
            Action::Back => self.show_view(View::Dashboard),
            _ => false,
        }
    }

    /// Says why nothing can be edited, when the agent sent no settings; true when it did.
    fn settings_known(&mut self) -> bool {
        if self.power.is_some() {
            return true;
        }
        let text = match &self.sched.unavailable {
            Some(reason) => format!("no power settings: {reason}"),
            None => "no power settings from the agent yet".to_owned(),
        };
        self.say(Level::Info, text);
        false
    }

    /// Names of the schedules other than the one `editing` (all of them for a new one).
    pub(in crate::tui::app) fn sched_taken(&self, editing: Option<&str>) -> Vec<String> {
        self.power.as_deref().map_or_else(Vec::new, |report| {
            report
                .settings
                .schedules
                .iter()
                .filter(|s| Some(s.name.as_str()) != editing)
                .map(|s| s.name.clone())
                .collect()
        })
    }

    fn open_schedule_form(&mut self, edit_selected: bool) -> bool {
        if !self.settings_known() {
            return true;
        }
        let report = self.power.as_deref();
        let schedules = report.map_or(&[][..], |r| r.settings.schedules.as_slice());
        let existing = if edit_selected {
            match self.sched.selected_in(report) {
                Some(schedule) => Some(schedule.clone()),
                None => {
                    self.say(Level::Info, "no schedule selected");
                    return true;
                }
            }
        } else if schedules.len() >= MAX_SCHEDULES {
            let text = format!("at most {MAX_SCHEDULES} schedules: delete one first");
            self.say(Level::Info, text);
            return true;
        } else {
            None
        };
        let zone = self
            .sched
            .selected_in(report)
            .map_or(DEFAULT_ZONE, |s| s.zone.as_str())
            .to_owned();
        let taken = self.sched_taken(existing.as_ref().map(|s| s.name.as_str()));
        let form = ScheduleForm::new(existing.as_ref(), &zone, self.wall_ms(), &taken);
        self.sched.editor = Some(Editor::new(Form::Schedule(form)));
        true
    }

    fn open_idle_form(&mut self) -> bool {
        if !self.settings_known() {
            return true;
        }
        let Some(report) = self.power.as_deref() else {
            return false;
        };
        let form = IdleForm::new(&report.settings.idle);
        self.sched.editor = Some(Editor::new(Form::Idle(form)));
        true
    }

    fn toggle_schedule(&mut self) -> bool {
        if !self.settings_known() {
            return true;
        }
        let Some(schedule) = self.sched.selected_in(self.power.as_deref()) else {
            self.say(Level::Info, "no schedule selected");
            return true;
        };
        let (name, enabled) = (schedule.name.clone(), !schedule.enabled);
        let verb = if enabled { "enabling" } else { "disabling" };
        self.say(Level::Info, format!("{verb} {name}…"));
        let edit = SettingsEdit::Schedule(ScheduleEdit::SetEnabled { name, enabled });
        self.effects.push(Effect::Power(PowerRequest::Edit(edit)));
        true
    }

    fn ask_delete_schedule(&mut self) -> bool {
        match self.sched.selected_in(self.power.as_deref()) {
            Some(schedule) => self.sched.confirm = Some(schedule.name.clone()),
            None => self.say(Level::Info, "no schedule selected"),
        }
        true
    }

    /// The confirmation bar takes `y`; anything else but quitting answers no.
    fn apply_in_sched_confirm(&mut self, action: Action) -> Option<bool> {
        if matches!(action, Action::Quit | Action::Suspend | Action::Redraw) {
            return None;
        }
        let name = self.sched.confirm.take()?;
        if action == Action::Confirm {
            self.say(Level::Info, format!("deleting {name}…"));
            let edit = SettingsEdit::Schedule(ScheduleEdit::Delete { name });
            self.effects.push(Effect::Power(PowerRequest::Edit(edit)));
        }
        Some(true)
    }

    fn apply_in_sched_form(&mut self, action: Action) -> bool {
        let now_ms = self.wall_ms();
        let taken = self.editor_taken();
        let Some(editor) = self.sched.editor.as_mut() else {
            return false;
        };
        if action == Action::Back {
            self.sched.editor = None;
            return true;
        }
        if editor.saving.is_some() {
            return false;
        }
        match (&mut editor.form, action) {
            (Form::Schedule(form), Action::FocusNext) if form.suggesting() => {
                form.take_suggestion(now_ms, &taken)
            }
            (Form::Schedule(form), Action::Submit) if form.suggesting() && form.pick.is_some() => {
                form.take_suggestion(now_ms, &taken)
            }
            (Form::Schedule(form), Action::Down) if form.suggesting() => form.move_pick(1),
            (Form::Schedule(form), Action::Up) if form.suggesting() && form.pick.is_some() => {
                form.move_pick(-1)
            }
            (form, Action::FocusNext | Action::Down) => step_field(form, 1),
            (form, Action::FocusPrev | Action::Up) => step_field(form, -1),
            (_, Action::Submit) => self.submit_sched_form(),
            _ => false,
        }
    }

    /// The names the open schedule form must not take.
    pub(in crate::tui::app) fn editor_taken(&self) -> Vec<String> {
        match self.sched.editor.as_ref().map(|e| &e.form) {
            Some(Form::Schedule(form)) => {
                self.sched_taken(form.editing.as_ref().map(|s| s.name.as_str()))
            }
            _ => Vec::new(),
        }
    }

    /// Sends the form's change, or shows what stops it; closes the form when it changes
    /// nothing.
    fn submit_sched_form(&mut self) -> bool {
        let taken = self.editor_taken();
        let Some(editor) = self.sched.editor.as_mut() else {
            return false;
        };
        let edit = match &mut editor.form {
            Form::Schedule(form) => match form.check(&taken) {
                Ok(spec) => match &form.editing {
                    Some(old) if *old == spec => None,
                    Some(old) => Some(SettingsEdit::Schedule(ScheduleEdit::Replace {
                        name: old.name.clone(),
                        with: spec,
                    })),
                    None => Some(SettingsEdit::Schedule(ScheduleEdit::Add(spec))),
                },
                Err(problem) => {
                    form.field = problem.field;
                    form.problem = Some(problem);
                    return true;
                }
            },
            Form::Idle(form) => match form.check() {
                Ok(edit) if edit == IdleEdit::default() => None,
                Ok(edit) => Some(SettingsEdit::Idle(edit)),
                Err(problem) => {
                    form.field = problem.field;
                    form.problem = Some(problem);
                    return true;
                }
            },
        };
        match edit {
            Some(edit) => {
                editor.saving = Some(edit.clone());
                editor.refused = None;
                self.effects.push(Effect::Power(PowerRequest::Edit(edit)));
            }
            None => {
                self.sched.editor = None;
                self.say(Level::Info, "nothing changed");
            }
        }
        true
    }

    /// A key the form's keymap did not take: typing and toggling in the focused field.
    pub(in crate::tui::app) fn on_sched_form_key(&mut self, event: &KeyEvent) -> bool {
        let now_ms = self.wall_ms();
        let taken = self.editor_taken();
        let Some(editor) = self.sched.editor.as_mut().filter(|e| e.saving.is_none()) else {
            return false;
        };
        let changed = match &mut editor.form {
            Form::Schedule(form) => form.key(event, now_ms, &taken),
            Form::Idle(form) => form.key(event),
        };
        if changed {
            editor.refused = None;
        }
        changed
    }

    /// Pasted text goes into the focused field of the open form.
    pub(in crate::tui::app) fn paste_into_sched_form(&mut self, text: &str) -> bool {
        let now_ms = self.wall_ms();
        let taken = self.editor_taken();
        let Some(editor) = self.sched.editor.as_mut().filter(|e| e.saving.is_none()) else {
            return false;
        };
        let changed = match &mut editor.form {
            Form::Schedule(form) => form.paste(text, now_ms, &taken),
            Form::Idle(form) => form.paste(text),
        };
        if changed {
            editor.refused = None;
        }
        changed
    }
}

/// Moves the focus of `form` by `step` fields.
fn step_field(form: &mut Form, step: isize) -> bool {
    match form {
        Form::Schedule(form) => {
            form.field = form.field.step(step);
            form.pick = None;
        }
        Form::Idle(form) => form.field = form.field.step(step),
    }
    true
}
