//! What the setup folder remembers about each script: `creation.json` and `startup.json`,
//! written atomically (temporary file, `fsync`, rename, `fsync` of the folder).
//!
//! A record is written *before* the script is started (state `running`), again once its
//! process group is known, and at its end. So a record in state `running` found at start-up
//! means the agent that started the script is gone: the run was interrupted. A creation
//! record in any state means the creation script ran on this machine; a startup record
//! whose boot id is the current one means the startup script ran in this boot.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::proto::setup::{FailReason, ScriptKind, ScriptState};

/// One script's last run, as kept on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptRecord {
    /// The script as configured when it ran (`~/x.sh`).
    pub script: String,
    /// The kernel boot id of the boot it ran in (`None` when it could not be read).
    #[serde(default)]
    pub boot_id: Option<String>,
    /// The script's process group (its pid: it runs in a session of its own), once started.
    #[serde(default)]
    pub pgid: Option<i32>,
    pub state: ScriptState,
}

/// What was found in the setup folder for one script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Nothing,
    Record(ScriptRecord),
    /// The file is there but cannot be read as a record: the script may have run, so it is
    /// not run again. Holds the message and the file's modification time (unix ms).
    Unreadable {
        message: String,
        modified_ms: u64,
    },
}

impl Found {
    /// The state to show for an unreadable record.
    pub fn unreadable_state(message: &str, modified_ms: u64) -> ScriptState {
        ScriptState::Failed {
            started_ms: modified_ms,
            took_ms: 0,
            reason: FailReason::CannotStart {
                message: message.to_owned(),
            },
        }
    }
}

/// `DIR/creation.json` or `DIR/startup.json`.
pub fn record_path(setup_dir: &Path, kind: ScriptKind) -> PathBuf {
    setup_dir.join(format!("{}.json", kind.name()))
}

/// Reads the record of `kind`.
pub fn load(setup_dir: &Path, kind: ScriptKind) -> Found {
    let path = record_path(setup_dir, kind);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Found::Nothing,
        Err(error) => return unreadable(&path, &error.to_string()),
    };
    match serde_json::from_str(&text) {
        Ok(record) => Found::Record(record),
        Err(error) => unreadable(&path, &error.to_string()),
    }
}

fn unreadable(path: &Path, error: &str) -> Found {
    let modified_ms = fs::metadata(path)
        .and_then(|meta| meta.modified())
        .ok()
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        });
    Found::Unreadable {
        message: format!(
            "the record of its last run ({}) cannot be read: {error}; it is not run again \
             until that file is removed",
            path.display()
        ),
        modified_ms,
    }
}

/// Writes the record of `kind` atomically.
pub fn save(setup_dir: &Path, kind: ScriptKind, record: &ScriptRecord) -> io::Result<()> {
    let path = record_path(setup_dir, kind);
    let temporary = setup_dir.join(format!(".{}.json.tmp", kind.name()));
    let mut json = serde_json::to_vec_pretty(record).map_err(io::Error::other)?;
    json.push(b'\n');
    let context = |action: &str, on: &Path, error: io::Error| {
        io::Error::new(
            error.kind(),
            format!("cannot {action} {}: {error}", on.display()),
        )
    };
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)
        .map_err(|e| context("create", &temporary, e))?;
    file.write_all(&json)
        .and_then(|()| file.sync_all())
        .map_err(|e| context("write", &temporary, e))?;
    fs::rename(&temporary, &path).map_err(|e| context("replace", &path, e))?;
    // The rename itself is durable only once the folder is synced.
    File::open(setup_dir)
        .and_then(|dir| dir.sync_all())
        .map_err(|e| context("sync", setup_dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::setup::Interruption;

    #[test]
    fn records_round_trip_and_broken_ones_are_reported() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(load(tmp.path(), ScriptKind::Startup), Found::Nothing);
        let record = ScriptRecord {
            script: "~/s.sh".into(),
            boot_id: Some("b1".into()),
            pgid: Some(42),
            state: ScriptState::Interrupted {
                started_ms: 7,
                cause: Interruption::AgentStopped,
            },
        };
        save(tmp.path(), ScriptKind::Startup, &record).unwrap();
        assert_eq!(load(tmp.path(), ScriptKind::Startup), Found::Record(record));
        fs::write(record_path(tmp.path(), ScriptKind::Creation), "{oops").unwrap();
        match load(tmp.path(), ScriptKind::Creation) {
            Found::Unreadable { message, .. } => {
                assert!(message.contains("creation.json"), "{message}");
                assert!(message.contains("not run again"), "{message}");
            }
            other => panic!("expected unreadable, got {other:?}"),
        }
    }
}
