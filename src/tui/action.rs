//! The closed set of things a key can do in the console.
//!
//! Keymaps name actions by their stable kebab-case names (`"focus-next"`, `"sort-cpu"`); the
//! names are part of the user-facing configuration, so renaming one is a breaking change.

use std::fmt;

/// One user intent. Keys resolve to actions through the keymap; the command line produces
/// some of them too; [`crate::tui::app::App::update`] carries them out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Leave the console.
    Quit,
    /// Open the help overlay (or close it when it is open).
    Help,
    /// Open the `:` command line.
    CommandLine,
    /// Open the `/` filter of the list shown (processes or jobs).
    Filter,
    /// Close the overlay, cancel the input, clear the filter, or go back a level.
    Back,
    /// Repaint the whole screen.
    Redraw,
    /// Give the terminal back to the shell until `fg` (like Ctrl-Z in other programs).
    Suspend,
    /// Focus the next panel in reading order.
    FocusNext,
    /// Focus the previous panel in reading order.
    FocusPrev,
    /// Focus the panel to the left of the focused one.
    FocusLeft,
    /// Focus the panel to the right of the focused one.
    FocusRight,
    /// Focus the panel above the focused one.
    FocusUp,
    /// Focus the panel below the focused one.
    FocusDown,
    /// Move the selection up one row.
    Up,
    /// Move the selection down one row.
    Down,
    /// Move the selection up one page.
    PageUp,
    /// Move the selection down one page.
    PageDown,
    /// Select the first row.
    Top,
    /// Select the last row.
    Bottom,
    /// Sort processes by the next key (CPU → memory → GPU memory).
    SortNext,
    /// Sort processes by CPU use.
    SortCpu,
    /// Sort processes by resident memory.
    SortMemory,
    /// Sort processes by GPU memory.
    SortGpuMemory,
    /// Show or hide kernel threads in the process table.
    KernelThreads,
    /// Show the dashboard.
    Dashboard,
    /// Show the jobs pane.
    Jobs,
    /// Open the selected job's log.
    JobLogs,
    /// Ask to cancel the selected job (a confirmation follows).
    JobCancel,
    /// Open the form that submits a new job.
    JobNew,
    /// Keep the log view at the newest line as lines arrive, or stop doing so.
    Follow,
    /// Switch the log view between stdout and stderr.
    LogStream,
    /// Answer yes to the question in the confirmation bar.
    Confirm,
    /// Send what the form holds.
    Submit,
    /// Run the form's command through `sh -c`, or as a plain argv.
    ShellToggle,
    /// Show the fleet view: one row per instance.
    Fleet,
    /// Open the selected instance's dashboard (the console switches to it).
    FleetOpen,
    /// Postpone the stop the banner announces by the configured step.
    Snooze,
    /// Show the power schedules and idle settings.
    Schedules,
    /// Open the form that adds a schedule.
    SchedAdd,
    /// Open the form that edits the selected schedule.
    SchedEdit,
    /// Enable or disable the selected schedule.
    SchedToggle,
    /// Ask to delete the selected schedule (a confirmation follows).
    SchedDelete,
    /// Open the form that edits the idle shutdown settings.
    IdleEdit,
}

impl Action {
    /// Actions that work the same in every view (quit, help, the command line, switching
    /// views, snoozing a stop): a pane passes them on rather than handling them itself.
    pub fn works_everywhere(self) -> bool {
        matches!(
            self,
            Action::Quit
                | Action::Help
                | Action::CommandLine
                | Action::Redraw
                | Action::Suspend
                | Action::Dashboard
                | Action::Jobs
                | Action::Fleet
                | Action::Schedules
                | Action::Snooze
        )
    }

    /// Every action, in the order the help overlay lists them.
    pub const ALL: [Action; 43] = [
        Action::Quit,
        Action::Help,
        Action::CommandLine,
        Action::Filter,
        Action::Back,
        Action::Redraw,
        Action::Suspend,
        Action::FocusNext,
        Action::FocusPrev,
        Action::FocusLeft,
        Action::FocusRight,
        Action::FocusUp,
        Action::FocusDown,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::SortNext,
        Action::SortCpu,
        Action::SortMemory,
        Action::SortGpuMemory,
        Action::KernelThreads,
        Action::Dashboard,
        Action::Jobs,
        Action::JobLogs,
        Action::JobCancel,
        Action::JobNew,
        Action::Follow,
        Action::LogStream,
        Action::Confirm,
        Action::Submit,
        Action::ShellToggle,
        Action::Fleet,
        Action::FleetOpen,
        Action::Snooze,
        Action::Schedules,
        Action::SchedAdd,
        Action::SchedEdit,
        Action::SchedToggle,
        Action::SchedDelete,
        Action::IdleEdit,
    ];

