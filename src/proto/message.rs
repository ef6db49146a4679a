//! The messages clients and the agent exchange.
//!
//! A client frame is a JSON object with a request `id` and a `type`:
//! `{"id":1,"type":"hello","protocol_version":1,"station_version":"0.1.0","client":"console"}`.
//! The agent answers each request with exactly one `response` or `error` carrying the same id,
//! and pushes `event`s for the subscriptions a client holds.

use serde::{Deserialize, Serialize};

use super::jobs::{
    CancelOutcome, JobDetail, JobFilter, JobId, JobList, JobSpec, JobView, JobsSnapshot,
    JobsUpdate, LogChunk, LogStart, LogStream,
};
use super::power::{PowerLogEntry, PowerReport, SettingsEdit, StartPlan};
use super::summary::InstanceSummary;
use super::telemetry::{History, HostInfo, ProcessQuery, Sample};

/// One frame from a client: the request id and what it asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientFrame {
    pub id: u64,
    #[serde(flatten)]
    pub msg: ClientMsg,
}

/// Everything a client can ask of the agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMsg {
    /// Must be the first message on a connection.
    Hello {
        protocol_version: u32,
        station_version: String,
        /// Who is asking, for the agent's log ("console", "cli", "stdio-bridge").
        client: String,
    },
    /// Liveness check; answered with `Pong`.
    Ping,
    /// The instance summary and the newest sample.
    Status {
        #[serde(default)]
        processes: ProcessQuery,
    },
    /// Who the agent is: pid, version, paths, clients.
    AgentInfo,
    /// Start receiving a telemetry event per tick; answered with a snapshot that includes the
    /// history, so graphs are full at once. Subscribing again replaces the process query;
    /// a client that has the history already sends `history: false` and gets an empty one.
    SubscribeTelemetry {
        processes: ProcessQuery,
        #[serde(default = "yes")]
        history: bool,
    },
    /// Stop a subscription (telemetry, jobs or a log follow).
    Unsubscribe { subscription: u64 },
    /// Queue a job; answered with `submitted` once it is committed to the job store.
    SubmitJob { spec: JobSpec },
    /// Jobs matching a filter.
    ListJobs {
        #[serde(default)]
        filter: JobFilter,
    },
    /// One job in full. (Job ids travel as `job`: `id` is the request's.)
    ShowJob {
        #[serde(rename = "job")]
        id: JobId,
    },
    /// Cancel jobs: queued ones leave the queue, running ones get SIGTERM and, after the grace
    /// period, SIGKILL (`force`: SIGKILL at once). Unknown ids fail the whole request.
    CancelJobs {
        ids: Vec<JobId>,
        #[serde(default)]
        force: bool,
        /// Seconds between SIGTERM and SIGKILL (default from config, else 10).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        grace_secs: Option<u32>,
    },
    /// Put a finished job back in the queue, keeping its id (its previous logs are kept as
    /// `stdout.prev.log` and `stderr.prev.log`).
    RequeueJob {
        #[serde(rename = "job")]
        id: JobId,
    },
    /// Start receiving an [`InstanceSummary`] per tick (what the fleet view shows); answered
    /// with the newest one. Replaces an earlier summary subscription on this connection.
    SubscribeSummary,
    /// Start receiving job changes; answered with a snapshot. With `only`, the snapshot holds
    /// exactly those jobs (finished or not; an unknown id fails the request) and only their
    /// changes follow — what `station wait` needs, without the rest of the queue.
    SubscribeJobs {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        only: Vec<JobId>,
    },
    /// Read a job's log from `start`; with `follow`, further chunks arrive as `log` events
    /// until the job ends and everything is sent.
    JobLogs {
        #[serde(rename = "job")]
        id: JobId,
        #[serde(default)]
        stream: LogStream,
        #[serde(default)]
        start: LogStart,
        #[serde(default)]
        follow: bool,
    },
    /// Why the instance is up, when it stops, the power settings and the setup scripts.
    Power,
    /// Start receiving a `power` event whenever the report's summary, banner, settings or
    /// setup state change; answered with the report.
    SubscribePower,
    /// Postpone an announced stop by the configured step. `who` lands in the event log.
    Snooze { who: String },
    /// The newest entries of the power event log, oldest first.
    PowerEvents {
        #[serde(default = "default_event_limit")]
        limit: u32,
    },
    /// Change agent.toml's power settings; the agent checks, writes (keeping comments) and
    /// applies them, or refuses with the reason and leaves the file untouched.
    EditPower { edit: SettingsEdit },
    /// Read agent.toml again (an invalid file is refused and the running settings kept).
    ReloadPower,
    /// Stop this instance now, by hand: its `stop_command` runs at once. Running jobs refuse
    /// it unless `force` (they are cancelled first). `who` lands in the event log.
    StopInstance { who: String, force: bool },
    /// Ask the agent to exit (what `station agent stop` sends).
    Shutdown,
}

fn default_event_limit() -> u32 {
    100
}

fn yes() -> bool {
    true
}

