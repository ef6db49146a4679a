//! The `:` command line and the `/` filters (processes, jobs): editing keys, and what a
//! finished line does.
//!
//! Editing keys are fixed (not in the keymap): Enter runs or keeps, Esc cancels, Backspace,
//! Ctrl-U clears, Ctrl-W deletes a word. A filter applies as it is typed.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::command::{self, Command};
use super::{App, Effect, Input, InputKind, Level, View};
use crate::proto::telemetry::ProcessSort;

/// Longest line the input keeps.
const MAX_INPUT: usize = 256;

impl App {
    pub(super) fn open_input(&mut self, kind: InputKind) -> bool {
        let text = match kind {
            InputKind::Command => String::new(),
            InputKind::Filter => self.query.filter.clone().unwrap_or_default(),
            InputKind::JobFilter => self.jobs.filter.clone().unwrap_or_default(),
            InputKind::FleetFilter => self.fleet.filter.clone().unwrap_or_default(),
        };
        self.message = None;
        self.input = Some(Input { kind, text });
        true
    }

    pub(super) fn on_input_key(&mut self, event: &KeyEvent) -> bool {
        let Some(input) = self.input.as_mut() else {
            return false;
        };
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        match event.code {
            KeyCode::Esc => {
                let kind = input.kind;
                self.input = None;
                match kind {
                    InputKind::Filter => self.set_filter(None),
                    InputKind::JobFilter => {
                        self.jobs.set_filter(None);
                        self.fit_jobs();
                    }
                    InputKind::FleetFilter => self.set_fleet_filter(None),
                    InputKind::Command => {}
                }
                true
            }
            KeyCode::Enter => {
                let Some(Input { kind, text }) = self.input.take() else {
                    return false;
                };
                match kind {
                    InputKind::Command => self.run_command(&text),
                    InputKind::Filter | InputKind::JobFilter | InputKind::FleetFilter => {}
                }
                true
            }
            KeyCode::Backspace if input.text.is_empty() => {
                // Backspace on an empty line closes it, as in vim.
                self.input = None;
                true
            }
            KeyCode::Backspace => {
                input.text.pop();
                self.after_edit();
                true
            }
            KeyCode::Char('u') if ctrl => {
                input.text.clear();
                self.after_edit();
                true
            }
            KeyCode::Char('w') if ctrl => {
                let kept = input.text.trim_end().rfind(' ').map_or(0, |i| i + 1);
                input.text.truncate(kept);
                self.after_edit();
                true
            }
            KeyCode::Char(c) if !ctrl && input.text.len() < MAX_INPUT => {
                input.text.push(c);
                self.after_edit();
                true
            }
            _ => false,
        }
    }

    pub(super) fn on_paste(&mut self, text: &str) -> bool {
        let Some(input) = self.input.as_mut() else {
            return match self.view {
                View::Jobs => self.paste_into_form(text),
                View::Schedules => self.paste_into_sched_form(text),
                View::Dashboard | View::Fleet => false,
            };
        };
        let room = MAX_INPUT.saturating_sub(input.text.len());
        input
            .text
            .extend(text.chars().filter(|c| !c.is_control()).take(room));
        self.after_edit();
        true
    }

    /// A filter follows the text as it is typed.
    fn after_edit(&mut self) {
        let Some(Input { kind, text }) = &self.input else {
            return;
        };
        let filter = (!text.is_empty()).then(|| text.clone());
        match kind {
            InputKind::Filter => self.set_filter(filter),
            InputKind::JobFilter => {
                self.jobs.set_filter(filter);
                self.fit_jobs();
            }
            InputKind::FleetFilter => self.set_fleet_filter(filter),
            InputKind::Command => {}
        }
    }

    fn run_command(&mut self, line: &str) {
        let command = match command::parse(line) {
            Ok(Some(command)) => command,
            Ok(None) => return,
            Err(message) => {
                self.say(Level::Error, message);
                return;
            }
        };
        match command {
            Command::Quit => self.quit = true,
            Command::Help => self.help = Some(0),
            Command::Redraw => self.effects.push(Effect::Repaint),
            Command::Theme(Some(name)) => self.effects.push(Effect::LoadTheme(name)),
            Command::Theme(None) => {
                let text = format!("theme {} (:theme dark|light|basic|NAME)", self.theme_name);
                self.say(Level::Info, text);
            }
            Command::Sort(sort) => {
                self.set_sort(sort);
            }
            Command::Filter(filter) if self.view == View::Jobs => {
                self.jobs.set_filter(filter);
            }
            Command::Filter(filter) if self.view == View::Fleet => {
                self.set_fleet_filter(filter);
            }
            Command::Filter(filter) => self.set_filter(filter),
            Command::Jobs => {
                self.show_view(View::Jobs);
            }
            Command::Dashboard => {
                self.show_view(View::Dashboard);
            }
            Command::Fleet => {
                self.show_fleet();
            }
            Command::Schedules => {
                self.show_view(View::Schedules);
            }
        }
    }

    /// Changes the filter, re-filters the rows held, and asks the agent for the new rows.
    pub(super) fn set_filter(&mut self, filter: Option<String>) {
        if self.query.filter == filter {
            return;
        }
        self.query.filter = filter;
        self.lists.processes = Default::default();
        self.selected_pid = None;
        self.reshape_rows();
        self.effects.push(Effect::Query(self.query.clone()));
    }

    /// Shows or hides kernel threads: at once among the rows held, and in what the agent sends.
    pub(super) fn set_kernel_threads(&mut self, show: bool) {
        self.query.kernel_threads = show;
        self.reshape_rows();
        self.effects.push(Effect::Query(self.query.clone()));
    }

    /// Changes the sort order, re-sorts the rows held, and asks the agent for the new rows.
    pub(super) fn set_sort(&mut self, sort: ProcessSort) -> bool {
        if self.query.sort == sort {
            return false;
        }
        self.query.sort = sort;
        self.reshape_rows();
        self.effects.push(Effect::Query(self.query.clone()));
        true
    }
}
