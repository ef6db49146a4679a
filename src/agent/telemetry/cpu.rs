//! CPU busy shares from `/proc/stat`: total and per logical core, from the change of the
//! kernel's jiffy counters between two reads.

use crate::proto::telemetry::CpuSample;

use super::procfs::{KeptFile, WarnOnce, fields, lines, parse_u64};

const PROC_STAT: &str = "/proc/stat";

/// Jiffies of one `cpu` line of `/proc/stat`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CpuTimes {
    /// Everything but idle and iowait.
    pub(crate) busy: u64,
    /// Every state; guest time is already inside user time, so it is not added again.
    pub(crate) total: u64,
}

impl CpuTimes {
    /// Busy share between `earlier` and `self`, 0–100; 0 when no time passed.
    fn busy_percent_since(self, earlier: CpuTimes) -> f32 {
        let total = self.total.saturating_sub(earlier.total);
        if total == 0 {
            return 0.0;
        }
        let busy = self.busy.saturating_sub(earlier.busy).min(total);
        (busy as f64 / total as f64 * 100.0) as f32
    }
}

/// Parses the jiffies of one `cpu…` line (the label already removed).
fn parse_times(values: &[u8]) -> Option<CpuTimes> {
    // user nice system idle iowait irq softirq steal guest guest_nice; old kernels have fewer.
    let mut counters = [0u64; 8];
    let mut count = 0;
    for (slot, field) in counters.iter_mut().zip(fields(values)) {
        *slot = parse_u64(field)?;
        count += 1;
    }
    if count < 4 {
        return None;
    }
    let total = counters
        .iter()
        .fold(0u64, |sum, value| sum.saturating_add(*value));
    let idle = counters[3].saturating_add(counters[4]);
    Some(CpuTimes {
        busy: total.saturating_sub(idle),
        total,
    })
}

/// Parses `/proc/stat` into the aggregate line and the per-core lines (core number and
/// jiffies), in kernel order. Returns `None` when there is no aggregate `cpu` line.
pub(crate) fn parse_stat(text: &[u8], cores: &mut Vec<(u64, CpuTimes)>) -> Option<CpuTimes> {
    cores.clear();
    let mut total = None;
    for line in lines(text) {
        let Some(rest) = line.strip_prefix(b"cpu") else {
            // The cpu lines come first; nothing after them is ours.
            if total.is_some() {
                break;
            }
            continue;
        };
        let label_end = rest
            .iter()
            .position(u8::is_ascii_whitespace)
            .unwrap_or(rest.len());
        let (label, values) = rest.split_at(label_end);
        let Some(times) = parse_times(values) else {
            continue;
        };
        if label.is_empty() {
            total = Some(times);
        } else if let Some(core) = parse_u64(label) {
            cores.push((core, times));
        }
    }
    total
}

/// Busy share of each core in `current` since `previous`, matched by core number (the same
/// position unless a core went offline or came online); 0 for a core without a baseline.
fn core_shares(previous: &[(u64, CpuTimes)], current: &[(u64, CpuTimes)]) -> Vec<f32> {
    current
        .iter()
        .enumerate()
        .map(|(index, (core, now))| {
            let before = match previous.get(index) {
                Some((number, times)) if number == core => Some(times),
                _ => previous
                    .iter()
                    .find(|(number, _)| number == core)
                    .map(|(_, times)| times),
            };
            before.map_or(0.0, |before| now.busy_percent_since(*before))
        })
        .collect()
}

/// Number of logical cores listed in `/proc/stat` (the `cpuN` lines).
pub(crate) fn count_cores(text: &[u8]) -> u32 {
    let mut cores = Vec::new();
    parse_stat(text, &mut cores);
    u32::try_from(cores.len()).unwrap_or(u32::MAX)
}

/// Keeps the previous counters so each read yields busy shares since the last one.
#[derive(Debug)]
pub(crate) struct CpuMeter {
    file: KeptFile,
    buf: Vec<u8>,
    previous_total: Option<CpuTimes>,
    previous_cores: Vec<(u64, CpuTimes)>,
    current_cores: Vec<(u64, CpuTimes)>,
    warn: WarnOnce,
}

impl CpuMeter {
    /// Takes the baseline now, so that the first [`CpuMeter::sample`] is already a real delta.
    pub(crate) fn new() -> CpuMeter {
        let mut meter = CpuMeter {
            file: KeptFile::new(PROC_STAT),
            buf: Vec::with_capacity(4096),
            previous_total: None,
            previous_cores: Vec::new(),
            current_cores: Vec::new(),
            warn: WarnOnce::default(),
        };
        meter.previous_total = meter.read();
        std::mem::swap(&mut meter.previous_cores, &mut meter.current_cores);
        meter
    }