impl ClientMsg {
    /// The `type` string of this message, for logs and errors.
    pub fn kind(&self) -> &'static str {
        match self {
            ClientMsg::Hello { .. } => "hello",
            ClientMsg::Ping => "ping",
            ClientMsg::Status { .. } => "status",
            ClientMsg::AgentInfo => "agent_info",
            ClientMsg::SubscribeTelemetry { .. } => "subscribe_telemetry",
            ClientMsg::Unsubscribe { .. } => "unsubscribe",
            ClientMsg::Shutdown => "shutdown",
            ClientMsg::SubmitJob { .. } => "submit_job",
            ClientMsg::ListJobs { .. } => "list_jobs",
            ClientMsg::ShowJob { .. } => "show_job",
            ClientMsg::CancelJobs { .. } => "cancel_jobs",
            ClientMsg::RequeueJob { .. } => "requeue_job",
            ClientMsg::SubscribeJobs { .. } => "subscribe_jobs",
            ClientMsg::SubscribeSummary => "subscribe_summary",
            ClientMsg::Power => "power",
            ClientMsg::SubscribePower => "subscribe_power",
            ClientMsg::Snooze { .. } => "snooze",
            ClientMsg::PowerEvents { .. } => "power_events",
            ClientMsg::EditPower { .. } => "edit_power",
            ClientMsg::ReloadPower => "reload_power",
            ClientMsg::StopInstance { .. } => "stop_instance",
            ClientMsg::JobLogs { .. } => "job_logs",
        }
    }
}

/// One frame from the agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    /// The answer to a request.
    Response { id: u64, body: Response },
    /// A request failed, or a frame could not be read. `id` is absent when the frame was too
    /// broken to carry one.
    Error {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        code: ErrorCode,
        message: String,
    },
    /// Pushed for a subscription.
    Event { subscription: u64, body: Event },
}

/// Successful answers, one variant per request kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Response {
    Ready(Ready),
    Pong,
    Status(Box<StatusReport>),
    AgentInfo(AgentInfo),
    Subscribed {
        subscription: u64,
        snapshot: Box<TelemetrySnapshot>,
    },
    Unsubscribed {
        subscription: u64,
    },
    ShuttingDown,
    /// The job is committed and queued.
    Submitted {
        job: JobView,
    },
    Jobs(JobList),
    JobDetail(Box<JobDetail>),
    /// One entry per id, in the order asked.
    Cancelled {
        jobs: Vec<CancelOutcome>,
    },
    /// The job after a requeue.
    Job(JobView),
    JobsSubscribed {
        subscription: u64,
        snapshot: Box<JobsSnapshot>,
    },
    SummarySubscribed {
        subscription: u64,
        /// `None` until the agent has taken its first sample.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        summary: Option<InstanceSummary>,
        /// How this instance is started from elsewhere, and when (its enabled start
        /// schedules): whoever watches it keeps this, to start it while it is down.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        start: Option<StartPlan>,
    },
    /// The power report (also the answer to a snooze, an edit or a reload).
    Power(Box<PowerReport>),
    PowerSubscribed {
        subscription: u64,
        report: Box<PowerReport>,
    },
    PowerEvents {
        entries: Vec<PowerLogEntry>,
    },
    /// The stop command was started.
    Stopping {
        command: String,
    },
    /// The first chunk of a log; with `follow`, `subscription` names the events that carry the
    /// rest. Without `follow`, read on from `chunk.next_offset` until it reaches `size`.
    Log {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        subscription: Option<u64>,
        chunk: LogChunk,
        /// The file's size when the chunk was read.
        size: u64,
    },
}

/// The agent's answer to `Hello`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ready {
    pub protocol_version: u32,
    pub station_version: String,
    pub agent_pid: u32,
    pub host: HostInfo,
}

/// Pushed data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    Telemetry(Box<Sample>),
    /// The instance at a glance, once per tick.
    Summary(InstanceSummary),
    /// Jobs changed state, wait reason or GPU use.
    Jobs(Box<JobsUpdate>),
    /// A jobs subscriber fell behind: start again from this snapshot.
    JobsResync(Box<JobsSnapshot>),
    /// More of a followed log.
    Log(LogChunk),
    /// The power report changed.
    Power(Box<PowerReport>),
    /// Something the user should see (the agent is stopping, a source failed, …).
    Notice {
        level: NoticeLevel,
        message: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeLevel {
    Info,
    Warning,
    Error,
}

/// Why a request or frame failed; stable names a script can match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame was not valid JSON, or not a JSON object of the expected shape.
    BadFrame,
    /// The frame's `type` is not one this agent knows.
    UnknownMessage,
    /// The frame is longer than the maximum; the connection is closed.
    FrameTooLarge,
    /// A request came before `hello`.
    NotReady,
    /// Client and agent speak different protocol versions.
    VersionMismatch,
    /// The connecting user is not the agent's owner.
    PermissionDenied,
    /// The request names something that does not exist (e.g. a subscription id).
    NotFound,
    /// The request is not valid: an empty command, impossible resources, a missing folder,
    /// an action the job's state does not allow. Verbs exit 2 on it.
    InvalidRequest,
    /// The agent failed while serving the request.
    Internal,
}

/// `station status`: the instance summary and one sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusReport {
    pub host: HostInfo,
    pub agent: AgentInfo,
    /// `None` until the agent has taken its first sample.
    pub sample: Option<Sample>,
    /// Why the instance is up or when it stops ("active: 2 jobs", "idle 12 min — stops in
    /// 48 min"), and the setup scripts when one runs or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power: Option<String>,
}

/// Facts about the running agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentInfo {
    pub pid: u32,
    pub station_version: String,
    pub protocol_version: u32,
    /// When the agent started, seconds since the Unix epoch.
    pub started_at: u64,
    pub socket: String,
    pub log_file: String,
    pub sample_interval_ms: u32,
    /// Clients connected right now, this one included.
    pub clients: u32,
    /// True when the agent serves simulated GPUs.
    pub simulated_gpus: bool,
}

/// What a telemetry subscription starts with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TelemetrySnapshot {
    pub host: HostInfo,
    pub latest: Option<Sample>,
    pub history: History,
}
