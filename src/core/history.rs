//! Bounded history of telemetry series.
//!
//! The agent records every sample into a [`HistoryBook`] so that a console that connects gets
//! the last ten minutes at once; the console keeps its own book, seeded from that snapshot and
//! extended by each new sample. Both sides derive the series from a sample through
//! [`series_points`], so they can never disagree about names or units. Memory is bounded: the
//! set of series is fixed by the machine (totals, not per-process or per-interface), and each
//! ring holds at most [`HistoryBook::capacity`] points.

use std::collections::{BTreeMap, VecDeque};

use super::units::share;
use crate::proto::telemetry::{History, Sample, Series};

/// How much history the agent keeps.
pub const HISTORY_SPAN_MS: u64 = 10 * 60 * 1000;

/// The most points one series holds, whatever the interval (10 min at 250 ms).
pub const MAX_POINTS: usize = 2400;

/// Series names. GPU series are `gpu.<index>.util`, `gpu.<index>.mem` and `gpu.<index>.power`.
pub mod keys {
    /// Total CPU busy, percent.
    pub const CPU: &str = "cpu";
    /// Memory used, percent of total.
    pub const MEMORY: &str = "mem";
    /// Swap used, percent of total (0 without swap).
    pub const SWAP: &str = "swap";
    /// All interfaces but loopback, bytes per second.
    pub const NET_RX: &str = "net.rx";
    pub const NET_TX: &str = "net.tx";
    /// All listed disks, bytes per second.
    pub const DISK_READ: &str = "disk.read";
    pub const DISK_WRITE: &str = "disk.write";

    pub fn gpu_util(index: u32) -> String {
        format!("gpu.{index}.util")
    }
    pub fn gpu_memory(index: u32) -> String {
        format!("gpu.{index}.mem")
    }
    pub fn gpu_power(index: u32) -> String {
        format!("gpu.{index}.power")
    }
}

/// Points per series for a sampling interval, so that the book spans [`HISTORY_SPAN_MS`].
pub fn capacity_for(interval_ms: u32) -> usize {
    let points = HISTORY_SPAN_MS / u64::from(interval_ms.max(1));
    usize::try_from(points)
        .unwrap_or(MAX_POINTS)
        .clamp(1, MAX_POINTS)
}

/// Every (series, value) pair one sample contributes.
pub fn series_points(sample: &Sample) -> Vec<(String, f32)> {
    let memory = &sample.memory;
    let mut points = vec![
        (keys::CPU.to_owned(), sample.cpu.total),
        (keys::MEMORY.to_owned(), share(memory.used, memory.total)),
        (
            keys::SWAP.to_owned(),
            share(memory.swap_used, memory.swap_total),
        ),
        (
            keys::NET_RX.to_owned(),
            sample.networks.iter().map(|n| n.rx_bps).sum::<f64>() as f32,
        ),
        (
            keys::NET_TX.to_owned(),
            sample.networks.iter().map(|n| n.tx_bps).sum::<f64>() as f32,
        ),
        (
            keys::DISK_READ.to_owned(),
            sample.disks.iter().filter_map(|d| d.read_bps).sum::<f64>() as f32,
        ),
        (
            keys::DISK_WRITE.to_owned(),
            sample.disks.iter().filter_map(|d| d.write_bps).sum::<f64>() as f32,
        ),
    ];
    for gpu in &sample.gpus.gpus {
        if let Some(util) = gpu.utilization {
            points.push((keys::gpu_util(gpu.index), util as f32));
        }
        if let (Some(used), Some(total)) = (gpu.memory_used, gpu.memory_total) {
            points.push((keys::gpu_memory(gpu.index), share(used, total)));
        }
        if let Some(power) = gpu.power_w {
            points.push((keys::gpu_power(gpu.index), power));
        }
    }
    points
}

/// A fixed-capacity ring of values, oldest first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ring {
    values: VecDeque<f32>,
    capacity: usize,
}

impl Ring {
    pub fn new(capacity: usize) -> Self {
        Ring {
            values: VecDeque::with_capacity(capacity.min(MAX_POINTS)),
            capacity: capacity.max(1),
        }
    }

