//! The power manager: one task that, once a second, reads what keeps the machine busy, feeds
//! it and the stop schedules to the planner (`core::power::planner`), carries out its
//! decisions, records them, and publishes the report consoles show.
//!
//! Everything the planner knows comes through here, with the time passed in, so the logic
//! stays testable without a clock. The manager never blocks the agent: the stop command runs
//! in its own task and reports back; reading utmp and stat-ing agent.toml are small.

mod report;
mod requests;
mod schedules;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::{mpsc, watch};
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use super::act::{self, Finished, Outcome, Purpose};
use super::event_log::EventLog;
use super::handle::PowerRequest;
use super::settings::{Reload, Settings};
use super::utmp::{self, LoginSessions};
use crate::agent::jobs::JobsHandle;
use crate::agent::sampler::Published;
use crate::core::power::activity::{Activity, GpuActivity};
use crate::core::power::events::PowerEvent;
use crate::core::power::planner::PowerPlanner;
use crate::proto::jobs::{JobFilter, JobState};
use crate::proto::power::PowerReport;
use crate::proto::setup::SetupStatus;

/// How often the manager looks.
pub const TICK: Duration = Duration::from_secs(1);
/// The key consoles show for snoozing.
const SNOOZE_KEY: &str = "z";

/// What the manager needs from the rest of the agent.
pub struct Inputs {
    pub settings: Settings,
    pub jobs: JobsHandle,
    pub samples: watch::Receiver<Option<Arc<Published>>>,
    pub sample_interval: Duration,
    pub consoles: Arc<AtomicU32>,
    /// utmp (`/var/run/utmp`; tests point it elsewhere).
    pub utmp: PathBuf,
    pub event_log: PathBuf,
    /// The inventory (instances.toml) and the start plans learned from its instances.
    pub inventory: PathBuf,
    pub fleet_start_dir: PathBuf,
    /// Where the last time the agent was awake is kept (for missed schedules).
    pub awake_file: PathBuf,
    pub setup: watch::Receiver<SetupStatus>,
    /// The setup folder (where the scripts' logs are).
    pub setup_dir: PathBuf,
    pub shutdown: CancellationToken,
}

/// The manager's state; see the module documentation.
pub struct Manager {
    inputs: Inputs,
    planner: PowerPlanner,
    log: EventLog,
    schedules: schedules::ScheduleWatch,
    reports: watch::Sender<Arc<PowerReport>>,
    last_sample: u64,
    logins: LoginSessions,
    /// The stop command is running (or has run): no second one.
    stopping: bool,
    /// Whether the job queue is held (a stop waits for running jobs, or is under way).
    holding: bool,
    finished: (mpsc::Sender<Finished>, mpsc::Receiver<Finished>),
    /// The fleet instances this agent starts on their schedules.
    fleet: super::fleet_start::FleetStarts,
}

/// Unix milliseconds now.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

impl Manager {
    /// A manager and the receiver of its reports.
    pub fn new(inputs: Inputs) -> (Manager, watch::Receiver<Arc<PowerReport>>) {
        let now = now_ms();
        let planner = PowerPlanner::new(inputs.settings.policy(), inputs.sample_interval);
        let mut log = EventLog::open(inputs.event_log.clone());
        let schedules =
            schedules::ScheduleWatch::start(&inputs.awake_file, now, &mut log, &inputs.settings);
        let fleet = super::fleet_start::FleetStarts::new(
            inputs.inventory.clone(),
            inputs.fleet_start_dir.clone(),
            now,
        );
        let setup = report::setup_report(&inputs.setup.borrow(), &inputs.setup_dir, now);
        let first = report::build_report(&planner, &inputs.settings, setup, now);
        let (reports, receiver) = watch::channel(Arc::new(first));
        let manager = Manager {
            inputs,
            planner,
            log,
            schedules,
            reports,
            last_sample: 0,
            logins: LoginSessions::default(),
            stopping: false,
            holding: false,
            finished: mpsc::channel(16),
            fleet,
        };
        (manager, receiver)
    }

