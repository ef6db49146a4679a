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
    /// The help overlay.
    Help,
}

impl Section {
    /// Every section, in the order the help overlay lists them.
    pub const ALL: [Section; 3] = [Section::Global, Section::Dashboard, Section::Help];

    /// The table name in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Section::Global => "global",
            Section::Dashboard => "dashboard",
            Section::Help => "help",
        }
    }

    /// The heading of this section in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Section::Global => "Everywhere",
            Section::Dashboard => "Dashboard",
            Section::Help => "Help",
        }
    }

    pub fn from_name(name: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.name() == name)
    }

    /// "global, dashboard, help", for error messages.
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
    Help,
}

impl Context {
    pub const ALL: [Context; 2] = [Context::Dashboard, Context::Help];

    /// The mode's own section (consulted before `global`).
    pub fn section(self) -> Section {
        match self {
            Context::Dashboard => Section::Dashboard,
            Context::Help => Section::Help,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}
