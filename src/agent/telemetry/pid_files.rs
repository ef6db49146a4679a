//! The per-process files under `/proc/PID/`: parsers of `stat` (read every walk), and the
//! identity of a process from `status` and `cmdline` (read only when a process is new).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::Read;

use nix::unistd::{Uid, User};

use super::procfs::{fields, lines, parse_u64, read_into};

/// Longest command line kept; the rest is cut (a table column never shows more).
const MAX_CMDLINE: u64 = 4096;

/// What one walk needs from `/proc/PID/stat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PidStat<'a> {
    /// The command name between the parentheses, as the kernel wrote it (any bytes).
    pub(crate) comm: &'a [u8],
    /// User plus system CPU time, in clock ticks.
    pub(crate) cpu_ticks: u64,
    /// When the process started, in clock ticks since boot: tells a reused pid apart.
    pub(crate) start_time: u64,
    /// Resident set size, in pages.
    pub(crate) rss_pages: u64,
    /// A kernel thread (`PF_KTHREAD` in the flags).
    pub(crate) kernel_thread: bool,
}

/// `PF_KTHREAD` in `include/linux/sched.h`.
const PF_KTHREAD: u64 = 0x0020_0000;

/// Parses `/proc/PID/stat`. The command name may hold spaces and parentheses of its own
/// (`1 (a) b) S …`), so it ends at the *last* `)`.
pub(crate) fn parse_pid_stat(text: &[u8]) -> Option<PidStat<'_>> {
    let open = text.iter().position(|b| *b == b'(')?;
    let close = text.iter().rposition(|b| *b == b')')?;
    if close < open {
        return None;
    }
    // After the name: state(0) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
    // cmajflt utime(11) stime(12) cutime cstime priority nice num_threads itrealvalue
    // starttime(19) vsize(20) rss(21) …
    let mut rest = fields(&text[close + 1..]);
    let flags = parse_u64(rest.nth(6)?)?;
    let user = parse_u64(rest.nth(4)?)?;
    let system = parse_u64(rest.next()?)?;
    let start_time = parse_u64(rest.nth(6)?)?;
    let rss_pages = parse_u64(rest.nth(1)?)?;
    Some(PidStat {
        comm: &text[open + 1..close],
        cpu_ticks: user.saturating_add(system),
        start_time,
        rss_pages,
        kernel_thread: flags & PF_KTHREAD != 0,
    })
}

/// The real uid from `/proc/PID/status` (`Uid:\treal\teffective\tsaved\tfs`).
pub(crate) fn parse_status_uid(text: &[u8]) -> Option<u32> {
    lines(text).find_map(|line| {
        let values = line.strip_prefix(b"Uid:")?;
        u32::try_from(parse_u64(fields(values).next()?)?).ok()
    })
}

/// The command shown for a process: its arguments joined by spaces, or `[comm]` for kernel
/// threads, zombies and anything else without a command line.
pub(crate) fn command_line(cmdline: &[u8], comm: &[u8]) -> String {
    let trimmed = cmdline
        .iter()
        .rposition(|b| *b != 0 && !b.is_ascii_whitespace())
        .map_or(&[][..], |last| &cmdline[..=last]);
    if trimmed.is_empty() {
        return format!("[{}]", String::from_utf8_lossy(comm));
    }
    let joined: Vec<u8> = trimmed
        .iter()
        .map(|b| if *b == 0 { b' ' } else { *b })
        .collect();
    String::from_utf8_lossy(&joined).into_owned()
}

/// The user name and command line of a process, read from `/proc/PID/status` and
/// `/proc/PID/cmdline`; the user name is looked up once per uid.
pub(crate) fn identity(
    pid: u32,
    comm: &[u8],
    path: &mut String,
    buf: &mut Vec<u8>,
    users: &mut HashMap<u32, String>,
) -> (String, String) {
    path.clear();
    let _ = write!(path, "/proc/{pid}/status");
    let uid = read_into(path.as_str(), buf)
        .ok()
        .and_then(|()| parse_status_uid(buf));
    let user = match uid {
        Some(uid) => users.entry(uid).or_insert_with(|| user_name(uid)).clone(),
        None => "?".to_owned(),
    };
    path.clear();
    let _ = write!(path, "/proc/{pid}/cmdline");
    buf.clear();
    let read = File::open(path.as_str()).and_then(|file| file.take(MAX_CMDLINE).read_to_end(buf));
    if read.is_err() {
        buf.clear();
    }
    (user, command_line(buf, comm))
}

