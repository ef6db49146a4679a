//! The job manager: one thread that owns the job store and every decision about jobs.
//!
//! It is an actor. Sessions send [`Request`]s through a [`JobsHandle`]; shim watchers and
//! cancel timers send [`Internal`] events; the sampler's samples say which GPUs exist and who
//! uses them. After each of these the manager runs a scheduling pass if anything changed,
//! starts what the pass says, and publishes the jobs whose view changed as one
//! [`JobsUpdate`] to every subscriber. Nothing polls: a job starts the moment the event that
//! frees its resources arrives.
//!
//! It runs on its own thread with its own single-threaded runtime, so SQLite commits never
//! hold up the sessions' event loop.
//!
//! - [`requests`]: submit, list, show, cancel, requeue, subscribe.
//! - [`schedule`]: the pass, and starting jobs.
//! - [`ending`]: a shim exited, a cancel's grace ran out.
//! - [`adopt`]: after a restart, what became of the jobs the last agent ran.
//! - [`gpu_use`]: GPU processes to jobs, foreign GPUs.

mod adopt;
mod ending;
mod gpu_use;
mod requests;
mod schedule;

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use tokio::sync::{broadcast, mpsc, watch};

use super::exit_watch::Shim;
use super::handle::{JobsHandle, Request};
use super::launch::SpareShim;
use super::store::{Store, StoredJob};
use super::views::{self, LiveFacts};
use crate::agent::sampler::Published;
use crate::core::jobs::accounting::Attribution;
use crate::proto::jobs::{JobCapacity, JobId, JobState, JobView, JobsUpdate};

/// Finished jobs kept in memory for snapshots (the store has all of them).
const RECENT_FINISHED: usize = 200;
/// Updates a subscriber may fall behind before it is sent a fresh snapshot instead.
const UPDATE_BACKLOG: usize = 256;
/// How long the first scheduling pass waits for the sampler to say which GPUs exist.
const GPU_INVENTORY_WAIT: Duration = Duration::from_secs(5);

/// Settings of the job runner (`[jobs]` in config.toml).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSettings {
    /// CPU slots in all.
    pub cpu_slots: u32,
    /// Keep GPUs used by processes outside Station out of the pool.
    pub avoid_foreign_gpus: bool,
    /// Seconds between SIGTERM and SIGKILL when a cancel does not say.
    pub cancel_grace_secs: u32,
}

/// Where the manager keeps things and what it runs.
#[derive(Debug, Clone)]
pub struct JobPaths {
    pub database: PathBuf,
    pub jobs_root: PathBuf,
    /// The `station` executable, re-run as `station job-shim`.
    pub exe: PathBuf,
}

/// Events from the manager's own tasks.
#[derive(Debug)]
pub(super) enum Internal {
    /// The shim of this job has exited.
    ShimExited(JobId),
    /// A cancelled job's grace period is over.
    KillDeadline(JobId),
    /// Try the scheduling pass again (after a start failed for a passing reason).
    Retry,
}

/// A queued or running job.
#[derive(Debug)]
struct ActiveJob {
    job: StoredJob,
    /// The command on one line, formatted once.
    command: String,
    live: LiveFacts,
}

/// The GPUs the sampler reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct GpuInventory {
    known: bool,
    indices: Vec<u32>,
    simulated: bool,
    unavailable: Option<String>,
}

struct Manager {
    store: Store,
    paths: JobPaths,
    settings: JobSettings,
    active: BTreeMap<JobId, ActiveJob>,
    recent: VecDeque<JobView>,
    gpus: GpuInventory,
    attribution: Attribution,
    capacity: JobCapacity,
    capacity_changed: bool,
    /// Views to publish at the end of this turn.
    changed: BTreeMap<JobId, JobView>,
    needs_pass: bool,
    updates: broadcast::Sender<Arc<JobsUpdate>>,
    ended: watch::Sender<u64>,
    /// Jobs running and queued, for instance summaries.
    counts: watch::Sender<(u32, u32)>,
    internal: mpsc::UnboundedSender<Internal>,
    /// The shim the next job is handed to.
    spare: SpareShim,
    /// While set, no queued job starts; this is their wait reason (the machine is stopping).
    held: Option<String>,
}

/// Opens the store, settles what happened while no agent ran, and starts the manager thread.
/// Fails — and the agent refuses to start — when the store cannot be used: the queue is never
/// silently replaced by an empty one.
pub fn start(
    paths: JobPaths,
    settings: JobSettings,
    samples: watch::Receiver<Option<Arc<Published>>>,
) -> anyhow::Result<JobsHandle> {
    crate::config::ensure_private_dir(&paths.jobs_root)
        .with_context(|| format!("cannot use the jobs folder {}", paths.jobs_root.display()))?;
    let mut store = Store::open(&paths.database)?;
    let adopted = adopt::settle(&mut store, &paths.jobs_root)?;
    let (internal, internal_rx) = mpsc::unbounded_channel();
    let (updates, _) = broadcast::channel(UPDATE_BACKLOG);
    let (ended, ended_rx) = watch::channel(0);
    let (counts, counts_rx) = watch::channel((0, 0));
    let mut manager = Manager {
        store,
        paths,
        settings,
        active: BTreeMap::new(),
        recent: VecDeque::new(),
        gpus: GpuInventory::default(),
        attribution: Attribution::default(),
        capacity: JobCapacity::default(),
        capacity_changed: false,
        changed: BTreeMap::new(),
        needs_pass: true,
        updates,
        ended,
        counts,
        internal,
        spare: SpareShim::default(),
        held: None,
    };
    manager.load()?;
    let (requests, requests_rx) = mpsc::channel(64);
    std::thread::Builder::new()
        .name("jobs".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => {
                    tracing::error!(%error, "jobs: cannot start the runtime");
                    return;
                }
            };
            runtime.block_on(manager.run(requests_rx, internal_rx, samples, adopted));
        })
        .context("cannot start the jobs thread")?;
    Ok(JobsHandle::new(requests, ended_rx, counts_rx))
}

