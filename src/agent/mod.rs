//! The agent: the per-instance daemon that owns telemetry, the job runner, power (schedules,
//! idle shutdown) and the setup scripts.
//!
//! - [`telemetry`]: what is measured each tick.
//! - [`jobs`]: the durable job queue, its shims and its manager thread.
//! - [`power`]: the power manager: activity, schedules, stops, the event log (agent.toml).
//! - [`setup`]: the creation and startup scripts.
//! - [`sampler`]: the thread that runs the collector, keeps history and publishes samples.
//! - [`server`], [`session`]: the socket, the peer-uid check, and one task per client.
//! - [`lifecycle`]: pidfile lock, stale sockets.
//! - [`detach`]: `station agent` without `--foreground`: start the daemon in its own session.
//! - [`setup`]: the creation and startup scripts, their logs and status.
//!
//! Start-up order: read config.toml and agent.toml (either invalid: exit 2) → take the pidfile lock (a second agent stops here with
//! "already running (pid N)") → open the log → start sampling → bind the socket → serve until
//! SIGTERM, SIGINT, SIGHUP or a `shutdown` request → remove the socket and the pidfile.

pub mod detach;
pub mod jobs;
pub mod lifecycle;
pub mod power;
pub mod sampler;
pub mod server;
pub mod session;
pub mod setup;
pub mod telemetry;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use tokio::signal::unix::{SignalKind, signal};

use self::jobs::{JobPaths, JobSettings};
use self::lifecycle::{LockError, PidLock, SocketPath};
use self::sampler::Sampler;
use self::server::AgentState;
use self::telemetry::CollectorOptions;
use crate::config::{Config, JobsConfig, Paths, ensure_private_dir};
use crate::proto::{AgentInfo, PROTOCOL_VERSION, STATION_VERSION};

/// Set in the environment of a daemon started by [`detach`], which then drops its inherited
/// stderr once it listens.
pub const DETACHED_ENV: &str = "STATION_AGENT_DETACHED";

/// Command-line overrides of `[agent]` in config.toml.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentOverrides {
    pub simulate_gpus: Option<u32>,
    pub sample_interval_ms: Option<u32>,
    /// Use the built-in defaults instead of reading config.toml.
    pub ignore_config: bool,
}

/// Tests only: read login sessions from this file instead of `/var/run/utmp`.
pub const TEST_UTMP_ENV: &str = "STATION_TEST_UTMP";

/// How long running sessions get to say goodbye when the agent stops.
const GOODBYE_GRACE: Duration = Duration::from_secs(1);

/// Runs the agent in this process until it is told to stop.
pub fn run_foreground(paths: &Paths, overrides: &AgentOverrides) -> anyhow::Result<ExitCode> {
    let loaded = if overrides.ignore_config {
        Ok(Config::default())
    } else {
        Config::load(&paths.config_file())
    };
    let config = match loaded {
        Ok(config) => config,
        Err(problem) => {
            eprintln!("{problem}");
            return Ok(ExitCode::from(2));
        }
    };
    let bounds = crate::config::power::PowerBounds::from_env();
    let settings = match power::settings::Settings::load(&paths.agent_settings_file(), bounds) {
        Ok(settings) => settings,
        Err(problem) => {
            eprintln!("{problem}");
            return Ok(ExitCode::from(2));
        }
    };
    let options = CollectorOptions {
        interval_ms: overrides
            .sample_interval_ms
            .unwrap_or(config.agent.sample_interval_ms),
        simulate_gpus: overrides
            .simulate_gpus
            .unwrap_or(config.agent.simulate_gpus),
        idle_process_recheck_ms: config.agent.idle_process_recheck_ms,
        ..CollectorOptions::default()
    };
    ensure_private_dir(&paths.runtime_dir).with_context(|| {
        format!(
            "cannot use the runtime folder {}",
            paths.runtime_dir.display()
        )
    })?;
    let lock = match PidLock::acquire(&paths.pidfile()) {
        Ok(lock) => lock,
        Err(error @ LockError::AlreadyRunning { .. }) => {
            eprintln!("station agent: {error}");
            return Ok(ExitCode::FAILURE);
        }
        Err(error) => return Err(error.into()),
    };
    let _log = crate::logging::init(&paths.agent_log())?;
    let open_files = lifecycle::raise_open_files_limit();
    tracing::debug!(?open_files, "open files limit");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let jobs = config.jobs.clone();
    let result = runtime.block_on(serve_until_stopped(paths, options, &jobs, settings));
    if let Err(error) = &result {
        tracing::error!("agent failed: {error:#}");
    }
    drop(lock);
    result.map(|()| ExitCode::SUCCESS)
}