    /// The stable name keymap files use.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::CommandLine => "command-line",
            Action::Filter => "filter",
            Action::Back => "back",
            Action::Redraw => "redraw",
            Action::Suspend => "suspend",
            Action::FocusNext => "focus-next",
            Action::FocusPrev => "focus-prev",
            Action::FocusLeft => "focus-left",
            Action::FocusRight => "focus-right",
            Action::FocusUp => "focus-up",
            Action::FocusDown => "focus-down",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page-up",
            Action::PageDown => "page-down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::SortNext => "sort-next",
            Action::SortCpu => "sort-cpu",
            Action::SortMemory => "sort-memory",
            Action::SortGpuMemory => "sort-gpu-memory",
            Action::KernelThreads => "kernel-threads",
            Action::Dashboard => "dashboard",
            Action::Jobs => "jobs",
            Action::JobLogs => "job-logs",
            Action::JobCancel => "job-cancel",
            Action::JobNew => "job-new",
            Action::Follow => "follow",
            Action::LogStream => "log-stream",
            Action::Confirm => "confirm",
            Action::Submit => "submit",
            Action::ShellToggle => "shell-toggle",
            Action::Fleet => "fleet",
            Action::FleetOpen => "fleet-open",
            Action::Snooze => "snooze",
            Action::Schedules => "schedules",
            Action::SchedAdd => "sched-add",
            Action::SchedEdit => "sched-edit",
            Action::SchedToggle => "sched-toggle",
            Action::SchedDelete => "sched-delete",
            Action::IdleEdit => "idle-edit",
        }
    }

    /// The action named `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|action| action.name() == name)
    }

    /// What the action does, for the help overlay when a binding gives no `desc`.
    pub fn description(self) -> &'static str {
        match self {
            Action::Quit => "Quit",
            Action::Help => "Show or hide this help",
            Action::CommandLine => "Command line",
            Action::Filter => "Filter the list",
            Action::Back => "Close, cancel, clear filter",
            Action::Redraw => "Redraw the screen",
            Action::Suspend => "Suspend to the shell (fg resumes)",
            Action::FocusNext => "Focus next panel",
            Action::FocusPrev => "Focus previous panel",
            Action::FocusLeft => "Focus panel to the left",
            Action::FocusRight => "Focus panel to the right",
            Action::FocusUp => "Focus panel above",
            Action::FocusDown => "Focus panel below",
            Action::Up => "Move up",
            Action::Down => "Move down",
            Action::PageUp => "Page up",
            Action::PageDown => "Page down",
            Action::Top => "Go to the top",
            Action::Bottom => "Go to the bottom",
            Action::SortNext => "Next process sort order",
            Action::SortCpu => "Sort processes by CPU",
            Action::SortMemory => "Sort processes by memory",
            Action::SortGpuMemory => "Sort processes by GPU memory",
            Action::KernelThreads => "Show or hide kernel threads",
            Action::Dashboard => "Show the dashboard",
            Action::Jobs => "Show the jobs",
            Action::JobLogs => "Show the selected job's log",
            Action::JobCancel => "Cancel the selected job",
            Action::JobNew => "Submit a new job",
            Action::Follow => "Follow the end of the log, or stop",
            Action::LogStream => "Switch between stdout and stderr",
            Action::Confirm => "Yes",
            Action::Submit => "Submit",
            Action::ShellToggle => "Run the command through sh -c, or not",
            Action::Fleet => "Show the fleet",
            Action::FleetOpen => "Open the selected instance",
            Action::Snooze => "Snooze the announced stop",
            Action::Schedules => "Show the power schedules",
            Action::SchedAdd => "Add a schedule",
            Action::SchedEdit => "Edit the selected schedule",
            Action::SchedToggle => "Enable or disable the selected schedule",
            Action::SchedDelete => "Delete the selected schedule",
            Action::IdleEdit => "Edit the idle shutdown settings",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for action in Action::ALL {
            let name = action.name();
            assert!(seen.insert(name), "{name} used twice");
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{name} is not kebab-case"
            );
            assert_eq!(Action::from_name(name), Some(action));
        }
        assert_eq!(Action::from_name("no-such-action"), None);
    }
}
