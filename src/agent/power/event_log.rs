//! The power event log: every decision (warned, snoozed, stopped, called off, settings
//! reloaded or refused, a missed schedule, a setup script's end), newest last.
//!
//! Kept in memory (the last [`KEPT`] entries, what `station events` shows) and appended to
//! `power-events.jsonl` in the state folder, one JSON object per line, which is read back at
//! start so the log survives restarts. The file is rotated at [`ROTATE_AT`] bytes (one
//! previous file kept). Writing is best effort: on a full disk the entry stays in memory and
//! the agent goes on — a stop must still happen then — and the failure is logged once until
//! a write succeeds again.

use std::collections::VecDeque;
use std::fs::{self, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::PathBuf;

use crate::proto::power::PowerLogEntry;

/// Entries kept in memory.
pub const KEPT: usize = 1000;
/// Size at which the file is rotated.
const ROTATE_AT: u64 = 1024 * 1024;

/// See the module documentation.
#[derive(Debug)]
pub struct EventLog {
    path: PathBuf,
    entries: VecDeque<PowerLogEntry>,
    /// The last write failed (so the next failure is not logged again).
    failing: bool,
}

impl EventLog {
    /// Opens the log at `path`, reading back the newest entries of an earlier run.
    pub fn open(path: PathBuf) -> EventLog {
        let mut entries = VecDeque::with_capacity(KEPT);
        for file in [previous(&path), path.clone()] {
            let Ok(file) = fs::File::open(&file) else {
                continue;
            };
            for line in BufReader::new(file).lines().map_while(Result::ok) {
                // A torn last line (a crash mid-write) is skipped.
                if let Ok(entry) = serde_json::from_str::<PowerLogEntry>(&line) {
                    if entries.len() == KEPT {
                        entries.pop_front();
                    }
                    entries.push_back(entry);
                }
            }
        }
        EventLog {
            path,
            entries,
            failing: false,
        }
    }

    /// Records one entry.
    pub fn record(&mut self, at_ms: u64, kind: &str, text: impl Into<String>) {
        let entry = PowerLogEntry {
            at_ms,
            kind: kind.to_owned(),
            text: text.into(),
        };
        tracing::info!(kind, text = %entry.text, "power");
        match self.append(&entry) {
            Ok(()) => self.failing = false,
            Err(error) => {
                if !self.failing {
                    tracing::warn!(file = %self.path.display(), "cannot write the power event log (kept in memory): {error}");
                }
                self.failing = true;
            }
        }
        if self.entries.len() == KEPT {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    /// The newest `limit` entries, oldest first.
    pub fn newest(&self, limit: usize) -> Vec<PowerLogEntry> {
        let skip = self.entries.len().saturating_sub(limit);
        self.entries.iter().skip(skip).cloned().collect()
    }

    fn append(&self, entry: &PowerLogEntry) -> io::Result<()> {
        if fs::metadata(&self.path).is_ok_and(|meta| meta.len() >= ROTATE_AT) {
            fs::rename(&self.path, previous(&self.path))?;
        }
        let mut line = serde_json::to_vec(entry).map_err(io::Error::other)?;
        line.push(b'\n');
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        file.write_all(&line)
    }
}

fn previous(path: &std::path::Path) -> PathBuf {
    path.with_extension("jsonl.1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_survive_a_restart_and_stay_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("power-events.jsonl");
        let mut log = EventLog::open(path.clone());
        log.record(1, "warn", "stopping in 10 min (idle)");
        log.record(2, "snooze", "ana snoozed");
        let again = EventLog::open(path.clone());
        assert_eq!(again.newest(10), log.newest(10));
        assert_eq!(again.newest(1)[0].kind, "snooze");
        let mut log = again;
        for i in 0..(KEPT as u64 + 5) {
            log.record(10 + i, "clock", "tick");
        }
        assert_eq!(log.newest(usize::MAX).len(), KEPT);
    }

    #[test]
    fn a_torn_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("power-events.jsonl");
        fs::write(
            &path,
            "{\"at_ms\":1,\"kind\":\"warn\",\"text\":\"a\"}\n{\"at_ms\":2,\"ki",
        )
        .unwrap();
        assert_eq!(EventLog::open(path).newest(10).len(), 1);
    }

    #[test]
    fn a_full_disk_keeps_entries_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = EventLog::open(dir.path().join("power-events.jsonl"));
        // Every write fails with ENOSPC there.
        log.path = PathBuf::from("/dev/full");
        log.record(1, "stop", "stopping now");
        assert!(log.failing);
        assert_eq!(log.newest(5).len(), 1);
    }
}
