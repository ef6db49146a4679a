//! Reading a piece of a job's log as UTF-8 text, with byte offsets that stay exact.
//!
//! Invalid bytes become U+FFFD. A character cut in two by the end of a chunk is held back
//! (`next_offset` stops before it) so the next chunk starts with it whole, except at the end
//! of the log of a job that has ended, where nothing more will come and it is replaced too.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::proto::jobs::LogStart;

/// The longest UTF-8 sequence; a chunk is never asked to be shorter, so it always makes
/// progress when there is something to read.
const MIN_CHUNK_BYTES: usize = 4;

/// What [`read_chunk`] read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkRead {
    /// Byte offset of `data` in the file.
    pub offset: u64,
    pub data: String,
    /// Where the next chunk starts.
    pub next_offset: u64,
    /// The file's size when it was read (0 when it does not exist).
    pub size: u64,
}

/// Reads at most `max_bytes` (at least 4) of the log at `path` from `start`.
///
/// `Offset(o)` reads from `o` (past the end: nothing, and `next_offset` stays `o`).
/// `Tail(n)` starts `n` bytes before the end, at a line start: there when the byte before is
/// a newline, else just after the next newline; when what it read holds no newline, it
/// starts at the first whole character instead (one long line). A missing file reads as empty.
pub fn read_chunk(
    path: &Path,
    start: LogStart,
    max_bytes: usize,
    job_ended: bool,
) -> io::Result<ChunkRead> {
    let file = match File::open(path) {
        Ok(file) => Some(file),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let size = match &file {
        Some(file) => file.metadata()?.len(),
        None => 0,
    };
    let (mut offset, from_tail) = match start {
        LogStart::Offset(offset) => (offset, false),
        LogStart::Tail(bytes) => (size.saturating_sub(bytes), true),
    };
    // From the tail, one byte more is read before the start: when it is a newline, the start
    // is already at a line start.
    let look_back = u64::from(from_tail && offset > 0);
    let wanted = usize::try_from(size.saturating_sub(offset))
        .unwrap_or(usize::MAX)
        .min(max_bytes.max(MIN_CHUNK_BYTES))
        + look_back as usize;
    let mut bytes = vec![0; wanted];
    if let Some(file) = &file {
        let read = read_at_most(file, &mut bytes, offset - look_back)?;
        bytes.truncate(read);
    }
    let mut text = bytes.as_slice();
    if look_back == 1 {
        let skip = match text.iter().position(|&b| b == b'\n') {
            Some(newline) => newline + 1,
            None => {
                1 + text[1..]
                    .iter()
                    .take(MIN_CHUNK_BYTES - 1)
                    .take_while(|&&b| is_continuation(b))
                    .count()
            }
        };
        let skip = skip.min(text.len());
        text = &text[skip..];
        offset = offset - 1 + skip as u64;
    }
    let at_end_of_file = offset + text.len() as u64 >= size;
    let (data, used) = decode(text, job_ended && at_end_of_file);
    Ok(ChunkRead {
        offset,
        data,
        next_offset: offset + used as u64,
        size,
    })
}

/// Reads into `buf` from `offset` until it is full or the file ends; returns the bytes read.
fn read_at_most(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read_at(&mut buf[filled..], offset + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn is_continuation(byte: u8) -> bool {
    byte & 0b1100_0000 == 0b1000_0000
}

/// `bytes` as text with invalid sequences replaced, and how many bytes that used: all of
/// them, except an incomplete character at the very end, which is held back unless `final_`.
fn decode(bytes: &[u8], final_: bool) -> (String, usize) {
    let mut text = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                text.push_str(valid);
                return (text, bytes.len());
            }
            Err(error) => {
                let (valid, after) = rest.split_at(error.valid_up_to());
                // The prefix was just checked to be valid.
                text.push_str(std::str::from_utf8(valid).unwrap_or_default());
                match error.error_len() {
                    Some(invalid) => {
                        text.push(char::REPLACEMENT_CHARACTER);
                        rest = &after[invalid..];
                    }
                    None if final_ => {
                        text.push(char::REPLACEMENT_CHARACTER);
                        return (text, bytes.len());
                    }
                    None => return (text, bytes.len() - after.len()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stdout.log");
        std::fs::write(&path, bytes).unwrap();
        (dir, path)
    }

    fn chunk(path: &Path, start: LogStart, max: usize, ended: bool) -> (u64, String, u64) {
        let read = read_chunk(path, start, max, ended).unwrap();
        (read.offset, read.data, read.next_offset)
    }

    #[test]
    fn a_missing_file_reads_as_empty() {
        let read = read_chunk(
            Path::new("/nonexistent/x.log"),
            LogStart::Tail(100),
            64,
            true,
        );
        assert_eq!(
            read.unwrap(),
            ChunkRead {
                offset: 0,
                data: String::new(),
                next_offset: 0,
                size: 0
            }
        );
        let read = read_chunk(
            Path::new("/nonexistent/x.log"),
            LogStart::Offset(7),
            64,
            false,
        );
        assert_eq!((read.unwrap().next_offset), 7);
    }

    #[test]
    fn offsets_read_exactly_the_bytes_asked_for() {
        let (_dir, path) = log(b"hello\nworld\n");
        assert_eq!(
            chunk(&path, LogStart::Offset(0), 5, false),
            (0, "hello".into(), 5)
        );
        assert_eq!(
            chunk(&path, LogStart::Offset(6), 64, false),
            (6, "world\n".into(), 12)
        );
        assert_eq!(
            chunk(&path, LogStart::Offset(12), 64, false),
            (12, "".into(), 12)
        );
        assert_eq!(
            chunk(&path, LogStart::Offset(40), 64, false),
            (40, "".into(), 40)
        );
        assert_eq!(
            read_chunk(&path, LogStart::Offset(0), 2, false)
                .unwrap()
                .size,
            12
        );
    }

    #[test]
    fn a_chunk_is_never_shorter_than_one_character() {
        let (_dir, path) = log("€€".as_bytes());
        assert_eq!(
            chunk(&path, LogStart::Offset(0), 1, false),
            (0, "€".into(), 3)
        );
    }

    #[test]
    fn tail_starts_after_the_next_newline() {
        let (_dir, path) = log(b"one\ntwo\nthree\n");
        assert_eq!(
            chunk(&path, LogStart::Tail(8), 64, false),
            (8, "three\n".into(), 14)
        );
        // Exactly at a line start: that line is kept.
        assert_eq!(
            chunk(&path, LogStart::Tail(6), 64, false),
            (8, "three\n".into(), 14)
        );
        assert_eq!(
            chunk(&path, LogStart::Tail(10), 64, false),
            (4, "two\nthree\n".into(), 14)
        );
        assert_eq!(
            chunk(&path, LogStart::Tail(0), 64, false),
            (14, "".into(), 14)
        );
        assert_eq!(
            chunk(&path, LogStart::Tail(100), 64, false),
            (0, "one\ntwo\nthree\n".into(), 14)
        );
        assert_eq!(
            chunk(&path, LogStart::Tail(14), 64, false),
            (0, "one\ntwo\nthree\n".into(), 14)
        );
    }

    #[test]
    fn tail_within_one_long_line_starts_at_a_whole_character() {
        let (_dir, path) = log("aé€xyz".as_bytes());
        // "aé€xyz": a=0, é=1..3, €=3..6, x=6: five bytes before the end is inside €.
        assert_eq!(
            chunk(&path, LogStart::Tail(5), 64, false),
            (6, "xyz".into(), 9)
        );
    }

    #[test]
    fn invalid_bytes_become_replacement_characters() {
        let (_dir, path) = log(b"a\xffb\xc3(c");
        assert_eq!(
            chunk(&path, LogStart::Offset(0), 64, false),
            (0, "a\u{fffd}b\u{fffd}(c".into(), 6)
        );
    }

    #[test]
    fn a_character_cut_by_the_chunk_end_is_held_back() {
        let (_dir, path) = log("ab€cd".as_bytes());
        assert_eq!(
            chunk(&path, LogStart::Offset(0), 4, false),
            (0, "ab".into(), 2)
        );
        assert_eq!(
            chunk(&path, LogStart::Offset(0), 4, true),
            (0, "ab".into(), 2)
        );
        assert_eq!(
            chunk(&path, LogStart::Offset(2), 4, false),
            (2, "€c".into(), 6)
        );
    }

    #[test]
    fn a_cut_character_at_the_end_of_the_file_waits_until_the_job_ended() {
        let (_dir, path) = log(b"ok\xe2\x82");
        assert_eq!(
            chunk(&path, LogStart::Offset(0), 64, false),
            (0, "ok".into(), 2)
        );
        assert_eq!(
            chunk(&path, LogStart::Offset(0), 64, true),
            (0, "ok\u{fffd}".into(), 4)
        );
        assert_eq!(
            chunk(&path, LogStart::Offset(2), 64, false),
            (2, "".into(), 2)
        );
    }
}