    fn read(&mut self) -> Option<CpuTimes> {
        if let Err(error) = self.file.read(&mut self.buf) {
            self.warn.warn(PROC_STAT, &error);
            self.current_cores.clear();
            return None;
        }
        let total = parse_stat(&self.buf, &mut self.current_cores);
        if total.is_none() {
            self.warn.warn(PROC_STAT, &"no cpu line");
        }
        total
    }

    /// Busy shares since the previous call (or since [`CpuMeter::new`]).
    pub(crate) fn sample(&mut self) -> CpuSample {
        let total = self.read();
        let busy_total = match (total, self.previous_total) {
            (Some(now), Some(before)) => now.busy_percent_since(before),
            _ => 0.0,
        };
        let cores = core_shares(&self.previous_cores, &self.current_cores);
        if total.is_some() {
            self.previous_total = total;
        }
        std::mem::swap(&mut self.previous_cores, &mut self.current_cores);
        CpuSample {
            total: busy_total,
            cores,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &[u8] = b"cpu  100 5 50 800 20 1 2 3 7 0\n\
cpu0 60 5 30 400 10 1 1 2 7 0\n\
cpu1 40 0 20 400 10 0 1 1 0 0\n\
intr 12345 1 2 3\n\
ctxt 999\n\
btime 1700000000\n";

    #[test]
    fn parses_total_and_cores() {
        let mut cores = Vec::new();
        let total = parse_stat(STAT, &mut cores);
        assert_eq!(
            total,
            Some(CpuTimes {
                busy: 161,
                total: 981
            })
        );
        assert_eq!(cores.len(), 2);
        assert_eq!(
            cores[1],
            (
                1,
                CpuTimes {
                    busy: 62,
                    total: 472
                }
            )
        );
        assert_eq!(count_cores(STAT), 2);
    }

    #[test]
    fn accepts_old_kernels_with_four_counters() {
        let mut cores = Vec::new();
        let total = parse_stat(b"cpu 1 2 3 4\ncpu0 1 2 3 4\n", &mut cores);
        assert_eq!(total, Some(CpuTimes { busy: 6, total: 10 }));
        assert_eq!(cores.len(), 1);
    }

    #[test]
    fn skips_broken_lines() {
        let mut cores = Vec::new();
        let total = parse_stat(
            b"cpu 1 2\ncpu0 x 2 3 4\ncpu1 1 1 1 1\ncpuX 1 1 1 1\n",
            &mut cores,
        );
        assert_eq!(total, None);
        assert_eq!(cores, vec![(1, CpuTimes { busy: 3, total: 4 })]);
        assert_eq!(count_cores(b""), 0);
    }

    #[test]
    fn absurd_counters_do_not_overflow() {
        let mut cores = Vec::new();
        let total = parse_stat(
            b"cpu 18446744073709551615 1 1 18446744073709551615 9\n",
            &mut cores,
        )
        .expect("parsed");
        assert_eq!(total.total, u64::MAX);
        assert!(total.busy <= total.total);
    }

    #[test]
    fn cores_are_matched_by_number() {
        let times = |busy, total| CpuTimes { busy, total };
        let previous = [(0, times(0, 100)), (1, times(0, 100)), (2, times(50, 100))];
        // Core 1 went offline: core 2 is compared with core 2, not with core 1.
        let current = [(0, times(10, 200)), (2, times(150, 200))];
        assert_eq!(core_shares(&previous, &current), vec![10.0, 100.0]);
        // Core 3 came online: no baseline yet.
        let current = [(0, times(10, 200)), (3, times(5, 10))];
        assert_eq!(core_shares(&previous, &current), vec![10.0, 0.0]);
        assert!(core_shares(&previous, &[]).is_empty());
    }

    #[test]
    fn busy_share_from_deltas() {
        let before = CpuTimes {
            busy: 100,
            total: 1000,
        };
        let after = CpuTimes {
            busy: 150,
            total: 1200,
        };
        assert!((after.busy_percent_since(before) - 25.0).abs() < 1e-4);
        assert_eq!(before.busy_percent_since(before), 0.0);
        // Counters that went backwards (a core re-plugged) give 0, not garbage.
        assert_eq!(before.busy_percent_since(after), 0.0);
    }

    #[test]
    fn real_proc_stat_gives_shares_in_range() {
        let mut meter = CpuMeter::new();
        let sample = meter.sample();
        assert!((0.0..=100.0).contains(&sample.total));
        assert!(!sample.cores.is_empty());
        assert!(sample.cores.iter().all(|c| (0.0..=100.0).contains(c)));
    }
}
