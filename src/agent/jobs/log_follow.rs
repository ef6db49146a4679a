//! Reading a job's log for a client, and following it while the job runs.
//!
//! The first chunk answers the request; a follow then sends `log` events until the job has
//! ended and everything it wrote has been sent. While the job runs, the file is read again
//! when a quarter second has passed since it last had nothing new — cheap, bounded latency,
//! and nothing at all to do for jobs nobody follows. The end of a job arrives as an event, so
//! the last chunk is sent at once.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::handle::{JobsError, JobsHandle};
use super::log_read::{ChunkRead, read_chunk};
use crate::proto::jobs::{JobId, LOG_CHUNK_BYTES, LogChunk, LogStart, LogStream};
use crate::proto::{Event, ServerMsg};

/// How long a follow waits before looking at a quiet log again.
const QUIET_RECHECK: Duration = Duration::from_millis(250);

/// Where a log is and whether its job has ended.
#[derive(Debug, Clone)]
pub struct OpenLog {
    pub job: JobId,
    pub stream: LogStream,
    pub path: PathBuf,
    pub job_ended: bool,
}

impl OpenLog {
    pub async fn open(
        jobs: &JobsHandle,
        job: JobId,
        stream: LogStream,
    ) -> Result<OpenLog, JobsError> {
        let target = jobs.log_target(job).await?;
        Ok(OpenLog {
            job,
            stream,
            path: target.files.log_path(stream),
            job_ended: target.state.is_terminal(),
        })
    }

    /// One chunk from `start`, and the file's size.
    pub fn read(&self, start: LogStart) -> Result<(LogChunk, u64), JobsError> {
        let read =
            read_chunk(&self.path, start, LOG_CHUNK_BYTES, self.job_ended).map_err(|error| {
                JobsError::internal(format!("cannot read {}: {error}", self.path.display()))
            })?;
        Ok((self.chunk(&read), read.size))
    }

    fn chunk(&self, read: &ChunkRead) -> LogChunk {
        LogChunk {
            job: self.job,
            stream: self.stream,
            offset: read.offset,
            data: read.data.clone(),
            next_offset: read.next_offset,
            complete: self.job_ended && read.next_offset >= read.size,
        }
    }
}

/// Sends `log` events for `subscription` from `offset` on, until the job has ended and all
/// of its log is sent, the session cancels, or the client's queue is gone.
pub async fn follow(
    mut log: OpenLog,
    jobs: JobsHandle,
    mut offset: u64,
    subscription: u64,
    out: mpsc::Sender<ServerMsg>,
    cancel: CancellationToken,
) {
    // Marks the follow finished for the session, however it ends.
    let _finished = cancel.clone().drop_guard();
    let mut endings = jobs.endings();
    loop {
        let read = match read_chunk(
            &log.path,
            LogStart::Offset(offset),
            LOG_CHUNK_BYTES,
            log.job_ended,
        ) {
            Ok(read) => read,
            Err(error) => {
                tracing::warn!(%error, path = %log.path.display(), "log follow: read failed");
                return;
            }
        };
        let chunk = log.chunk(&read);
        let complete = chunk.complete;
        if !chunk.data.is_empty() || complete {
            let event = ServerMsg::Event {
                subscription,
                body: Event::Log(chunk),
            };
            tokio::select! {
                () = cancel.cancelled() => return,
                sent = out.send(event) => if sent.is_err() { return },
            }
        }
        if complete {
            return;
        }
        offset = read.next_offset;
        if read.next_offset < read.size {
            continue;
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            changed = endings.changed() => {
                if changed.is_err() {
                    return;
                }
                match jobs.log_target(log.job).await {
                    Ok(target) => log.job_ended = target.state.is_terminal(),
                    Err(_) => return,
                }
            }
            () = tokio::time::sleep(QUIET_RECHECK) => {}
        }
    }
}
