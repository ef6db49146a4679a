//! Tests of the process walker against real processes of this machine.

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
