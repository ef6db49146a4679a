//! The job runner's verbs: `submit`, `jobs`, `show`, `logs`, `cancel`, `wait` and `requeue`.
//!
//! One file per verb, each holding its clap arguments and its `run`; [`format`] holds the
//! human formatting they share. Every verb connects to the local agent (starting it when
//! needed) only after its arguments have been checked, so bad input never touches an agent.
//!
//! Exit codes: 0 success; 2 bad input (a clap error, an invalid `--env`, a missing `--cwd`, a
//! spec the checks refuse, or an agent answer `invalid_request` / `not_found` such as
//! "unknown job 99"); 1 any other failure. `station wait` exits with the job's own code.
//! Errors are printed as `station VERB: error: …`.

pub mod cancel;
pub mod format;
pub mod list;
pub mod logs;
pub mod requeue;
pub mod show;
pub mod submit;
pub mod submit_spec;
pub mod wait;

#[cfg(test)]
mod tests;

use std::process::ExitCode;

use clap::Subcommand;

use crate::client::{Client, ClientError};
use crate::proto::ErrorCode;

/// The exit code for bad input, as clap uses for usage errors.
pub const EXIT_BAD_INPUT: u8 = 2;

/// The usual exit codes of a job verb, shown at the end of its `--help`.
const EXIT_CODES_HELP: &str =
    "Exit codes: 0 done; 2 bad input (a bad argument, an unknown job id); 1 any other failure.";

/// The job verbs, flattened into the top-level command list. The first paragraph of each
/// doc comment is the one-line summary in `station --help`.
#[derive(Debug, Subcommand)]
pub enum JobVerb {
    /// Queue a command as a job and print its id.
    ///
    /// The command runs exactly as given, without a shell (`--shell` runs a pipeline through
    /// `sh -c`), in the current folder (or `--cwd`), with the environment `station submit`
    /// was run in: PATH, virtualenv and conda settings included, unless `--clean-env`.
    /// Variables whose name or value is not UTF-8 are skipped with a warning.
    ///
    /// Prints the job id alone (for `id=$(station submit …)`), or the job as JSON with
    /// `--json`. Returns once the agent has committed the job, so it survives an agent crash.
    #[command(
        after_help = "Examples:\n  station submit -- python train.py --lr 3e-4\n  \
                      station submit --gpus 2 --name ddp -- torchrun --nproc-per-node 2 train.py\n  \
                      station submit --after 12 --shell 'python eval.py | tee eval.txt'\n\n\
                      Exit codes: 0 queued; 2 bad input (invalid --env, missing --cwd, empty \
                      command, impossible resources, unknown --after job); 1 any other failure."
    )]
    Submit(submit::SubmitArgs),
    /// List queued and running jobs (every job with --all).
    ///
    /// Columns: id, name (or command), state, CPU slots, GPUs (the indices assigned once the
    /// job has run, else what it asked for; the GPU memory it uses when known), runtime, exit
    /// code or signal, and why a queued job waits or why a job ended without running. The
    /// table fits the terminal (80 columns when not a terminal) by cutting the name.
    #[command(after_help = EXIT_CODES_HELP)]
    Jobs(list::JobsArgs),
    /// Show everything about one job.
    ///
    /// Command, state, times, resources asked for and assigned, GPU memory, exit status and
    /// reason, folder, environment, log files, the shim and process group that run it, its
    /// MASTER_PORT, and how many times it has run.
    #[command(after_help = EXIT_CODES_HELP)]
    Show(show::ShowArgs),
    /// Print a job's output (stdout, or stderr with --stderr).
    ///
    /// The log is printed raw, from the beginning. With `-f` it keeps printing as the job
    /// writes, and returns once the job has ended and everything it wrote is printed. A
    /// closed pipe (`| head`) ends it quietly, with success.
    #[command(after_help = EXIT_CODES_HELP)]
    Logs(logs::LogsArgs),
    /// Cancel jobs: dequeue queued ones, stop running ones.
    ///
    /// A queued job leaves the queue. A running job's process group gets SIGTERM, then SIGKILL
    /// after the grace period (10 s unless configured, or `--grace`), or SIGKILL at once with
    /// `--force`. Prints one line per job saying what was done.
    #[command(after_help = EXIT_CODES_HELP)]
    Cancel(cancel::CancelArgs),
    /// Wait for jobs to end; exit with the code of the first that failed.
    ///
    /// Exits 0 when every job succeeded. Otherwise the exit code is that of the first job, in
    /// the order given, that did not succeed: its own exit code, 128 + N when it was killed by
    /// signal N, and 1 when it ended without running (cancelled while queued, or a job it
    /// runs after failed) or ended with 0 without succeeding (cancelled). Prints nothing
    /// unless `--json`, which prints the jobs' final state.
    #[command(
        after_help = "Exit codes: the jobs' outcome as described above; 2 when an id is unknown \
                      (before waiting); 1 when the agent cannot be reached or goes away."
    )]
    Wait(wait::WaitArgs),
    /// Run a finished job again under the same id, and print the id.
    ///
    /// It goes back in the queue; its previous logs are kept beside the new ones
    /// (`stdout.prev.log`, `stderr.prev.log`).
    #[command(after_help = EXIT_CODES_HELP)]
    Requeue(requeue::RequeueArgs),
}

