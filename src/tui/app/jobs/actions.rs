//! What keys do in the jobs pane: moving through the table, the log view, the cancel
//! confirmation and the submit form. Requests for the agent leave as [`Effect::Job`]s.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::logs::{LogView, TAIL_BYTES};
use super::{CancelConfirm, JobForm};
use crate::proto::jobs::{LogStart, LogStream};
use crate::tui::action::Action;
use crate::tui::app::{App, Effect, InputKind, JobRequest, Level, View};
use crate::tui::layout::JobsLayout;

impl App {
    /// Shows `view`; closes help and any filter being typed for the other view.
    pub(in crate::tui::app) fn show_view(&mut self, view: View) -> bool {
        let changed = self.help.take().is_some() || self.view != view;
        if self.view != view {
            self.input = None;
            self.view = view;
        }
        changed
    }

    /// Actions in the jobs pane: `Some(changed)` when handled here, `None` for the ones that
    /// work the same everywhere (quit, help, command line, switching views).
    pub(in crate::tui::app) fn apply_in_jobs(&mut self, action: Action) -> Option<bool> {
        if self.view != View::Jobs {
            return None;
        }
        if self.jobs.confirm.is_some() {
            return self.apply_in_confirm(action);
        }
        if action.works_everywhere() {
            return None;
        }
        let changed = if self.jobs.form.is_some() {
            self.apply_in_form(action)
        } else if self.jobs.logs.is_some() {
            self.apply_in_logs(action)
        } else {
            self.apply_in_table(action)
        };
        Some(changed)
    }

    fn jobs_layout(&self) -> JobsLayout {
        JobsLayout::compute(self.area)
    }

    fn apply_in_table(&mut self, action: Action) -> bool {
        let page = self.jobs_layout().table_rows().max(1) as isize;
        let moved = |app: &mut App, delta: isize| {
            let changed = app.jobs.move_selection(delta);
            app.fit_jobs();
            changed
        };
        match action {
            Action::Up => moved(self, -1),
            Action::Down => moved(self, 1),
            Action::PageUp => moved(self, -page),
            Action::PageDown => moved(self, page),
            Action::Top => moved(self, isize::MIN / 2),
            Action::Bottom => moved(self, isize::MAX / 2),
            Action::Filter => self.open_input(InputKind::JobFilter),
            Action::Back if self.jobs.filter.is_some() => {
                self.jobs.set_filter(None);
                self.say(Level::Info, "filter cleared");
                true
            }
            Action::Back => self.show_view(View::Dashboard),
            Action::JobLogs => self.open_logs(),
            Action::JobCancel => self.ask_cancel(),
            Action::JobNew => {
                let mut form = JobForm::default();
                form.recheck(self.jobs.capacity.as_ref(), &self.job_defaults);
                self.jobs.form = Some(form);
                true
            }
            _ => false,
        }
    }

    fn open_logs(&mut self) -> bool {
        let Some(id) = self.jobs.selected_id else {
            self.say(Level::Info, "no job selected");
            return true;
        };
        self.follow_log(id, LogStream::Stdout);
        true
    }

    /// Opens (or reopens on another stream) the log of `job`, from its last 64 KiB.
    fn follow_log(&mut self, job: u64, stream: LogStream) {
        let follow = self.jobs.next_follow_id();
        self.jobs.logs = Some(LogView::new(job, stream, follow));
        self.effects.push(Effect::Job(JobRequest::FollowLog {
            follow,
            job,
            stream,
            start: LogStart::Tail(TAIL_BYTES),
        }));
        self.fit_jobs();
    }

    fn apply_in_logs(&mut self, action: Action) -> bool {
        let page = self.jobs_layout().log_rows().max(1);
        let Some(logs) = self.jobs.logs.as_mut() else {
            return false;
        };
        let step = page as isize;
        match action {
            Action::Up => logs.scroll_by(-1, page),
            Action::Down => logs.scroll_by(1, page),
            Action::PageUp => logs.scroll_by(-step, page),
            Action::PageDown => logs.scroll_by(step, page),
            Action::Top => logs.scroll_by(isize::MIN / 2, page),
            Action::Bottom => logs.to_end(page),
            Action::Follow => {
                logs.toggle_follow(page);
                true
            }
            Action::LogStream => {
                let (job, stream) = (logs.job, logs.stream);
                let other = match stream {
                    LogStream::Stdout => LogStream::Stderr,
                    LogStream::Stderr => LogStream::Stdout,
                };
                self.follow_log(job, other);
                true
            }
            Action::Back => {
                self.jobs.logs = None;
                self.effects.push(Effect::Job(JobRequest::StopLog));
                true
            }
            _ => false,
        }
    }

