//! `[power]` in agent.toml: start and stop schedules, idle shutdown, and how the instance
//! stops.
//!
//! ```toml
//! [power]
//! stop_command = "systemctl poweroff"   # run by the agent at the deadline
//! start_command = "virsh start gpu1"    # for instances that others start (optional)
//! warn_before = "10m"                   # banner and wall message ahead of a stop; 0s – 1h
//! snooze = "30m"                        # how far one snooze postpones a stop; 1m – 1d
//! on_running_jobs = "wait"              # "wait" for running jobs, or "stop" regardless
//! drain_timeout = "2h"                  # with "wait": stop anyway after this long; 0s – 7d
//!
//! [power.idle]
//! enabled = true                        # idle shutdown is opt-in (default false)
//! after = "1h"                          # quiet this long before stopping; 15m – 3d
//! cpu_percent = 10                      # whole-machine CPU use at or below this is quiet
//! gpu_percent = 5                       # GPU utilisation at or below this is quiet
//! gpu_memory_mib = 1024                 # GPU memory used by processes above this is active
//!
//! [[power.schedules]]                   # at most 8, names unique
//! name = "weeknights"
//! action = "stop"                       # "start" or "stop"
//! cron = "0 19 * * mon-fri"             # 5-field cron, see `core::power::schedule`
//! zone = "Europe/Berlin"                # IANA time zone
//! enabled = true                        # default true
//! ```
//!
//! Every value is checked when the file is read; a problem names the file, line, column and
//! field (see [`crate::config::agent_settings`]). The bounds of `after`, `warn_before` and
//! `snooze` are relaxed for tests only, through [`PowerBounds::from_env`].
//!
//! - [`edit`]: changing schedules and idle settings while keeping the file's comments.

pub mod edit;
mod raw;

use std::fmt;
use std::ops::RangeInclusive;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::setup::serialize_duration;
use crate::core::power::schedule::ZonedSchedule;

pub use raw::check_schedule_name;
pub(crate) use raw::{RawPower, resolve};

/// At most this many schedules.
pub const MAX_SCHEDULES: usize = 8;
/// Longest schedule name.
pub const MAX_SCHEDULE_NAME_LEN: usize = 64;
/// What stops the machine unless the file says otherwise.
pub const DEFAULT_STOP_COMMAND: &str = "systemctl poweroff";
pub const DEFAULT_IDLE_AFTER: Duration = Duration::from_secs(3600);
pub const DEFAULT_WARN_BEFORE: Duration = Duration::from_secs(10 * 60);
pub const DEFAULT_SNOOZE: Duration = Duration::from_secs(30 * 60);
pub const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(2 * 3600);
pub const DEFAULT_CPU_PERCENT: u8 = 10;
pub const DEFAULT_GPU_PERCENT: u8 = 5;
pub const DEFAULT_GPU_MEMORY_MIB: u32 = 1024;
/// Largest `gpu_memory_mib` accepted (1 TiB).
pub const MAX_GPU_MEMORY_MIB: u32 = 1 << 20;
/// Set to `1` to read agent.toml with [`PowerBounds::testing`].
pub const TEST_BOUNDS_ENV: &str = "STATION_TEST_POWER_BOUNDS";

/// The whole `[power]` table, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PowerConfig {
    /// Start and stop schedules, in the file's order.
    pub schedules: Vec<PowerSchedule>,
    pub idle: IdleConfig,
    /// The shell command that stops the machine.
    pub stop_command: String,
    /// A command that starts this machine from elsewhere (a cloud CLI, `virsh start`,
    /// Wake-on-LAN), run by whoever runs this instance's start schedules.
    pub start_command: Option<String>,
    /// How long before a stop consoles show a countdown and terminals get a wall message.
    #[serde(serialize_with = "serialize_duration")]
    pub warn_before: Duration,
    /// How far one snooze postpones a pending stop.
    #[serde(serialize_with = "serialize_duration")]
    pub snooze: Duration,
    /// What a stop does about running jobs.
    pub on_running_jobs: OnRunningJobs,
    /// With [`OnRunningJobs::Wait`]: the longest a stop waits for running jobs; when it has
    /// waited this long it stops anyway. Ignored with [`OnRunningJobs::Stop`].
    #[serde(serialize_with = "serialize_duration")]
    pub drain_timeout: Duration,
}

impl Default for PowerConfig {
    fn default() -> Self {
        PowerConfig {
            schedules: Vec::new(),
            idle: IdleConfig::default(),
            stop_command: DEFAULT_STOP_COMMAND.to_owned(),
            start_command: None,
            warn_before: DEFAULT_WARN_BEFORE,
            snooze: DEFAULT_SNOOZE,
            on_running_jobs: OnRunningJobs::Wait,
            drain_timeout: DEFAULT_DRAIN_TIMEOUT,
        }
    }
}

impl PowerConfig {
    /// The schedule called `name`.
    pub fn schedule(&self, name: &str) -> Option<&PowerSchedule> {
        self.schedules.iter().find(|s| s.name == name)
    }

    /// The enabled schedules that `action` the machine.
    pub fn enabled_schedules(&self, action: PowerAction) -> impl Iterator<Item = &PowerSchedule> {
        self.schedules
            .iter()
            .filter(move |s| s.enabled && s.action == action)
    }
}

/// One `[[power.schedules]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PowerSchedule {
    /// Unique among the schedules; how events and the editor refer to it.
    pub name: String,
    pub action: PowerAction,
    /// A disabled schedule is kept in the file but never fires.
    pub enabled: bool,
    /// The cron rule and its zone.
    pub when: ZonedSchedule,
}