    /// Runs until the agent stops.
    pub async fn run(mut self, mut requests: mpsc::Receiver<PowerRequest>) {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let shutdown = self.inputs.shutdown.clone();
        loop {
            tokio::select! {
                _ = tick.tick() => self.on_tick(now_ms()).await,
                request = requests.recv() => match request {
                    Some(request) => self.on_request(request, now_ms()).await,
                    None => return,
                },
                Some(finished) = self.finished.1.recv() => self.on_finished(finished, now_ms()),
                () = shutdown.cancelled() => return,
            }
        }
    }

    async fn on_tick(&mut self, now: u64) {
        match self.inputs.settings.reload_if_changed() {
            Reload::Unchanged => {}
            Reload::Applied => self.settings_changed(now, "agent.toml reloaded"),
            Reload::Refused(problem) => self.log.record(now, "settings", problem),
        }
        let reported = self
            .schedules
            .check(now, &self.inputs.settings, &mut self.log);
        let mut events = Vec::new();
        for (name, fires_at) in reported.due {
            events.extend(self.planner.schedule_stop(now, &name, fires_at));
        }
        for name in reported.withdrawn {
            events.extend(self.planner.schedule_withdrawn(now, &name));
        }
        events.extend(self.observe(now));
        for start in self.fleet.check(now, &mut self.log) {
            let text = format!(
                "starting {} (schedule \"{}\"): `{}`",
                start.instance, start.schedule, start.command
            );
            self.log.record(now, "start", text);
            let purpose = Purpose::Start {
                instance: start.instance,
                schedule: start.schedule,
            };
            act::run_command(&start.command, purpose, self.finished.0.clone());
        }
        self.act(now, events).await;
        self.hold_queue_while_stopping(now);
        self.publish(now);
    }

    /// No queued job starts while a stop waits for the running ones or is under way.
    fn hold_queue_while_stopping(&mut self, now: u64) {
        use crate::core::power::status::PowerState;
        let stopping = matches!(
            self.planner.status(now).state,
            PowerState::WaitingForJobs { .. } | PowerState::Stopping { .. }
        );
        if stopping != self.holding {
            self.holding = stopping;
            let reason =
                stopping.then(|| "held: the machine stops once the running jobs end".to_owned());
            self.inputs.jobs.hold(reason);
        }
    }

    /// Feeds a new sample to the planner, or just the time when there is none.
    fn observe(&mut self, now: u64) -> Vec<PowerEvent> {
        let published = self.inputs.samples.borrow().clone();
        let Some(published) = published.filter(|p| p.sample.seq != self.last_sample) else {
            return self.planner.tick(now);
        };
        self.last_sample = published.sample.seq;
        self.logins = match utmp::read_sessions(&self.inputs.utmp) {
            Ok(sessions) => sessions,
            Err(error) => {
                tracing::debug!("login sessions unknown: {error}");
                LoginSessions::default()
            }
        };
        let sample = &published.sample;
        // Simulated GPUs are not activity: they would keep a real machine up forever.
        let gpus = (!sample.gpus.is_simulated() && !sample.gpus.gpus.is_empty()).then(|| {
            sample
                .gpus
                .gpus
                .iter()
                .map(GpuActivity::from_sample)
                .collect()
        });
        let (running, _) = *self.inputs.jobs.counts().borrow();
        let activity = Activity {
            running_jobs: running,
            consoles: self.inputs.consoles.load(Ordering::Relaxed),
            console_terminals: 0,
            ssh_sessions: self.logins.remote_count(),
            local_logins: self.logins.local_count(),
            gpus,
            cpu_percent: sample.cpu.total,
        };
        self.planner.observe(now, &activity)
    }

    fn settings_changed(&mut self, now: u64, why: &str) {
        self.log.record(now, "settings", why);
        let events = self.planner.set_policy(now, self.inputs.settings.policy());
        for event in &events {
            self.log.record(now, kind_of(event), event.describe(now));
        }
        self.schedules.settings_changed(&self.inputs.settings);
    }

