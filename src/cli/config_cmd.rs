//! `station config check|path`: find and validate the user's configuration files.
//!
//! `check` loads exactly what the console would (config.toml, then the theme and keymap it
//! selects, with the defaults standing in for a broken config.toml, and the fleet inventory
//! `instances.toml`), prints every problem on
//! stderr and one `ok: …` line per clean file on stdout, and exits 2 on any error or warning.
//! `check --builtin` does the same for the files embedded in the binary: the CI check that
//! every bundled theme and keymap loads without a single warning.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;
use toml::de::DeTable;

use super::ConfigCommand;
use super::output::print_json;
use crate::config::file::read_optional;
use crate::config::{Config, ConfigProblem, Inventory, Paths, Severity};
use crate::tui::{keymap, problems, theme};

/// The exit code for a configuration with problems.
const EXIT_PROBLEMS: u8 = 2;

/// Runs `station config …`.
pub fn run(command: &ConfigCommand) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env();
    match command {
        ConfigCommand::Check { builtin: false } => check(&paths),
        ConfigCommand::Check { builtin: true } => check_builtin(),
        ConfigCommand::Path { json } => print_paths(&paths, *json),
    }
}

/// What a check found: clean files and problems.
#[derive(Debug, Default)]
struct Outcome {
    ok: Vec<String>,
    problems: Vec<ConfigProblem>,
}

impl Outcome {
    /// Records `what` as clean when `problems` is empty, else keeps the problems.
    fn add(&mut self, what: String, problems: Vec<ConfigProblem>) {
        if problems.is_empty() {
            self.ok.push(what);
        } else {
            self.problems.extend(problems);
        }
    }

    fn finish(self) -> anyhow::Result<ExitCode> {
        let mut stdout = io::stdout().lock();
        for line in &self.ok {
            writeln!(stdout, "ok: {line}")?;
        }
        stdout.flush()?;
        if self.problems.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
        eprint!("{}", problems::report(&self.problems));
        Ok(ExitCode::from(EXIT_PROBLEMS))
    }
}

fn check(paths: &Paths) -> anyhow::Result<ExitCode> {
    let mut outcome = Outcome::default();
    let config_file = paths.config_file();
    let config = match Config::load(&config_file) {
        Ok(config) => {
            let note = if config_file.exists() {
                ""
            } else {
                " (absent: defaults)"
            };
            outcome.ok.push(format!("{}{note}", config_file.display()));
            config
        }
        Err(problem) => {
            outcome.problems.push(problem);
            selection_of_broken(&config_file)
        }
    };

    if theme::exists(paths, &config.theme) {
        let report = theme::load_report(paths, &config.theme, false);
        let files: Vec<String> = report
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect();
        outcome.add(
            format!("theme `{}`: {}", config.theme, files.join(", ")),
            report.problems,
        );
    } else {
        outcome
            .problems
            .push(unknown_theme(paths, &config_file, &config.theme));
    }

    let (_, keymap_problems) = keymap::load(paths, &config.keymap);
    outcome.add(format!("keymap `{}`", config.keymap), keymap_problems);

    let instances_file = paths.instances_file();
    match Inventory::load(&instances_file) {
        Ok(inventory) if !instances_file.exists() => outcome.ok.push(format!(
            "{} (absent: no instances)",
            inventory.path.display()
        )),
        Ok(inventory) => outcome.ok.push(format!(
            "{} ({} instances)",
            inventory.path.display(),
            inventory.instances.len()
        )),
        Err(problem) => outcome.problems.push(problem),
    }

    let settings_file = paths.agent_settings_file();
    let bounds = crate::config::power::PowerBounds::from_env();
    match crate::config::AgentSettings::load(&settings_file, &bounds) {
        Ok(_) if !settings_file.exists() => outcome.ok.push(format!(
            "{} (absent: no schedules, idle shutdown off)",
            settings_file.display()
        )),
        Ok(settings) => outcome.ok.push(format!(
            "{} ({} schedules, idle shutdown {})",
            settings_file.display(),
            settings.power.schedules.len(),
            if settings.power.idle.enabled {
                "on"
            } else {
                "off"
            }
        )),
        Err(problem) => outcome.problems.push(problem),
    }
    outcome.finish()
}

