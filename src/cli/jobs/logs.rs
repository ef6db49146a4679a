//! `station logs ID [-f] [--stderr]`: a job's output, raw, from the beginning; with `-f`, as
//! it is written until the job has ended.
//!
//! A follow that loses its connection (a dropped SSH link, an agent restart) says so on stderr,
//! connects again and goes on from the byte offset it had reached, so no line is printed twice
//! or lost. It gives up after [`RECONNECT_ATTEMPTS`] failed attempts in a row.

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use super::connect;
use crate::cli::block_on;
use crate::cli::target::OnArg;
use crate::client::{Client, ClientError};
use crate::proto::jobs::{JobId, LogChunk, LogStart, LogStream};
use crate::proto::{Event, ServerMsg};

#[derive(Debug, Clone, Args)]
pub struct LogsArgs {
    #[command(flatten)]
    pub target: OnArg,
    /// The job's id.
    #[arg(value_name = "ID")]
    pub id: JobId,
    /// Keep printing what the job writes until it has ended and everything is printed.
    #[arg(short, long)]
    pub follow: bool,
    /// Print the job's stderr instead of its stdout.
    #[arg(long)]
    pub stderr: bool,
    /// Print each chunk of the log as one JSON object per line (job, stream, offset, data,
    /// next_offset, complete) instead of the raw text.
    #[arg(long)]
    pub json: bool,
}

impl LogsArgs {
    fn stream(&self) -> LogStream {
        if self.stderr {
            LogStream::Stderr
        } else {
            LogStream::Stdout
        }
    }
}

/// Whether output can go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sink {
    Open,
    /// The reader went away (`| head`): stop quietly.
    Closed,
}

/// Connection attempts a follow makes in a row before it gives up.
pub const RECONNECT_ATTEMPTS: u32 = 8;
/// The first pause before connecting again; it doubles up to [`RECONNECT_MAX_PAUSE`].
const RECONNECT_FIRST_PAUSE: Duration = Duration::from_millis(250);
const RECONNECT_MAX_PAUSE: Duration = Duration::from_secs(8);

pub fn run(args: &LogsArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let mut client = connect(&args.target).await?;
        let mut out = io::stdout().lock();
        if args.follow {
            follow_resuming(client, args, &mut out).await
        } else {
            read_to_end(&mut client, args, &mut out).await
        }
    })??;
    Ok(ExitCode::SUCCESS)
}

/// Where a follow stands.
enum Followed {
    /// The job ended and everything was printed, or the reader went away.
    Done,
    /// The connection broke after printing up to `offset`.
    Lost { offset: u64, why: anyhow::Error },
}

/// Follows, connecting again after a lost connection and going on where it stopped.
async fn follow_resuming(
    mut client: Client,
    args: &LogsArgs,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut offset = 0;
    loop {
        let why = match follow(&mut client, args, offset, out).await? {
            Followed::Done => return Ok(()),
            Followed::Lost {
                offset: reached,
                why,
            } => {
                offset = reached;
                why
            }
        };
        eprintln!("station logs: {why:#}; connecting again");
        client = reconnect(args, why).await?;
    }
}

/// Connects again with growing pauses; after [`RECONNECT_ATTEMPTS`] failures, the last error.
async fn reconnect(args: &LogsArgs, why: anyhow::Error) -> anyhow::Result<Client> {
    let mut pause = RECONNECT_FIRST_PAUSE;
    let mut last = why;
    for _ in 0..RECONNECT_ATTEMPTS {
        tokio::time::sleep(pause).await;
        match connect(&args.target).await {
            Ok(client) => return Ok(client),
            Err(error) => last = error,
        }
        pause = (pause * 2).min(RECONNECT_MAX_PAUSE);
    }
    Err(last.context(format!(
        "gave up following job {} after {RECONNECT_ATTEMPTS} attempts to connect again",
        args.id
    )))
}

/// Whether `error` means the connection broke (worth connecting again), rather than an
/// answer of the agent (an unknown job, say), which would be the same the next time.
fn connection_lost(error: &ClientError) -> bool {
    !matches!(
        error,
        ClientError::Agent { .. } | ClientError::VersionMismatch(_) | ClientError::Refused(_)
    )
}

/// Reads chunk after chunk from offset 0 until the file's size at the time of reading.
async fn read_to_end(
    client: &mut Client,
    args: &LogsArgs,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut offset = 0;
    loop {
        let (_, chunk, size) = client
            .job_logs(args.id, args.stream(), LogStart::Offset(offset), false)
            .await?;
        let next = chunk.next_offset;
        if emit(out, &chunk, args.json)? == Sink::Closed {
            return Ok(());
        }
        // A chunk that does not advance (a character cut by the end of the file) ends it.
        if next >= size || next <= offset {
            return Ok(());
        }
        offset = next;
    }
}

/// Asks for a follow from `offset` and prints chunks until the one marked complete, or until
/// the connection breaks.
async fn follow(
    client: &mut Client,
    args: &LogsArgs,
    mut offset: u64,
    out: &mut impl Write,
) -> anyhow::Result<Followed> {
    let lost = |offset, error: ClientError| Followed::Lost {
        offset,
        why: anyhow::Error::new(error),
    };
    let asked = client
        .job_logs(args.id, args.stream(), LogStart::Offset(offset), true)
        .await;
    let (subscription, chunk, _) = match asked {
        Ok(answer) => answer,
        Err(error) if connection_lost(&error) => return Ok(lost(offset, error)),
        Err(error) => return Err(error.into()),
    };
    offset = chunk.next_offset;
    let complete = chunk.complete;
    if emit(out, &chunk, args.json)? == Sink::Closed || complete {
        return Ok(Followed::Done);
    }
    let subscription = subscription.context("the agent did not start following the log")?;
    loop {
        let msg = match client.next_incoming().await {
            Ok(Some(msg)) => msg,
            Ok(None) => return Ok(lost(offset, ClientError::Closed)),
            Err(error) if connection_lost(&error) => return Ok(lost(offset, error)),
            Err(error) => return Err(error.into()),
        };
        match msg {
            ServerMsg::Event {
                subscription: got,
                body: Event::Log(chunk),
            } if got == subscription => {
                offset = chunk.next_offset;
                let complete = chunk.complete;
                if emit(out, &chunk, args.json)? == Sink::Closed || complete {
                    return Ok(Followed::Done);
                }
            }
            ServerMsg::Event {
                body: Event::Notice { message, .. },
                ..
            } => eprintln!("station logs: agent: {message}"),
            ServerMsg::Error {
                id: None, message, ..
            } => anyhow::bail!("the agent stopped the follow: {message}"),
            _ => {}
        }
    }
}

/// Writes one chunk (raw, or as a JSON line) and flushes, so a follow shows output at once.
fn emit(out: &mut impl Write, chunk: &LogChunk, json: bool) -> anyhow::Result<Sink> {
    let written = if json {
        serde_json::to_writer(&mut *out, chunk)
            .map_err(io::Error::from)
            .and_then(|()| out.write_all(b"\n"))
    } else {
        out.write_all(chunk.data.as_bytes())
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => Ok(Sink::Open),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(Sink::Closed),
        Err(e) => Err(e).context("cannot write to stdout"),
    }
}