    /// Appends a value, dropping the oldest when full. Non-finite values are stored as 0.
    pub fn push(&mut self, value: f32) {
        if self.values.len() == self.capacity {
            self.values.pop_front();
        }
        self.values
            .push_back(if value.is_finite() { value } else { 0.0 });
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = f32> + ExactSizeIterator + '_ {
        self.values.iter().copied()
    }

    /// The newest `n` values (fewer when the ring holds fewer), oldest first.
    pub fn last(&self, n: usize) -> impl Iterator<Item = f32> + '_ {
        self.values
            .iter()
            .skip(self.values.len().saturating_sub(n))
            .copied()
    }

    pub fn latest(&self) -> Option<f32> {
        self.values.back().copied()
    }

    /// The largest of the newest `n` values (0 when empty).
    pub fn max_of_last(&self, n: usize) -> f32 {
        self.last(n).fold(0.0, f32::max)
    }
}

/// Named rings sharing one time axis.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryBook {
    capacity: usize,
    interval_ms: u32,
    last_seq: u64,
    series: BTreeMap<String, Ring>,
}

impl HistoryBook {
    pub fn new(interval_ms: u32) -> Self {
        HistoryBook {
            capacity: capacity_for(interval_ms),
            interval_ms,
            last_seq: 0,
            series: BTreeMap::new(),
        }
    }

    /// Rebuilds a book from the wire form, keeping at most the newest `capacity_for` points.
    pub fn from_wire(history: History) -> Self {
        let mut book = HistoryBook::new(history.interval_ms);
        book.last_seq = history.last_seq;
        for series in history.series {
            let mut ring = Ring::new(book.capacity);
            for value in series.points {
                ring.push(value);
            }
            book.series.insert(series.key, ring);
        }
        book
    }

    pub fn to_wire(&self) -> History {
        History {
            interval_ms: self.interval_ms,
            last_seq: self.last_seq,
            series: self
                .series
                .iter()
                .map(|(key, ring)| Series {
                    key: key.clone(),
                    points: ring.iter().collect(),
                })
                .collect(),
        }
    }

    /// Adds one sample's points. A sample older than or equal to the last one recorded (seen
    /// again after a reconnect) is ignored, so nothing is counted twice.
    pub fn record(&mut self, sample: &Sample) {
        if sample.seq != 0 && sample.seq <= self.last_seq {
            return;
        }
        self.last_seq = sample.seq;
        self.interval_ms = sample.interval_ms;
        for (key, value) in series_points(sample) {
            let capacity = self.capacity;
            self.series
                .entry(key)
                .or_insert_with(|| Ring::new(capacity))
                .push(value);
        }
    }

    pub fn get(&self, key: &str) -> Option<&Ring> {
        self.series.get(key)
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn interval_ms(&self) -> u32 {
        self.interval_ms
    }

    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    pub fn series_count(&self) -> usize {
        self.series.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_drops_oldest_when_full() {
        let mut ring = Ring::new(3);
        for v in 1..=5 {
            ring.push(v as f32);
        }
        assert_eq!(ring.iter().collect::<Vec<_>>(), vec![3.0, 4.0, 5.0]);
        assert_eq!(ring.last(2).collect::<Vec<_>>(), vec![4.0, 5.0]);
        assert_eq!(ring.last(10).count(), 3);
        assert_eq!(ring.latest(), Some(5.0));
        assert_eq!(ring.max_of_last(3), 5.0);
    }

    #[test]
    fn ring_stores_non_finite_as_zero() {
        let mut ring = Ring::new(2);
        ring.push(f32::NAN);
        ring.push(f32::INFINITY);
        assert_eq!(ring.iter().collect::<Vec<_>>(), vec![0.0, 0.0]);
    }

    #[test]
    fn capacity_spans_ten_minutes_within_bounds() {
        assert_eq!(capacity_for(1000), 600);
        assert_eq!(capacity_for(250), 2400);
        assert_eq!(capacity_for(60_000), 10);
        assert_eq!(capacity_for(0), MAX_POINTS);
        assert_eq!(capacity_for(10 * 60_000 + 1), 1);
    }
}
