//! Copies this executable to the remote over SFTP: into a temporary name in the target
//! folder, made executable, then renamed, so a reader never sees half a binary and an
//! interrupted upload leaves only a `.partial` file that the next upload replaces.
//!
//! russh-sftp traps (CRATES.md P11): `create` (not `write`) for a new file, `shutdown` to
//! learn whether the last write failed, and no `flush` per chunk (it is an fsync).

use std::path::Path;
use std::sync::Arc;

use russh_sftp::client::SftpSession;
use russh_sftp::protocol::FileAttributes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::client::ssh::error::{Endpoint, SshError};
use crate::client::ssh::session::SshSession;

/// Bytes read from the local file per write.
const CHUNK: usize = 256 * 1024;

/// `rwxr-xr-x`, as a regular file.
const EXECUTABLE_MODE: u32 = 0o100_755;

/// Called with the bytes sent so far.
pub type Progress<'a> = &'a (dyn Fn(u64) + Send + Sync);

/// Uploads `local` to `dir/name` on the session's host (creating `dir` as needed) and
/// returns the remote path.
pub async fn upload(
    session: &SshSession,
    local: &Path,
    dir: &str,
    name: &str,
    progress: Progress<'_>,
) -> Result<String, SshError> {
    let host = session.endpoint().clone();
    let failed = |step: &str, reason: String| SshError::InstallFailed {
        host: host.clone(),
        step: step.to_owned(),
        reason,
    };
    let channel = session.open_session_channel().await?;
    channel
        .request_subsystem(true, "sftp")
        .await
        .map_err(|error| failed("starting SFTP", error.to_string()))?;
    let sftp = SftpSession::new(channel.into_stream())
        .await
        .map_err(|error| failed("starting SFTP", error.to_string()))?;
    create_dir_all(&sftp, dir)
        .await
        .map_err(|reason| failed(&format!("creating {dir}"), reason))?;

    let target = format!("{dir}/{name}");
    let partial = format!("{dir}/.{name}.partial");
    let sent = send_file(&sftp, local, &partial, progress, &host).await;
    if let Err(error) = sent {
        let _ = sftp.remove_file(partial.clone()).await;
        return Err(error);
    }
    let mut attributes = FileAttributes::empty();
    attributes.permissions = Some(EXECUTABLE_MODE);
    sftp.set_metadata(partial.clone(), attributes)
        .await
        .map_err(|error| failed(&format!("making {partial} executable"), error.to_string()))?;
    // SFTP's rename does not replace an existing file.
    if sftp.try_exists(target.clone()).await.unwrap_or(false) {
        sftp.remove_file(target.clone())
            .await
            .map_err(|error| failed(&format!("replacing {target}"), error.to_string()))?;
    }
    sftp.rename(partial.clone(), target.clone())
        .await
        .map_err(|error| {
            failed(
                &format!("renaming {partial} to {target}"),
                error.to_string(),
            )
        })?;
    let _ = sftp.close().await;
    Ok(target)
}

/// Creates each missing folder of the absolute path `dir`.
async fn create_dir_all(sftp: &SftpSession, dir: &str) -> Result<(), String> {
    let mut path = String::new();
    for part in dir.split('/').filter(|part| !part.is_empty()) {
        path.push('/');
        path.push_str(part);
        match sftp.metadata(path.clone()).await {
            Ok(metadata) if metadata.is_dir() => continue,
            Ok(_) => return Err(format!("{path} exists and is not a folder")),
            Err(_) => sftp
                .create_dir(path.clone())
                .await
                .map_err(|error| format!("{path}: {error}"))?,
        }
    }
    Ok(())
}

async fn send_file(
    sftp: &SftpSession,
    local: &Path,
    remote: &str,
    progress: Progress<'_>,
    host: &Arc<Endpoint>,
) -> Result<(), SshError> {
    let failed = |step: String, reason: String| SshError::InstallFailed {
        host: host.clone(),
        step,
        reason,
    };
    let mut source = tokio::fs::File::open(local)
        .await
        .map_err(|error| SshError::Local(format!("cannot read {}: {error}", local.display())))?;
    let mut file = sftp
        .create(remote.to_owned())
        .await
        .map_err(|error| failed(format!("creating {remote}"), error.to_string()))?;
    let mut buffer = vec![0; CHUNK];
    let mut sent = 0u64;
    loop {
        let read = source.read(&mut buffer).await.map_err(|error| {
            SshError::Local(format!("cannot read {}: {error}", local.display()))
        })?;
        if read == 0 {
            break;
        }
        file.write_all(&buffer[..read])
            .await
            .map_err(|error| failed(format!("writing {remote}"), error.to_string()))?;
        sent += read as u64;
        progress(sent);
    }
    file.shutdown()
        .await
        .map_err(|error| failed(format!("writing {remote}"), error.to_string()))
}
