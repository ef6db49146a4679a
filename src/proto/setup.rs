//! The setup scripts' status as the agent reports it: what each script (creation, startup)
//! is doing or how its last run ended. Times are unix milliseconds; `core::setup` words them
//! for people ("done 3d ago, took 41s").

use serde::{Deserialize, Serialize};

/// Which of the two setup scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScriptKind {
    /// Runs once per machine, on the first agent start with a creation script configured.
    Creation,
    /// Runs once per boot (kernel boot id).
    Startup,
}

impl ScriptKind {
    /// Both, in the order they run.
    pub const ALL: [ScriptKind; 2] = [ScriptKind::Creation, ScriptKind::Startup];

    /// `"creation"` or `"startup"`: the value of `STATION_SETUP` and the stem of its files.
    pub fn name(self) -> &'static str {
        match self {
            ScriptKind::Creation => "creation",
            ScriptKind::Startup => "startup",
        }
    }
}

/// Where one script stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ScriptState {
    /// No script is set in `[setup]` (and none ran on this machine, or this boot).
    NotConfigured,
    /// Waiting for its turn (the startup script waits for the creation script).
    Pending,
    Running {
        started_ms: u64,
    },
    /// Exited with code 0.
    Done {
        started_ms: u64,
        took_ms: u64,
    },
    Failed {
        started_ms: u64,
        took_ms: u64,
        reason: FailReason,
    },
    /// Killed (its whole process group) when the time limit passed.
    TimedOut {
        started_ms: u64,
        /// The time limit it ran into.
        after_ms: u64,
    },
    /// The agent ended while the script ran; it is not run again by itself.
    Interrupted {
        started_ms: u64,
        cause: Interruption,
    },
}

/// Why a run failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FailReason {
    /// Exited with a code other than 0.
    ExitCode { code: i32 },
    /// Killed by a signal nobody at Station sent.
    Signal { signal: i32 },
    /// Never started: e.g. "creation script ~/x.sh: No such file".
    CannotStart { message: String },
}

/// How the agent ended while a script ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Interruption {
    /// It stopped on request (signal, `station agent stop`, service stop): the script's
    /// process group got SIGTERM.
    AgentStopped,
    /// It died (crash, `kill -9`, power cut); the next agent found the run unfinished and
    /// killed what was left of the script's process group.
    AgentDied,
}

impl ScriptState {
    /// Whether the script has an outcome or nothing to do: not pending, not running.
    pub fn is_settled(&self) -> bool {
        !matches!(self, ScriptState::Pending | ScriptState::Running { .. })
    }

    /// When the run began, for states that have one.
    pub fn started_ms(&self) -> Option<u64> {
        match self {
            ScriptState::NotConfigured | ScriptState::Pending => None,
            ScriptState::Running { started_ms }
            | ScriptState::Done { started_ms, .. }
            | ScriptState::Failed { started_ms, .. }
            | ScriptState::TimedOut { started_ms, .. }
            | ScriptState::Interrupted { started_ms, .. } => Some(*started_ms),
        }
    }
}

/// One script: as configured, and its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptStatus {
    /// The script as written in `[setup]` (`~/x.sh`), or as it was when it last ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    pub state: ScriptState,
}

impl ScriptStatus {
    pub fn not_configured() -> ScriptStatus {
        ScriptStatus {
            script: None,
            state: ScriptState::NotConfigured,
        }
    }
}

/// Both scripts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupStatus {
    pub creation: ScriptStatus,
    pub startup: ScriptStatus,
}

impl SetupStatus {
    pub fn get(&self, kind: ScriptKind) -> &ScriptStatus {
        match kind {
            ScriptKind::Creation => &self.creation,
            ScriptKind::Startup => &self.startup,
        }
    }

    pub fn get_mut(&mut self, kind: ScriptKind) -> &mut ScriptStatus {
        match kind {
            ScriptKind::Creation => &mut self.creation,
            ScriptKind::Startup => &mut self.startup,
        }
    }

    /// Whether neither script is pending or running.
    pub fn is_settled(&self) -> bool {
        self.creation.state.is_settled() && self.startup.state.is_settled()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_as_tagged_json() {
        let state = ScriptState::Failed {
            started_ms: 1_000,
            took_ms: 250,
            reason: FailReason::ExitCode { code: 3 },
        };
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(
            json,
            r#"{"state":"failed","started_ms":1000,"took_ms":250,"reason":{"kind":"exit_code","code":3}}"#
        );
        assert_eq!(serde_json::from_str::<ScriptState>(&json).unwrap(), state);
        let interrupted = ScriptState::Interrupted {
            started_ms: 5,
            cause: Interruption::AgentDied,
        };
        let json = serde_json::to_string(&interrupted).unwrap();
        assert!(json.contains(r#""cause":"agent_died""#), "{json}");
        assert_eq!(
            serde_json::to_string(&ScriptState::NotConfigured).unwrap(),
            r#"{"state":"not_configured"}"#
        );
    }

    #[test]
    fn settled_means_neither_pending_nor_running() {
        assert!(ScriptState::NotConfigured.is_settled());
        assert!(!ScriptState::Pending.is_settled());
        assert!(!ScriptState::Running { started_ms: 1 }.is_settled());
        assert!(
            ScriptState::TimedOut {
                started_ms: 1,
                after_ms: 2
            }
            .is_settled()
        );
    }
}
