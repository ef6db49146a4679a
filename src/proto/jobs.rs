//! Wire types of the job runner: what a job asks for, what the agent reports about it, and the
//! log chunks it streams.
//!
//! Times are milliseconds since the Unix epoch. A job's `id` is assigned by the agent's job
//! store, counts up from 1, and is never reused.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A job's number, unique on its instance.
pub type JobId = u64;

/// What to run, as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobSpec {
    /// Optional label shown beside the id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub command: JobCommand,
    /// Absolute working folder.
    pub cwd: String,
    /// The complete environment the job starts with, before Station adds its own variables
    /// (`CUDA_VISIBLE_DEVICES`, `STATION_JOB_ID`, …).
    pub env: BTreeMap<String, String>,
    /// Names the user set with `--env` (for `show`; their values are in `env`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env_set: Vec<String>,
    /// True when the environment was not inherited (`--clean-env`).
    #[serde(default)]
    pub clean_env: bool,
    /// CPU slots the job holds while it runs (at least 1).
    pub cpus: u32,
    pub gpus: GpuRequest,
    /// Higher runs first; equal priorities run in submission order.
    #[serde(default)]
    pub priority: i32,
    /// Jobs that must succeed before this one starts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<JobId>,
}

/// The program to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum JobCommand {
    /// Run exactly this argv, no shell involved.
    Argv(Vec<String>),
    /// Run through `sh -c` (`--shell`).
    Shell(String),
}

impl JobCommand {
    /// The argv handed to `execvp`.
    pub fn argv(&self) -> Vec<String> {
        match self {
            JobCommand::Argv(argv) => argv.clone(),
            JobCommand::Shell(script) => vec!["sh".into(), "-c".into(), script.clone()],
        }
    }
}

impl fmt::Display for JobCommand {
    /// One line a person can read (and mostly paste back into a shell).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobCommand::Shell(script) => write!(f, "sh -c {}", shell_quote(script)),
            JobCommand::Argv(argv) => {
                for (i, arg) in argv.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    f.write_str(&shell_quote(arg))?;
                }
                Ok(())
            }
        }
    }
}

/// `arg` quoted for a POSIX shell when it needs it.
pub fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b));
    if plain {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// How many GPUs, or which ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GpuRequest {
    /// Any N whole GPUs (0: none, and `CUDA_VISIBLE_DEVICES` is set empty).
    Count(u32),
    /// Exactly these GPU indices (`--gpu-ids 0,2`).
    Ids(Vec<u32>),
}

impl GpuRequest {
    pub fn count(&self) -> u32 {
        match self {
            GpuRequest::Count(n) => *n,
            GpuRequest::Ids(ids) => u32::try_from(ids.len()).unwrap_or(u32::MAX),
        }
    }
}

impl Default for GpuRequest {
    fn default() -> Self {
        GpuRequest::Count(0)
    }
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobState {
    pub const ALL: [JobState; 5] = [
        JobState::Queued,
        JobState::Running,
        JobState::Succeeded,
        JobState::Failed,
        JobState::Cancelled,
    ];

    /// Finished one way or another; nothing more will happen unless it is requeued.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobState::Succeeded | JobState::Failed | JobState::Cancelled
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One job as lists and events show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobView {
    pub id: JobId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub state: JobState,
    /// The command on one line.
    pub command: String,
    pub cpus: u32,
    pub gpus_requested: GpuRequest,
    /// GPU indices assigned while running (and kept after it ends).
    #[serde(default)]
    pub gpus: Vec<u32>,
    pub priority: i32,
    pub submitted_at_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at_ms: Option<u64>,
    /// The exit code, when the process exited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The signal that killed it, when it was killed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    /// For a queued job: why it waits ("needs 2 GPUs, 1 free", "after job 12"). For a job that
    /// ended without an exit status: why ("job 12, which it runs after, failed").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// GPU memory the job's processes use now (running jobs on real GPUs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_memory: Option<u64>,
    /// Some output was lost because the log could not be written (full disk).
    #[serde(default)]
    pub logs_truncated: bool,
    /// A cancel was asked for and the job has not ended yet.
    #[serde(default)]
    pub cancel_requested: bool,
}

impl JobView {
    /// `name` when set, else the command.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.command)
    }

    /// The exit code `station wait` returns for this job: its own code, 128 + signal when
    /// killed, 1 when it ended without running (cancelled, or a dependency failed), and
    /// `None` while it has not ended.
    pub fn wait_exit_code(&self) -> Option<i32> {
        if !self.state.is_terminal() {
            return None;
        }
        Some(match (self.exit_code, self.signal) {
            (Some(code), _) => code,
            (None, Some(signal)) => 128 + signal,
            (None, None) if self.state == JobState::Succeeded => 0,
            (None, None) => 1,
        })
    }
}

/// Everything `station show` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobDetail {
    #[serde(flatten)]
    pub view: JobView,
    pub spec: JobSpec,
    /// The folder that holds the job's files (`<id>.status`, `<id>.stdout.log`, …).
    pub dir: String,
    pub stdout_path: String,
    pub stderr_path: String,
    /// The shim that owns the job's process, while it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shim_pid: Option<u32>,
    /// The job's process group (what cancel signals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pgid: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_port: Option<u16>,
    /// GPU memory per assigned GPU index, while running on real GPUs.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub gpu_memory_by_gpu: BTreeMap<u32, u64>,
    /// How many times it has been started (requeue starts it again).
    pub runs: u32,
}

