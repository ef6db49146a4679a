//! Keymap sections: one per mode of the console, plus `global` for keys that work in every
//! mode unless the mode binds them itself.

use std::fmt;

/// A table of a keymap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    /// Keys that work everywhere unless a mode's own section binds them.
    Global,
    /// The dashboard: focus, selection and process sorting.
    Dashboard,
    /// The jobs pane: the table of jobs and what can be done to the selected one.
    Jobs,
    /// The log of one job.
    JobLogs,
    /// The form that submits a job.
    JobForm,
    /// A yes/no question in the confirmation bar.
    Confirm,
    /// The help overlay.
    Help,
    /// The fleet view: one row per instance.
    Fleet,
    /// The power schedules and idle settings.
    Schedules,
    /// The schedule and idle shutdown forms.
    SchedForm,
}

impl Section {
    /// Every section, in the order the help overlay lists them.
    pub const ALL: [Section; 10] = [
        Section::Global,
        Section::Dashboard,
        Section::Jobs,
        Section::JobLogs,
        Section::JobForm,
        Section::Confirm,
        Section::Fleet,
        Section::Schedules,
        Section::SchedForm,
        Section::Help,
    ];

    /// The table name in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Section::Global => "global",
            Section::Dashboard => "dashboard",
            Section::Jobs => "jobs",
            Section::JobLogs => "job-logs",
            Section::JobForm => "job-form",
            Section::Confirm => "confirm",
            Section::Help => "help",
            Section::Fleet => "fleet",
            Section::Schedules => "schedules",
            Section::SchedForm => "sched-form",
        }
    }

    /// The heading of this section in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Section::Global => "Everywhere",
            Section::Dashboard => "Dashboard",
            Section::Jobs => "Jobs",
            Section::JobLogs => "Job log",
            Section::JobForm => "New job form (other keys type into the field)",
            Section::Confirm => "Confirmation bar",
            Section::Help => "Help",
            Section::Fleet => "Fleet",
            Section::Schedules => "Schedules",
            Section::SchedForm => "Schedule and idle forms (other keys type into the field)",
        }
    }

    pub fn from_name(name: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.name() == name)
    }

    /// "global, dashboard, …, help", for error messages.
    pub fn names() -> String {
        Section::ALL.map(Section::name).join(", ")
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where keys are being read: a mode's own section first, then `global`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    Dashboard,
    Jobs,
    JobLogs,
    JobForm,
    Confirm,
    Help,
    Fleet,
    Schedules,
    SchedForm,
}

impl Context {
    pub const ALL: [Context; 9] = [
        Context::Dashboard,
        Context::Jobs,
        Context::JobLogs,
        Context::JobForm,
        Context::Confirm,
        Context::Help,
        Context::Fleet,
        Context::Schedules,
        Context::SchedForm,
    ];

    /// The mode's own section (consulted before `global`).
    pub fn section(self) -> Section {
        match self {
            Context::Dashboard => Section::Dashboard,
            Context::Jobs => Section::Jobs,
            Context::JobLogs => Section::JobLogs,
            Context::JobForm => Section::JobForm,
            Context::Confirm => Section::Confirm,
            Context::Help => Section::Help,
            Context::Fleet => Section::Fleet,
            Context::Schedules => Section::Schedules,
            Context::SchedForm => Section::SchedForm,
        }
    }

    /// Whether printable keys type text here: global bindings of plain characters (`q`, `?`)
    /// are then left out, so they can be typed.
    pub fn takes_text(self) -> bool {
        matches!(self, Context::JobForm | Context::SchedForm)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}
