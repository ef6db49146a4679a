//! `station logs ID [-f] [--stderr]`: a job's output, raw, from the beginning; with `-f`, as
//! it is written until the job has ended.

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::connect;
use crate::cli::block_on;
use crate::cli::target::OnArg;
use crate::client::Client;
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

pub fn run(args: &LogsArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let mut client = connect(&args.target).await?;
        let mut out = io::stdout().lock();
        if args.follow {
            follow(&mut client, args, &mut out).await
        } else {
            read_to_end(&mut client, args, &mut out).await
        }
    })??;
    Ok(ExitCode::SUCCESS)
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

/// Asks for a follow and prints chunks until the one marked complete.
async fn follow(client: &mut Client, args: &LogsArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let (subscription, chunk, _) = client
        .job_logs(args.id, args.stream(), LogStart::Offset(0), true)
        .await?;
    let complete = chunk.complete;
    if emit(out, &chunk, args.json)? == Sink::Closed || complete {
        return Ok(());
    }
    let subscription = subscription.context("the agent did not start following the log")?;
    loop {
        let msg = client.next_incoming().await?.with_context(|| {
            format!(
                "the agent closed the connection before job {} ended; run `station logs -f {}` again",
                args.id, args.id
            )
        })?;
        match msg {
            ServerMsg::Event {
                subscription: got,
                body: Event::Log(chunk),
            } if got == subscription => {
                let complete = chunk.complete;
                if emit(out, &chunk, args.json)? == Sink::Closed || complete {
                    return Ok(());
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
