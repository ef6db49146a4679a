//! Importing `Host` aliases (from `~/.ssh/config`) as instances: one instance per alias,
//! named after it, with everything else left to `~/.ssh/config`.
//!
//! Reading the SSH config is the caller's part (`client::ssh::config::SshConfig::host_aliases`
//! gives the plain aliases, wildcards and negations left out); this module only decides,
//! alias by alias, what to add and why to skip.

use std::fmt;

use serde::Serialize;

use super::edit::InventoryEditor;
use super::{Instance, check_name};

/// Why an alias was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", content = "detail", rename_all = "snake_case")]
pub enum SkipReason {
    /// An instance of that name exists.
    AlreadyPresent,
    /// An instance of another name already connects to that alias.
    HostOf(String),
    /// The alias is not a valid instance name (the message says why).
    InvalidName(String),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::AlreadyPresent => write!(f, "already in the inventory"),
            SkipReason::HostOf(name) => write!(f, "already the host of instance `{name}`"),
            SkipReason::InvalidName(message) => write!(f, "{message}"),
        }
    }
}

/// One alias left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub alias: String,
    #[serde(flatten)]
    pub reason: SkipReason,
}

/// What an import did (or, for a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub added: Vec<Instance>,
    pub skipped: Vec<Skipped>,
}

/// Adds to `editor` one instance per alias that is neither present nor already some
/// instance's host, in the order given; the caller saves (or, for a dry run, does not).
pub fn import_aliases(editor: &mut InventoryEditor, aliases: &[String]) -> ImportReport {
    let mut report = ImportReport::default();
    for alias in aliases {
        let inventory = editor.inventory();
        let reason = if inventory.get(alias).is_some() {
            Some(SkipReason::AlreadyPresent)
        } else if let Some(owner) = inventory.instances.iter().find(|i| i.host() == alias) {
            Some(SkipReason::HostOf(owner.name.clone()))
        } else {
            check_name(alias).err().map(SkipReason::InvalidName)
        };
        if let Some(reason) = reason {
            report.skipped.push(Skipped {
                alias: alias.clone(),
                reason,
            });
            continue;
        }
        let instance = Instance::named(alias.as_str());
        match editor.add(instance.clone()) {
            Ok(()) => report.added.push(instance),
            // The checks above are the ones `add` makes; should they ever differ, the alias
            // is reported rather than lost.
            Err(error) => report.skipped.push(Skipped {
                alias: alias.clone(),
                reason: SkipReason::InvalidName(error.to_string()),
            }),
        }
    }
    report
}
