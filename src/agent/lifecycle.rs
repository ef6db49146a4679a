//! The agent's life on disk: one agent per user, a socket nobody else can use, and a clean
//! exit.
//!
//! - [`PidLock`]: the pidfile, `flock`ed for as long as the agent runs. A second agent fails
//!   to take the lock and reports the first one's pid. The lock (not the file's existence) is
//!   the truth, so a pidfile left by a crashed agent is simply taken over.
//! - [`bind_socket`]: the socket, 0600 in a 0700 folder. Whoever holds the lock owns the socket
//!   path, so a socket file found there is stale (its agent crashed) and is replaced.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use tokio::net::UnixListener;

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("already running (pid {})", pid.map_or_else(|| "unknown".to_owned(), |p| p.to_string()))]
    AlreadyRunning { pid: Option<u32> },
    #[error("cannot use the pidfile {path}: {error}")]
    Io { path: PathBuf, error: io::Error },
}

/// The held pidfile lock; dropping it removes the pidfile and releases the lock.
#[derive(Debug)]
pub struct PidLock {
    path: PathBuf,
    file: Flock<File>,
}

impl PidLock {
    /// Takes the lock on `path` and writes this process's pid into it.
    pub fn acquire(path: &Path) -> Result<PidLock, LockError> {
        let io_error = |error| LockError::Io {
            path: path.to_owned(),
            error,
        };
        loop {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(path)
                .map_err(io_error)?;
            let mut file = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
                Ok(locked) => locked,
                Err((mut file, Errno::EWOULDBLOCK)) => {
                    return Err(LockError::AlreadyRunning {
                        pid: read_pid(&mut file),
                    });
                }
                Err((_, errno)) => return Err(io_error(errno.into())),
            };
            // The previous owner may have unlinked the file between our open and our lock;
            // then we hold a lock on a file nobody else will ever open. Start again.
            let still_there = fs::metadata(path)
                .ok()
                .zip(file.metadata().ok())
                .is_some_and(|(on_disk, ours)| {
                    on_disk.ino() == ours.ino() && on_disk.dev() == ours.dev()
                });
            if !still_there {
                continue;
            }
            file.set_len(0).map_err(io_error)?;
            file.rewind().map_err(io_error)?;
            writeln!(file, "{}", std::process::id()).map_err(io_error)?;
            file.sync_data().map_err(io_error)?;
            return Ok(PidLock {
                path: path.to_owned(),
                file,
            });
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PidLock {
    fn drop(&mut self) {
        // Unlink while still holding the lock, so no one can lock the old file after us.
        let _ = fs::remove_file(&self.path);
        let _ = self.file.sync_data();
    }
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

/// The pid recorded in `path` if an agent holds its lock right now.
pub fn running_pid(path: &Path) -> Option<u32> {
    let file = File::open(path).ok()?;
    match Flock::lock(file, FlockArg::LockSharedNonblock) {
        Ok(_unlocked_on_drop) => None,
        Err((mut file, Errno::EWOULDBLOCK)) => read_pid(&mut file),
        Err(_) => None,
    }
}

/// What [`bind_socket`] found at the socket path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketPath {
    Fresh,
    /// A socket file from an agent that is gone was removed.
    ReplacedStale,
}

/// Binds the agent's socket at `path` with mode 0600. Call only while holding the [`PidLock`].
pub fn bind_socket(path: &Path) -> io::Result<(UnixListener, SocketPath)> {
    let found = match fs::symlink_metadata(path) {
        Ok(_) => {
            fs::remove_file(path)?;
            SocketPath::ReplacedStale
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => SocketPath::Fresh,
        Err(e) => return Err(e),
    };
    let listener = UnixListener::bind(path)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    Ok((listener, found))
}

/// Removes the socket file if it is still ours (the same inode we bound).
pub fn remove_socket(path: &Path) {
    if let Err(e) = fs::remove_file(path)
        && e.kind() != io::ErrorKind::NotFound
    {
        tracing::warn!(path = %path.display(), error = %e, "could not remove the socket");
    }
}

/// The agent keeps a `/proc/PID/stat` open per process (see `telemetry::processes`), so it
/// raises its soft limit on open files towards the hard one: a busy host has more processes
/// than the usual soft limit of 1,024. Returns the soft limit in force afterwards.
pub fn raise_open_files_limit() -> Option<u64> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    /// Enough for every process of a very busy host; more buys nothing.
    const WANTED: u64 = 65_536;
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).ok()?;
    let target = WANTED.min(hard);
    if soft >= target {
        return Some(soft);
    }
    match setrlimit(Resource::RLIMIT_NOFILE, target, hard) {
        Ok(()) => Some(target),
        Err(error) => {
            tracing::debug!(%error, soft, hard, "could not raise the open files limit");
            Some(soft)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_reports_the_first_pid() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("agent.pid");
        let first = PidLock::acquire(&path).unwrap();
        let own = std::process::id();
        assert_eq!(fs::read_to_string(&path).unwrap().trim(), own.to_string());
        assert_eq!(running_pid(&path), Some(own));
        match PidLock::acquire(&path) {
            Err(LockError::AlreadyRunning { pid }) => assert_eq!(pid, Some(own)),
            other => panic!("expected AlreadyRunning, got {other:?}"),
        }
        drop(first);
        assert!(!path.exists(), "pidfile removed on drop");
        assert_eq!(running_pid(&path), None);
        let again = PidLock::acquire(&path).unwrap();
        assert_eq!(again.path(), path);
    }

    #[test]
    fn stale_pidfile_without_lock_is_taken_over() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("agent.pid");
        fs::write(&path, "999999\n").unwrap();
        assert_eq!(running_pid(&path), None);
        let _lock = PidLock::acquire(&path).unwrap();
        assert_eq!(running_pid(&path), Some(std::process::id()));
    }

    #[tokio::test]
    async fn stale_socket_is_replaced_and_mode_is_0600() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("agent.sock");
        let (first, found) = bind_socket(&path).unwrap();
        assert_eq!(found, SocketPath::Fresh);
        drop(first); // a crashed agent leaves its socket file behind
        assert!(path.exists());
        let (_second, found) = bind_socket(&path).unwrap();
        assert_eq!(found, SocketPath::ReplacedStale);
        assert_eq!(fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
        tokio::net::UnixStream::connect(&path).await.unwrap();
    }
}
