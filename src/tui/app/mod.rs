//! The console's state and the one function that changes it.
//!
//! [`App::update`] takes a [`Msg`] (a key, a resize, a tick, something from the agent) and
//! reports whether anything visible changed, so the event loop draws only then. Work that
//! needs I/O is not done here: it is queued as an [`Effect`] for the loop to carry out.
//!
//! - [`keys`]: keys through the keymap into actions, and what each action does.
//! - [`input`]: the `:` command line and the `/` filters.
//! - [`jobs`]: the jobs pane: jobs, capacity, selection, log view, cancel and submit.
//! - [`fleet`]: the fleet view: a row per instance, and drilling into one.
//! - [`agent`]: samples, notices and the state of the agent link.
//! - [`question`]: the SSH transport's questions (host key, passphrase, install) as dialogs.
//! - [`power`]: the power report (header, stop banner) and the snooze.
//! - [`sched`]: the schedule editor: schedules and idle settings, their forms.
//! - [`navigation`]: focus between panels and selection inside them.
//! - [`processes`]: sorting and filtering the process rows locally.
//! - [`smoothing`]: averaged process CPU, so the table does not reshuffle every second.

mod agent;
pub mod command;
pub mod fleet;
mod input;
pub mod jobs;
mod keys;
pub mod list;
pub mod msg;
mod navigation;
mod power;
pub mod processes;
pub mod question;
pub mod sched;
mod smoothing;

use std::time::Instant;

use ratatui::layout::Rect;

use crate::core::history::HistoryBook;
use crate::proto::telemetry::{HostInfo, ProcessQuery, Sample};
use crate::tui::keymap::{Context, Key, Keymap};
use crate::tui::layout::{DashboardLayout, Facts, Panel};
use crate::tui::theme::Theme;

pub use fleet::FleetState;
pub use jobs::JobsState;
pub use list::ListState;
pub use msg::{AgentMsg, Connected, Effect, JobReply, JobRequest, Msg, PowerRequest};

/// How the agent connection looks to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    /// Connecting to an instance just drilled into.
    Connecting,
    /// Connected, no sample yet.
    Waiting,
    /// Samples arrive on time.
    Live,
    /// Connected, but the newest sample is this many seconds old.
    Stale { secs: u64 },
    /// Disconnected; the link is trying to reconnect. `secs` since the last sample, if any.
    Lost { reason: String, secs: Option<u64> },
}

/// A line for the footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub level: Level,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

/// What the user is typing into, with the text so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub kind: InputKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// `:` commands.
    Command,
    /// `/` process filter, applied as it is typed.
    Filter,
    /// `/` jobs filter, applied as it is typed.
    JobFilter,
    /// `/` fleet filter (name or tag), applied as it is typed.
    FleetFilter,
}

/// What fills the screen between the header and the footer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum View {
    #[default]
    Dashboard,
    Jobs,
    /// One row per instance.
    Fleet,
    /// The power schedules and idle settings (`:sched`).
    Schedules,
}

/// Selection state of every list panel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lists {
    pub processes: ListState,
    pub disks: ListState,
    pub network: ListState,
    pub gpus: ListState,
}

/// Identity of the agent this console talks to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentIdentity {
    pub pid: u32,
    pub version: String,
}

/// Everything the console shows and remembers.
#[derive(Debug, Clone)]
pub struct App {
    pub keymap: Keymap,
    pub theme: Theme,
    pub theme_name: String,
    pub host: Option<HostInfo>,
    pub agent: Option<AgentIdentity>,
    pub link: LinkState,
    pub view: View,
    pub jobs: JobsState,
    pub fleet: FleetState,
    /// The instance's power report (why it is up, when it stops, schedules, setup scripts);
    /// `None` until the agent sends one.
    pub power: Option<Box<crate::proto::power::PowerReport>>,
    /// The schedule editor's selection, form and confirmation.
    pub sched: sched::SchedState,
    /// Folder and environment of jobs submitted from the form.
    pub job_defaults: jobs::JobDefaults,
    /// The newest sample; its process rows are kept sorted and filtered as the query says.
    pub sample: Option<Sample>,
    pub history: HistoryBook,
    /// The whole terminal.
    pub area: Rect,
    pub focus: Panel,
    pub lists: Lists,
    /// The process the selection follows when rows re-sort.
    pub selected_pid: Option<u32>,
    /// `Some(scroll)` while the help overlay is open.
    pub help: Option<usize>,
    pub input: Option<Input>,
    /// What the agent is asked for; changed here, sent by the loop through [`Effect::Query`].
    pub query: ProcessQuery,
    /// Keys of an unfinished chord.
    pub pending: Vec<Key>,
    pub message: Option<Message>,
    /// The SSH transport's questions: the open dialog and those waiting.
    pub questions: question::Questions,
    pub quit: bool,
    last_sample_at: Option<Instant>,
    /// The `now` of the update in progress (or the last one).
    clock: Option<Instant>,
    /// The agent's clock (ms since the epoch) in the newest sample, and when it arrived.
    agent_clock: Option<(u64, Instant)>,
    smoothing: smoothing::CpuSmoothing,
    effects: Vec<Effect>,
}

