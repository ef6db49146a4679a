//! The sampler thread: runs the collector once per interval, records history, and publishes
//! each sample to every session.
//!
//! Sampling runs on its own OS thread because reading `/proc` and NVML is blocking work; the
//! async side only ever sees finished samples through a `watch` channel, which keeps just the
//! newest one, so a slow client skips samples instead of holding anything up.
//!
//! Processes are walked every tick while some client shows a process table, and every
//! [`IDLE_PROCESS_EVERY`] ticks otherwise, so an agent nobody watches stays cheap.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::telemetry::{Collector, CollectorOptions};
use crate::core::history::HistoryBook;
use crate::proto::telemetry::{History, HostInfo, ProcessSample, Sample};

/// With no process watcher, walk processes only every this many ticks.
pub const IDLE_PROCESS_EVERY: u64 = 10;

/// The first sample comes this soon after start (the collector took its baseline already),
/// so a console that started the agent has real numbers almost at once.
const FIRST_SAMPLE_AFTER: Duration = Duration::from_millis(100);

/// One published tick: the sample and the newest full process list.
#[derive(Debug)]
pub struct Published {
    /// `processes.rows` is empty; each session selects its own rows from `processes`.
    pub sample: Sample,
    pub processes: Arc<Vec<ProcessSample>>,
    /// Whether `processes` was walked at this tick, after an earlier walk (so its CPU shares
    /// are real); otherwise the table is from an earlier tick or has no shares yet.
    pub processes_fresh: bool,
}

/// The async side's handle on the sampler thread.
#[derive(Debug)]
pub struct Sampler {
    host: HostInfo,
    interval: Duration,
    latest: watch::Receiver<Option<Arc<Published>>>,
    history: Arc<Mutex<HistoryBook>>,
    process_watchers: Arc<AtomicUsize>,
    stop: mpsc::Sender<()>,
    thread: Option<JoinHandle<()>>,
}

impl Sampler {
    /// Starts the thread.
    pub fn start(options: CollectorOptions) -> std::io::Result<Sampler> {
        let interval = Duration::from_millis(u64::from(options.interval_ms));
        let collector = Collector::new(options.clone());
        let host = collector.host_info();
        let (publish, latest) = watch::channel(None);
        let history = Arc::new(Mutex::new(HistoryBook::new(options.interval_ms)));
        let process_watchers = Arc::new(AtomicUsize::new(0));
        let (stop, stopped) = mpsc::channel();
        let thread = std::thread::Builder::new().name("sampler".into()).spawn({
            let history = Arc::clone(&history);
            let watchers = Arc::clone(&process_watchers);
            move || run(collector, interval, &publish, &history, &watchers, &stopped)
        })?;
        Ok(Sampler {
            host,
            interval,
            latest,
            history,
            process_watchers,
            stop,
            thread: Some(thread),
        })
    }

    pub fn host(&self) -> &HostInfo {
        &self.host
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// A receiver that wakes on every new sample.
    pub fn subscribe(&self) -> watch::Receiver<Option<Arc<Published>>> {
        self.latest.clone()
    }

    pub fn latest(&self) -> Option<Arc<Published>> {
        self.latest.borrow().clone()
    }

    /// The history in wire form.
    pub fn history(&self) -> History {
        self.history
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .to_wire()
    }

    /// Counts a client that shows processes until the guard is dropped.
    pub fn watch_processes(&self) -> ProcessWatch {
        self.process_watchers.fetch_add(1, Ordering::Relaxed);
        ProcessWatch(Arc::clone(&self.process_watchers))
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        let _ = self.stop.send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// While alive, the sampler walks processes every tick.
#[derive(Debug)]
pub struct ProcessWatch(Arc<AtomicUsize>);

impl Drop for ProcessWatch {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

fn run(
    mut collector: Collector,
    interval: Duration,
    publish: &watch::Sender<Option<Arc<Published>>>,
    history: &Mutex<HistoryBook>,
    watchers: &AtomicUsize,
    stopped: &mpsc::Receiver<()>,
) {
    let mut next = Instant::now() + FIRST_SAMPLE_AFTER.min(interval);
    let mut processes = Arc::new(Vec::new());
    let mut tick: u64 = 0;
    let mut walks: u64 = 0;
    loop {
        match stopped.recv_timeout(next.saturating_duration_since(Instant::now())) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
        let walk = watchers.load(Ordering::Relaxed) > 0 || tick.is_multiple_of(IDLE_PROCESS_EVERY);
        let collected = collector.sample(walk);
        if walk {
            processes = Arc::new(collected.processes);
            walks += 1;
        }
        history
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .record(&collected.sample);
        publish.send_replace(Some(Arc::new(Published {
            sample: collected.sample,
            processes: Arc::clone(&processes),
            processes_fresh: walk && walks > 1,
        })));
        tick += 1;
        // Keep the cadence; after a stall (suspend, overload) start afresh instead of bursting.
        next += interval;
        let now = Instant::now();
        if next < now {
            next = now + interval;
        }
    }
}
