//! The shim's status file: one JSON object padded with spaces to [`STATUS_FILE_SIZE`] bytes.
//!
//! The shim `flock`s this file for its whole life (the lock says the job is alive), writes
//! the whole padded block once, right after it takes the lock, and afterwards only
//! overwrites it in place (`pwrite` at offset 0, same length, never a
//! truncate). Its blocks are therefore allocated before the job runs, and the final write,
//! the one that records how the job ended, needs no new disk space: on a full disk the exit
//! status is still recorded. Readers trim the padding.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

use serde::{Deserialize, Serialize};

/// The status file's size; the JSON always fits (a long `spawn_error` is shortened).
pub const STATUS_FILE_SIZE: usize = 1024;

/// Where the shim is with its job, as its status file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The shim holds the lock but has not started the program.
    Starting,
    /// The program runs.
    Running,
    /// The program ended (or could not be started: `spawn_error`).
    Exited,
}

/// The shim's status file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShimStatus {
    pub phase: Phase,
    pub shim_pid: u32,
    /// The program's pid, which is also its process group.
    pub child_pid: Option<u32>,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub logs_truncated: bool,
    /// Why the program could not be started (then `exit_code` is 127 or 126).
    pub spawn_error: Option<String>,
    pub ended_at_ms: Option<u64>,
}

impl ShimStatus {
    /// What a shim that has just taken the lock writes.
    pub fn starting(shim_pid: u32) -> ShimStatus {
        ShimStatus {
            phase: Phase::Starting,
            shim_pid,
            child_pid: None,
            exit_code: None,
            signal: None,
            logs_truncated: false,
            spawn_error: None,
            ended_at_ms: None,
        }
    }

    /// The file's exact contents: the JSON, then spaces up to [`STATUS_FILE_SIZE`].
    pub fn encode(&self) -> Vec<u8> {
        let mut status = self.clone();
        loop {
            let mut bytes = serde_json::to_vec(&status).unwrap_or_default();
            if bytes.len() < STATUS_FILE_SIZE {
                bytes.resize(STATUS_FILE_SIZE, b' ');
                return bytes;
            }
            // Only an error message can make it this long: shorten it and try again.
            let Some(error) = status.spawn_error.as_mut() else {
                return vec![b' '; STATUS_FILE_SIZE];
            };
            let mut keep = error
                .len()
                .saturating_sub(bytes.len() - STATUS_FILE_SIZE + 8);
            while !error.is_char_boundary(keep) {
                keep -= 1;
            }
            error.truncate(keep);
            error.push('…');
        }
    }

    /// Reads what [`encode`](Self::encode) wrote; `None` for an empty (or all-blank) file.
    pub fn decode(bytes: &[u8]) -> io::Result<Option<ShimStatus>> {
        let end = bytes
            .iter()
            .rposition(|b| !matches!(b, b' ' | b'\n' | b'\0'))
            .map_or(0, |last| last + 1);
        if end == 0 {
            return Ok(None);
        }
        serde_json::from_slice(&bytes[..end])
            .map(Some)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

/// Overwrites the whole status file `file` in place with `status` (the shim's only way of
/// writing it).
pub fn write_in_place(file: &File, status: &ShimStatus) -> io::Result<()> {
    file.write_all_at(&status.encode(), 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_survives_encoding_at_the_fixed_size() {
        let mut status = ShimStatus::starting(12);
        status.phase = Phase::Exited;
        status.exit_code = Some(3);
        status.ended_at_ms = Some(1_700_000_000_000);
        let bytes = status.encode();
        assert_eq!(bytes.len(), STATUS_FILE_SIZE);
        assert_eq!(ShimStatus::decode(&bytes).unwrap(), Some(status));
    }

    #[test]
    fn a_long_spawn_error_is_shortened_to_fit() {
        let mut status = ShimStatus::starting(12);
        status.spawn_error = Some("é".repeat(2_000));
        let bytes = status.encode();
        assert_eq!(bytes.len(), STATUS_FILE_SIZE);
        let decoded = ShimStatus::decode(&bytes).unwrap().unwrap();
        let error = decoded.spawn_error.unwrap();
        assert!(error.ends_with('…') && error.starts_with("éé"), "{error}");
    }

    #[test]
    fn blank_files_hold_no_status_and_garbage_is_an_error() {
        assert_eq!(ShimStatus::decode(b"").unwrap(), None);
        assert_eq!(ShimStatus::decode(&[b' '; 64]).unwrap(), None);
        assert_eq!(ShimStatus::decode(&[0; 64]).unwrap(), None);
        let error = ShimStatus::decode(b"{\"phase\":").unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    }
}
