//! What flows into `update` and what comes out of it.

use crossterm::event::KeyEvent;

use crate::client::target::Target;
use crate::config::ConfigProblem;
use crate::proto::TelemetrySnapshot;
use crate::proto::jobs::{
    CancelOutcome, JobDetail, JobId, JobSpec, JobView, JobsSnapshot, JobsUpdate, LogChunk,
    LogStart, LogStream,
};
use crate::proto::power::{PowerReport, SettingsEdit};
use crate::proto::telemetry::{HostInfo, ProcessQuery, Sample};
use crate::proto::{NoticeLevel, Ready};
use crate::tui::action::Action;
use crate::tui::app::fleet::FleetMsg;
use crate::tui::app::question::{Answer, Question};
use crate::tui::theme::Theme;

/// Everything that can change the console's state.
#[derive(Debug, Clone)]
pub enum Msg {
    /// A key from the terminal; the keymap turns it into an [`Action`].
    Key(KeyEvent),
    /// Text pasted into the terminal (goes to the command line or filter when open).
    Paste(String),
    /// The terminal has a new size.
    Resize { width: u16, height: u16 },
    /// The slow clock: ages and the agent state are re-evaluated.
    Tick,
    /// An action that did not come from a key (tests, the command line).
    Action(Action),
    /// Something from the agent link.
    Agent(AgentMsg),
    /// News of one fleet row, from its connection task.
    Fleet(FleetMsg),
    /// A question from the SSH transport, for a dialog.
    Question(Question),
    /// A line for the footer from a long operation (an install's upload).
    Notice(String),
    /// The result of an [`Effect::LoadTheme`].
    ThemeLoaded {
        name: String,
        theme: Box<Theme>,
        problems: Vec<ConfigProblem>,
    },
}

/// What the agent link reports.
#[derive(Debug, Clone)]
pub enum AgentMsg {
    /// A (re)connection succeeded and the telemetry subscription is in place.
    Connected(Box<Connected>),
    /// One telemetry tick.
    Sample(Box<Sample>),
    /// Something the agent wants the user to see.
    Notice { level: NoticeLevel, message: String },
    /// The connection broke, or a reconnection attempt failed; the link keeps trying.
    Lost { reason: String },
    /// Every job the agent reports and who holds what: the answer to the jobs subscription
    /// the link makes on each connection, or a resync after the console fell behind. It
    /// replaces what the console held.
    Jobs(Box<JobsSnapshot>),
    /// Jobs whose view changed (and the capacity, when who holds what changed).
    JobsChanged(Box<JobsUpdate>),
    /// The agent refused the jobs subscription (an agent without a job runner).
    JobsUnavailable { reason: String },
    /// One job in full (folder, dependencies, GPU memory per GPU), for the detail panel.
    JobDetail(Box<JobDetail>),
    /// A piece of the log the log view follows; `follow` is the [`JobRequest::FollowLog`] it
    /// answers, so pieces of a log the view no longer shows are told apart.
    Log { follow: u64, chunk: LogChunk },
    /// The agent could not start (or continue) the log follow `follow`.
    LogFailed { follow: u64, reason: String },
    /// The answer to a submit or cancel the console asked for.
    JobReply(JobReply),
    /// The power report: on connecting, on every change, and as the answer to a snooze or an
    /// edit.
    Power(Box<PowerReport>),
    /// The agent refused the power subscription.
    PowerUnavailable { reason: String },
    /// The agent refused a power request (an invalid edit: the reason, file untouched).
    PowerRefused {
        request: PowerRequest,
        reason: String,
    },
}

/// A power request for the agent link to send.
#[derive(Debug, Clone, PartialEq)]
pub enum PowerRequest {
    /// Postpone the announced stop by the configured step.
    Snooze,
    /// Change agent.toml's power settings.
    Edit(SettingsEdit),
}

/// How a job request the console made turned out.
#[derive(Debug, Clone, PartialEq)]
pub enum JobReply {
    /// The job is committed and queued.
    Submitted(Box<JobView>),
    SubmitFailed {
        reason: String,
    },
    Cancelled(Vec<CancelOutcome>),
    CancelFailed {
        ids: Vec<JobId>,
        reason: String,
    },
}

/// A job request for the agent link to send.
#[derive(Debug, Clone, PartialEq)]
pub enum JobRequest {
    Submit(Box<JobSpec>),
    Cancel(Vec<JobId>),
    /// Ask for one job in full (answered with [`AgentMsg::JobDetail`]).
    Show(JobId),
    /// Read `job`'s `stream` from `start` and keep following it; replaces any log followed
    /// before. `follow` numbers the request; the chunks that answer it carry it back.
    FollowLog {
        follow: u64,
        job: JobId,
        stream: LogStream,
        start: LogStart,
    },
    /// Stop following the log followed now.
    StopLog,
}

/// A fresh connection and what its subscription started with.
#[derive(Debug, Clone)]
pub struct Connected {
    pub ready: Ready,
    pub snapshot: TelemetrySnapshot,
    /// Set when the agent runs another Station version.
    pub version_warning: Option<String>,
}

impl Connected {
    pub fn host(&self) -> &HostInfo {
        &self.snapshot.host
    }
}

/// Work `update` asks the event loop to do, because it involves I/O.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send this process query to the agent (replaces the subscription's query).
    Query(ProcessQuery),
    /// Load a theme by name and report back with [`Msg::ThemeLoaded`].
    LoadTheme(String),
    /// Clear the terminal and repaint everything.
    Repaint,
    /// Give the terminal back and stop until the shell resumes the console.
    Suspend,
    /// Hand a job request to the agent link; its answer comes back as an [`AgentMsg`].
    Job(JobRequest),
    /// Switch the agent link to this target (drilling into a fleet row): what it says from
    /// now on is about that instance.
    Open(Target),
    /// Start the fleet's row tasks, one per target, by row index.
    WatchFleet(Vec<(String, Target)>),
    /// Hand a power request to the agent link; its answer comes back as an [`AgentMsg`].
    Power(PowerRequest),
    /// The user's answer to the question `id`.
    Answer { id: u64, answer: Answer },
}
