//! `[setup]` in agent.toml: the instance's setup scripts.
//!
//! ```toml
//! [setup]
//! creation_script = "~/station/create.sh"  # once, on the first agent start on this machine
//! startup_script = "~/station/startup.sh"  # once per boot (kernel boot id)
//! timeout = "15m"                          # each; 1s – 24h
//! ```
//!
//! A script is a file: run directly when it is executable (its `#!` line picks the
//! interpreter), else with `/bin/sh`. `~/` is the agent user's home.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};

use super::duration;

/// The default limit on each script's run time.
pub const DEFAULT_SCRIPT_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// Allowed script time limits.
pub const SCRIPT_TIMEOUT_RANGE: std::ops::RangeInclusive<Duration> =
    Duration::from_secs(1)..=Duration::from_secs(24 * 3600);

/// Settings of the setup scripts (`[setup]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SetupConfig {
    /// Runs once, on the first agent start on this machine.
    pub creation_script: Option<String>,
    /// Runs once per boot.
    pub startup_script: Option<String>,
    /// Each script is killed (its whole process group) after this long.
    #[serde(
        deserialize_with = "script_timeout",
        serialize_with = "serialize_duration"
    )]
    pub timeout: Duration,
}

impl Default for SetupConfig {
    fn default() -> Self {
        SetupConfig {
            creation_script: None,
            startup_script: None,
            timeout: DEFAULT_SCRIPT_TIMEOUT,
        }
    }
}

/// `~/` expanded against `home`; other paths as written.
pub fn script_path(script: &str, home: &std::path::Path) -> PathBuf {
    match script.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None => PathBuf::from(script),
    }
}

fn script_timeout<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let value = duration::deserialize(deserializer)?;
    duration::check_bounds("timeout", value, SCRIPT_TIMEOUT_RANGE).map_err(serde::de::Error::custom)
}

/// Durations are written back in the form people write them.
pub fn serialize_duration<S: serde::Serializer>(
    value: &Duration,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&duration::format(*value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_is_expanded() {
        let home = std::path::Path::new("/home/ana");
        assert_eq!(script_path("~/s.sh", home), PathBuf::from("/home/ana/s.sh"));
        assert_eq!(script_path("/opt/s.sh", home), PathBuf::from("/opt/s.sh"));
    }

    #[test]
    fn timeout_is_bounded() {
        let parsed: Result<SetupConfig, _> = toml::from_str("timeout = \"2d\"");
        let error = parsed.unwrap_err().to_string();
        assert!(
            error.contains("timeout must be between 1s and 1d"),
            "{error}"
        );
        let parsed: SetupConfig = toml::from_str("timeout = \"5m\"").unwrap();
        assert_eq!(parsed.timeout, Duration::from_secs(300));
    }
}
