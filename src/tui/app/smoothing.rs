//! Steadier process CPU for the process table.
//!
//! Per-process CPU over one second comes in whole percents from the kernel's 100 Hz clock,
//! so an idle process blinks between 0 and 1 %. Sorted by CPU, every blink moves it, and
//! with it every row between its two places: most of the table is redrawn each second for
//! nothing. The console therefore shows an exponential average (half from the newest
//! sample), and when the agent cut its list, a process that dropped out of it stays a few
//! samples longer with its average decaying, instead of vanishing and coming back.

use std::collections::HashMap;

use crate::proto::telemetry::ProcessSample;

/// Weight of the newest sample.
const ALPHA: f32 = 0.5;
/// Samples a process stays after the agent stopped sending it.
const KEEP_MISSING: u8 = 3;

#[derive(Debug, Clone)]
struct Tracked {
    row: ProcessSample,
    missing: u8,
}

/// The averaged rows of the latest samples.
#[derive(Debug, Clone, Default)]
pub struct CpuSmoothing {
    tracked: HashMap<u32, Tracked>,
    last_seq: Option<u64>,
}

impl CpuSmoothing {
    /// Replaces each row's CPU by its average and, when `keep_missing`, adds the rows that
    /// recently dropped out. A sample seen before (same `seq`) gets the same averages.
    pub fn apply(&mut self, seq: u64, rows: &mut Vec<ProcessSample>, keep_missing: bool) {
        let fresh = self.last_seq.is_none_or(|last| seq > last);
        self.last_seq = Some(seq);
        let mut next = HashMap::with_capacity(rows.len());
        for row in rows.iter_mut() {
            if let Some(old) = self.tracked.get(&row.pid) {
                row.cpu = if fresh {
                    old.row.cpu + ALPHA * (row.cpu - old.row.cpu)
                } else {
                    old.row.cpu
                };
            }
            next.insert(
                row.pid,
                Tracked {
                    row: row.clone(),
                    missing: 0,
                },
            );
        }
        if keep_missing {
            for (pid, mut old) in self.tracked.drain() {
                if next.contains_key(&pid) {
                    continue;
                }
                if fresh {
                    old.missing += 1;
                    old.row.cpu *= 1.0 - ALPHA;
                }
                if old.missing <= KEEP_MISSING {
                    rows.push(old.row.clone());
                    next.insert(pid, old);
                }
            }
        }
        self.tracked = next;
    }

    /// Forgets everything (a new agent, or rows of another query).
    pub fn clear(&mut self) {
        self.tracked.clear();
        self.last_seq = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pid: u32, cpu: f32) -> ProcessSample {
        ProcessSample {
            pid,
            user: "ana".into(),
            command: format!("p{pid}"),
            cpu,
            rss: 0,
            gpu_memory: None,
        }
    }

    fn cpus(rows: &[ProcessSample]) -> Vec<(u32, f32)> {
        let mut out: Vec<_> = rows.iter().map(|r| (r.pid, r.cpu)).collect();
        out.sort_by_key(|(pid, _)| *pid);
        out
    }

    #[test]
    fn averages_blinks_and_repeats_are_not_counted_twice() {
        let mut smoothing = CpuSmoothing::default();
        let mut rows = vec![row(1, 1.0)];
        smoothing.apply(1, &mut rows, false);
        assert_eq!(cpus(&rows), [(1, 1.0)]);
        let mut rows = vec![row(1, 0.0)];
        smoothing.apply(2, &mut rows, false);
        assert_eq!(cpus(&rows), [(1, 0.5)]);
        let mut again = vec![row(1, 0.0)];
        smoothing.apply(2, &mut again, false);
        assert_eq!(cpus(&again), [(1, 0.5)], "the same sample again");
        let mut rows = vec![row(1, 1.0)];
        smoothing.apply(3, &mut rows, false);
        assert_eq!(cpus(&rows), [(1, 0.75)]);
    }

    #[test]
    fn dropped_rows_decay_for_a_few_samples_when_the_list_was_cut() {
        let mut smoothing = CpuSmoothing::default();
        let mut rows = vec![row(1, 8.0), row(2, 4.0)];
        smoothing.apply(1, &mut rows, true);
        let mut seen = vec![];
        for seq in 2..=5 {
            let mut rows = vec![row(1, 8.0)];
            smoothing.apply(seq, &mut rows, true);
            seen.push(cpus(&rows));
        }
        assert_eq!(
            seen,
            [
                vec![(1, 8.0), (2, 2.0)],
                vec![(1, 8.0), (2, 1.0)],
                vec![(1, 8.0), (2, 0.5)],
                vec![(1, 8.0)],
            ]
        );
        let mut rows = vec![row(1, 8.0)];
        smoothing.apply(6, &mut rows, false);
        assert_eq!(cpus(&rows), [(1, 8.0)]);
    }
}
