//! Small, allocation-free helpers for reading kernel text files (`/proc`, `/sys`).
//!
//! Every reader keeps its own buffer and reuses it tick after tick; the parsers work on bytes
//! so that a stray non-UTF-8 byte (a process name can hold any) never fails a whole file.

use std::fmt::Display;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::path::Path;

/// Reads the whole file at `path` into `buf` (cleared first), reusing its capacity.
pub(crate) fn read_into(path: impl AsRef<Path>, buf: &mut Vec<u8>) -> io::Result<()> {
    buf.clear();
    File::open(path)?.read_to_end(buf)?;
    Ok(())
}

/// Reads a whole kernel file from offset 0 with `pread` into `buf` (cleared first). A `/proc`
/// file kept open gives fresh contents this way: the kernel generates them again for a read
/// at offset 0. One call in the common case, as the buffer keeps the size it grew to.
pub(crate) fn read_from_start(file: &File, buf: &mut Vec<u8>) -> io::Result<()> {
    buf.clear();
    buf.resize(buf.capacity().max(1024), 0);
    let mut filled = 0;
    loop {
        let read = file.read_at(&mut buf[filled..], filled as u64)?;
        filled += read;
        if read == 0 {
            break;
        }
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
    }
    buf.truncate(filled);
    Ok(())
}

/// A kernel file read every tick through one descriptor kept open, which saves the open and
/// close of each tick. A failed read opens the file again once.
#[derive(Debug)]
pub(crate) struct KeptFile {
    path: &'static str,
    file: Option<File>,
}

impl KeptFile {
    pub(crate) fn new(path: &'static str) -> KeptFile {
        KeptFile { path, file: None }
    }

    /// Reads the whole file into `buf`.
    pub(crate) fn read(&mut self, buf: &mut Vec<u8>) -> io::Result<()> {
        if let Some(file) = &self.file {
            if read_from_start(file, buf).is_ok() {
                return Ok(());
            }
            self.file = None;
        }
        let file = File::open(self.path)?;
        read_from_start(&file, buf)?;
        self.file = Some(file);
        Ok(())
    }
}

/// Reads the file at `path` as trimmed text, `None` when it cannot be read or is empty.
pub(crate) fn read_trimmed(path: impl AsRef<Path>) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Parses an unsigned decimal number made only of ASCII digits.
pub(crate) fn parse_u64(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() {
        return None;
    }
    bytes.iter().try_fold(0u64, |value, &byte| {
        let digit = byte.checked_sub(b'0').filter(|d| *d < 10)?;
        value.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// The whitespace-separated fields of a line, without empty ones.
pub(crate) fn fields(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(u8::is_ascii_whitespace)
        .filter(|field| !field.is_empty())
}

/// The lines of a file's contents, without the newline.
pub(crate) fn lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    text.split(|byte| *byte == b'\n')
        .filter(|line| !line.is_empty())
}

/// Logs a failing source once, the first time it fails, so a missing file on an odd system
/// leaves one line in the agent's log instead of one per tick.
#[derive(Debug, Default)]
pub(crate) struct WarnOnce {
    warned: bool,
}

impl WarnOnce {
    /// Logs `what` and `error` unless this source already warned.
    pub(crate) fn warn(&mut self, what: &str, error: &dyn Display) {
        if !self.warned {
            self.warned = true;
            tracing::warn!("telemetry: {what}: {error} (shown as n/a)");
        }
    }
}

/// The soft limit on open files of this process (`Max open files` in `/proc/self/limits`);
/// 0 when it cannot be read, so that nothing relies on it.
pub(crate) fn open_files_soft_limit() -> u64 {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| parse_open_files_limit(&text))
        .unwrap_or(0)
}

/// The soft limit of the `Max open files` line of `/proc/self/limits`.
fn parse_open_files_limit(text: &str) -> Option<u64> {
    let line = text
        .lines()
        .find(|line| line.starts_with("Max open files"))?;
    let soft = line
        .trim_start_matches("Max open files")
        .split_whitespace()
        .next()?;
    match soft {
        "unlimited" => Some(u64::MAX),
        number => number.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_numbers() {
        assert_eq!(parse_u64(b"0"), Some(0));
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
    }

    #[test]
    fn rejects_what_is_not_a_plain_number() {
        assert_eq!(parse_u64(b""), None);
        assert_eq!(parse_u64(b"-1"), None);
        assert_eq!(parse_u64(b"12a"), None);
        assert_eq!(parse_u64(b" 1"), None);
        assert_eq!(parse_u64(b"18446744073709551616"), None);
    }

    #[test]
    fn splits_fields_on_any_whitespace() {
        let got: Vec<&[u8]> = fields(b"  a\tbb   c \n").collect();
        assert_eq!(got, vec![&b"a"[..], b"bb", b"c"]);
    }

    #[test]
    fn skips_empty_lines() {
        let got: Vec<&[u8]> = lines(b"a\n\nb\n").collect();
        assert_eq!(got, vec![&b"a"[..], b"b"]);
    }

    #[test]
    fn reads_from_the_start_whatever_the_length() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("counter");
        std::fs::write(&path, "1").expect("write");
        let file = File::open(&path).expect("open");
        let mut buf = Vec::new();
        read_from_start(&file, &mut buf).expect("read");
        assert_eq!(buf, b"1");
        // Rewritten behind the open descriptor, and longer than the buffer: it grows.
        let long = "x".repeat(5000);
        std::fs::write(&path, &long).expect("write");
        read_from_start(&file, &mut buf).expect("read");
        assert_eq!(buf, long.as_bytes());
    }

    #[test]
    fn kept_file_reads_fresh_kernel_contents() {
        let mut kept = KeptFile::new("/proc/self/stat");
        let mut buf = Vec::new();
        kept.read(&mut buf).expect("read");
        let own = std::process::id().to_string();
        assert!(buf.starts_with(own.as_bytes()));
        assert!(kept.file.is_some());
        // Reading again through the same descriptor generates the whole file again (freshness
        // is tested where CPU time is read this way, in `processes`).
        kept.read(&mut buf).expect("read");
        assert!(buf.starts_with(own.as_bytes()) && buf.ends_with(b"\n"));
    }

    #[test]
    fn kept_file_reports_a_missing_file() {
        let mut kept = KeptFile::new("/nonexistent/station-test");
        assert!(kept.read(&mut Vec::new()).is_err());
    }

    #[test]
    fn reading_a_missing_file_is_an_error_not_a_panic() {
        let mut buf = b"stale".to_vec();
        assert!(read_into("/nonexistent/station-test", &mut buf).is_err());
        assert!(buf.is_empty());
        assert_eq!(read_trimmed("/nonexistent/station-test"), None);
    }

    #[test]
    fn open_files_limit_from_proc_limits() {
        let text = "Limit                     Soft Limit           Hard Limit           Units     \n\
Max cpu time              unlimited            unlimited            seconds   \n\
Max open files            1024                 524288               files     \n";
        assert_eq!(parse_open_files_limit(text), Some(1024));
        assert_eq!(
            parse_open_files_limit(
                "Max open files            unlimited            unlimited            files\n"
            ),
            Some(u64::MAX)
        );
        assert_eq!(parse_open_files_limit("Max processes 5 5\n"), None);
        assert_eq!(parse_open_files_limit(""), None);
        assert!(open_files_soft_limit() > 0);
    }
}