impl Manager {
    /// Reads the active jobs and the most recent finished ones.
    fn load(&mut self) -> anyhow::Result<()> {
        for job in self.store.load_active()? {
            self.insert_active(job);
        }
        let recent = self.store.recent_finished(RECENT_FINISHED as u32)?;
        for job in recent {
            let command = job.spec.command.to_string();
            self.recent.push_back(views::view(&job, &command, None));
        }
        Ok(())
    }

    fn insert_active(&mut self, job: StoredJob) {
        let command = job.spec.command.to_string();
        self.active.insert(
            job.id,
            ActiveJob {
                job,
                command,
                live: LiveFacts::default(),
            },
        );
    }

    async fn run(
        mut self,
        mut requests: mpsc::Receiver<Request>,
        mut internal: mpsc::UnboundedReceiver<Internal>,
        mut samples: watch::Receiver<Option<Arc<Published>>>,
        adopted: Vec<(JobId, Shim)>,
    ) {
        let first = tokio::time::timeout(GPU_INVENTORY_WAIT, samples.wait_for(Option::is_some))
            .await
            .ok()
            .and_then(Result::ok)
            .and_then(|published| published.clone());
        match first {
            Some(published) => self.on_sample(&published),
            None => tracing::warn!("jobs: no telemetry sample yet; scheduling without GPUs"),
        }
        self.gpus.known = true;
        for (id, shim) in adopted {
            self.watch_shim(id, shim);
        }
        self.rearm_cancel_timers();
        self.finish_turn();
        loop {
            tokio::select! {
                request = requests.recv() => match request {
                    Some(request) => self.handle(request),
                    None => break,
                },
                Some(event) = internal.recv() => self.on_internal(event),
                changed = samples.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let published = samples.borrow_and_update().clone();
                    if let Some(published) = published {
                        self.on_sample(&published);
                    }
                }
            }
            self.finish_turn();
        }
        tracing::info!("jobs: manager stopped; running jobs keep running under their shims");
    }

    /// Runs the pass if something changed, then publishes what changed.
    fn finish_turn(&mut self) {
        if self.needs_pass {
            self.schedule();
        }
        self.publish();
    }

    fn publish(&mut self) {
        if self.changed.is_empty() && !self.capacity_changed {
            return;
        }
        let running = self
            .active
            .values()
            .filter(|a| a.job.state == JobState::Running)
            .count();
        let queued = self.active.len() - running;
        let counts = (
            u32::try_from(running).unwrap_or(u32::MAX),
            u32::try_from(queued).unwrap_or(u32::MAX),
        );
        self.counts
            .send_if_modified(|now| std::mem::replace(now, counts) != counts);
        let update = JobsUpdate {
            changed: std::mem::take(&mut self.changed).into_values().collect(),
            capacity: std::mem::take(&mut self.capacity_changed).then(|| self.capacity.clone()),
        };
        // No subscribers is not an error.
        let _ = self.updates.send(Arc::new(update));
    }

    /// Notes that the view of an active job may have changed.
    fn touch(&mut self, id: JobId) {
        if let Some(active) = self.active.get(&id) {
            let view = views::view(&active.job, &active.command, Some(&active.live));
            self.changed.insert(id, view);
        }
    }

    /// Moves an ended job out of the active set.
    fn retire(&mut self, job: StoredJob) {
        let command = self
            .active
            .remove(&job.id)
            .map_or_else(|| job.spec.command.to_string(), |a| a.command);
        let view = views::view(&job, &command, None);
        self.recent.retain(|v| v.id != job.id);
        self.recent.push_back(view.clone());
        while self.recent.len() > RECENT_FINISHED {
            self.recent.pop_front();
        }
        self.changed.insert(job.id, view);
        self.ended.send_modify(|n| *n += 1);
        self.needs_pass = true;
    }

    fn watch_shim(&self, id: JobId, shim: Shim) {
        let internal = self.internal.clone();
        tokio::spawn(async move {
            shim.exited().await;
            let _ = internal.send(Internal::ShimExited(id));
        });
    }

    fn on_internal(&mut self, event: Internal) {
        match event {
            Internal::ShimExited(id) => self.shim_exited(id),
            Internal::KillDeadline(id) => self.kill_deadline(id),
            Internal::Retry => self.needs_pass = true,
        }
    }
}

/// Milliseconds since the Unix epoch.
pub(super) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