/// The defaults, with the theme and keymap names of a config.toml that did not load when
/// they can still be read, so that one run reports the problems of every file.
fn selection_of_broken(config_file: &Path) -> Config {
    let mut config = Config::default();
    let source = read_optional(config_file)
        .ok()
        .flatten()
        .unwrap_or_default();
    if let Ok(table) = DeTable::parse(&source) {
        let string = |key: &str| {
            table
                .get_ref()
                .get(key)
                .and_then(|value| value.get_ref().as_str())
                .map(str::to_owned)
        };
        config.theme = string("theme").unwrap_or(config.theme);
        config.keymap = string("keymap").unwrap_or(config.keymap);
    }
    config
}

/// An unknown theme name, located at the `theme` value of config.toml when it is set there.
fn unknown_theme(paths: &Paths, config_file: &Path, name: &str) -> ConfigProblem {
    let message = theme::unknown_theme_message(paths, name);
    let source = read_optional(config_file)
        .ok()
        .flatten()
        .unwrap_or_default();
    let span = DeTable::parse(&source)
        .ok()
        .and_then(|table| table.get_ref().get("theme").map(toml::Spanned::span));
    ConfigProblem::at_span(Severity::Error, config_file, &source, span, message)
}

fn check_builtin() -> anyhow::Result<ExitCode> {
    let mut outcome = Outcome::default();
    for (name, problems) in theme::check_builtin() {
        outcome.add(format!("built-in theme `{name}`"), problems);
    }
    // A config folder that does not exist, so that only the embedded keymap is read.
    let nowhere = std::env::temp_dir().join(format!(
        "station-builtin-check-{}/nonexistent",
        std::process::id()
    ));
    let paths = Paths {
        config_dir: nowhere.clone(),
        state_dir: nowhere.clone(),
        runtime_dir: nowhere,
    };
    let (_, keymap_problems) = keymap::load(&paths, "default");
    outcome.add("built-in keymap `default`".to_owned(), keymap_problems);
    outcome.finish()
}

/// Where Station reads and writes its files (`station config path --json`).
#[derive(Debug, Serialize)]
struct Locations {
    config_file: PathBuf,
    instances_file: PathBuf,
    themes_dir: PathBuf,
    keymaps_dir: PathBuf,
    state_dir: PathBuf,
    agent_log: PathBuf,
    console_log: PathBuf,
    socket: PathBuf,
    pidfile: PathBuf,
}

fn print_paths(paths: &Paths, json: bool) -> anyhow::Result<ExitCode> {
    let locations = Locations {
        config_file: paths.config_file(),
        instances_file: paths.instances_file(),
        themes_dir: paths.themes_dir(),
        keymaps_dir: paths.keymaps_dir(),
        state_dir: paths.state_dir.clone(),
        agent_log: paths.agent_log(),
        console_log: paths.console_log(),
        socket: paths.socket(),
        pidfile: paths.pidfile(),
    };
    if json {
        print_json(&locations)?;
        return Ok(ExitCode::SUCCESS);
    }
    let rows = [
        ("config file", &locations.config_file),
        ("instances", &locations.instances_file),
        ("themes", &locations.themes_dir),
        ("keymaps", &locations.keymaps_dir),
        ("state", &locations.state_dir),
        ("agent log", &locations.agent_log),
        ("console log", &locations.console_log),
        ("socket", &locations.socket),
        ("pidfile", &locations.pidfile),
    ];
    let mut stdout = io::stdout().lock();
    for (label, path) in rows {
        writeln!(stdout, "{label:<12} {}", path.display())?;
    }
    Ok(ExitCode::SUCCESS)
}
