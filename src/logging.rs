//! Logging with `tracing`, always to a file, never to the terminal.
//!
//! The agent logs to `$XDG_STATE_HOME/station/agent.log`, the console to `console.log` beside
//! it. `STATION_LOG` takes an `EnvFilter` directive (default `info`). A log over 10 MiB is
//! moved to `NAME.1` when the program starts, so logs stay bounded.

use std::fs;
use std::path::Path;

use anyhow::Context;
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

/// Lines that may wait for the writer thread before new ones are dropped.
const QUEUED_LINES: usize = 1024;

/// Rotate a log bigger than this at start-up.
const MAX_LOG_BYTES: u64 = 10 * 1024 * 1024;

/// Installs the global subscriber writing to `file`. Keep the guard alive until exit: dropping
/// it flushes what is buffered.
pub fn init(file: &Path) -> anyhow::Result<WorkerGuard> {
    let dir = file.parent().context("log path has no folder")?;
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    if fs::metadata(file).is_ok_and(|m| m.len() > MAX_LOG_BYTES) {
        let mut rotated = file.as_os_str().to_owned();
        rotated.push(".1");
        let _ = fs::rename(file, rotated);
    }
    let name = file.file_name().context("log path has no file name")?;
    let appender = tracing_appender::rolling::never(dir, name);
    // The default queue holds 128,000 lines and its slots are written up front: 4 MiB of
    // resident memory for a log that sees a few lines a minute.
    let (writer, guard) = NonBlockingBuilder::default()
        .buffered_lines_limit(QUEUED_LINES)
        .lossy(true)
        .finish(appender);
    let filter = EnvFilter::try_from_env("STATION_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .map_err(|e| anyhow::anyhow!("cannot install the logger: {e}"))?;
    Ok(guard)
}
