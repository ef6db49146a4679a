//! `config.toml`: the user's settings, validated with located errors.
//!
//! ```toml
//! theme = "dark"            # dark, light, basic, or a file in themes/
//! keymap = "default"        # a file in keymaps/ overlaid on the built-in keys
//!
//! [agent]
//! sample_interval_ms = 1000 # 250 – 60000
//! simulate_gpus = 0         # demo/test GPUs, labelled SIMULATED; 0 – 16
//! idle_process_recheck_ms = 0 # re-read idle processes only this often; 0 – 60000
//!
//! [jobs]                    # see `config::jobs`
//! cpu_slots = 0             # 0 = one per vCPU
//! ```
//!
//! A missing file means defaults. Unknown keys and out-of-range values are errors that name
//! the line and column: a typo must never be silently ignored.

use std::fs;
use std::io;
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize};

use super::error::ConfigProblem;

/// Allowed sampling intervals.
pub const SAMPLE_INTERVAL_RANGE_MS: std::ops::RangeInclusive<u32> = 250..=60_000;
/// The longest an idle process may go unread.
pub const MAX_IDLE_RECHECK_MS: u32 = 60_000;
/// At most this many simulated GPUs.
pub const MAX_SIMULATED_GPUS: u32 = 16;

/// The whole `config.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Colour theme: a built-in name (`dark`, `light`, `basic`) or a file `themes/NAME.toml`.
    pub theme: String,
    /// Keymap: `keymaps/NAME.toml`, overlaid key by key on the built-in keymap.
    pub keymap: String,
    pub agent: AgentConfig,
    pub jobs: super::jobs::JobsConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            theme: "dark".into(),
            keymap: "default".into(),
            agent: AgentConfig::default(),
            jobs: super::jobs::JobsConfig::default(),
        }
    }
}

/// Settings of the agent (`[agent]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgentConfig {
    /// Milliseconds between two telemetry samples, 250 – 60000.
    #[serde(deserialize_with = "sample_interval")]
    pub sample_interval_ms: u32,
    /// Serve this many simulated GPUs instead of asking NVML (demos and tests only).
    #[serde(deserialize_with = "simulated_gpus")]
    pub simulate_gpus: u32,
    /// On hosts with thousands of processes: a process that used no CPU since its last read
    /// is read again only after this many milliseconds (0: every process every tick). Cheaper
    /// walks, at the price of seeing an idle process wake up that much later.
    #[serde(deserialize_with = "idle_recheck")]
    pub idle_process_recheck_ms: u32,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            sample_interval_ms: 1000,
            simulate_gpus: 0,
            idle_process_recheck_ms: 0,
        }
    }
}

fn sample_interval<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let value = i64::deserialize(deserializer)?;
    u32::try_from(value)
        .ok()
        .filter(|v| SAMPLE_INTERVAL_RANGE_MS.contains(v))
        .ok_or_else(|| {
            serde::de::Error::custom(format!(
                "sample_interval_ms must be between {} and {}, got {value}",
                SAMPLE_INTERVAL_RANGE_MS.start(),
                SAMPLE_INTERVAL_RANGE_MS.end()
            ))
        })
}

fn simulated_gpus<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let value = i64::deserialize(deserializer)?;
    u32::try_from(value)
        .ok()
        .filter(|v| *v <= MAX_SIMULATED_GPUS)
        .ok_or_else(|| {
            serde::de::Error::custom(format!(
                "simulate_gpus must be between 0 and {MAX_SIMULATED_GPUS}, got {value}"
            ))
        })
}

fn idle_recheck<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let value = i64::deserialize(deserializer)?;
    u32::try_from(value)
        .ok()
        .filter(|v| *v <= MAX_IDLE_RECHECK_MS)
        .ok_or_else(|| {
            serde::de::Error::custom(format!(
                "idle_process_recheck_ms must be between 0 and {MAX_IDLE_RECHECK_MS}, got {value}"
            ))
        })
}

impl Config {
    /// Parses `source` as the contents of `path`.
    pub fn parse(path: &Path, source: &str) -> Result<Config, ConfigProblem> {
        toml::from_str(source).map_err(|e| ConfigProblem::from_toml(path, source, &e))
    }

    /// Reads and parses `path`; a missing file gives the defaults.
    pub fn load(path: &Path) -> Result<Config, ConfigProblem> {
        match read_optional(path)? {
            Some(source) => Config::parse(path, &source),
            None => Ok(Config::default()),
        }
    }
}

/// Reads a user file that may not exist; any other failure is a whole-file problem.
pub fn read_optional(path: &Path) -> Result<Option<String>, ConfigProblem> {
    match fs::read_to_string(path) {
        Ok(source) => Ok(Some(source)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ConfigProblem::whole_file(
            super::error::Severity::Error,
            path,
            format!("cannot read: {e}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(source: &str) -> Result<Config, ConfigProblem> {
        Config::parse(Path::new("config.toml"), source)
    }

    #[test]
    fn empty_file_is_all_defaults() {
        assert_eq!(parse("").unwrap(), Config::default());
    }

    #[test]
    fn values_are_read() {
        let config =
            parse("theme = \"light\"\n[agent]\nsample_interval_ms = 250\nsimulate_gpus = 4\n")
                .unwrap();
        assert_eq!(config.theme, "light");
        assert_eq!(config.agent.sample_interval_ms, 250);
        assert_eq!(config.agent.simulate_gpus, 4);
    }

    #[test]
    fn out_of_range_interval_is_located() {
        let problem = parse("[agent]\nsample_interval_ms = 10\n").unwrap_err();
        assert_eq!((problem.line, problem.column), (2, 22));
        assert!(
            problem.message.contains("between 250 and 60000, got 10"),
            "{problem}"
        );
    }

    #[test]
    fn unknown_keys_are_errors() {
        let problem = parse("[agent]\nsample_intervall_ms = 500\n").unwrap_err();
        assert_eq!(problem.line, 2);
        assert!(
            problem
                .message
                .contains("unknown field `sample_intervall_ms`"),
            "{problem}"
        );
    }
}
