//! The process table, walked with a low per-tick cost.
//!
//! Each walk reads the `/proc` directory once and, per process, only `/proc/PID/stat` (CPU
//! time, resident memory, start time, name), through a descriptor kept open from walk to walk
//! (within a budget of open files). What does not change while a process lives (its
//! user and command line) is read when the process is first seen, when its pid was reused (a
//! new start time) or when it called `exec` (a new name), and kept until it exits.
//!
//! Optionally (`idle_recheck`), a process that used no CPU since its previous read is not
//! read again for a while: on a host with a thousand idle processes that skips most reads.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt::Write as _;
use std::fs::File;
use std::time::{Duration, Instant};

use nix::unistd::{SysconfVar, sysconf};

use crate::proto::telemetry::ProcessSample;

use super::pid_files::{identity, parse_pid_stat};
use super::procfs::{WarnOnce, open_files_soft_limit, read_from_start};

/// The most `/proc/PID/stat` files kept open between walks.
const MAX_KEPT_FILES: u64 = 16_384;

/// What is remembered about a live process between walks.
#[derive(Debug)]
struct Known {
    start_time: u64,
    comm: Vec<u8>,
    cpu_ticks: u64,
    /// When `cpu_ticks` was read (`None` until the first read).
    read_at: Option<Instant>,
    /// Resident memory at the last read, bytes.
    rss: u64,
    /// It used no CPU between its last two reads.
    idle: bool,
    /// A kernel thread rather than a program.
    kernel_thread: bool,
    /// The walk that last saw it; entries not seen by the latest walk are dropped.
    seen: u64,
    user: String,
    command: String,
    /// `/proc/PID/stat`, kept open so later walks skip the open and close (that halves the
    /// cost of a walk); `None` when the budget of open files was used up.
    stat_file: Option<File>,
}

impl Known {
    fn new(start_time: u64, comm: &[u8]) -> Known {
        Known {
            start_time,
            comm: comm.to_vec(),
            cpu_ticks: 0,
            read_at: None,
            rss: 0,
            idle: false,
            kernel_thread: false,
            seen: 0,
            user: String::new(),
            command: String::new(),
            stat_file: None,
        }
    }
}

/// Walks `/proc` and keeps what it needs between walks.
#[derive(Debug)]
pub(crate) struct ProcessWalker {
    ticks_per_second: f64,
    page_size: u64,
    known: HashMap<u32, Known>,
    users: HashMap<u32, String>,
    walks: u64,
    previous_walk: Option<Instant>,
    total: u32,
    /// How many `/proc/PID/stat` files may stay open between walks; 0 opens and closes every
    /// file on every walk.
    stat_files_budget: usize,
    /// How long a process that used no CPU is not read again (zero: every walk reads all).
    idle_recheck: Duration,
    path: String,
    stat_buf: Vec<u8>,
    other_buf: Vec<u8>,
    warn: WarnOnce,
}

impl ProcessWalker {
    /// `idle_recheck`: a process that used no CPU between its last two reads is read again
    /// only once this much time passed; meanwhile it is listed with 0 % CPU and its last
    /// resident size. That makes a walk over many idle processes much cheaper, at the price of
    /// seeing an idle process wake up that much later. Zero reads every process every walk.
    pub(crate) fn new(idle_recheck: Duration) -> ProcessWalker {
        let positive = |var| {
            sysconf(var)
                .ok()
                .flatten()
                .and_then(|value| u64::try_from(value).ok())
                .filter(|value| *value > 0)
        };
        ProcessWalker {
            ticks_per_second: positive(SysconfVar::CLK_TCK).unwrap_or(100) as f64,
            page_size: positive(SysconfVar::PAGE_SIZE).unwrap_or(4096),
            known: HashMap::new(),
            users: HashMap::new(),
            walks: 0,
            previous_walk: None,
            total: 0,
            // Half of the soft limit on open files: the agent needs the rest.
            stat_files_budget: usize::try_from((open_files_soft_limit() / 2).min(MAX_KEPT_FILES))
                .unwrap_or(0),
            idle_recheck,
            path: String::with_capacity(32),
            stat_buf: Vec::with_capacity(1024),
            other_buf: Vec::with_capacity(1024),
            warn: WarnOnce::default(),
        }
    }

    /// Processes counted by the latest walk (0 before the first).
    pub(crate) fn total(&self) -> u32 {
        self.total
    }

