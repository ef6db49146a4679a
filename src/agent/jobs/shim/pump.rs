//! Copying the program's stdout and stderr to their log files, one thread per pipe.
//!
//! A log file is opened (created) when the first output arrives, so a silent job costs no
//! inodes for logs. A log that cannot be opened or written (a full disk, any error) is given
//! up, and the output is lost from then on (`logs_truncated`), but its pipe is still read to
//! the end, so the program never blocks on a full pipe nor dies of SIGPIPE.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;
use std::time::{Duration, Instant};

use crate::agent::jobs::dir::open_append_private;

/// Bytes read from a pipe at a time.
const BUFFER_BYTES: usize = 64 * 1024;

/// Enough for a thread whose buffer is on the heap.
const THREAD_STACK_BYTES: usize = 64 * 1024;

/// Where one pipe's output goes.
pub enum Log {
    /// Not opened yet: opened for appending (created 0600) at the first output.
    Later(PathBuf),
    Open(File),
    /// Could not be opened or written: output is read and dropped.
    Lost,
}

impl Log {
    /// Appends `data`; returns false when it was lost (now or earlier).
    fn write(&mut self, data: &[u8]) -> bool {
        if let Log::Later(path) = self {
            *self = match open_append_private(path) {
                Ok(file) => Log::Open(file),
                Err(_) => Log::Lost,
            };
        }
        match self {
            // `&File` writes too, which the guard can borrow.
            Log::Open(file) if (&*file).write_all(data).is_ok() => true,
            _ => {
                *self = Log::Lost;
                false
            }
        }
    }
}

/// The running copies.
pub struct Pumps {
    running: usize,
    done: Receiver<()>,
    truncated: Arc<AtomicBool>,
}

/// Starts one copying thread per pipe.
pub fn start(
    stdout: Option<impl Read + Send + 'static>,
    stdout_log: Log,
    stderr: Option<impl Read + Send + 'static>,
    stderr_log: Log,
) -> Pumps {
    let (done_tx, done) = mpsc::channel();
    let truncated = Arc::new(AtomicBool::new(false));
    let mut running = 0;
    if let Some(pipe) = stdout {
        running += start_one(pipe, stdout_log, &done_tx, &truncated);
    }
    if let Some(pipe) = stderr {
        running += start_one(pipe, stderr_log, &done_tx, &truncated);
    }
    Pumps {
        running,
        done,
        truncated,
    }
}

impl Pumps {
    /// Waits at most `limit` for both pipes to reach their end; returns whether any output
    /// was lost. A pipe still open after `limit` (held by a process the program left behind)
    /// is abandoned; what comes later is not logged.
    pub fn finish(self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        for _ in 0..self.running {
            let left = deadline.saturating_duration_since(Instant::now());
            if self.done.recv_timeout(left).is_err() {
                break;
            }
        }
        self.truncated.load(Ordering::SeqCst)
    }
}

/// Returns 1 when the thread started; when it cannot, the pipe is dropped and its output
/// counts as lost.
fn start_one(
    pipe: impl Read + Send + 'static,
    log: Log,
    done: &Sender<()>,
    truncated: &Arc<AtomicBool>,
) -> usize {
    let done = done.clone();
    let truncated_here = Arc::clone(truncated);
    let started = thread::Builder::new()
        .stack_size(THREAD_STACK_BYTES)
        .spawn(move || {
            copy(pipe, log, &truncated_here);
            let _ = done.send(());
        });
    match started {
        Ok(_) => 1,
        Err(_) => {
            truncated.store(true, Ordering::SeqCst);
            0
        }
    }
}

/// Copies `pipe` into `log` until the pipe ends; see the module documentation.
fn copy(mut pipe: impl Read, mut log: Log, truncated: &AtomicBool) {
    let mut buffer = vec![0; BUFFER_BYTES];
    loop {
        let read = match pipe.read(&mut buffer) {
            Ok(0) => return,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        if !log.write(&buffer[..read]) {
            truncated.store(true, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_is_copied_and_nothing_is_lost() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.log");
        let silent = dir.path().join("err.log");
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 256) as u8).collect();
        let pumps = start(
            Some(io::Cursor::new(data.clone())),
            Log::Later(path.clone()),
            Some(io::empty()),
            Log::Later(silent.clone()),
        );
        assert!(!pumps.finish(Duration::from_secs(60)));
        assert_eq!(std::fs::read(&path).unwrap(), data);
        assert!(!silent.exists(), "a log without output was created");
    }

    #[test]
    fn a_full_disk_loses_output_but_reads_the_pipe_to_its_end() {
        let data = vec![b'x'; 200_000];
        let mut cursor = io::Cursor::new(data);
        let truncated = AtomicBool::new(false);
        copy(&mut cursor, Log::Later("/dev/full".into()), &truncated);
        assert!(truncated.load(Ordering::SeqCst));
        assert_eq!(cursor.position(), 200_000, "the pipe was not drained");
    }

    #[test]
    fn a_log_that_cannot_be_opened_loses_output_but_drains_the_pipe() {
        let mut cursor = io::Cursor::new(vec![b'x'; 100_000]);
        let truncated = AtomicBool::new(false);
        copy(
            &mut cursor,
            Log::Later("/nonexistent/out.log".into()),
            &truncated,
        );
        assert!(truncated.load(Ordering::SeqCst));
        assert_eq!(cursor.position(), 100_000, "the pipe was not drained");
    }
}
