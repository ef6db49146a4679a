//! Telemetry on the wire: what the agent measured about its instance.
//!
//! Every measured value that can fail on a given machine is an `Option`; `None` is shown as
//! "n/a" by every front end. Rates are bytes per second; sizes are bytes; percentages are
//! 0–100 where 100 is one full core (process CPU) or the whole resource (everything else).

use serde::{Deserialize, Serialize};

/// What does not change while the agent runs: who and what this instance is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostInfo {
    pub hostname: String,
    /// `PRETTY_NAME` from os-release, e.g. "Debian GNU/Linux 12 (bookworm)".
    pub os: String,
    /// Kernel release, e.g. "6.1.0-18-amd64".
    pub kernel: String,
    pub arch: String,
    pub cpu_model: String,
    pub logical_cpus: u32,
    /// Boot time, seconds since the Unix epoch.
    pub boot_time: u64,
}

/// One telemetry sample: everything measured at one tick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Increases by one per tick; lets clients spot gaps.
    pub seq: u64,
    /// When the sample was taken, milliseconds since the Unix epoch.
    pub taken_at_ms: u64,
    /// The sampling interval this sample belongs to.
    pub interval_ms: u32,
    pub uptime_secs: u64,
    /// 1, 5 and 15 minute load averages.
    pub load: [f32; 3],
    pub cpu: CpuSample,
    pub memory: MemorySample,
    /// Limits of the agent's cgroup (v2) when any is set.
    pub cgroup: Option<CgroupLimits>,
    pub disks: Vec<DiskSample>,
    pub networks: Vec<NetworkSample>,
    pub processes: ProcessTable,
    pub gpus: GpuPanel,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CpuSample {
    /// Busy share of all cores together, 0–100.
    pub total: f32,
    /// Busy share per logical core, 0–100, in kernel order.
    pub cores: Vec<f32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemorySample {
    pub total: u64,
    /// `total - available`: what the kernel cannot give back without swapping.
    pub used: u64,
    pub available: u64,
    /// Page cache and buffers.
    pub cached: u64,
    pub swap_total: u64,
    pub swap_used: u64,
}

/// cgroup v2 limits that bind the agent and everything it starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CgroupLimits {
    /// The cgroup's path under `/sys/fs/cgroup`.
    pub path: String,
    /// `memory.max` (the tightest along the path), bytes.
    pub memory_max: Option<u64>,
    /// `memory.current` of the agent's own cgroup, bytes.
    pub memory_current: Option<u64>,
    /// `cpu.max` as a number of cores (quota / period), the tightest along the path.
    pub cpu_max_cores: Option<f32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiskSample {
    pub mount: String,
    /// Block device, e.g. "/dev/nvme0n1p2".
    pub device: String,
    pub fs_type: String,
    pub total: u64,
    pub used: u64,
    /// Bytes per second read from the device; `None` when the kernel keeps no statistics for it.
    pub read_bps: Option<f64>,
    pub write_bps: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkSample {
    pub name: String,
    pub rx_bps: f64,
    pub tx_bps: f64,
    /// Bytes received since the interface came up.
    pub rx_total: u64,
    pub tx_total: u64,
}

/// How a client wants its process table: the agent sorts, filters and cuts it, so a client
/// never receives thousands of rows it cannot show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessSort {
    #[default]
    Cpu,
    Memory,
    GpuMemory,
}

impl ProcessSort {
    /// Every sort order, in the order a "next sort" key cycles through them.
    pub const ALL: [ProcessSort; 3] = [
        ProcessSort::Cpu,
        ProcessSort::Memory,
        ProcessSort::GpuMemory,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ProcessSort::Cpu => "cpu",
            ProcessSort::Memory => "mem",
            ProcessSort::GpuMemory => "gpu",
        }
    }

    /// Parses the names `name` gives, plus a few spellings people type.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "cpu" => Some(ProcessSort::Cpu),
            "mem" | "memory" | "rss" => Some(ProcessSort::Memory),
            "gpu" | "gpu-mem" | "gpumem" | "vram" => Some(ProcessSort::GpuMemory),
            _ => None,
        }
    }
}

/// The process query of one subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessQuery {
    pub sort: ProcessSort,
    /// At most this many rows; 0 asks for no process table at all.
    pub limit: u32,
    /// Keep only processes whose command or user contains this text (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// Include kernel threads; like htop, clients leave them out unless asked.
    #[serde(default)]
    pub kernel_threads: bool,
}

impl Default for ProcessQuery {
    fn default() -> Self {
        ProcessQuery {
            sort: ProcessSort::Cpu,
            limit: 50,
            filter: None,
            kernel_threads: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProcessTable {
    /// Processes on the instance (before filtering and cutting).
    pub total: u32,
    /// Processes that matched the filter (before cutting).
    pub matched: u32,
    /// The first `limit` matches in the requested order.
    pub rows: Vec<ProcessSample>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessSample {
    pub pid: u32,
    pub user: String,
    /// The command line, or `[name]` for kernel threads and processes without one.
    pub command: String,
    /// Share of one core, so a process using four cores shows 400.
    pub cpu: f32,
    /// Resident memory, bytes.
    pub rss: u64,
    /// GPU memory summed over every GPU, where NVML reports it.
    pub gpu_memory: Option<u64>,
    /// A kernel thread rather than a program (`PF_KTHREAD`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub kernel_thread: bool,
}

/// Where GPU readings come from, and whether there are any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GpuSource {
    /// The NVIDIA driver answered through NVML.
    Nvml {
        driver_version: String,
        nvml_version: String,
    },
    /// Made-up GPUs for demos and tests (`--simulate-gpus`); always labelled SIMULATED.
    Simulated,
    /// No GPU readings, and why (no driver, NVML failed to start, …).
    Unavailable { reason: String },
    /// NVML is still being loaded.
    Loading,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpuPanel {
    pub source: GpuSource,
    pub gpus: Vec<GpuSample>,
}

impl GpuPanel {
    pub fn is_simulated(&self) -> bool {
        matches!(self.source, GpuSource::Simulated)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpuSample {
    pub index: u32,
    pub name: String,
    pub uuid: String,
    /// True for simulated GPUs; front ends label them SIMULATED.
    pub simulated: bool,
    /// GPU busy share, 0–100.
    pub utilization: Option<u32>,
    pub memory_used: Option<u64>,
    pub memory_total: Option<u64>,
    pub temperature_c: Option<u32>,
    pub power_w: Option<f32>,
    pub power_limit_w: Option<f32>,
    pub sm_clock_mhz: Option<u32>,
    pub sm_clock_max_mhz: Option<u32>,
    /// Fan speed in percent; data-centre GPUs have no fan.
    pub fan_percent: Option<u32>,
    /// PCIe throughput, bytes per second, read on a slower cadence than the rest.
    pub pcie_tx_bps: Option<u64>,
    pub pcie_rx_bps: Option<u64>,
    pub processes: Vec<GpuProcess>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpuProcess {
    pub pid: u32,
    /// Short command name, when the process is visible to the agent.
    pub name: Option<String>,
    pub memory: Option<u64>,
}

/// The last minutes of every series, so graphs are full the moment a console connects.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct History {
    /// Time between two points.
    pub interval_ms: u32,
    /// `seq` of the sample the newest point came from.
    pub last_seq: u64,
    pub series: Vec<Series>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Stable series name, see `core::history::series_points`.
    pub key: String,
    /// Oldest first.
    pub points: Vec<f32>,
}
