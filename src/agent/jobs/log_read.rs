//! STUB (being written by the store helper): reading a piece of a job's log.

use std::io;
use std::path::Path;

use crate::proto::jobs::LogStart;

/// A piece of a log file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkRead {
    pub offset: u64,
    pub data: String,
    pub next_offset: u64,
    pub size: u64,
}

pub fn read_chunk(
    _path: &Path,
    _start: LogStart,
    _max_bytes: usize,
    _job_ended: bool,
) -> io::Result<ChunkRead> {
    Err(io::Error::other("not written yet"))
}