impl JobVerb {
    /// The verb as typed, for error messages.
    pub fn name(&self) -> &'static str {
        match self {
            JobVerb::Submit(_) => "submit",
            JobVerb::Jobs(_) => "jobs",
            JobVerb::Show(_) => "show",
            JobVerb::Logs(_) => "logs",
            JobVerb::Cancel(_) => "cancel",
            JobVerb::Wait(_) => "wait",
            JobVerb::Requeue(_) => "requeue",
        }
    }
}

/// Runs a job verb, printing any error as `station VERB: error: …` with its exit code.
pub fn run(verb: &JobVerb) -> ExitCode {
    let result = match verb {
        JobVerb::Submit(args) => submit::run(args),
        JobVerb::Jobs(args) => list::run(args),
        JobVerb::Show(args) => show::run(args),
        JobVerb::Logs(args) => logs::run(args),
        JobVerb::Cancel(args) => cancel::run(args),
        JobVerb::Wait(args) => wait::run(args),
        JobVerb::Requeue(args) => requeue::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("station {}: error: {}", verb.name(), describe(&error));
            ExitCode::from(exit_code(&error))
        }
    }
}

/// Input the verb refuses before asking the agent anything; exits [`EXIT_BAD_INPUT`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// The exit code for a failed verb: [`EXIT_BAD_INPUT`] for bad input, whether the verb or the
/// agent found it, else 1.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    let bad_input = error.chain().any(|cause| {
        cause.is::<BadInput>()
            || matches!(
                cause.downcast_ref::<ClientError>(),
                Some(ClientError::Agent {
                    code: ErrorCode::InvalidRequest | ErrorCode::NotFound,
                    ..
                })
            )
    });
    if bad_input { EXIT_BAD_INPUT } else { 1 }
}

/// The error as one line for the user: the context chain, with the agent's own words for a
/// request it refused, and what to do when a job does not exist.
pub fn describe(error: &anyhow::Error) -> String {
    let mut hint = None;
    let parts: Vec<String> = error
        .chain()
        .map(|cause| match cause.downcast_ref::<ClientError>() {
            Some(ClientError::Agent { code, message }) => match code {
                ErrorCode::NotFound => {
                    hint = Some("`station jobs --all` lists the jobs there are");
                    message.clone()
                }
                ErrorCode::InvalidRequest => message.clone(),
                _ => cause.to_string(),
            },
            _ => cause.to_string(),
        })
        .collect();
    let mut line = parts.join(": ");
    if let Some(hint) = hint {
        line.push_str(" (");
        line.push_str(hint);
        line.push(')');
    }
    line
}

/// Connects to the agent `--on` names (this machine's by default, started when none runs).
pub async fn connect(target: &crate::cli::target::OnArg) -> anyhow::Result<Client> {
    crate::cli::target::connect(target.on.as_deref(), "cli").await
}

/// Writes `text` to stdout; a closed stdout (`station jobs | head -1`) is not an error.
pub fn write_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(e).context("cannot write to stdout"))
        }
        _ => Ok(()),
    }
}

/// Writes `value` as pretty JSON and a newline to stdout, as [`write_stdout`] does.
pub fn write_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    write_stdout(&text)
}