    /// Every process, unsorted. CPU is the share of one core since the previous walk; on the
    /// first walk it is 0 for every process (there is nothing to compare with yet).
    pub(crate) fn walk(&mut self) -> Vec<ProcessSample> {
        let now = Instant::now();
        let elapsed = self
            .previous_walk
            .map(|previous| now.duration_since(previous).as_secs_f64());
        self.previous_walk = Some(now);
        self.walks += 1;
        let walk = self.walks;

        let entries = match std::fs::read_dir("/proc") {
            Ok(entries) => entries,
            Err(error) => {
                self.warn.warn("/proc", &error);
                self.known.clear();
                self.total = 0;
                return Vec::new();
            }
        };
        let mut processes = Vec::with_capacity(self.known.len() + 16);
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = name.to_str().and_then(|name| name.parse::<u32>().ok()) else {
                continue;
            };
            if let Some(process) = self.read_process(pid, walk, now, elapsed) {
                processes.push(process);
            }
        }
        self.known.retain(|_, known| known.seen == walk);
        self.total = u32::try_from(processes.len()).unwrap_or(u32::MAX);
        processes
    }

    /// Reads one process; `None` when it exited meanwhile or its files make no sense.
    /// `now` is when the walk began; `elapsed`, the seconds since the previous walk.
    fn read_process(
        &mut self,
        pid: u32,
        walk: u64,
        now: Instant,
        elapsed: Option<f64>,
    ) -> Option<ProcessSample> {
        if let Some(known) = self.known.get_mut(&pid)
            && known.idle
            && known
                .read_at
                .is_some_and(|at| now.duration_since(at) < self.idle_recheck)
        {
            known.seen = walk;
            return Some(ProcessSample {
                pid,
                user: known.user.clone(),
                command: known.command.clone(),
                cpu: 0.0,
                rss: known.rss,
                gpu_memory: None,
                kernel_thread: known.kernel_thread,
            });
        }
        // Read through the file kept open from earlier walks; if it fails (the process
        // exited, maybe its pid was taken by a new one) open the path again.
        let kept = self
            .known
            .get_mut(&pid)
            .and_then(|known| known.stat_file.take())
            .filter(|file| {
                read_from_start(file, &mut self.stat_buf).is_ok() && !self.stat_buf.is_empty()
            });
        let was_kept = kept.is_some();
        let file = match kept {
            Some(file) => file,
            None => {
                self.path.clear();
                let _ = write!(self.path, "/proc/{pid}/stat");
                let file = File::open(&self.path).ok()?;
                read_from_start(&file, &mut self.stat_buf).ok()?;
                file
            }
        };
        let stat = parse_pid_stat(&self.stat_buf)?;

        let mut refresh = false;
        let mut delta_ticks = 0;
        // Seconds over which `delta_ticks` was spent; `None` on the very first walk.
        let mut seconds = elapsed;
        let may_keep = was_kept || self.known.len() < self.stat_files_budget;
        let known = match self.known.entry(pid) {
            Entry::Occupied(occupied) => {
                let known = occupied.into_mut();
                if known.start_time != stat.start_time {
                    // The pid was reused: a new process started since the previous walk.
                    *known = Known::new(stat.start_time, stat.comm);
                    refresh = true;
                    delta_ticks = stat.cpu_ticks;
                } else {
                    delta_ticks = stat.cpu_ticks.saturating_sub(known.cpu_ticks);
                    seconds = known.read_at.map(|at| now.duration_since(at).as_secs_f64());
                    if known.comm != stat.comm {
                        // The same process after an exec: its command line (and maybe its
                        // user) changed.
                        known.comm.clear();
                        known.comm.extend_from_slice(stat.comm);
                        refresh = true;
                    }
                }
                known
            }
            Entry::Vacant(vacant) => {
                // New since the previous walk: all of its CPU time was spent since then. On
                // the very first walk nothing is known to be new.
                if elapsed.is_some() {
                    delta_ticks = stat.cpu_ticks;
                }
                refresh = true;
                vacant.insert(Known::new(stat.start_time, stat.comm))
            }
        };
        if refresh {
            let (user, command) = identity(
                pid,
                stat.comm,
                &mut self.path,
                &mut self.other_buf,
                &mut self.users,
            );
            known.user = user;
            known.command = command;
        }
        let rss = stat.rss_pages.saturating_mul(self.page_size);
        known.cpu_ticks = stat.cpu_ticks;
        known.read_at = Some(now);
        known.rss = rss;
        known.kernel_thread = stat.kernel_thread;
        known.idle = seconds.is_some() && delta_ticks == 0;
        known.seen = walk;
        // Keep the file for the next walk. A new one only while fewer processes than the budget
        // are known: each known process holds at most one, so at most `budget` are open.
        if may_keep {
            known.stat_file = Some(file);
        }
        let cpu = match seconds {
            Some(seconds) if seconds > 0.0 => {
                (delta_ticks as f64 / self.ticks_per_second / seconds * 100.0) as f32
            }
            _ => 0.0,
        };
        Some(ProcessSample {
            pid,
            user: known.user.clone(),
            command: known.command.clone(),
            cpu,
            rss,
            gpu_memory: None,
            kernel_thread: known.kernel_thread,
        })
    }
}

#[cfg(test)]
mod tests;