impl PowerSchedule {
    /// The cron rule as written.
    pub fn cron(&self) -> &str {
        self.when.rule.as_str()
    }

    /// The zone's IANA name.
    pub fn zone(&self) -> &str {
        &self.when.zone_name
    }
}

impl Serialize for PowerSchedule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut table = serializer.serialize_struct("PowerSchedule", 5)?;
        table.serialize_field("name", &self.name)?;
        table.serialize_field("action", &self.action)?;
        table.serialize_field("cron", self.cron())?;
        table.serialize_field("zone", self.zone())?;
        table.serialize_field("enabled", &self.enabled)?;
        table.end()
    }
}

/// `[power.idle]`: stop the machine when nothing has used it for a while.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdleConfig {
    /// Idle shutdown is opt-in.
    pub enabled: bool,
    /// How long every activity source must have been quiet.
    #[serde(serialize_with = "serialize_duration")]
    pub after: Duration,
    /// Whole-machine CPU use (percent of all CPUs) at or below which the CPU is quiet.
    pub cpu_percent: u8,
    /// GPU utilisation at or below which a GPU is quiet.
    pub gpu_percent: u8,
    /// GPU memory used by processes above which a GPU counts as active, in MiB.
    pub gpu_memory_mib: u32,
}

impl Default for IdleConfig {
    fn default() -> Self {
        IdleConfig {
            enabled: false,
            after: DEFAULT_IDLE_AFTER,
            cpu_percent: DEFAULT_CPU_PERCENT,
            gpu_percent: DEFAULT_GPU_PERCENT,
            gpu_memory_mib: DEFAULT_GPU_MEMORY_MIB,
        }
    }
}

/// What a schedule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PowerAction {
    Start,
    Stop,
}

/// What a stop does about running jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnRunningJobs {
    /// Wait for them, up to `drain_timeout`, then stop.
    #[default]
    Wait,
    /// Stop at the deadline; the jobs die with the machine.
    Stop,
}

impl PowerAction {
    pub fn as_str(self) -> &'static str {
        match self {
            PowerAction::Start => "start",
            PowerAction::Stop => "stop",
        }
    }
}

impl OnRunningJobs {
    pub fn as_str(self) -> &'static str {
        match self {
            OnRunningJobs::Wait => "wait",
            OnRunningJobs::Stop => "stop",
        }
    }
}

impl fmt::Display for PowerAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for OnRunningJobs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that must be one of two words; the message names the key.
fn one_of<'de, D: Deserializer<'de>, T: Copy>(
    deserializer: D,
    key: &str,
    choices: [(&str, T); 2],
) -> Result<T, D::Error> {
    let text = String::deserialize(deserializer)?;
    choices
        .iter()
        .find(|(word, _)| *word == text)
        .map(|(_, value)| *value)
        .ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{key} must be \"{}\" or \"{}\", got \"{text}\"",
                choices[0].0, choices[1].0
            ))
        })
}

impl<'de> Deserialize<'de> for PowerAction {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        one_of(
            deserializer,
            "action",
            [("start", PowerAction::Start), ("stop", PowerAction::Stop)],
        )
    }
}

impl<'de> Deserialize<'de> for OnRunningJobs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        one_of(
            deserializer,
            "on_running_jobs",
            [("wait", OnRunningJobs::Wait), ("stop", OnRunningJobs::Stop)],
        )
    }
}

/// The allowed ranges of the power durations. Only `after` and `snooze` differ between
/// [`normal`](PowerBounds::normal) and [`testing`](PowerBounds::testing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PowerBounds {
    pub idle_after: RangeInclusive<Duration>,
    pub warn_before: RangeInclusive<Duration>,
    pub snooze: RangeInclusive<Duration>,
    pub drain_timeout: RangeInclusive<Duration>,
}

const fn seconds(count: u64) -> Duration {
    Duration::from_secs(count)
}

impl PowerBounds {
    /// What users may write: `after` 15m – 3d, `warn_before` 0s – 1h, `snooze` 1m – 1d,
    /// `drain_timeout` 0s – 7d.
    pub fn normal() -> PowerBounds {
        PowerBounds {
            idle_after: seconds(15 * 60)..=seconds(3 * 86_400),
            warn_before: seconds(0)..=seconds(3600),
            snooze: seconds(60)..=seconds(86_400),
            drain_timeout: seconds(0)..=seconds(7 * 86_400),
        }
    }

    /// For end-to-end tests that cannot wait minutes: `after` and `snooze` from 1s.
    pub fn testing() -> PowerBounds {
        PowerBounds {
            idle_after: seconds(1)..=seconds(3 * 86_400),
            snooze: seconds(1)..=seconds(86_400),
            ..PowerBounds::normal()
        }
    }

    /// [`testing`](PowerBounds::testing) when `STATION_TEST_POWER_BOUNDS=1`, else
    /// [`normal`](PowerBounds::normal).
    pub fn from_env() -> PowerBounds {
        PowerBounds::for_env_value(std::env::var(TEST_BOUNDS_ENV).ok().as_deref())
    }

    /// The bounds for a value of `STATION_TEST_POWER_BOUNDS`: only `1` selects the testing ones.
    fn for_env_value(value: Option<&str>) -> PowerBounds {
        if value == Some("1") {
            PowerBounds::testing()
        } else {
            PowerBounds::normal()
        }
    }
}

impl Default for PowerBounds {
    fn default() -> Self {
        PowerBounds::normal()
    }
}

#[cfg(test)]
mod tests;