    /// Records each event and carries out what it asks for.
    async fn act(&mut self, now: u64, events: Vec<PowerEvent>) {
        for event in events {
            self.log.record(now, kind_of(&event), event.describe(now));
            match &event {
                PowerEvent::Warn { deadline_ms, cause } => {
                    let minutes = deadline_ms.saturating_sub(now).div_ceil(60_000);
                    let message = format!(
                        "this machine stops in {minutes} min ({cause}). Postpone it with \
                         `station power snooze`."
                    );
                    // Read now: the warning may come before the first sample did.
                    let logins = utmp::read_sessions(&self.inputs.utmp).unwrap_or_default();
                    let reached = act::wall(&logins, &message);
                    tracing::info!(reached, "wall message sent");
                }
                PowerEvent::Stop { jobs_to_cancel, .. } => {
                    if *jobs_to_cancel > 0 {
                        self.cancel_running_jobs(now).await;
                    }
                    self.run_stop_command(now);
                }
                _ => {}
            }
        }
    }

    async fn cancel_running_jobs(&mut self, now: u64) {
        let filter = JobFilter {
            all: false,
            states: vec![JobState::Running],
            limit: None,
        };
        let ids: Vec<_> = match self.inputs.jobs.list(filter).await {
            Ok(list) => list.jobs.iter().map(|job| job.id).collect(),
            Err(error) => {
                self.log
                    .record(now, "failed", format!("cannot list running jobs: {error}"));
                return;
            }
        };
        if ids.is_empty() {
            return;
        }
        let count = ids.len();
        match self.inputs.jobs.cancel(ids, true, None).await {
            Ok(_) => self
                .log
                .record(now, "stop", format!("cancelled {count} running jobs")),
            Err(error) => self
                .log
                .record(now, "failed", format!("cannot cancel jobs: {error}")),
        }
    }

    fn run_stop_command(&mut self, now: u64) {
        if self.stopping {
            return;
        }
        self.stopping = true;
        let command = self.inputs.settings.current.power.stop_command.clone();
        self.log.record(now, "stop", format!("running `{command}`"));
        act::run_command(&command, Purpose::Stop, self.finished.0.clone());
    }

    fn on_finished(&mut self, finished: Finished, now: u64) {
        let Purpose::Start { instance, schedule } = finished.purpose else {
            return self.on_stop_outcome(finished.outcome, now);
        };
        let text = match finished.outcome {
            Outcome::Done => format!("started {instance} (schedule \"{schedule}\")"),
            Outcome::Failed(error) => {
                format!("starting {instance} (schedule \"{schedule}\") failed: {error}")
            }
        };
        self.log.record(now, "start", text);
    }

    fn on_stop_outcome(&mut self, outcome: Outcome, now: u64) {
        match outcome {
            Outcome::Done => self.log.record(now, "stop", "the stop command finished"),
            Outcome::Failed(error) => {
                self.stopping = false;
                let events = self.planner.stop_failed(now, &error);
                for event in &events {
                    self.log.record(now, kind_of(event), event.describe(now));
                }
                if events.is_empty() {
                    self.log.record(now, "failed", error);
                }
            }
        }
        self.publish(now);
    }

    fn report(&self, now: u64) -> PowerReport {
        let setup = report::setup_report(&self.inputs.setup.borrow(), &self.inputs.setup_dir, now);
        report::build_report(&self.planner, &self.inputs.settings, setup, now)
    }

    /// Sends the report to subscribers when what they show changed.
    fn publish(&mut self, now: u64) {
        let report = self.report(now);
        let current = self.reports.borrow();
        let same = current.summary == report.summary
            && current.banner == report.banner
            && current.settings == report.settings
            && current.setup == report.setup;
        drop(current);
        if !same {
            self.reports.send_replace(Arc::new(report));
        }
    }
}

/// The event log's kind of a planner event.
fn kind_of(event: &PowerEvent) -> &'static str {
    match event {
        PowerEvent::Warn { .. } => "warn",
        PowerEvent::Snoozed { .. } => "snooze",
        PowerEvent::WaitingForJobs { .. } => "waiting",
        PowerEvent::Stop { .. } => "stop",
        PowerEvent::IdleClockRestarted { .. } => "clock",
        PowerEvent::Cancelled { .. } => "cancelled",
        PowerEvent::StopFailed { .. } => "failed",
    }
}
