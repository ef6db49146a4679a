//! What flows into `update` and what comes out of it.

use crossterm::event::KeyEvent;

use crate::config::ConfigProblem;
use crate::proto::TelemetrySnapshot;
use crate::proto::telemetry::{HostInfo, ProcessQuery, Sample};
use crate::proto::{NoticeLevel, Ready};
use crate::tui::action::Action;
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
}