impl App {
    /// A console for a terminal of `area`; the agent link's messages fill it.
    pub fn new(keymap: Keymap, theme: Theme, theme_name: &str, area: Rect) -> App {
        let mut app = App {
            keymap,
            theme,
            theme_name: theme_name.to_owned(),
            host: None,
            agent: None,
            link: LinkState::Waiting,
            view: View::Dashboard,
            jobs: JobsState::default(),
            fleet: FleetState::default(),
            power: None,
            sched: sched::SchedState::default(),
            job_defaults: jobs::JobDefaults::default(),
            sample: None,
            history: HistoryBook::new(1000),
            area,
            focus: Panel::Processes,
            lists: Lists::default(),
            selected_pid: None,
            help: None,
            input: None,
            query: ProcessQuery::default(),
            pending: Vec::new(),
            message: None,
            questions: question::Questions::default(),
            quit: false,
            last_sample_at: None,
            clock: None,
            agent_clock: None,
            smoothing: Default::default(),
            effects: Vec::new(),
        };
        app.query.limit = app.wanted_limit();
        app
    }

    /// Takes the inventory's instances as the fleet's rows; with any, the fleet view is the
    /// first screen (and its row tasks start).
    pub fn set_fleet(&mut self, instances: &[crate::config::Instance]) {
        self.fleet = FleetState::new(instances);
        if self.fleet.has_instances() {
            self.show_fleet();
        }
    }

    /// Applies `msg`; true when the screen needs redrawing.
    pub fn update(&mut self, msg: Msg, now: Instant) -> bool {
        self.clock = Some(now);
        let changed = match msg {
            Msg::Key(event) => self.on_key(&event),
            Msg::Paste(text) => self.on_paste(&text),
            Msg::Resize { width, height } => {
                let area = Rect::new(0, 0, width, height);
                let changed = area != self.area;
                self.area = area;
                changed
            }
            Msg::Tick => self.on_tick(now),
            Msg::Action(action) => self.apply(action),
            Msg::Agent(msg) => self.on_agent(msg, now),
            Msg::Fleet(msg) => self.on_fleet(msg),
            Msg::Question(question) => self.on_question(question),
            Msg::Notice(text) => {
                self.say(Level::Info, text);
                true
            }
            Msg::ThemeLoaded {
                name,
                theme,
                problems,
            } => self.on_theme_loaded(name, *theme, &problems),
        };
        if changed {
            self.fit_lists();
            self.request_rows();
        }
        changed
    }

    /// Takes the effects queued by the updates so far; of several process queries only the
    /// newest is kept.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        let effects = std::mem::take(&mut self.effects);
        let newest_query = effects.iter().rposition(|e| matches!(e, Effect::Query(_)));
        effects
            .into_iter()
            .enumerate()
            .filter(|(i, e)| !matches!(e, Effect::Query(_)) || Some(*i) == newest_query)
            .map(|(_, e)| e)
            .collect()
    }

    /// What the layout depends on, from the newest sample.
    pub fn facts(&self) -> Facts {
        self.sample.as_ref().map_or_else(Facts::default, |s| Facts {
            cores: s.cpu.cores.len(),
            gpus: s.gpus.gpus.len(),
            disks: s.disks.len(),
            networks: s.networks.len(),
        })
    }

    pub fn layout(&self) -> DashboardLayout {
        DashboardLayout::compute(self.area, &self.facts())
    }

    /// Where keys are read now.
    pub fn context(&self) -> Context {
        if self.help.is_some() {
            return Context::Help;
        }
        match self.view {
            View::Dashboard => Context::Dashboard,
            View::Jobs if self.jobs.form.is_some() => Context::JobForm,
            View::Jobs if self.jobs.confirm.is_some() => Context::Confirm,
            View::Jobs if self.jobs.logs.is_some() => Context::JobLogs,
            View::Jobs => Context::Jobs,
            View::Fleet => Context::Fleet,
            View::Schedules if self.sched.confirm.is_some() => Context::Confirm,
            View::Schedules if self.sched.editor.is_some() => Context::SchedForm,
            View::Schedules => Context::Schedules,
        }
    }

    fn say(&mut self, level: Level, text: impl Into<String>) {
        self.message = Some(Message {
            level,
            text: text.into(),
        });
    }

    fn on_theme_loaded(
        &mut self,
        name: String,
        theme: Theme,
        problems: &[crate::config::ConfigProblem],
    ) -> bool {
        if let Some(error) = problems.iter().find(|p| p.is_error()) {
            self.say(
                Level::Error,
                format!("theme {name}: {}: {}", error.location(), error.message),
            );
            return true;
        }
        self.theme = theme;
        self.theme_name = name;
        match problems.first() {
            Some(warning) => self.say(
                Level::Warning,
                format!("{}: {}", warning.location(), warning.message),
            ),
            None => self.say(Level::Info, format!("theme {}", self.theme_name)),
        }
        true
    }
}

#[cfg(test)]
mod tests;
