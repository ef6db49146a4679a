//! The console: a full-screen dashboard of one instance at a time, and the fleet view of
//! them all.
//!
//! Data flows one way: terminal events go through the [`keymap`] into [`action::Action`]s,
//! agent messages arrive from the [`agent_link`] task, and both reach [`app::App::update`],
//! the only place state changes. [`views`] draw the state; they do no I/O. The
//! [`event_loop`] draws only when `update` reports a visible change.
//!
//! | module | what it is |
//! | --- | --- |
//! | [`app`] | state, `update`, effects |
//! | [`action`] | the closed set of named actions |
//! | [`keymap`] | TOML keymaps, chords, user overlay |
//! | [`layout`] | panel geometry for any terminal size |
//! | [`views`], [`widgets`] | drawing |
//! | [`event_loop`], [`terminal`], [`agent_link`] | I/O: terminal, frames, the agent |
//! | [`fleet_link`] | I/O: one connection task per fleet row |
//! | [`theme`], [`problems`] | styles, and reporting broken user files |

pub mod action;
pub mod agent_link;
pub mod app;
pub mod event_loop;
#[cfg(test)]
pub mod fixtures;
pub mod fleet_link;
pub mod keymap;
pub mod layout;
pub mod problems;
pub mod questions;
pub mod terminal;
pub mod theme;
pub mod views;
pub mod widgets;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use ratatui::layout::Rect;

use crate::cli::ConsoleArgs;
use crate::client::autostart::Autostart;
use crate::client::ssh::Prompt;
use crate::client::target::{ConnectOptions, Target};
use crate::config::{Config, Instance, Inventory, Paths};
use app::{AgentMsg, App, Msg};

/// Runs the console until the user quits.
///
/// Configuration problems are reported and the agent is reached before the screen is taken,
/// so every error up to that point prints as ordinary text.
/// `connect`: the instance to open first (an inventory name or an SSH host) and who answers
/// the questions of its first connection (the terminal, before the screen is taken).
pub fn run(
    args: ConsoleArgs,
    connect: Option<(String, Arc<dyn Prompt>)>,
) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env();
    let mut problems = Vec::new();
    let loaded = Config::load(&paths.config_file());
    // Going on with defaults must hold for an agent this console starts, too.
    let config_unusable = loaded.is_err();
    let config = loaded.unwrap_or_else(|problem| {
        problems.push(problem);
        Config::default()
    });
    let no_color = theme::no_color_requested();
    let theme_name = args.theme.clone().unwrap_or_else(|| config.theme.clone());
    let (theme, theme_problems) = theme::load(&paths, &theme_name, no_color);
    let (keymap, keymap_problems) = keymap::load(&paths, &config.keymap);
    problems.extend(theme_problems);
    problems.extend(keymap_problems);
    // A broken inventory is reported like any other file; the fleet is then this machine.
    let mut inventory = Inventory::load(&paths.instances_file()).unwrap_or_else(|problem| {
        problems.push(problem);
        Inventory {
            path: paths.instances_file(),
            instances: Vec::new(),
        }
    });
    // `station connect HOST`: an instance the inventory does not name joins the fleet for
    // this session.
    let start = connect.map(|(name, prompt)| {
        if inventory.get(&name).is_none() {
            inventory.instances.push(Instance::named(&name));
        }
        (name, prompt)
    });
    if !problems::confirm_problems(&problems)? {
        return Ok(ExitCode::from(2));
    }
    let _log = match crate::logging::init(&paths.console_log()) {
        Ok(guard) => Some(guard),
        Err(error) => {
            eprintln!("station: warning: logging is off: {error:#}");
            None
        }
    };
    let (width, height) = crossterm::terminal::size().context("the console needs a terminal")?;
    let mut app = App::new(keymap, theme, &theme_name, Rect::new(0, 0, width, height));
    app.job_defaults = app::jobs::JobDefaults::from_process();
    let autostart = Autostart {
        enabled: true,
        simulate_gpus: args.simulate_gpus,
        sample_interval_ms: None,
        ignore_config: config_unusable,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the console's runtime")?;
    let mut options = ConnectOptions::new(paths.clone(), autostart, "console");
    // Connections the user asks for ask their questions in dialogs from now on.
    let (console_prompt, questions) = questions::ConsolePrompt::new();
    if let Ok(ssh) = options.ssh.as_mut() {
        ssh.prompt = console_prompt;
    }
    let (target, first_options) = match &start {
        None => (Target::Local, options.clone()),
        Some((name, prompt)) => {
            let instance = inventory
                .get(name)
                .cloned()
                .unwrap_or_else(|| Instance::named(name));
            let mut first = options.clone();
            if let Ok(ssh) = first.ssh.as_mut() {
                ssh.prompt = Arc::clone(prompt);
            }
            (Target::for_instance(instance), first)
        }
    };
    runtime.block_on(async {
        let (client, connected) = agent_link::subscribe(&target, &app.query, &first_options)
            .await
            .with_context(|| format!("cannot reach the agent on {}", target.describe()))?;
        tracing::info!(agent_pid = client.ready().agent_pid, "console connected");
        app.update(
            Msg::Agent(AgentMsg::Connected(Box::new(connected))),
            Instant::now(),
        );
        let link = agent_link::AgentLink::spawn(client, app.query.clone(), target, options.clone());
        // With instances configured, the fleet is the first screen; `connect` opens on its
        // instance's dashboard.
        app.set_fleet(&inventory.instances);
        if let Some((name, _)) = &start {
            app.start_on(name);
        }
        let mut guard =
            terminal::TerminalGuard::enter().context("cannot take over the terminal")?;
        // The loop carries out what the first updates asked for (a query for the rows the
        // layout has room for, the fleet's row tasks).
        let ctx = event_loop::LoopContext {
            link,
            options,
            fleet: None,
            timing: fleet_link::RowTiming::default(),
            paths,
            no_color,
            questions,
            answers: Default::default(),
        };
        event_loop::run(&mut app, &mut guard.terminal, ctx).await
    })?;
    tracing::info!("console quit");
    Ok(ExitCode::SUCCESS)
}
