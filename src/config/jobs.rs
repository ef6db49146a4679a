//! `[jobs]` in config.toml: the job runner's settings.
//!
//! ```toml
//! [jobs]
//! cpu_slots = 0              # CPU slots for jobs; 0 = one per vCPU (the default)
//! avoid_foreign_gpus = true  # never hand out a GPU that a process outside Station uses
//! cancel_grace_secs = 10     # SIGTERM → SIGKILL delay of `station cancel`; 0 – 3600
//! ```

use serde::{Deserialize, Deserializer, Serialize};

/// Most CPU slots accepted (far above any machine, low enough for arithmetic).
pub const MAX_CPU_SLOTS: u32 = 65_536;
/// Longest grace period between SIGTERM and SIGKILL.
pub const MAX_CANCEL_GRACE_SECS: u32 = 3600;

/// Settings of the job runner (`[jobs]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    /// CPU slots jobs share; 0 means one per vCPU.
    #[serde(deserialize_with = "cpu_slots")]
    pub cpu_slots: u32,
    /// Keep GPUs that processes outside Station use out of the pool.
    pub avoid_foreign_gpus: bool,
    /// Seconds between SIGTERM and SIGKILL when a cancel does not say.
    #[serde(deserialize_with = "cancel_grace")]
    pub cancel_grace_secs: u32,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            cpu_slots: 0,
            avoid_foreign_gpus: true,
            cancel_grace_secs: 10,
        }
    }
}

impl JobsConfig {
    /// The CPU slots to use on a machine with `vcpus` logical CPUs.
    pub fn cpu_slots_for(&self, vcpus: u32) -> u32 {
        if self.cpu_slots == 0 {
            vcpus.max(1)
        } else {
            self.cpu_slots
        }
    }
}

/// An integer `key` from 0 to `max`, or the error that names both.
pub(crate) fn in_range<'de, D: Deserializer<'de>>(
    deserializer: D,
    key: &str,
    max: u32,
) -> Result<u32, D::Error> {
    let value = i64::deserialize(deserializer)?;
    u32::try_from(value)
        .ok()
        .filter(|v| *v <= max)
        .ok_or_else(|| {
            serde::de::Error::custom(format!("{key} must be between 0 and {max}, got {value}"))
        })
}

fn cpu_slots<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    in_range(deserializer, "cpu_slots", MAX_CPU_SLOTS)
}

fn cancel_grace<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    in_range(deserializer, "cancel_grace_secs", MAX_CANCEL_GRACE_SECS)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::Config;

    #[test]
    fn jobs_settings_are_read_and_checked() {
        let path = Path::new("config.toml");
        let config = Config::parse(path, "[jobs]\ncpu_slots = 2\ncancel_grace_secs = 3\n").unwrap();
        assert_eq!(config.jobs.cpu_slots_for(16), 2);
        assert_eq!(config.jobs.cancel_grace_secs, 3);
        assert!(config.jobs.avoid_foreign_gpus);
        assert_eq!(Config::default().jobs.cpu_slots_for(16), 16);
        let error = Config::parse(path, "[jobs]\ncancel_grace_secs = 7200\n").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("cancel_grace_secs must be between 0 and 3600"),
            "{error}"
        );
        let error = Config::parse(path, "[jobs]\nslots = 2\n").unwrap_err();
        assert!(error.to_string().contains("slots"), "{error}");
    }
}
