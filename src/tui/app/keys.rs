//! Keys through the keymap into actions, and what each action does.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::{App, Effect, InputKind, Level, View};
use crate::proto::telemetry::ProcessSort;
use crate::tui::action::Action;
use crate::tui::keymap::{Context, Key, Resolution};

impl App {
    pub(super) fn on_key(&mut self, event: &KeyEvent) -> bool {
        if event.kind == KeyEventKind::Release {
            return false;
        }
        let ctrl_c =
            event.code == KeyCode::Char('c') && event.modifiers.contains(KeyModifiers::CONTROL);
        if self.questions.open.is_some() && !ctrl_c {
            return self.on_question_key(event);
        }
        if self.input.is_some() && !ctrl_c {
            return self.on_input_key(event);
        }
        let Some(key) = Key::from_event(event) else {
            return false;
        };
        // Any key dismisses the footer message.
        let mut changed = self.message.take().is_some();
        match self.keymap.resolve(self.context(), &self.pending, key) {
            Resolution::Matched(action) => {
                changed |= !self.pending.is_empty();
                self.pending.clear();
                changed |= self.apply(action);
            }
            Resolution::Pending => {
                self.pending.push(key);
                changed = true;
            }
            Resolution::Cancelled => {
                self.pending.clear();
                changed = true;
            }
            Resolution::NotFound if self.context() == Context::JobForm => {
                changed |= self.on_form_key(event);
            }
            Resolution::NotFound if self.context() == Context::SchedForm => {
                changed |= self.on_sched_form_key(event);
            }
            // Any key but yes answers no.
            Resolution::NotFound if self.context() == Context::Confirm => {
                changed |= self.jobs.confirm.take().is_some();
                changed |= self.sched.confirm.take().is_some();
            }
            Resolution::NotFound => {}
        }
        changed
    }

    /// Carries out one action; true when something visible changed.
    pub(super) fn apply(&mut self, action: Action) -> bool {
        if let Some(changed) = self.apply_in_help(action) {
            return changed;
        }
        if let Some(changed) = self.apply_in_jobs(action) {
            return changed;
        }
        if let Some(changed) = self.apply_in_fleet(action) {
            return changed;
        }
        if let Some(changed) = self.apply_in_sched(action) {
            return changed;
        }
        match action {
            Action::Quit => {
                self.quit = true;
                true
            }
            Action::Help => {
                self.help = Some(0);
                true
            }
            Action::CommandLine => {
                self.help = None;
                self.open_input(InputKind::Command)
            }
            Action::Filter => {
                self.help = None;
                self.open_input(InputKind::Filter)
            }
            Action::Back => self.back(),
            Action::Redraw => {
                self.effects.push(Effect::Repaint);
                true
            }
            Action::Suspend => {
                self.effects.push(Effect::Suspend);
                false
            }
            Action::FocusNext => self.focus_step(1),
            Action::FocusPrev => self.focus_step(-1),
            Action::FocusLeft => self.focus_towards(-1, 0),
            Action::FocusRight => self.focus_towards(1, 0),
            Action::FocusUp => self.focus_towards(0, -1),
            Action::FocusDown => self.focus_towards(0, 1),
            Action::Up => self.move_selection(-1),
            Action::Down => self.move_selection(1),
            Action::PageUp => self.move_pages(-1),
            Action::PageDown => self.move_pages(1),
            Action::Top => self.move_selection(isize::MIN / 2),
            Action::Bottom => self.move_selection(isize::MAX / 2),
            Action::SortNext => {
                let all = ProcessSort::ALL;
                let i = all.iter().position(|s| *s == self.query.sort).unwrap_or(0);
                self.set_sort(all[(i + 1) % all.len()])
            }
            Action::SortCpu => self.set_sort(ProcessSort::Cpu),
            Action::SortMemory => self.set_sort(ProcessSort::Memory),
            Action::SortGpuMemory => self.set_sort(ProcessSort::GpuMemory),
            Action::Dashboard => self.show_view(View::Dashboard),
            Action::Jobs => self.show_view(View::Jobs),
            Action::Fleet => self.show_fleet(),
            Action::Schedules => self.show_view(View::Schedules),
            Action::Snooze => self.snooze(),
            // Only the fleet view has a selected instance.
            Action::FleetOpen => false,
            // Only the jobs pane has a selected job, a log, a question or a form.
            Action::JobLogs
            | Action::JobCancel
            | Action::JobNew
            | Action::Follow
            | Action::LogStream
            | Action::Confirm
            | Action::Submit
            | Action::ShellToggle => false,
            // Only the schedule editor has schedules and forms.
            Action::SchedAdd
            | Action::SchedEdit
            | Action::SchedToggle
            | Action::SchedDelete
            | Action::IdleEdit => false,
            Action::KernelThreads => {
                let show = !self.query.kernel_threads;
                self.set_kernel_threads(show);
                let shown = if show {
                    "kernel threads shown"
                } else {
                    "kernel threads hidden"
                };
                self.say(Level::Info, shown);
                true
            }
        }
    }

    /// Actions that mean something else while help is open: `Some(changed)` when handled,
    /// `None` to let the dashboard handle it.
    fn apply_in_help(&mut self, action: Action) -> Option<bool> {
        let scroll = self.help?;
        let page = crate::tui::views::help::page(self.area);
        let max = crate::tui::views::help::max_scroll(&self.keymap, self.area);
        let target = match action {
            Action::Back | Action::Help => {
                self.help = None;
                return Some(true);
            }
            Action::Up => scroll.saturating_sub(1),
            Action::Down => scroll + 1,
            Action::PageUp => scroll.saturating_sub(page),
            Action::PageDown => scroll + page,
            Action::Top => 0,
            Action::Bottom => max,
            _ => return None,
        };
        let target = target.min(max);
        self.help = Some(target);
        Some(target != scroll)
    }

    fn back(&mut self) -> bool {
        if self.query.filter.is_some() {
            self.set_filter(None);
            self.say(Level::Info, "filter cleared");
            return true;
        }
        false
    }
}