/// The name of a uid from the user database, or the number when it has none.
fn user_name(uid: u32) -> String {
    match User::from_uid(Uid::from_raw(uid)) {
        Ok(Some(user)) => user.name,
        _ => uid.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &[u8] = b"1234 (bash) S 1 1234 1234 34816 5678 4194304 1000 2000 3 4 150 50 7 8 20 0 1 0 987654 22000000 1500 18446744073709551615 1 1 0 0 0 0 65536 3686404 1266761467 0 0 0 17 1 0 0 0 0 0\n";

    #[test]
    fn parses_the_fields_we_need() {
        let stat = parse_pid_stat(STAT).expect("parsed");
        assert_eq!(stat.comm, b"bash");
        assert_eq!(stat.cpu_ticks, 200);
        assert_eq!(stat.start_time, 987_654);
        assert_eq!(stat.rss_pages, 1500);
        assert!(!stat.kernel_thread, "flags 4194304 is PF_RANDOMIZE only");
    }

    #[test]
    fn kernel_threads_are_told_by_their_flags() {
        // kthreadd as the kernel writes it: flags 0x208040 includes PF_KTHREAD.
        let text = b"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 3 0 0 20 0 1 0 2 0 0 18446744073709551615";
        let stat = parse_pid_stat(text).expect("parsed");
        assert!(stat.kernel_thread);
        assert_eq!((stat.cpu_ticks, stat.start_time), (3, 2));
    }

    #[test]
    fn comm_with_spaces_and_parentheses() {
        let text = b"42 (evil) S (x y)) R 1 42 42 0 -1 4194560 10 0 0 0 7 3 0 0 20 0 1 0 555 1000 12 18446744073709551615";
        let stat = parse_pid_stat(text).expect("parsed");
        assert_eq!(stat.comm, b"evil) S (x y)");
        assert_eq!(stat.cpu_ticks, 10);
        assert_eq!(stat.start_time, 555);
        assert_eq!(stat.rss_pages, 12);
    }

    #[test]
    fn comm_that_is_empty_or_not_utf8() {
        let text = b"7 () S 1 7 7 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 9 0 0 0";
        assert_eq!(parse_pid_stat(text).expect("parsed").comm, b"");
        let text = b"7 (\xff\xfe) S 1 7 7 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 9 0 0 0";
        let stat = parse_pid_stat(text).expect("parsed");
        assert_eq!(command_line(b"", stat.comm), "[\u{fffd}\u{fffd}]");
    }

    #[test]
    fn hostile_stat_lines() {
        assert_eq!(parse_pid_stat(b""), None);
        assert_eq!(parse_pid_stat(b"1 (bash S 1 2 3"), None);
        assert_eq!(parse_pid_stat(b"1 )bash( S 1 2 3"), None);
        // Truncated before rss.
        assert_eq!(
            parse_pid_stat(b"1 (a) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 9 0"),
            None
        );
        // A number that is not one.
        assert_eq!(
            parse_pid_stat(b"1 (a) S 1 1 1 0 -1 0 0 0 0 0 x 1 0 0 20 0 1 0 9 0 0"),
            None
        );
    }

    #[test]
    fn uid_from_status() {
        let text = b"Name:\tbash\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t1000\t1001\t1002\t1003\nGid:\t100\t100\t100\t100\n";
        assert_eq!(parse_status_uid(text), Some(1000));
        assert_eq!(parse_status_uid(b"Name:\tx\n"), None);
        assert_eq!(parse_status_uid(b"Uid:\n"), None);
        assert_eq!(parse_status_uid(b"Uid:\t99999999999\n"), None);
    }

    #[test]
    fn identity_of_this_process() {
        let mut users = HashMap::new();
        let (user, command) = identity(
            std::process::id(),
            b"ignored",
            &mut String::new(),
            &mut Vec::new(),
            &mut users,
        );
        assert!(!user.is_empty() && user != "?");
        assert_eq!(users.len(), 1);
        let exe = std::env::current_exe().expect("exe");
        let name = exe.file_name().and_then(|n| n.to_str()).expect("name");
        assert!(command.contains(name), "{command}");
    }

    #[test]
    fn identity_of_a_process_that_is_gone() {
        let (user, command) = identity(
            u32::MAX,
            b"gone",
            &mut String::new(),
            &mut Vec::new(),
            &mut HashMap::new(),
        );
        assert_eq!((user.as_str(), command.as_str()), ("?", "[gone]"));
    }

    #[test]
    fn command_lines() {
        assert_eq!(
            command_line(b"python3\0train.py\0--lr\x000.1\0", b"python3"),
            "python3 train.py --lr 0.1"
        );
        assert_eq!(command_line(b"", b"kworker/0:1"), "[kworker/0:1]");
        assert_eq!(command_line(b"\0\0", b"zombie"), "[zombie]");
        // A process that rewrote its title with spaces and no NULs.
        assert_eq!(
            command_line(b"postgres: checkpointer   \0\0\0", b"postgres"),
            "postgres: checkpointer"
        );
        assert_eq!(command_line(b"a\0\0b\0", b"a"), "a  b");
    }
}
