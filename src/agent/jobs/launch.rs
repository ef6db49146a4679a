//! Starting a job: the environment Station adds, the launch file, and the shim process.

use std::collections::BTreeMap;
use std::io;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::Path;
use std::process::Stdio;

use nix::sys::socket::{AddressFamily, SockFlag, SockType, SockaddrIn, bind, getsockname, socket};
use tokio::io::AsyncWriteExt;
use tokio::process::{Child, Command};

use super::dir::{JobDir, Launch};
use crate::proto::jobs::{JobId, JobSpec};

/// The variables every job gets on top of its own environment.
pub fn job_environment(
    spec: &JobSpec,
    id: JobId,
    gpus: &[u32],
    master_port: Option<u16>,
) -> BTreeMap<String, String> {
    let mut env = spec.env.clone();
    let visible = gpus
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    // No GPU asked for: an empty list, so CUDA sees none and cannot take one by accident.
    env.insert("CUDA_VISIBLE_DEVICES".into(), visible);
    env.insert("CUDA_DEVICE_ORDER".into(), "PCI_BUS_ID".into());
    env.insert("STATION_JOB_ID".into(), id.to_string());
    env.insert("STATION_GPUS".into(), gpus.len().to_string());
    env.insert("MASTER_ADDR".into(), "127.0.0.1".into());
    if let Some(port) = master_port {
        env.insert("MASTER_PORT".into(), port.to_string());
    }
    env.insert("PYTHONUNBUFFERED".into(), "1".into());
    env
}

/// A TCP port on 127.0.0.1 that nothing is bound to now, for `torchrun`'s rendezvous. The
/// socket is bound but never listens, and is closed at once.
pub fn free_local_port() -> io::Result<u16> {
    let socket = socket(
        AddressFamily::Inet,
        SockType::Stream,
        SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    bind(
        std::os::fd::AsRawFd::as_raw_fd(&socket),
        &SockaddrIn::from(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)),
    )?;
    let bound: SockaddrIn = getsockname(std::os::fd::AsRawFd::as_raw_fd(&socket))?;
    Ok(bound.port())
}

/// The shim started ahead of time, waiting on its stdin for a job: a job's start then costs
/// a write to a pipe instead of a process start (≈ 1.3 ms here). There is one only once a job
/// has run since the agent started; it exits by itself when the agent goes away (its stdin
/// closes).
#[derive(Debug, Default)]
pub struct SpareShim(Option<Child>);

impl SpareShim {
    /// Hands `launch` to the spare shim (or to a new one when there is none, or it died) and
    /// returns it; the caller then watches it as the job's shim. The launch is small enough
    /// for the pipe, so the write does not wait for the shim.
    pub fn hand_over(&mut self, exe: &Path, dir: &JobDir, launch: &Launch) -> io::Result<Child> {
        dir.create()?;
        let json = launch.to_json()?;
        let waiting = self
            .0
            .take()
            .and_then(|mut spare| matches!(spare.try_wait(), Ok(None)).then_some(spare));
        let mut child = match waiting {
            Some(spare) => spare,
            None => start_shim(exe)?,
        };
        if let Some(mut stdin) = child.stdin.take() {
            tokio::spawn(async move {
                // A shim that exits early (another holds the job) closes the pipe.
                if let Err(error) = stdin.write_all(&json).await {
                    tracing::debug!(%error, "jobs: the shim did not take its launch");
                }
            });
        }
        Ok(child)
    }

    /// Starts the next spare if there is none.
    pub fn refill(&mut self, exe: &Path) {
        if self.0.is_none() {
            match start_shim(exe) {
                Ok(child) => self.0 = Some(child),
                Err(error) => tracing::warn!(%error, "jobs: cannot start a spare shim"),
            }
        }
    }
}

/// `station job-shim`, waiting for its launch on stdin.
fn start_shim(exe: &Path) -> io::Result<Child> {
    Command::new(exe)
        .arg("job-shim")
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::jobs::{GpuRequest, JobCommand};

    fn spec() -> JobSpec {
        JobSpec {
            name: None,
            command: JobCommand::Argv(vec!["true".into()]),
            cwd: "/".into(),
            env: BTreeMap::from([("PATH".into(), "/bin".into())]),
            env_set: Vec::new(),
            clean_env: false,
            cpus: 1,
            gpus: GpuRequest::Count(0),
            priority: 0,
            after: Vec::new(),
        }
    }

    #[test]
    fn a_job_without_gpus_sees_none() {
        let env = job_environment(&spec(), 7, &[], Some(29_500));
        assert_eq!(env["CUDA_VISIBLE_DEVICES"], "");
        assert_eq!(env["STATION_GPUS"], "0");
        assert_eq!(env["STATION_JOB_ID"], "7");
        assert_eq!(env["PATH"], "/bin");
    }

    #[test]
    fn gpu_jobs_get_their_indices_and_a_rendezvous() {
        let env = job_environment(&spec(), 3, &[0, 2], Some(40_001));
        assert_eq!(env["CUDA_VISIBLE_DEVICES"], "0,2");
        assert_eq!(env["CUDA_DEVICE_ORDER"], "PCI_BUS_ID");
        assert_eq!(env["STATION_GPUS"], "2");
        assert_eq!(env["MASTER_ADDR"], "127.0.0.1");
        assert_eq!(env["MASTER_PORT"], "40001");
        assert_eq!(env["PYTHONUNBUFFERED"], "1");
    }

    #[test]
    fn free_ports_are_real_ports() {
        let port = free_local_port().unwrap();
        assert!(port > 0);
    }
}
