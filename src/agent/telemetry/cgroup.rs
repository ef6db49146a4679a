//! cgroup v2 limits that bind the agent: `memory.max` and `cpu.max`, the tightest along the
//! path from the agent's cgroup up to the root, and `memory.current` of its own cgroup.
//!
//! The limits change rarely, so they are read again every few seconds; `memory.current` is
//! read every tick. Without cgroup v2 (or without any limit) there is nothing to show.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::proto::telemetry::CgroupLimits;

use super::mounts::parse_mountinfo;
use super::procfs::read_trimmed;

/// How often the cgroup, its limits and the cgroup2 mount are looked up again.
const REFRESH_EVERY: Duration = Duration::from_secs(10);

/// The cgroup v2 path of `/proc/self/cgroup` (the `0::` line), e.g. `/user.slice/x.scope`.
pub(crate) fn parse_own_cgroup(text: &str) -> Option<&str> {
    text.lines()
        .find_map(|line| line.strip_prefix("0::"))
        .map(str::trim)
        .filter(|path| path.starts_with('/'))
}

/// `memory.max`: bytes, or `None` for `max` (no limit) and anything unreadable.
pub(crate) fn parse_memory_max(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}

/// `cpu.max` (`"$QUOTA $PERIOD"`) as a number of cores; `None` for `max` (no limit).
pub(crate) fn parse_cpu_max(text: &str) -> Option<f32> {
    let mut parts = text.split_whitespace();
    let quota: f64 = parts.next()?.parse().ok()?;
    let period: f64 = parts.next().map_or(Some(100_000.0), |p| p.parse().ok())?;
    (quota > 0.0 && period > 0.0).then(|| (quota / period) as f32)
}

/// What was found at the last refresh.
#[derive(Debug, Clone, PartialEq)]
struct Found {
    path: String,
    directory: PathBuf,
    memory_max: Option<u64>,
    cpu_max_cores: Option<f32>,
}

/// Looks up the agent's cgroup and reports its limits.
#[derive(Debug)]
pub(crate) struct CgroupMeter {
    found: Option<Found>,
    refresh_at: Instant,
}

impl CgroupMeter {
    pub(crate) fn new() -> CgroupMeter {
        CgroupMeter {
            found: None,
            refresh_at: Instant::now(),
        }
    }

    /// The limits of the agent's cgroup, `None` when no limit is set anywhere on its path.
    pub(crate) fn sample(&mut self) -> Option<CgroupLimits> {
        let now = Instant::now();
        if now >= self.refresh_at {
            self.refresh_at = now + REFRESH_EVERY;
            self.found = find();
        }
        let found = self.found.as_ref()?;
        let memory_current =
            read_trimmed(found.directory.join("memory.current")).and_then(|t| t.parse().ok());
        Some(CgroupLimits {
            path: found.path.clone(),
            memory_max: found.memory_max,
            memory_current,
            cpu_max_cores: found.cpu_max_cores,
        })
    }
}

/// Finds the cgroup2 mount, the agent's cgroup and the tightest limits above it.
fn find() -> Option<Found> {
    let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let path = parse_own_cgroup(&own)?.to_owned();
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let mount_point = parse_mountinfo(&mountinfo)
        .into_iter()
        .find(|mount| mount.fs_type == "cgroup2")
        .map(|mount| PathBuf::from(mount.mount_point))?;
    let directory = mount_point.join(path.trim_start_matches('/'));
    if !directory.is_dir() {
        return None;
    }
    let (memory_max, cpu_max_cores) = tightest(&directory, &mount_point);
    (memory_max.is_some() || cpu_max_cores.is_some()).then_some(Found {
        path,
        directory,
        memory_max,
        cpu_max_cores,
    })
}

/// The smallest `memory.max` and `cpu.max` from `directory` up to `root`, both included
/// (the root of a cgroup namespace has limit files; the real root has none).
fn tightest(directory: &Path, root: &Path) -> (Option<u64>, Option<f32>) {
    let mut memory: Option<u64> = None;
    let mut cpu: Option<f32> = None;
    for dir in directory
        .ancestors()
        .take_while(|dir| dir.starts_with(root))
    {
        if let Some(limit) = read_trimmed(dir.join("memory.max")).and_then(|t| parse_memory_max(&t))
        {
            memory = Some(memory.map_or(limit, |m| m.min(limit)));
        }
        if let Some(limit) = read_trimmed(dir.join("cpu.max")).and_then(|t| parse_cpu_max(&t)) {
            cpu = Some(cpu.map_or(limit, |c| c.min(limit)));
        }
    }
    (memory, cpu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_cgroup_v2_line() {
        let hybrid = "4:memory:/process_api/abc\n1:cpu:/\n0::/user.slice/session-1.scope\n";
        assert_eq!(
            parse_own_cgroup(hybrid),
            Some("/user.slice/session-1.scope")
        );
        assert_eq!(parse_own_cgroup("0::/\n"), Some("/"));
        assert_eq!(parse_own_cgroup("4:memory:/x\n"), None);
        assert_eq!(parse_own_cgroup("0::\n"), None);
        assert_eq!(parse_own_cgroup(""), None);
    }

    #[test]
    fn memory_max_values() {
        assert_eq!(parse_memory_max("max\n"), None);
        assert_eq!(parse_memory_max("1073741824\n"), Some(1 << 30));
        assert_eq!(parse_memory_max(""), None);
    }

    #[test]
    fn cpu_max_values() {
        assert_eq!(parse_cpu_max("max 100000\n"), None);
        assert_eq!(parse_cpu_max("200000 100000\n"), Some(2.0));
        assert_eq!(parse_cpu_max("50000 100000"), Some(0.5));
        assert_eq!(parse_cpu_max("150000"), Some(1.5));
        assert_eq!(parse_cpu_max("0 100000"), None);
        assert_eq!(parse_cpu_max("100 0"), None);
        assert_eq!(parse_cpu_max("x y"), None);
        assert_eq!(parse_cpu_max(""), None);
    }

    #[test]
    fn tightest_limit_along_the_path() {
        let root = tempfile::tempdir().expect("tempdir");
        let parent = root.path().join("a");
        let own = parent.join("b");
        std::fs::create_dir_all(&own).expect("mkdir");
        std::fs::write(root.path().join("memory.max"), "max\n").expect("write");
        std::fs::write(parent.join("memory.max"), "1000\n").expect("write");
        std::fs::write(own.join("memory.max"), "2000\n").expect("write");
        std::fs::write(parent.join("cpu.max"), "max 100000\n").expect("write");
        std::fs::write(own.join("cpu.max"), "300000 100000\n").expect("write");
        assert_eq!(tightest(&own, root.path()), (Some(1000), Some(3.0)));
        // Nothing above the root is read.
        assert_eq!(tightest(&parent, &parent), (Some(1000), None));
    }

    #[test]
    fn no_limits_without_files() {
        let root = tempfile::tempdir().expect("tempdir");
        assert_eq!(tightest(root.path(), root.path()), (None, None));
    }

    #[test]
    fn real_machine_never_fails() {
        let mut meter = CgroupMeter::new();
        if let Some(limits) = meter.sample() {
            assert!(limits.memory_max.is_some() || limits.cpu_max_cores.is_some());
        }
    }
}
