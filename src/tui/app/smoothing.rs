//! Steadier process CPU for the process table.
//!
//! Per-process CPU over one second comes in whole percents from the kernel's 100 Hz clock,
//! so an idle process blinks between 0 and 1 %. Sorted by CPU, every blink moves it, and
//! with it every row between its two places: most of the table is redrawn each second for
//! nothing. So the console keeps an exponential average (half from the newest sample) and
//! shows (and sorts by) a value that follows the average only once it moved by more than
//! [`STEP`] (or 5 % of itself): noise stays put, real changes show within a sample or two.
//! When the agent cut its list, a process that dropped out of it stays a few samples longer,
//! decaying, instead of vanishing and coming back.

use std::collections::HashMap;

use crate::proto::telemetry::ProcessSample;

/// Weight of the newest sample.
const ALPHA: f32 = 0.5;
/// Samples a process stays after the agent stopped sending it.
const KEEP_MISSING: u8 = 3;
/// The least change of the average, in percent of a core, that changes what is shown: the
/// kernel counts CPU time in 100 Hz ticks, so one second of one process is measured in steps
/// of 1 %, and a smaller move is noise. (Measured with `bench/idle.sh`: 0.5 here let idle
/// processes trade places every few seconds, and the moved rows were most of the bytes sent
/// to the terminal.)
pub const STEP: f32 = 1.0;
/// Averages below this are shown as 0.
const ZERO: f32 = 0.05;

#[derive(Debug, Clone)]
struct Tracked {
    /// The row as last shown (its `cpu` is the shown value).
    row: ProcessSample,
    average: f32,
    missing: u8,
}

impl Tracked {
    fn new(row: ProcessSample) -> Tracked {
        Tracked {
            average: row.cpu,
            row,
            missing: 0,
        }
    }

    /// Moves the average towards `cpu` and the shown value towards the average.
    fn advance(&mut self, cpu: f32) {
        self.average += ALPHA * (cpu - self.average);
        let shown = self.row.cpu;
        let step = STEP.max(shown * 0.05);
        if self.average < ZERO {
            self.row.cpu = 0.0;
        } else if (self.average - shown).abs() > step {
            self.row.cpu = self.average;
        }
    }
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
            let tracked = match self.tracked.remove(&row.pid) {
                Some(mut old) => {
                    let cpu = row.cpu;
                    old.row = ProcessSample {
                        cpu: old.row.cpu,
                        ..row.clone()
                    };
                    if fresh {
                        old.advance(cpu);
                    }
                    old.missing = 0;
                    old
                }
                None => Tracked::new(row.clone()),
            };
            row.cpu = tracked.row.cpu;
            next.insert(row.pid, tracked);
        }
        if keep_missing {
            for (pid, mut old) in self.tracked.drain() {
                if fresh {
                    old.missing += 1;
                    old.advance(0.0);
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
            kernel_thread: false,
        }
    }

    fn cpus(rows: &[ProcessSample]) -> Vec<(u32, f32)> {
        let mut out: Vec<_> = rows.iter().map(|r| (r.pid, r.cpu)).collect();
        out.sort_by_key(|(pid, _)| *pid);
        out
    }

    #[test]
    fn blinks_stay_put_and_real_changes_show() {
        let mut smoothing = CpuSmoothing::default();
        let mut shown = vec![];
        for (seq, cpu) in [1.0, 0.0, 1.0, 0.0, 1.0, 50.0, 50.0, 0.0, 0.0, 0.0, 0.0, 0.0]
            .into_iter()
            .enumerate()
        {
            let mut rows = vec![row(1, cpu)];
            smoothing.apply(seq as u64 + 1, &mut rows, false);
            shown.push(rows[0].cpu);
        }
        let tenths: Vec<f32> = shown.iter().map(|v| (v * 10.0).round() / 10.0).collect();
        // A blinking process settles on its average; a busy one shows within a sample.
        assert_eq!(
            tenths,
            [
                1.0, 1.0, 1.0, 1.0, 1.0, 25.3, 37.7, 18.8, 9.4, 4.7, 2.4, 1.2
            ]
        );
        let mut again = vec![row(1, 99.0)];
        smoothing.apply(12, &mut again, false);
        assert_eq!(
            again[0].cpu, shown[11],
            "the same sample again changes nothing"
        );
        for seq in 13..30 {
            let mut rows = vec![row(1, 0.0)];
            smoothing.apply(seq, &mut rows, false);
            shown.push(rows[0].cpu);
        }
        assert_eq!(shown.last(), Some(&0.0), "an idle process reads 0");
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
                vec![(1, 8.0), (2, 2.0)],
                vec![(1, 8.0), (2, 0.5)],
                vec![(1, 8.0)],
            ]
        );
        let mut rows = vec![row(1, 8.0)];
        smoothing.apply(6, &mut rows, false);
        assert_eq!(cpus(&rows), [(1, 8.0)]);
    }
}
