//! Wire types of power management: why the instance is up and when it stops
//! ([`PowerStatus`], from `core::power`), the settings in force with each schedule's next
//! firings, the setup scripts' state, and the event log.
//!
//! Times are unix milliseconds; durations are whole seconds.

use serde::{Deserialize, Serialize};

pub use crate::config::power::PowerAction;
pub use crate::config::power::edit::{IdleEdit, ScheduleEdit, ScheduleSpec, SettingsEdit};
pub use crate::core::power::status::PowerStatus;

/// Next firings reported per schedule.
pub const NEXT_FIRINGS: usize = 3;

/// Everything `station power` and the console's power views show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowerReport {
    pub status: PowerStatus,
    pub settings: PowerSettingsView,
    pub setup: SetupReport,
    /// The line for the dashboard header and `station status`.
    pub summary: String,
    /// The console's banner while a stop is announced (`None` otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner: Option<String>,
}

/// The `[power]` settings in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowerSettingsView {
    /// The settings file (agent.toml).
    pub file: String,
    /// Why the file on disk is not what is in force (a reload refused it), if so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    pub schedules: Vec<ScheduleView>,
    pub idle: IdleView,
    pub stop_command: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_command: Option<String>,
    pub warn_before_secs: u64,
    pub snooze_secs: u64,
    /// `wait` or `stop`.
    pub on_running_jobs: String,
    pub drain_timeout_secs: u64,
}

/// One schedule, with its next firings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleView {
    pub name: String,
    pub action: PowerAction,
    pub cron: String,
    pub zone: String,
    pub enabled: bool,
    /// The next [`NEXT_FIRINGS`] firings (empty when disabled).
    pub next_ms: Vec<u64>,
}

impl ScheduleView {
    /// What the editor starts from to change it.
    pub fn spec(&self) -> ScheduleSpec {
        ScheduleSpec {
            name: self.name.clone(),
            action: self.action,
            cron: self.cron.clone(),
            zone: self.zone.clone(),
            enabled: self.enabled,
        }
    }
}

/// `[power.idle]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdleView {
    pub enabled: bool,
    pub after_secs: u64,
    pub cpu_percent: u8,
    pub gpu_percent: u8,
    pub gpu_memory_mib: u32,
}

/// The setup scripts' state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupReport {
    pub creation: ScriptReport,
    pub startup: ScriptReport,
}

/// One setup script: its path (if configured), its state in words and its log file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptReport {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    /// `not configured`, `running for 2 min`, `done in 14 s`, `failed with exit code 3`, …
    pub state: String,
    /// Whether it failed or timed out (the dashboard shows it as a problem).
    #[serde(default)]
    pub failed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
}

/// How an instance is started by others: its `start_command` (if it declares one; the
/// inventory's wins) and its enabled start schedules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartPlan {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_command: Option<String>,
    pub schedules: Vec<StartSchedule>,
}

/// One start schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartSchedule {
    pub name: String,
    pub cron: String,
    pub zone: String,
}

impl StartPlan {
    /// The plan in `settings`, `None` when it has no enabled start schedule.
    pub fn of(settings: &PowerSettingsView) -> Option<StartPlan> {
        let schedules: Vec<StartSchedule> = settings
            .schedules
            .iter()
            .filter(|s| s.enabled && s.action == PowerAction::Start)
            .map(|s| StartSchedule {
                name: s.name.clone(),
                cron: s.cron.clone(),
                zone: s.zone.clone(),
            })
            .collect();
        (!schedules.is_empty()).then(|| StartPlan {
            start_command: settings.start_command.clone(),
            schedules,
        })
    }
}

/// One decision in the power event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowerLogEntry {
    pub at_ms: u64,
    /// `warn`, `stop`, `snooze`, `cancelled`, `waiting`, `start`, `missed`, `settings`,
    /// `setup`, `clock`, `failed`.
    pub kind: String,
    pub text: String,
}
