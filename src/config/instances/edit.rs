//! Changing `instances.toml` the way a careful person would by hand: the new instance goes at
//! the end, a removed one takes its own comment block with it, and every other byte of the
//! file (comments, blank lines, key order, quoting) stays as it was.
//!
//! The file is checked before any change (a broken file is never rewritten) and written
//! atomically: a temporary file beside it (mode 0600), then a rename, so a reader sees the
//! old file or the new one, never half of one. A missing config folder is created 0700. When
//! `instances.toml` is a symbolic link (dotfiles), the file it points to is replaced.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value};

use super::{Instance, Inventory};
use crate::config::error::ConfigProblem;
use crate::config::file::read_optional;

/// The first lines of an inventory Station creates.
const NEW_FILE_HEADER: &str = "# Station's fleet: one [[instance]] per machine. Edit by hand or with\n\
                               # `station fleet add|rm|import`; comments are kept.\n\n";

/// Why a change to the inventory was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// The file does not parse or has bad values; it is left alone.
    #[error("{0}")]
    Broken(Box<ConfigProblem>),
    #[error("{}: there is already an instance named `{name}`", path.display())]
    Duplicate { path: PathBuf, name: String },
    #[error("{}: no instance named `{name}`", path.display())]
    Unknown { path: PathBuf, name: String },
    /// A value the file would refuse (a bad name, port 0, …); nothing was written.
    #[error("{message}; {} is unchanged", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
}

impl InventoryError {
    /// Whether the user's input or file is at fault (exit code 2) rather than the system.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, InventoryError::Write { .. })
    }
}

impl From<ConfigProblem> for InventoryError {
    fn from(problem: ConfigProblem) -> Self {
        InventoryError::Broken(Box::new(problem))
    }
}

/// An inventory file opened for changes: the checked instances and the editable document.
#[derive(Debug, Clone)]
pub struct InventoryEditor {
    inventory: Inventory,
    document: DocumentMut,
}

impl InventoryEditor {
    /// Reads and checks `path`; a missing file opens as an empty inventory.
    pub fn open(path: &Path) -> Result<InventoryEditor, InventoryError> {
        let source = read_optional(path)?.unwrap_or_default();
        InventoryEditor::from_source(path, &source)
    }

    /// `source` as the contents of `path`.
    pub fn from_source(path: &Path, source: &str) -> Result<InventoryEditor, InventoryError> {
        let inventory = Inventory::parse(path, source)?;
        let document = source
            .parse::<DocumentMut>()
            .map_err(|e| ConfigProblem::whole_file(super::Severity::Error, path, e.to_string()))?;
        Ok(InventoryEditor {
            inventory,
            document,
        })
    }

    /// The instances as they stand, changes included.
    pub fn inventory(&self) -> &Inventory {
        &self.inventory
    }

    /// Appends `instance`; refuses a name already present or a value the file would refuse.
    pub fn add(&mut self, instance: Instance) -> Result<(), InventoryError> {
        let path = &self.inventory.path;
        instance
            .validate()
            .map_err(|message| InventoryError::Invalid {
                path: path.clone(),
                message,
            })?;
        if self.inventory.get(&instance.name).is_some() {
            return Err(InventoryError::Duplicate {
                path: path.clone(),
                name: instance.name,
            });
        }
        let pairs = fields(&instance);
        match self.document.get_mut("instance") {
            Some(Item::Value(Value::Array(array))) => {
                let mut table = InlineTable::new();
                table.extend(pairs);
                array.push(table);
            }
            _ => self.push_table(pairs)?,
        }
        self.inventory.instances.push(instance);
        Ok(())
    }

    /// Removes the instance called `name`, with the comment lines right above it.
    pub fn remove(&mut self, name: &str) -> Result<Instance, InventoryError> {
        let Some(index) = self.inventory.instances.iter().position(|i| i.name == name) else {
            return Err(InventoryError::Unknown {
                path: self.inventory.path.clone(),
                name: name.to_owned(),
            });
        };
        let trailing = self
            .document
            .trailing()
            .as_str()
            .unwrap_or_default()
            .to_owned();
        match self.document.get_mut("instance") {
            Some(Item::ArrayOfTables(tables)) => {
                let removed = tables.remove(index);
                let prefix = removed.decor().prefix().and_then(|p| p.as_str());
                let kept = kept_before(prefix.unwrap_or_default());
                match tables.get_mut(index) {
                    Some(next) => {
                        let next_prefix = next.decor().prefix().and_then(|p| p.as_str());
                        let joined = format!("{kept}{}", next_prefix.unwrap_or_default());
                        next.decor_mut().set_prefix(joined);
                    }
                    None => self.document.set_trailing(format!("{kept}{trailing}")),
                }
            }
            Some(Item::Value(Value::Array(array))) if index < array.len() => {
                array.remove(index);
            }
            _ => return Err(self.unexpected_layout()),
        }
        Ok(self.inventory.instances.remove(index))
    }

    /// The file's text with the changes.
    pub fn text(&self) -> String {
        self.document.to_string()
    }

    /// Writes the file atomically (see the module documentation).
    pub fn save(&self) -> Result<(), InventoryError> {
        write_atomically(&self.inventory.path, &self.text())
    }

