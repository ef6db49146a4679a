//! Telemetry collection: what the agent measures each tick.
//!
//! [`Collector`] is synchronous and owns every reader; the agent's sampler thread calls
//! [`Collector::sample`] once per interval. Linux only: values come from `/proc`, `/sys` and
//! NVML (loaded lazily; simulated GPUs on request).

use crate::proto::telemetry::{HostInfo, ProcessSample, Sample};

/// How the collector is set up.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CollectorOptions {
    /// The sampling interval the samples are tagged with.
    pub interval_ms: u32,
    /// Serve this many simulated GPUs instead of asking NVML (0: use NVML).
    pub simulate_gpus: u32,
}

/// One tick's measurements.
#[derive(Debug, Clone, PartialEq)]
pub struct Collected {
    /// Everything but the process rows (`sample.processes.rows` is empty; `total` is set).
    pub sample: Sample,
    /// Every process, unsorted; empty when processes were not walked this tick.
    pub processes: Vec<ProcessSample>,
}

/// Owns the readers and the state between ticks (previous counters for rates).
#[derive(Debug)]
pub struct Collector {
    options: CollectorOptions,
}

impl Collector {
    /// Cheap: nothing slow happens here (NVML loads on the first sample).
    pub fn new(options: CollectorOptions) -> Collector {
        Collector { options }
    }

    /// Facts that do not change while the agent runs.
    pub fn host_info(&self) -> HostInfo {
        unimplemented!("telemetry collector")
    }

    /// Measures everything once. `with_processes`: walk the process table this tick.
    pub fn sample(&mut self, with_processes: bool) -> Collected {
        let _ = (with_processes, &self.options);
        unimplemented!("telemetry collector")
    }
}
