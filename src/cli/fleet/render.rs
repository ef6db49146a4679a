//! What the fleet verbs print: the inventory as a table or JSON, and an import's outcome.

use std::path::Path;

use serde::Serialize;

use crate::config::instances::import::ImportReport;
use crate::config::instances::{Instance, Inventory};

/// Shown for a value that is not set.
const UNSET: &str = "-";

/// `station fleet ls --json`.
#[derive(Debug, Serialize)]
pub struct ListJson<'a> {
    /// The inventory file.
    file: &'a Path,
    /// Whether it exists (a missing file is an empty fleet).
    exists: bool,
    instances: Vec<InstanceJson<'a>>,
}

/// One instance in JSON: `host` resolved (the name when not set), unset values `null`.
#[derive(Debug, Serialize)]
struct InstanceJson<'a> {
    name: &'a str,
    host: &'a str,
    user: Option<&'a str>,
    port: Option<u16>,
    identity: Option<&'a str>,
    tags: &'a [String],
    start_command: Option<&'a str>,
}

impl<'a> ListJson<'a> {
    pub fn new(inventory: &'a Inventory, exists: bool) -> ListJson<'a> {
        ListJson {
            file: &inventory.path,
            exists,
            instances: inventory.instances.iter().map(InstanceJson::new).collect(),
        }
    }
}

impl<'a> InstanceJson<'a> {
    fn new(instance: &'a Instance) -> InstanceJson<'a> {
        InstanceJson {
            name: &instance.name,
            host: instance.host(),
            user: instance.user.as_deref(),
            port: instance.port,
            identity: instance.identity.as_deref(),
            tags: &instance.tags,
            start_command: instance.start_command.as_deref(),
        }
    }
}

/// The instances as a table with a line saying where the file is, or, for an empty fleet,
/// where it would be and how to add one.
pub fn table(inventory: &Inventory, exists: bool) -> String {
    let file = inventory.path.display();
    if inventory.is_empty() {
        let state = if exists {
            "is empty"
        } else {
            "does not exist yet"
        };
        return format!(
            "No instances: {file} {state}.\n\
             Add one with `station fleet add NAME --host HOST`, or import the hosts of \
             ~/.ssh/config with `station fleet import`.\n"
        );
    }
    let header = ["NAME", "HOST", "USER", "PORT", "TAGS", "START COMMAND"].map(String::from);
    let rows: Vec<[String; 6]> = inventory
        .instances
        .iter()
        .map(|i| {
            [
                i.name.clone(),
                i.host().to_owned(),
                i.user.clone().unwrap_or_else(|| UNSET.into()),
                i.port.map_or_else(|| UNSET.into(), |p| p.to_string()),
                if i.tags.is_empty() {
                    UNSET.into()
                } else {
                    i.tags.join(",")
                },
                i.start_command.clone().unwrap_or_else(|| UNSET.into()),
            ]
        })
        .collect();
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    let count = rows.len();
    let noun = if count == 1 { "instance" } else { "instances" };
    text.push_str(&format!("\n{count} {noun} in {file}\n"));
    text
}

/// The names there are, for a message about a name that is not one of them.
pub fn names_hint(inventory: &Inventory) -> String {
    if inventory.is_empty() {
        return "the inventory is empty".into();
    }
    let names: Vec<&str> = inventory
        .instances
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    format!("instances: {}", names.join(", "))
}

/// One line per alias added or skipped, then the totals and the file written (or not).
pub fn import_report(
    report: &ImportReport,
    ssh_config: &Path,
    file: &Path,
    dry_run: bool,
) -> String {
    let verb = if dry_run { "would add" } else { "added" };
    let mut text = String::new();
    for instance in &report.added {
        text.push_str(&format!("{verb}  {}\n", instance.name));
    }
    for skipped in &report.skipped {
        text.push_str(&format!("skipped  {}: {}\n", skipped.alias, skipped.reason));
    }
    let (added, skipped) = (report.added.len(), report.skipped.len());
    let ssh_config = ssh_config.display();
    let file = file.display();
    let outcome = match (added, dry_run) {
        (0, _) if skipped == 0 => format!("No Host aliases in {ssh_config}; {file} is unchanged"),
        (0, _) => format!("Nothing new in {ssh_config}; {file} is unchanged"),
        (_, true) => format!("Dry run: {added} to add, {skipped} skipped; {file} is unchanged"),
        (_, false) => format!("{added} added to {file}, {skipped} skipped"),
    };
    text.push_str(&outcome);
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::config::instances::import::{SkipReason, Skipped};

    fn inventory(instances: Vec<Instance>) -> Inventory {
        Inventory {
            path: PathBuf::from("/c/instances.toml"),
            instances,
        }
    }

    #[test]
    fn the_table_aligns_columns_and_names_the_file() {
        let mut big = Instance::named("big");
        big.host = Some("10.0.0.7".into());
        big.user = Some("ana".into());
        big.port = Some(2222);
        big.tags = vec!["a100".into(), "lab".into()];
        big.start_command = Some("virsh start big".into());
        let text = table(&inventory(vec![big, Instance::named("gpu1")]), true);
        assert_eq!(
            text,
            "NAME  HOST      USER  PORT  TAGS      START COMMAND\n\
             big   10.0.0.7  ana   2222  a100,lab  virsh start big\n\
             gpu1  gpu1      -     -     -         -\n\
             \n2 instances in /c/instances.toml\n"
        );
    }

    #[test]
    fn an_empty_fleet_says_how_to_add_one() {
        let text = table(&inventory(Vec::new()), false);
        assert!(text.starts_with("No instances: /c/instances.toml does not exist yet.\n"));
        assert!(text.contains("station fleet add NAME"), "{text}");
        assert!(text.contains("station fleet import"), "{text}");
    }

    #[test]
    fn import_reports_say_what_was_done() {
        let report = ImportReport {
            added: vec![Instance::named("gpu2")],
            skipped: vec![Skipped {
                alias: "gpu1".into(),
                reason: SkipReason::AlreadyPresent,
            }],
        };
        let (ssh, file) = (Path::new("/h/.ssh/config"), Path::new("/c/instances.toml"));
        assert_eq!(
            import_report(&report, ssh, file, false),
            "added  gpu2\nskipped  gpu1: already in the inventory\n\
             1 added to /c/instances.toml, 1 skipped\n"
        );
        assert!(import_report(&report, ssh, file, true).starts_with("would add  gpu2\n"));
        assert_eq!(
            import_report(&ImportReport::default(), ssh, file, false),
            "No Host aliases in /h/.ssh/config; /c/instances.toml is unchanged\n"
        );
    }
}