async fn serve_until_stopped(
    paths: &Paths,
    options: CollectorOptions,
    jobs_config: &JobsConfig,
    settings: power::settings::Settings,
) -> anyhow::Result<()> {
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let sampler = Sampler::start(options.clone()).context("cannot start the sampler thread")?;
    let jobs = jobs::start(
        JobPaths {
            database: paths.jobs_database(),
            jobs_root: paths.jobs_dir(),
            exe: std::env::current_exe().context("cannot find the station executable")?,
        },
        JobSettings {
            cpu_slots: jobs_config.cpu_slots_for(sampler.host().logical_cpus),
            avoid_foreign_gpus: jobs_config.avoid_foreign_gpus,
            cancel_grace_secs: jobs_config.cancel_grace_secs,
        },
        sampler.subscribe(),
    )?;
    let setup = setup::SetupRunner::start(
        &settings.current.setup,
        setup::SetupSettings::for_agent(paths),
    );
    let shutdown = tokio_util::sync::CancellationToken::new();
    let power = power::start(power::manager::Inputs {
        settings,
        jobs: jobs.clone(),
        samples: sampler.subscribe(),
        sample_interval: Duration::from_millis(u64::from(options.interval_ms)),
        consoles: power::console_counter(),
        utmp: std::env::var_os(TEST_UTMP_ENV)
            .map_or_else(|| power::utmp::UTMP_PATH.into(), Into::into),
        event_log: paths.power_events(),
        inventory: paths.instances_file(),
        fleet_start_dir: paths.fleet_start_dir(),
        awake_file: paths.power_awake(),
        setup: setup.subscribe(),
        setup_dir: paths.setup_dir(),
        shutdown: shutdown.clone(),
    });
    let socket = paths.socket();
    let (listener, found) = lifecycle::bind_socket(&socket)
        .with_context(|| format!("cannot listen on {}", socket.display()))?;
    if found == SocketPath::ReplacedStale {
        tracing::info!(socket = %socket.display(), "replaced a stale socket left by an agent that is gone");
    }
    let info = AgentInfo {
        pid: std::process::id(),
        station_version: STATION_VERSION.to_owned(),
        protocol_version: PROTOCOL_VERSION,
        started_at: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        socket: socket.display().to_string(),
        log_file: paths.agent_log().display().to_string(),
        sample_interval_ms: options.interval_ms,
        clients: 0,
        simulated_gpus: options.simulate_gpus > 0,
    };
    let state = Arc::new(AgentState::new(
        sampler,
        jobs,
        power,
        info,
        nix::unistd::geteuid().as_raw(),
        shutdown,
    ));
    if std::env::var_os(DETACHED_ENV).is_some() {
        detach::drop_inherited_stdio();
    }
    tracing::info!(
        pid = std::process::id(),
        socket = %socket.display(),
        interval_ms = options.interval_ms,
        simulated_gpus = options.simulate_gpus,
        "agent started"
    );
    let server = tokio::spawn(server::serve(listener, Arc::clone(&state)));
    tokio::select! {
        _ = terminate.recv() => tracing::info!("SIGTERM: stopping"),
        _ = interrupt.recv() => tracing::info!("SIGINT: stopping"),
        _ = hangup.recv() => tracing::info!("SIGHUP: stopping"),
        () = state.shutdown.cancelled() => {}
    }
    state.shutdown.cancel();
    lifecycle::remove_socket(&socket);
    if let Ok(sessions) = server.await {
        let _ = tokio::time::timeout(GOODBYE_GRACE, sessions.wait()).await;
    }
    drop(setup);
    tracing::info!("agent stopped");
    Ok(())
}
