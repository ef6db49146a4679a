//! Telemetry collection: what the agent measures each tick.
//!
//! [`Collector`] is synchronous and owns every reader; the agent's sampler thread calls
//! [`Collector::sample`] once per interval. Linux only: values come from `/proc`, `/sys` and
//! NVML (loaded lazily; simulated GPUs on request). The readers parse the kernel's files
//! directly, into reused buffers and mostly through descriptors kept open (a `/proc` file read
//! again at offset 0 is generated afresh), so that a tick costs little even with many
//! processes.
//!
//! One file per concept:
//! - `host`: host facts, uptime and load; `cpu`: busy shares; `memory`: memory and swap;
//!   `cgroup`: cgroup v2 limits; `mounts` and `disks`: real disks; `network`:
//!   interfaces;
//! - `processes` walks the process table, with the parsers of `pid_files`;
//! - `gpu`: NVML, simulated GPUs, or why there are none;
//! - `procfs`: the shared small readers and parsers.
//!
//! Every source that cannot be read shows as "n/a" (or is left out) and is logged once; a
//! sample never fails as a whole.

mod cgroup;
mod cpu;
mod disks;
mod gpu;
mod host;
mod memory;
mod mounts;
mod network;
mod pid_files;
mod processes;
mod procfs;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use self::gpu::NVML_LIBRARY_ENV;

use crate::proto::telemetry::{GpuSample, HostInfo, ProcessSample, ProcessTable, Sample};

/// How the collector is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectorOptions {
    /// The sampling interval the samples are tagged with.
    pub interval_ms: u32,
    /// Serve this many simulated GPUs instead of asking NVML (0: use NVML).
    pub simulate_gpus: u32,
    /// The NVML library to load instead of the system's `libnvidia-ml.so.1`; when `None`,
    /// `$STATION_NVML_LIB` is honoured. A path that does not exist forces the no-GPU path.
    pub nvml_library: Option<PathBuf>,
    /// A process that used no CPU between its last two reads is read again only after this
    /// many milliseconds; meanwhile it is listed with 0 % CPU and its last resident size.
    /// Cuts the cost of a walk over many idle processes, at the price of seeing one wake up
    /// up to this much later. 0 reads every process on every walk.
    pub idle_process_recheck_ms: u32,
}

impl Default for CollectorOptions {
    /// One sample a second, real GPUs from the system's NVML.
    fn default() -> Self {
        CollectorOptions {
            interval_ms: 1000,
            simulate_gpus: 0,
            nvml_library: None,
            idle_process_recheck_ms: 0,
        }
    }
}

/// One tick's measurements.
#[derive(Debug, Clone, PartialEq)]
pub struct Collected {
    /// Everything but the process rows (`sample.processes.rows` is empty; `total` and
    /// `matched` are the process count of the latest walk, 0 before the first).
    pub sample: Sample,
    /// Every process, unsorted; empty when processes were not walked this tick.
    pub processes: Vec<ProcessSample>,
}

/// Owns the readers and the state between ticks (previous counters for rates).
#[derive(Debug)]
pub struct Collector {
    options: CollectorOptions,
    host: HostInfo,
    seq: u64,
    host_meter: host::HostMeter,
    cpu: cpu::CpuMeter,
    memory: memory::MemoryMeter,
    cgroup: cgroup::CgroupMeter,
    disks: disks::DiskMeter,
    network: network::NetworkMeter,
    processes: processes::ProcessWalker,
    gpus: gpu::GpuCollector,
}

impl Collector {
    /// Cheap: reads the host facts and takes the baselines of the CPU, disk and network
    /// counters (a few small files), so the first sample already has rates. NVML loads on the
    /// first sample; the first process walk has no CPU shares yet.
    pub fn new(options: CollectorOptions) -> Collector {
        let gpus = gpu::GpuCollector::new(options.simulate_gpus, options.nvml_library.clone());
        Collector {
            host: host::read_host_info(),
            seq: 0,
            host_meter: host::HostMeter::default(),
            cpu: cpu::CpuMeter::new(),
            memory: memory::MemoryMeter::default(),
            cgroup: cgroup::CgroupMeter::new(),
            disks: disks::DiskMeter::new(),
            network: network::NetworkMeter::new(),
            processes: processes::ProcessWalker::new(Duration::from_millis(u64::from(
                options.idle_process_recheck_ms,
            ))),
            gpus,
            options,
        }
    }

