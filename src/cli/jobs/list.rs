//! `station jobs`: a table of jobs, or the list as JSON.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser};

use super::format::{self, exit_cell, gpus_cell, reason_cell, runtime_cell, truncate};
use super::{connect, write_json, write_stdout};
use crate::cli::block_on;
use crate::cli::target::OnArg;
use crate::proto::jobs::{JobFilter, JobList, JobState};

/// Width the table fits when stdout is not a terminal.
pub const DEFAULT_WIDTH: usize = 80;
/// The name column is cut first, down to this width; then the reason column is cut too.
const MIN_NAME_WIDTH: usize = 12;

#[derive(Debug, Clone, Args)]
pub struct JobsArgs {
    #[command(flatten)]
    pub target: OnArg,
    /// Include finished jobs (succeeded, failed, cancelled).
    #[arg(long)]
    pub all: bool,
    /// Only jobs in this state; repeat for several. Asking for a finished state implies
    /// --all.
    #[arg(
        long = "state",
        value_name = "STATE",
        value_parser = PossibleValuesParser::new(JobState::ALL.map(JobState::as_str))
            .try_map(|text: String| JobState::parse(&text).ok_or("unknown state"))
    )]
    pub states: Vec<JobState>,
    /// Print the list as JSON (`jobs` ascending by id, and `finished_hidden`).
    #[arg(long)]
    pub json: bool,
}

impl JobsArgs {
    /// What to ask the agent for.
    pub fn filter(&self) -> JobFilter {
        JobFilter {
            all: self.all || self.states.iter().any(|state| state.is_terminal()),
            states: self.states.clone(),
            limit: None,
        }
    }
}

pub fn run(args: &JobsArgs) -> anyhow::Result<ExitCode> {
    let filter = args.filter();
    let list = block_on(async {
        let mut client = connect(&args.target).await?;
        anyhow::Ok(client.list_jobs(filter).await?)
    })??;
    if args.json {
        write_json(&list)?;
    } else {
        write_stdout(&render(&list, table_width(), format::now_ms()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The terminal's width when stdout is one, else [`DEFAULT_WIDTH`].
fn table_width() -> usize {
    if std::io::stdout().is_terminal()
        && let Ok((columns, _)) = crossterm::terminal::size()
    {
        return usize::from(columns).max(40);
    }
    DEFAULT_WIDTH
}

const HEADERS: [&str; 8] = [
    "ID", "NAME", "STATE", "CPUS", "GPUS", "RUNTIME", "EXIT", "REASON",
];
const NAME: usize = 1;
const REASON: usize = 7;

/// The table, fitted to `width` columns by cutting the name and then the reason, with a
/// footer about finished jobs left out. A pure function of its inputs.
pub fn render(list: &JobList, width: usize, now_ms: u64) -> String {
    let mut out = String::new();
    if list.jobs.is_empty() {
        out.push_str("no jobs\n");
    } else {
        let rows: Vec<[String; 8]> = list
            .jobs
            .iter()
            .map(|job| {
                [
                    job.id.to_string(),
                    job.label().to_owned(),
                    job.state.to_string(),
                    job.cpus.to_string(),
                    gpus_cell(job),
                    runtime_cell(job, now_ms),
                    exit_cell(job),
                    reason_cell(job),
                ]
            })
            .collect();
        let widths = column_widths(&rows, width);
        for row in std::iter::once(HEADERS.map(str::to_owned)).chain(rows) {
            out.push_str(&render_row(&row, &widths));
            out.push('\n');
        }
    }
    if list.finished_hidden > 0 {
        let jobs = if list.finished_hidden == 1 {
            "job"
        } else {
            "jobs"
        };
        out.push_str(&format!(
            "{} finished {jobs} not shown (--all)\n",
            list.finished_hidden
        ));
    }
    out
}

/// Each column as wide as its widest cell; name and reason share what is left of `width`.
fn column_widths(rows: &[[String; 8]], width: usize) -> [usize; 8] {
    let mut widths = HEADERS.map(|header| header.chars().count());
    for row in rows {
        for (column, cell) in row.iter().enumerate() {
            widths[column] = widths[column].max(cell.chars().count());
        }
    }
    let gaps = 2 * (HEADERS.len() - 1);
    let fixed: usize = widths
        .iter()
        .enumerate()
        .filter(|(column, _)| *column != NAME && *column != REASON)
        .map(|(_, w)| w)
        .sum::<usize>()
        + gaps;
    let room = width.saturating_sub(fixed);
    let (name, reason) = (widths[NAME], widths[REASON]);
    if name + reason > room {
        // The name gives way first, down to its minimum; then the reason is cut too.
        let name_fit = room.saturating_sub(reason).max(name.min(MIN_NAME_WIDTH));
        widths[NAME] = name_fit;
        widths[REASON] = room.saturating_sub(name_fit).max("REASON".len());
    }
    widths
}

fn render_row(row: &[String; 8], widths: &[usize; 8]) -> String {
    let mut line = String::new();
    for (column, cell) in row.iter().enumerate() {
        let cell = truncate(cell, widths[column]);
        let last = column == row.len() - 1;
        // Numbers line up on the right, text on the left.
        let numeric = matches!(column, 0 | 3);
        if numeric {
            line.push_str(&format!("{cell:>w$}", w = widths[column]));
        } else if last {
            line.push_str(&cell);
        } else {
            line.push_str(&format!("{cell:<w$}", w = widths[column]));
        }
        if !last {
            line.push_str("  ");
        }
    }
    line.trim_end().to_owned()
}