    fn ask_cancel(&mut self) -> bool {
        let Some(job) = self.jobs.selected() else {
            self.say(Level::Info, "no job selected");
            return true;
        };
        if job.state.is_terminal() {
            let text = format!("job {} has already ended ({})", job.id, job.state);
            self.say(Level::Info, text);
            return true;
        }
        self.jobs.confirm = Some(CancelConfirm {
            id: job.id,
            label: job.label().to_owned(),
            running: job.state == crate::proto::jobs::JobState::Running,
        });
        true
    }

    /// The confirmation bar takes `y` and `n`; anything else but quitting answers no.
    fn apply_in_confirm(&mut self, action: Action) -> Option<bool> {
        if matches!(action, Action::Quit | Action::Suspend | Action::Redraw) {
            return None;
        }
        let confirm = self.jobs.confirm.take()?;
        if action == Action::Confirm {
            self.effects
                .push(Effect::Job(JobRequest::Cancel(vec![confirm.id])));
            self.say(Level::Info, format!("cancelling job {}…", confirm.id));
        }
        Some(true)
    }

    fn apply_in_form(&mut self, action: Action) -> bool {
        let capacity = self.jobs.capacity.clone();
        let Some(form) = self.jobs.form.as_mut() else {
            return false;
        };
        match action {
            Action::FocusNext => form.field = form.field.step(1),
            Action::FocusPrev => form.field = form.field.step(-1),
            Action::ShellToggle => {
                form.shell = !form.shell;
                form.refused = None;
                form.recheck(capacity.as_ref(), &self.job_defaults);
            }
            Action::Submit if form.submitting => return false,
            Action::Submit => match form.check(capacity.as_ref(), &self.job_defaults) {
                Ok(spec) => {
                    form.submitting = true;
                    form.refused = None;
                    form.problem = None;
                    self.effects
                        .push(Effect::Job(JobRequest::Submit(Box::new(spec))));
                }
                Err(problem) => form.problem = Some(problem),
            },
            Action::Back => self.jobs.form = None,
            _ => return false,
        }
        true
    }

    /// A key the form's keymap did not take: typing and editing the focused field.
    pub(in crate::tui::app) fn on_form_key(&mut self, event: &KeyEvent) -> bool {
        let capacity = self.jobs.capacity.clone();
        let Some(form) = self.jobs.form.as_mut() else {
            return false;
        };
        if form.submitting {
            return false;
        }
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let alt = event.modifiers.contains(KeyModifiers::ALT);
        let changed = match event.code {
            KeyCode::Backspace => form.backspace(),
            KeyCode::Char('u') if ctrl => form.clear_field(),
            KeyCode::Char('w') if ctrl => form.delete_word(),
            KeyCode::Char(c) if !ctrl && !alt => form.type_char(c),
            _ => false,
        };
        if changed {
            form.refused = None;
            form.recheck(capacity.as_ref(), &self.job_defaults);
        }
        changed
    }

    /// Pasted text goes into the focused field of the form.
    pub(in crate::tui::app) fn paste_into_form(&mut self, text: &str) -> bool {
        let capacity = self.jobs.capacity.clone();
        let Some(form) = self.jobs.form.as_mut().filter(|f| !f.submitting) else {
            return false;
        };
        let changed = form.paste(text);
        if changed {
            form.refused = None;
            form.recheck(capacity.as_ref(), &self.job_defaults);
        }
        changed
    }

    /// Keeps the selection and the log view in range for the jobs layout, and asks for the
    /// selected job's detail when the panel shows it and it is not here yet.
    pub(in crate::tui::app) fn fit_jobs(&mut self) {
        let layout = self.jobs_layout();
        self.jobs.fit(layout.table_rows());
        if let Some(logs) = self.jobs.logs.as_mut() {
            logs.fit(layout.log_rows());
        }
        let detail_shown = !layout.detail.is_empty() && self.jobs.logs.is_none();
        if self.view == View::Jobs
            && detail_shown
            && let Some(id) = self.jobs.detail_to_ask()
        {
            self.effects.push(Effect::Job(JobRequest::Show(id)));
        }
    }
}