    /// Pushes a `[[instance]]` table at the end, a blank line after what comes before it.
    fn push_table(&mut self, pairs: Vec<(&'static str, Value)>) -> Result<(), InventoryError> {
        let mut table = Table::new();
        for (key, value) in pairs {
            table.insert(key, Item::Value(value));
        }
        let trailing = self
            .document
            .trailing()
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let first = match self.document.get("instance") {
            None => true,
            Some(Item::ArrayOfTables(tables)) => tables.is_empty(),
            Some(_) => return Err(self.unexpected_layout()),
        };
        let prefix = if !first {
            "\n".to_owned()
        } else if trailing.trim().is_empty() {
            NEW_FILE_HEADER.to_owned()
        } else {
            // Comments that stood alone in the file stay above the first instance.
            self.document.set_trailing("");
            separated(trailing)
        };
        table.decor_mut().set_prefix(prefix);
        let tables = self
            .document
            .entry("instance")
            .or_insert_with(|| Item::ArrayOfTables(ArrayOfTables::new()));
        if let Item::ArrayOfTables(tables) = tables {
            tables.push(table);
        }
        Ok(())
    }

    /// `instance` is neither an array of tables nor an array: the checks let through a file
    /// this editor does not understand, so it refuses to touch it.
    fn unexpected_layout(&self) -> InventoryError {
        InventoryError::from(ConfigProblem::whole_file(
            super::Severity::Error,
            &self.inventory.path,
            "`instance` is neither [[instance]] tables nor an array; edit the file by hand",
        ))
    }
}

/// `text` ending with a blank line, so that what follows it stands apart.
fn separated(mut text: String) -> String {
    if !text.ends_with('\n') {
        text.push('\n');
    }
    if !text.ends_with("\n\n") {
        text.push('\n');
    }
    text
}

/// The instance's keys in the documented order, only those that are set.
fn fields(instance: &Instance) -> Vec<(&'static str, Value)> {
    let text = |value: &Option<String>| value.as_deref().map(Value::from);
    let tags = (!instance.tags.is_empty())
        .then(|| Value::Array(Array::from_iter(instance.tags.iter().map(String::as_str))));
    [
        ("name", Some(Value::from(instance.name.as_str()))),
        ("host", text(&instance.host)),
        ("user", text(&instance.user)),
        ("port", instance.port.map(|p| Value::from(i64::from(p)))),
        ("identity", text(&instance.identity)),
        ("tags", tags),
        ("start_command", text(&instance.start_command)),
    ]
    .into_iter()
    .filter_map(|(key, value)| Some((key, value?)))
    .collect()
}

/// Of the lines above a removed `[[instance]]`, those that belong to what comes before it:
/// the comment block right above the header and the blank lines that set it apart go with
/// the instance; anything above them (a header comment, another paragraph) stays.
pub(crate) fn kept_before(prefix: &str) -> &str {
    let mut lines: Vec<&str> = prefix.split_inclusive('\n').collect();
    if lines.last().is_some_and(|l| !l.ends_with('\n')) {
        lines.pop(); // indentation before the header itself
    }
    let is_blank = |line: &&str| line.trim().is_empty();
    let mut end = lines.len();
    while end > 0 && !is_blank(&lines[end - 1]) {
        end -= 1;
    }
    while end > 0 && is_blank(&lines[end - 1]) {
        end -= 1;
    }
    let kept: usize = lines[..end].iter().map(|l| l.len()).sum();
    &prefix[..kept]
}

/// Replaces `path` with `text`: a 0600 temporary file in the same folder, synced, renamed
/// over it. The folder is created 0700 when missing; a symbolic link is followed.
pub fn write_atomically(path: &Path, text: &str) -> Result<(), InventoryError> {
    let failed = |source: io::Error| InventoryError::Write {
        path: path.to_owned(),
        source,
    };
    let target = match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => fs::canonicalize(path).map_err(failed)?,
        _ => path.to_owned(),
    };
    let folder = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    create_private_folder(folder).map_err(failed)?;
    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = folder.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temporary)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        fs::rename(&temporary, &target)?;
        fs::File::open(folder)?.sync_all()
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written.map_err(failed)
}

/// Creates `folder` 0700 (its missing parents with the usual mode) unless it exists.
fn create_private_folder(folder: &Path) -> io::Result<()> {
    if folder.is_dir() {
        return Ok(());
    }
    if let Some(parent) = folder.parent() {
        fs::create_dir_all(parent)?;
    }
    match fs::DirBuilder::new().mode(0o700).create(folder) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    }
}

/// Adds `instance` to the inventory at `path` and saves it.
pub fn add_instance(path: &Path, instance: Instance) -> Result<(), InventoryError> {
    let mut editor = InventoryEditor::open(path)?;
    editor.add(instance)?;
    editor.save()
}

/// Removes the instance called `name` from the inventory at `path` and saves it.
pub fn remove_instance(path: &Path, name: &str) -> Result<Instance, InventoryError> {
    let mut editor = InventoryEditor::open(path)?;
    let removed = editor.remove(name)?;
    editor.save()?;
    Ok(removed)
}
