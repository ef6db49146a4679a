//! Login sessions from the utmp file: SSH and local terminal logins keep a machine up.
//!
//! The file is read and parsed here rather than through `getutxent`, which keeps its place in
//! process-wide state and is not thread-safe. The record layout is glibc's `struct utmpx`
//! taken from `libc` at compile time (384 bytes on x86_64; 64-bit `ut_session`/`ut_tv` and 400
//! bytes on aarch64), and the file is the one this machine's glibc wrote, so integers are in
//! native byte order. A session counts when its entry is a `USER_PROCESS` whose process is
//! still alive: a login that ended without its `DEAD_PROCESS` entry (a crashed sshd) does not
//! keep the machine up. A missing file means no sessions (systems that no longer keep utmp);
//! a partly written last record is left out.

use std::mem::{offset_of, size_of};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::libc::{self, utmpx};
use nix::sys::signal::kill;
use nix::unistd::Pid;

/// Where glibc keeps utmp.
pub const UTMP_PATH: &str = "/var/run/utmp";

/// One record of the file.
pub const RECORD_LEN: usize = size_of::<utmpx>();

const TYPE_AT: usize = offset_of!(utmpx, ut_type);
const PID_AT: usize = offset_of!(utmpx, ut_pid);
const LINE: (usize, usize) = (offset_of!(utmpx, ut_line), libc::__UT_LINESIZE);
const USER: (usize, usize) = (offset_of!(utmpx, ut_user), libc::__UT_NAMESIZE);
const HOST: (usize, usize) = (offset_of!(utmpx, ut_host), libc::__UT_HOSTSIZE);
const SECONDS_AT: usize = offset_of!(utmpx, ut_tv.tv_sec);
/// 4 bytes where glibc keeps a 32-bit `ut_tv` for compatibility (x86_64), 8 elsewhere.
const SECONDS_LEN: usize = offset_of!(utmpx, ut_tv.tv_usec) - SECONDS_AT;

/// One login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginSession {
    pub user: String,
    /// The terminal, e.g. "pts/0" or "tty1".
    pub tty: String,
    /// Where the login came from (an address or host name for SSH); empty for local logins.
    pub host: String,
    /// The session leader (the login shell or sshd's session process).
    pub pid: i32,
    /// Unix milliseconds (whole seconds, as utmp keeps them).
    pub login_ms: u64,
}

impl LoginSession {
    /// A session with a remote host: in practice, SSH.
    pub fn is_remote(&self) -> bool {
        !self.host.is_empty()
    }
}

/// The live sessions in a utmp file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoginSessions {
    pub sessions: Vec<LoginSession>,
    /// Bytes after the last whole record (a record being written, or a damaged file).
    pub ignored_tail_bytes: usize,
}

impl LoginSessions {
    /// Sessions with a remote host.
    pub fn remote_count(&self) -> u32 {
        count(self.sessions.iter().filter(|session| session.is_remote()))
    }

    /// Sessions on a local terminal.
    pub fn local_count(&self) -> u32 {
        count(self.sessions.iter().filter(|session| !session.is_remote()))
    }
}

/// Why the utmp file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the login records in {}: {source}", path.display())]
pub struct UtmpError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// The live login sessions in the utmp file at `path` ([`UTMP_PATH`] on a real machine); no
/// file, no sessions.
pub fn read_sessions(path: &Path) -> Result<LoginSessions, UtmpError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(parse_sessions(&bytes, pid_alive)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(LoginSessions::default()),
        Err(source) => Err(UtmpError {
            path: path.to_owned(),
            source,
        }),
    }
}

/// The `USER_PROCESS` records of a utmp file's contents whose pid `is_alive` accepts.
pub fn parse_sessions(bytes: &[u8], is_alive: impl Fn(i32) -> bool) -> LoginSessions {
    let records = bytes.chunks_exact(RECORD_LEN);
    let ignored_tail_bytes = records.remainder().len();
    let sessions = records
        .filter(|record| i16::from_ne_bytes(array(record, TYPE_AT)) == libc::USER_PROCESS)
        .map(session)
        .filter(|session| is_alive(session.pid))
        .collect();
    LoginSessions {
        sessions,
        ignored_tail_bytes,
    }
}

/// Whether a process with this pid exists (one of another user answers `EPERM`: alive).
pub fn pid_alive(pid: i32) -> bool {
    pid > 0 && matches!(kill(Pid::from_raw(pid), None), Ok(()) | Err(Errno::EPERM))
}

fn session(record: &[u8]) -> LoginSession {
    let seconds = if SECONDS_LEN == 8 {
        i64::from_ne_bytes(array(record, SECONDS_AT))
    } else {
        i64::from(i32::from_ne_bytes(array(record, SECONDS_AT)))
    };
    LoginSession {
        user: text(record, USER),
        tty: text(record, LINE),
        host: text(record, HOST),
        pid: i32::from_ne_bytes(array(record, PID_AT)),
        login_ms: u64::try_from(seconds).unwrap_or(0).saturating_mul(1000),
    }
}

/// `N` bytes at `at`; records are whole and every field lies inside one, so the slice is
/// always there (zeros otherwise, never a panic).
fn array<const N: usize>(record: &[u8], at: usize) -> [u8; N] {
    record
        .get(at..at + N)
        .and_then(|bytes| bytes.try_into().ok())
        .unwrap_or([0; N])
}

/// A NUL-padded field (not NUL-terminated when full).
fn text(record: &[u8], (at, len): (usize, usize)) -> String {
    let field = record.get(at..at + len).unwrap_or_default();
    let end = field
        .iter()
        .position(|&byte| byte == 0)
        .unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

fn count<'a>(sessions: impl Iterator<Item = &'a LoginSession>) -> u32 {
    u32::try_from(sessions.count()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests;