    /// Facts that do not change while the agent runs.
    pub fn host_info(&self) -> HostInfo {
        self.host.clone()
    }

    /// Measures everything once. `with_processes`: walk the process table this tick (rates
    /// of a walk are measured since the previous walk).
    pub fn sample(&mut self, with_processes: bool) -> Collected {
        self.seq += 1;
        let taken_at_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| {
                u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
            });
        let (uptime_secs, load) = self.host_meter.sample();
        let cpu = self.cpu.sample();
        let memory = self.memory.sample();
        let cgroup = self.cgroup.sample();
        let disks = self.disks.sample();
        let networks = self.network.sample();
        let gpus = self.gpus.sample();
        let mut processes = if with_processes {
            self.processes.walk()
        } else {
            Vec::new()
        };
        attribute_gpu_memory(&gpus.gpus, &mut processes);
        let total = self.processes.total();
        Collected {
            sample: Sample {
                seq: self.seq,
                taken_at_ms,
                interval_ms: self.options.interval_ms,
                uptime_secs,
                load,
                cpu,
                memory,
                cgroup,
                disks,
                networks,
                processes: ProcessTable {
                    total,
                    matched: total,
                    rows: Vec::new(),
                },
                gpus,
            },
            processes,
        }
    }
}

/// Sets each process's GPU memory to the sum over the GPUs whose process lists report it.
fn attribute_gpu_memory(gpus: &[GpuSample], processes: &mut [ProcessSample]) {
    let mut by_pid: HashMap<u32, u64> = HashMap::new();
    for process in gpus.iter().flat_map(|gpu| &gpu.processes) {
        if let Some(memory) = process.memory {
            *by_pid.entry(process.pid).or_default() += memory;
        }
    }
    if by_pid.is_empty() {
        return;
    }
    for process in processes {
        process.gpu_memory = by_pid.get(&process.pid).copied();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::telemetry::GpuProcess;

    fn gpu(index: u32, processes: Vec<GpuProcess>) -> GpuSample {
        GpuSample {
            index,
            name: "NVIDIA H200".into(),
            uuid: format!("GPU-{index}"),
            simulated: false,
            utilization: None,
            memory_used: None,
            memory_total: None,
            temperature_c: None,
            power_w: None,
            power_limit_w: None,
            sm_clock_mhz: None,
            sm_clock_max_mhz: None,
            fan_percent: None,
            pcie_tx_bps: None,
            pcie_rx_bps: None,
            processes,
        }
    }

    fn process(pid: u32) -> ProcessSample {
        ProcessSample {
            pid,
            user: "u".into(),
            command: "c".into(),
            cpu: 0.0,
            rss: 0,
            gpu_memory: None,
            kernel_thread: false,
        }
    }

    fn on_gpu(pid: u32, memory: Option<u64>) -> GpuProcess {
        GpuProcess {
            pid,
            name: None,
            memory,
        }
    }

    #[test]
    fn gpu_memory_is_summed_over_gpus() {
        let gpus = vec![
            gpu(0, vec![on_gpu(10, Some(100)), on_gpu(11, None)]),
            gpu(1, vec![on_gpu(10, Some(50)), on_gpu(12, Some(7))]),
        ];
        let mut processes = vec![process(10), process(11), process(12), process(13)];
        attribute_gpu_memory(&gpus, &mut processes);
        let memory: Vec<Option<u64>> = processes.iter().map(|p| p.gpu_memory).collect();
        assert_eq!(memory, vec![Some(150), None, Some(7), None]);
    }

    #[test]
    fn collector_can_move_to_the_sampler_thread() {
        fn assert_send<T: Send + 'static>() {}
        assert_send::<Collector>();
        assert_send::<Collected>();
    }

    #[test]
    fn default_options() {
        let options = CollectorOptions::default();
        assert_eq!(options.interval_ms, 1000);
        assert_eq!(options.simulate_gpus, 0);
        assert_eq!(options.nvml_library, None);
        assert_eq!(options.idle_process_recheck_ms, 0);
    }
}
