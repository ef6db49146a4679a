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
mod tests {
    use std::io::Write;
    use std::process::{Child, Command, Stdio};
    use std::time::Duration;

    use super::*;

    /// Polls `condition` until it holds or `timeout` passes.
    fn wait_for(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if condition() {
                return true;
            }
            std::thread::yield_now();
        }
        condition()
    }

    /// Waits until `pid` runs the program named `name` (a spawned child execs soon after the
    /// fork, not at once).
    fn wait_for_exec(pid: u32, name: &str) {
        let comm = format!("/proc/{pid}/comm");
        assert!(
            wait_for(Duration::from_secs(10), || {
                std::fs::read_to_string(&comm).is_ok_and(|text| text.trim() == name)
            }),
            "{pid} never became {name}"
        );
    }

    fn sleeper() -> Child {
        let child = Command::new("sleep")
            .arg("60")
            .spawn()
            .expect("spawn sleep");
        wait_for_exec(child.id(), "sleep");
        child
    }

    fn kill(mut child: Child) {
        let _ = child.kill();
        let _ = child.wait();
    }

    fn files_kept(walker: &ProcessWalker) -> usize {
        walker
            .known
            .values()
            .filter(|known| known.stat_file.is_some())
            .count()
    }

    #[test]
    fn walk_finds_this_process_with_its_command() {
        let mut walker = ProcessWalker::new(Duration::ZERO);
        let first = walker.walk();
        assert!(first.iter().all(|p| p.cpu == 0.0));
        let own = std::process::id();
        let me = first.iter().find(|p| p.pid == own).expect("own pid");
        assert!(me.rss > 0);
        let exe = std::env::current_exe().expect("exe");
        let name = exe.file_name().and_then(|n| n.to_str()).expect("name");
        assert!(me.command.contains(name), "{}", me.command);
        assert_eq!(walker.total() as usize, first.len());
        assert_eq!(walker.known.len(), first.len());
        // The second walk reuses what it knows.
        let second = walker.walk();
        assert!(second.iter().any(|p| p.pid == own));
        assert!(second.iter().all(|p| p.cpu >= 0.0));
    }

    #[test]
    fn kernel_threads_are_bracketed() {
        // pid 2 is kthreadd on a normal kernel; in a pid namespace it may not exist.
        let mut walker = ProcessWalker::new(Duration::ZERO);
        if let Some(kthreadd) = walker.walk().into_iter().find(|p| p.pid == 2)
            && kthreadd.rss == 0
        {
            assert!(kthreadd.command.starts_with('['), "{}", kthreadd.command);
        }
    }

    #[test]
    fn a_kept_file_reads_fresh_contents() {
        let file = File::open(format!("/proc/{}/stat", std::process::id())).expect("open");
        let mut buf = Vec::new();
        read_from_start(&file, &mut buf).expect("read");
        let before = parse_pid_stat(&buf).expect("parsed").cpu_ticks;
        let mut spin = 0u64;
        let changed = wait_for(Duration::from_secs(10), || {
            for _ in 0..100_000 {
                spin = std::hint::black_box(spin.wrapping_add(1));
            }
            read_from_start(&file, &mut buf).is_ok()
                && parse_pid_stat(&buf).is_some_and(|stat| stat.cpu_ticks > before)
        });
        assert!(changed, "CPU time read through a kept file never moved");
    }

    #[test]
    fn exited_processes_are_forgotten_and_their_files_closed() {
        let child = sleeper();
        let pid = child.id();
        let mut walker = ProcessWalker::new(Duration::ZERO);
        let first = walker.walk();
        let row = first.iter().find(|p| p.pid == pid).expect("child listed");
        assert_eq!(row.command, "sleep 60");
        assert!(
            walker
                .known
                .get(&pid)
                .is_some_and(|k| k.stat_file.is_some())
        );
        kill(child);
        let second = walker.walk();
        assert!(second.iter().all(|p| p.pid != pid));
        assert!(!walker.known.contains_key(&pid));
    }

    #[test]
    fn a_new_command_after_exec_is_noticed() {
        let mut child = Command::new("sh")
            .args(["-c", "read line; exec sleep 60"])
            .stdin(Stdio::piped())
            .spawn()
            .expect("spawn sh");
        let pid = child.id();
        wait_for_exec(pid, "sh");
        let mut walker = ProcessWalker::new(Duration::ZERO);
        let before = walker.walk();
        let row = before.iter().find(|p| p.pid == pid).expect("child listed");
        assert!(row.command.contains("exec sleep 60"), "{}", row.command);
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"go\n")
            .expect("write");
        wait_for_exec(pid, "sleep");
        let after = walker.walk();
        let row = after.iter().find(|p| p.pid == pid).expect("child listed");
        assert_eq!(row.command, "sleep 60");
        kill(child);
    }

    #[test]
    fn idle_processes_are_not_read_again_until_the_recheck() {
        let child = sleeper();
        let pid = child.id();
        let mut walker = ProcessWalker::new(Duration::from_secs(3600));
        walker.walk();
        // First walk: nothing measured yet, so nothing counts as idle.
        assert!(!walker.known[&pid].idle);
        assert!(wait_for(Duration::from_secs(10), || {
            walker.walk();
            walker.known[&pid].idle
        }));
        let known = &walker.known[&pid];
        let (read_at, rss) = (known.read_at, known.rss);
        let third = walker.walk();
        let row = third.iter().find(|p| p.pid == pid).expect("still listed");
        assert_eq!((row.cpu, row.rss), (0.0, rss));
        assert_eq!(row.command, "sleep 60");
        assert_eq!(walker.known[&pid].read_at, read_at, "it was read again");
        // Skipped processes still disappear when they exit.
        kill(child);
        assert!(walker.walk().iter().all(|p| p.pid != pid));
    }

    #[test]
    fn without_a_recheck_every_process_is_read_every_walk() {
        let child = sleeper();
        let pid = child.id();
        let mut walker = ProcessWalker::new(Duration::ZERO);
        walker.walk();
        walker.walk();
        let read_at = walker.known[&pid].read_at;
        walker.walk();
        assert_ne!(walker.known[&pid].read_at, read_at);
        kill(child);
    }

    #[test]
    fn an_idle_process_that_wakes_up_is_seen_after_the_recheck() {
        let mut child = Command::new("sh")
            .args(["-c", "read line; while :; do :; done"])
            .stdin(Stdio::piped())
            .spawn()
            .expect("spawn sh");
        let pid = child.id();
        wait_for_exec(pid, "sh");
        let mut walker = ProcessWalker::new(Duration::from_millis(200));
        walker.walk();
        assert!(wait_for(Duration::from_secs(10), || {
            walker.walk();
            walker.known.get(&pid).is_some_and(|known| known.idle)
        }));
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"go\n")
            .expect("write");
        let mut last = Instant::now();
        let busy = wait_for(Duration::from_secs(20), || {
            // Walks a few hundred milliseconds apart: a measurement window, as a sampler does.
            if last.elapsed() < Duration::from_millis(250) {
                return false;
            }
            last = Instant::now();
            walker.walk().iter().any(|p| p.pid == pid && p.cpu > 30.0)
        });
        kill(child);
        assert!(busy, "the spinning shell never showed up as busy");
    }

    #[test]
    fn open_files_stay_within_the_budget() {
        let mut walker = ProcessWalker::new(Duration::ZERO);
        walker.stat_files_budget = 3;
        for _ in 0..3 {
            let listed = walker.walk().len();
            assert!(listed > 3, "this test needs more than 3 processes");
            assert!(files_kept(&walker) <= 3, "{}", files_kept(&walker));
        }
        let mut walker_without = ProcessWalker::new(Duration::ZERO);
        walker_without.stat_files_budget = 0;
        walker_without.walk();
        assert_eq!(files_kept(&walker_without), 0);
    }
}
