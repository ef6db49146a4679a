//! The scripts' logs: `creation.log` and `startup.log` in the setup folder, the run before
//! kept as `*.prev.log`.
//!
//! The script writes its stdout and stderr straight into the log (opened for appending), not
//! through a pipe the agent drains: a server that a startup script leaves running keeps a
//! working stdout when the agent stops or restarts, where a pipe would break under it
//! (`SIGPIPE`). The agent keeps the log bounded instead: while the script runs it checks the
//! size every 250 ms, and every 5 s while processes the script left behind live; a log over
//! [`LOG_LIMIT`] is cut to its last [`LOG_KEEP`] bytes (from a line start) under a
//! `station:` line saying so. Lines the script writes during the cut itself may be lost or
//! land before that line. Station's own lines (what ran, how it ended) start with
//! `station:`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::group;
use crate::proto::setup::ScriptKind;

/// A log longer than this is cut.
pub const LOG_LIMIT: u64 = 1024 * 1024;
/// How much of a cut log is kept (its end).
pub const LOG_KEEP: u64 = 512 * 1024;
/// How often the size is checked while the script runs.
const RUNNING_CHECK: Duration = Duration::from_millis(250);
/// How often the size is checked while processes the script left behind still live.
const LINGERING_CHECK: Duration = Duration::from_secs(5);

/// `DIR/creation.log` or `DIR/startup.log`.
pub fn log_path(setup_dir: &Path, kind: ScriptKind) -> PathBuf {
    setup_dir.join(format!("{}.log", kind.name()))
}

/// The log of the run before: `DIR/creation.prev.log` or `DIR/startup.prev.log`.
pub fn previous_log_path(setup_dir: &Path, kind: ScriptKind) -> PathBuf {
    setup_dir.join(format!("{}.prev.log", kind.name()))
}

/// Keeps the last run's log as `*.prev.log` and opens a new, empty log (0600, appending).
pub fn start_log(setup_dir: &Path, kind: ScriptKind) -> io::Result<File> {
    let path = log_path(setup_dir, kind);
    match fs::rename(&path, previous_log_path(setup_dir, kind)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot open {}: {e}", path.display())))
}

/// Appends Station's own line (`station: TEXT`) to a log; a failure is only logged.
pub fn note(log: &File, text: &str) {
    let mut writer = log;
    if let Err(error) = writer.write_all(format!("station: {text}\n").as_bytes()) {
        tracing::warn!(%error, "setup: cannot write to the script's log");
    }
}

/// Appends Station's line to the log of `kind` (opened for that one line).
pub fn note_at(setup_dir: &Path, kind: ScriptKind, text: &str) {
    match OpenOptions::new()
        .append(true)
        .open(log_path(setup_dir, kind))
    {
        Ok(file) => note(&file, text),
        Err(error) => tracing::debug!(%error, "setup: no log to note in"),
    }
}

/// Cuts the log at `path` to its last `keep` bytes when it is longer than `limit`. Says
/// whether it cut.
pub fn cut_if_over(path: &Path, limit: u64, keep: u64) -> io::Result<bool> {
    let mut file = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    let size = file.metadata()?.len();
    if size <= limit {
        return Ok(false);
    }
    let keep = keep.min(size);
    let mut tail = Vec::with_capacity(usize::try_from(keep).unwrap_or(0));
    file.seek(SeekFrom::Start(size - keep))?;
    (&mut file).take(keep).read_to_end(&mut tail)?;
    let from = tail
        .iter()
        .position(|byte| *byte == b'\n')
        .map_or(0, |newline| newline + 1);
    file.set_len(0)?;
    // Appending, like the script: what it wrote since the truncation stays before this.
    let mut appender = OpenOptions::new().append(true).open(path)?;
    appender.write_all(
        format!(
            "station: the log passed {} KiB: earlier output was cut, the last {} KiB follow\n",
            limit / 1024,
            keep / 1024
        )
        .as_bytes(),
    )?;
    appender.write_all(&tail[from..])?;
    Ok(true)
}

/// Keeps the log at `path` bounded while the script runs (until `ended` is set) and then
/// while its process group `pgid` still exists; stops early when `cancel` fires.
pub async fn keep_bounded(
    path: PathBuf,
    pgid: i32,
    ended: Arc<AtomicBool>,
    cancel: CancellationToken,
) {
    loop {
        let finished = ended.load(Ordering::Acquire);
        if finished && !group::exists(pgid) {
            return;
        }
        let period = if finished {
            LINGERING_CHECK
        } else {
            RUNNING_CHECK
        };
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(period) => {}
        }
        if fs::metadata(&path).is_ok_and(|meta| meta.len() > LOG_LIMIT) {
            let cut_path = path.clone();
            let cut =
                tokio::task::spawn_blocking(move || cut_if_over(&cut_path, LOG_LIMIT, LOG_KEEP))
                    .await;
            if let Ok(Err(error)) = cut {
                tracing::warn!(path = %path.display(), %error, "setup: cannot cut the script's log");
            }
        }
    }
}