/// Which jobs `jobs` lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFilter {
    /// Include finished jobs.
    #[serde(default)]
    pub all: bool,
    /// Only these states (empty: every state `all` allows).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub states: Vec<JobState>,
    /// At most this many, newest first among finished ones (`None`: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// The answer to `list_jobs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobList {
    /// Ascending by id.
    pub jobs: Vec<JobView>,
    /// Finished jobs the filter left out (so a front end can say "12 finished, --all").
    pub finished_hidden: u64,
}

/// What the instance has for jobs, and who holds it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobCapacity {
    pub cpu_slots: u32,
    pub cpu_slots_used: u32,
    pub gpus: Vec<GpuSlot>,
    /// The GPUs are simulated (label them SIMULATED).
    pub simulated_gpus: bool,
    /// Why there are no GPUs, when there are none (no driver, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpus_unavailable: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuSlot {
    pub index: u32,
    pub holder: GpuHolder,
}

/// Who holds a GPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "job", rename_all = "snake_case")]
pub enum GpuHolder {
    Free,
    /// A running job.
    Job(JobId),
    /// Kept free for a waiting job that needs it (so smaller jobs cannot starve it).
    Reserved(JobId),
    /// Used by a process that belongs to no job.
    Foreign,
}

/// What a jobs subscription starts with, and what a lagging one is sent again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobsSnapshot {
    /// Queued and running jobs, and the most recent finished ones; ascending by id.
    pub jobs: Vec<JobView>,
    pub capacity: JobCapacity,
}

/// One batch of changes, pushed to jobs subscribers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobsUpdate {
    /// Jobs whose view changed, ascending by id.
    pub changed: Vec<JobView>,
    /// Present when who holds what changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<JobCapacity>,
}

/// Which log of a job.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogStream {
    #[default]
    Stdout,
    Stderr,
}

impl LogStream {
    pub fn file_name(self) -> &'static str {
        match self {
            LogStream::Stdout => "stdout.log",
            LogStream::Stderr => "stderr.log",
        }
    }
}

/// Where reading a log starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "bytes", rename_all = "snake_case")]
pub enum LogStart {
    /// At this byte offset (0: the beginning; a resumed follow passes where it stopped).
    Offset(u64),
    /// At most this many bytes before the end, from a line start.
    Tail(u64),
}

impl Default for LogStart {
    fn default() -> Self {
        LogStart::Offset(0)
    }
}

/// A piece of a log. `data` is UTF-8 (invalid bytes replaced); a character split by the end of
/// a chunk is held back for the next one, so offsets are always byte offsets in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogChunk {
    pub job: JobId,
    pub stream: LogStream,
    /// Byte offset of `data` in the file.
    pub offset: u64,
    pub data: String,
    /// Where the next chunk starts.
    pub next_offset: u64,
    /// The job has ended and everything it wrote has been sent.
    pub complete: bool,
}

/// Largest `data` one chunk carries (well under the frame limit even when escaped).
pub const LOG_CHUNK_BYTES: usize = 256 * 1024;

/// What `cancel_jobs` did to each job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelOutcome {
    pub id: JobId,
    pub action: CancelAction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CancelAction {
    /// It was queued and is now removed from the queue.
    Dequeued,
    /// SIGTERM went to its process group; SIGKILL follows after `grace_secs`.
    Terminating { grace_secs: u32 },
    /// SIGKILL went to its process group (`--force`).
    Killed,
    /// It had already ended in this state; nothing was done.
    AlreadyEnded { state: JobState },
}
