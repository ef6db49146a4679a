//! A script's process group: who is still in it, signalling it, and waiting for it to empty.
//!
//! A script runs in a session of its own (`setsid`), so its process group id is its pid and
//! everything it starts stays in that group unless it makes a session of its own. Members
//! are found in `/proc` (`/proc/PID/stat`, field `pgrp`); zombies do not count, so a group
//! whose processes are dead but not yet reaped (by init, or by a container's pid 1 that
//! never reaps) reads as empty.

use std::fs;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use crate::proto::setup::ScriptKind;

/// How often a group is checked while waiting for it to empty.
const EMPTY_POLL: Duration = Duration::from_millis(50);

/// The pids of live (not zombie) members of process group `pgid`.
pub fn live_members(pgid: i32) -> Vec<i32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| live_group_of(&stat))
                == Some(pgid)
        })
        .collect()
}

/// The process group in a `/proc/PID/stat` line, when the process is not a zombie.
fn live_group_of(stat: &str) -> Option<i32> {
    // The command is in parentheses and may itself contain ") ".
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?;
    let _parent = fields.next()?;
    let group = fields.next()?.parse().ok()?;
    (state != "Z" && state != "X").then_some(group)
}

/// Whether anything (zombies included) is still in the group.
pub fn exists(pgid: i32) -> bool {
    killpg(Pid::from_raw(pgid), None) != Err(Errno::ESRCH)
}

/// Sends `signal` to the whole group; a group that is already gone is not an error.
pub fn signal(pgid: i32, signal: Signal) {
    match killpg(Pid::from_raw(pgid), signal) {
        Ok(()) | Err(Errno::ESRCH) => {}
        Err(error) => {
            tracing::warn!(pgid, %signal, %error, "setup: cannot signal the script's group")
        }
    }
}

/// Waits until the group has no live member, at most `within`; says whether it emptied.
pub async fn wait_until_empty(pgid: i32, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if live_members(pgid).is_empty() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(EMPTY_POLL).await;
    }
}

/// Kills (SIGKILL) what is left of an interrupted run of `kind`: only when some live member
/// of `pgid` carries `STATION_SETUP=<kind>` in its environment, so a process group id that
/// has been reused by something else is never touched. Returns how many were live.
pub fn kill_leftovers(pgid: i32, kind: ScriptKind) -> usize {
    let members = live_members(pgid);
    let marker = format!("STATION_SETUP={}", kind.name());
    let ours = members.iter().any(|pid| {
        fs::read(format!("/proc/{pid}/environ")).is_ok_and(|environ| {
            environ
                .split(|byte| *byte == 0)
                .any(|entry| entry == marker.as_bytes())
        })
    });
    if !ours {
        return 0;
    }
    signal(pgid, Signal::SIGKILL);
    members.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_give_the_group_of_live_processes() {
        assert_eq!(live_group_of("12 (sleep) S 1 12 12 0 -1"), Some(12));
        assert_eq!(live_group_of("13 (a) b) R 1 40 40 0"), Some(40));
        assert_eq!(live_group_of("14 (sh) Z 1 14 14 0"), None);
        assert_eq!(live_group_of("garbage"), None);
    }

    #[test]
    fn our_own_group_has_us() {
        let own = nix::unistd::getpgrp().as_raw();
        let pid = i32::try_from(std::process::id()).unwrap();
        assert!(live_members(own).contains(&pid));
        assert!(exists(own));
    }
}