/// The end of a script's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogTail {
    /// The text (invalid UTF-8 replaced); when the log is longer than asked for, it starts
    /// at a line start.
    pub text: String,
    /// Whether earlier output is left out.
    pub truncated: bool,
    /// The log's size in bytes.
    pub size: u64,
}

/// The last `max_bytes` (at most) of the current log of `kind`; `None` when there is no log
/// (the script never ran on this machine, or its log was removed).
pub fn read_log_tail(
    setup_dir: &Path,
    kind: ScriptKind,
    max_bytes: u64,
) -> io::Result<Option<LogTail>> {
    let path = log_path(setup_dir, kind);
    let mut file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(io::Error::new(
                e.kind(),
                format!("cannot read {}: {e}", path.display()),
            ));
        }
    };
    let size = file.metadata()?.len();
    let start = size.saturating_sub(max_bytes);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.take(max_bytes).read_to_end(&mut bytes)?;
    let mut from = 0;
    if start > 0 {
        from = match bytes.iter().position(|byte| *byte == b'\n') {
            Some(newline) => newline + 1,
            // One long line: at least do not start inside a character.
            None => bytes
                .iter()
                .position(|byte| byte & 0b1100_0000 != 0b1000_0000)
                .unwrap_or(bytes.len()),
        };
    }
    Ok(Some(LogTail {
        text: String::from_utf8_lossy(&bytes[from..]).into_owned(),
        truncated: start > 0 || from > 0,
        size,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_run_keeps_the_previous_log() {
        let tmp = tempfile::tempdir().unwrap();
        let first = start_log(tmp.path(), ScriptKind::Startup).unwrap();
        note(&first, "first run");
        let second = start_log(tmp.path(), ScriptKind::Startup).unwrap();
        note(&second, "second run");
        let previous = fs::read_to_string(previous_log_path(tmp.path(), ScriptKind::Startup));
        assert_eq!(previous.unwrap(), "station: first run\n");
        let tail = read_log_tail(tmp.path(), ScriptKind::Startup, 1000)
            .unwrap()
            .unwrap();
        assert_eq!(tail.text, "station: second run\n");
        assert!(!tail.truncated);
        assert_eq!(
            read_log_tail(tmp.path(), ScriptKind::Creation, 10).unwrap(),
            None
        );
    }

    #[test]
    fn a_long_log_is_cut_to_its_end_from_a_line_start() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("x.log");
        let text: String = (0..100).map(|i| format!("line {i:03}\n")).collect();
        fs::write(&path, &text).unwrap();
        assert!(!cut_if_over(&path, 2000, 100).unwrap());
        assert!(cut_if_over(&path, 500, 100).unwrap());
        let cut = fs::read_to_string(&path).unwrap();
        let mut lines = cut.lines();
        assert!(lines.next().unwrap().starts_with("station: the log passed"));
        assert_eq!(
            lines.next(),
            Some("line 089"),
            "the first whole line of the last 100 bytes"
        );
        assert!(cut.ends_with("line 099\n"));
    }

    #[test]
    fn a_tail_starts_at_a_line_or_character_boundary() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(
            log_path(tmp.path(), ScriptKind::Creation),
            "abc\ndéf\nghi\n",
        )
        .unwrap();
        let tail = read_log_tail(tmp.path(), ScriptKind::Creation, 6)
            .unwrap()
            .unwrap();
        assert_eq!(tail.text, "ghi\n");
        assert!(tail.truncated);
        fs::write(log_path(tmp.path(), ScriptKind::Creation), "ééé").unwrap();
        let tail = read_log_tail(tmp.path(), ScriptKind::Creation, 3)
            .unwrap()
            .unwrap();
        assert_eq!(tail.text, "é");
    }
}
