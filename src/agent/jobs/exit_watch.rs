//! Learning, without polling, that a job's shim has exited.
//!
//! A shim this agent started is its child: `wait` on it. A shim adopted after an agent restart
//! is not (it was re-parented to init), so it cannot be waited for; a pidfd (`pidfd_open`,
//! Linux 5.3) becomes readable when it exits, and tokio watches that like a socket.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::process::Child;

/// A shim to watch.
#[derive(Debug)]
pub enum Shim {
    Child(Child),
    Adopted(PidFd),
}

impl Shim {
    /// Resolves when the shim has exited (its status file then says how the job ended).
    pub async fn exited(self) {
        match self {
            Shim::Child(mut child) => {
                if let Err(error) = child.wait().await {
                    tracing::warn!(%error, "cannot wait for a job shim");
                }
            }
            Shim::Adopted(pidfd) => pidfd.exited().await,
        }
    }
}

/// A process handle that cannot be confused with a later process of the same pid.
#[derive(Debug)]
pub struct PidFd(OwnedFd);

impl AsRawFd for PidFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

impl PidFd {
    /// Opens a handle on `pid`; `Ok(None)` when no such process exists any more.
    pub fn open(pid: u32) -> io::Result<Option<PidFd>> {
        let pid = nix::libc::pid_t::try_from(pid)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "pid out of range"))?;
        // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1; it
        // touches no memory of ours.
        let fd = unsafe { nix::libc::syscall(nix::libc::SYS_pidfd_open, pid, 0) };
        if fd < 0 {
            let error = io::Error::last_os_error();
            return match error.raw_os_error() {
                Some(nix::libc::ESRCH) => Ok(None),
                _ => Err(error),
            };
        }
        let fd = RawFd::try_from(fd).map_err(|_| io::Error::other("pidfd out of range"))?;
        // SAFETY: the kernel just gave us this descriptor and nothing else owns it.
        Ok(Some(PidFd(unsafe { OwnedFd::from_raw_fd(fd) })))
    }

    async fn exited(self) {
        // SAFETY: a PidFd owns its descriptor for as long as it lives and always returns that
        // same descriptor, which is what registration requires.
        let registered = unsafe { AsyncFd::register_with_interest(self, Interest::READABLE) };
        match registered {
            Ok(fd) => {
                if let Err(error) = fd.readable().await {
                    tracing::warn!(%error, "cannot watch an adopted job shim");
                }
            }
            Err(error) => tracing::warn!(%error, "cannot watch an adopted job shim"),
        }
    }
}
