//! User configuration: where files live, what `config.toml`, `instances.toml` (the fleet) and
//! `agent.toml` (power schedules, idle shutdown, setup scripts) hold, and how problems in user
//! files are reported (path, line, column, snippet).
//!
//! Themes and keymaps are loaded by the console (`tui::theme`, `tui::keymap`) with the same
//! problem type, so every broken file reads the same way.

pub mod agent_settings;
pub mod duration;
pub mod error;
pub mod file;
pub mod fleet_start;
pub mod instances;
pub mod jobs;
pub mod paths;
pub mod power;
pub mod setup;

pub use agent_settings::AgentSettings;
pub use error::{ConfigProblem, Severity};
pub use file::{AgentConfig, Config};
pub use instances::{Instance, Inventory};
pub use jobs::JobsConfig;
pub use paths::{Paths, ensure_private_dir};
pub use power::PowerConfig;
