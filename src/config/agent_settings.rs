//! `agent.toml`: the settings the agent reads at start and on reload, and which it rewrites
//! when the console edits them (see [`super::power::edit`]).
//!
//! ```toml
//! # $XDG_CONFIG_HOME/station/agent.toml
//! [power]
//! stop_command = "systemctl poweroff"
//! warn_before = "10m"
//! on_running_jobs = "wait"    # wait for running jobs up to drain_timeout, then stop
//! drain_timeout = "2h"
//!
//! [power.idle]
//! enabled = true
//! after = "1h"
//!
//! [[power.schedules]]
//! name = "weeknights"
//! action = "stop"
//! cron = "0 19 * * mon-fri"
//! zone = "Europe/Berlin"
//!
//! [[power.schedules]]
//! name = "mornings"
//! action = "start"
//! cron = "30 7 * * mon-fri"
//! zone = "Europe/Berlin"
//!
//! [setup]
//! startup_script = "~/station/startup.sh"
//! timeout = "15m"
//! ```
//!
//! A missing file means defaults (no schedules, idle shutdown off). Anything wrong (a bad
//! cron rule, an unknown zone, a duration out of bounds, an unknown key, more than 8
//! schedules, a duplicate name, a bad action) refuses the whole file with a problem naming
//! the file, line, column and field; the agent then keeps the settings it runs with.

use std::path::Path;

use serde::Deserialize;

use super::error::ConfigProblem;
use super::file::read_optional;
use super::power::{PowerBounds, PowerConfig, RawPower, resolve};
use super::setup::SetupConfig;

/// The whole agent.toml, checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AgentSettings {
    pub power: PowerConfig,
    pub setup: SetupConfig,
}

/// The file as read, before the checks that depend on [`PowerBounds`].
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawSettings {
    power: RawPower,
    setup: SetupConfig,
}

impl AgentSettings {
    /// Parses `source` as the contents of `path`, durations checked against `bounds`
    /// (usually [`PowerBounds::from_env`]).
    pub fn parse(
        path: &Path,
        source: &str,
        bounds: &PowerBounds,
    ) -> Result<AgentSettings, ConfigProblem> {
        let raw: RawSettings =
            toml::from_str(source).map_err(|e| ConfigProblem::from_toml(path, source, &e))?;
        Ok(AgentSettings {
            power: resolve(raw.power, bounds, path, source)?,
            setup: raw.setup,
        })
    }

    /// Reads and parses `path` (usually [`Paths::agent_settings_file`]); a missing file
    /// gives the defaults.
    ///
    /// [`Paths::agent_settings_file`]: super::Paths::agent_settings_file
    pub fn load(path: &Path, bounds: &PowerBounds) -> Result<AgentSettings, ConfigProblem> {
        match read_optional(path)? {
            Some(source) => AgentSettings::parse(path, &source, bounds),
            None => Ok(AgentSettings::default()),
        }
    }
}
