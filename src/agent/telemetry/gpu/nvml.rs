//! Real GPUs through NVML (`nvml-wrapper`).
//!
//! NVML is loaded once, on the first sample. Every per-GPU query goes through a
//! [`FieldMemo`], so a query that a GPU does not support (a fan on a data-centre GPU) is
//! asked once, and one that fails for another reason is asked again only after a back-off.
//! PCIe throughput is read every [`PCIE_EVERY`] only: that call can block for ~20 ms.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::Path;
use std::time::{Duration, Instant};

use nvml_wrapper::Nvml;
use nvml_wrapper::enum_wrappers::device::{Clock, PcieUtilCounter, TemperatureSensor};
use nvml_wrapper::enums::device::UsedGpuMemory;
use nvml_wrapper::error::NvmlError;
use nvml_wrapper::struct_wrappers::device::ProcessInfo;

use crate::proto::telemetry::{GpuProcess, GpuSample, GpuSource};

use super::memo::{FieldMemo, Permanence};
use crate::agent::telemetry::host::NOT_AVAILABLE;

/// How often PCIe throughput is read.
pub(crate) const PCIE_EVERY: Duration = Duration::from_secs(5);

impl Permanence for NvmlError {
    fn is_permanent(&self) -> bool {
        matches!(
            self,
            NvmlError::NotSupported
                | NvmlError::InvalidArg
                | NvmlError::FunctionNotFound
                | NvmlError::FailedToLoadSymbol(_)
        )
    }
}

/// Why NVML could not start, worded for the GPU panel.
pub(crate) fn unavailable_reason(library: Option<&Path>, error: &NvmlError) -> String {
    let library = library.map_or_else(
        || "libnvidia-ml.so.1".to_owned(),
        |path| path.display().to_string(),
    );
    match error {
        NvmlError::LibloadingError(error) => {
            // The loader's message names the file it tried, unless it is unusually terse.
            let error = error.to_string();
            if error.contains(&library) {
                format!("no NVIDIA driver: {error}")
            } else {
                format!("no NVIDIA driver: cannot load {library}: {error}")
            }
        }
        NvmlError::DriverNotLoaded => {
            format!("no NVIDIA driver: {library} is installed but the driver is not loaded")
        }
        NvmlError::LibRmVersionMismatch => format!(
            "NVIDIA driver and {library} have different versions (updated without a reboot?)"
        ),
        NvmlError::NoPermission => format!("NVML refused access: {error}"),
        other => format!("NVML failed to start: {other}"),
    }
}

/// Whether an NVML start failure could go away without a restart (the driver being loaded).
pub(crate) fn worth_retrying(error: &NvmlError) -> bool {
    !matches!(
        error,
        NvmlError::LibloadingError(_) | NvmlError::FailedToLoadSymbol(_)
    )
}

/// The memos of one GPU's queries.
#[derive(Debug, Default)]
struct Memos {
    handle: FieldMemo,
    utilization: FieldMemo,
    memory: FieldMemo,
    temperature: FieldMemo,
    power: FieldMemo,
    power_limit: FieldMemo,
    sm_clock: FieldMemo,
    fan: FieldMemo,
    pcie_tx: FieldMemo,
    pcie_rx: FieldMemo,
    compute: FieldMemo,
    graphics: FieldMemo,
}

/// What is known about one GPU between ticks.
#[derive(Debug)]
struct GpuState {
    index: u32,
    name: String,
    uuid: String,
    sm_clock_max: Option<u32>,
    memos: Memos,
    pcie_at: Option<Instant>,
    pcie: (Option<u64>, Option<u64>),
}

/// A started NVML and its GPUs.
#[derive(Debug)]
pub(crate) struct NvmlGpus {
    nvml: Nvml,
    source: GpuSource,
    gpus: Vec<GpuState>,
    tick: u64,
}

impl NvmlGpus {
    /// Loads NVML (from `library`, or the system's `libnvidia-ml.so.1`) and lists the GPUs.
    pub(crate) fn start(library: Option<&Path>) -> Result<NvmlGpus, NvmlError> {
        let nvml = match library {
            Some(path) => Nvml::builder().lib_path(OsStr::new(path)).init()?,
            None => Nvml::init()?,
        };
        let text =
            |value: Result<String, NvmlError>| value.unwrap_or_else(|_| NOT_AVAILABLE.into());
        let source = GpuSource::Nvml {
            driver_version: text(nvml.sys_driver_version()),
            nvml_version: text(nvml.sys_nvml_version()),
        };
        let count = nvml.device_count()?;
        let gpus = (0..count)
            .map(|index| {
                let device = nvml.device_by_index(index).ok();
                let device = device.as_ref();
                GpuState {
                    index,
                    name: device
                        .and_then(|d| d.name().ok())
                        .unwrap_or_else(|| NOT_AVAILABLE.into()),
                    uuid: device
                        .and_then(|d| d.uuid().ok())
                        .unwrap_or_else(|| NOT_AVAILABLE.into()),
                    sm_clock_max: device.and_then(|d| d.max_clock_info(Clock::SM).ok()),
                    memos: Memos::default(),
                    pcie_at: None,
                    pcie: (None, None),
                }
            })
            .collect();
        Ok(NvmlGpus {
            nvml,
            source,
            gpus,
            tick: 0,
        })
    }

    /// The source line of the GPU panel (driver and NVML versions).
    pub(crate) fn source(&self) -> GpuSource {
        self.source.clone()
    }

    /// Reads every GPU once.
    pub(crate) fn sample(&mut self) -> Vec<GpuSample> {
        self.tick += 1;
        let tick = self.tick;
        let now = Instant::now();
        let nvml = &self.nvml;
        self.gpus
            .iter_mut()
            .map(|gpu| gpu.sample(nvml, tick, now))
            .collect()
    }
}

impl GpuState {
    fn sample(&mut self, nvml: &Nvml, tick: u64, now: Instant) -> GpuSample {
        let mut sample = GpuSample {
            index: self.index,
            name: self.name.clone(),
            uuid: self.uuid.clone(),
            simulated: false,
            utilization: None,
            memory_used: None,
            memory_total: None,
            temperature_c: None,
            power_w: None,
            power_limit_w: None,
            sm_clock_mhz: None,
            sm_clock_max_mhz: self.sm_clock_max,
            fan_percent: None,
            pcie_tx_bps: None,
            pcie_rx_bps: None,
            processes: Vec::new(),
        };
        let index = self.index;
        let memos = &mut self.memos;
        let Some(device) = memos
            .handle
            .read(tick, "device handle", || nvml.device_by_index(index))
        else {
            return sample;
        };
        sample.utilization = memos
            .utilization
            .read(tick, "utilization", || device.utilization_rates())
            .map(|rates| rates.gpu);
        if let Some(memory) = memos.memory.read(tick, "memory", || device.memory_info()) {
            sample.memory_used = Some(memory.used);
            sample.memory_total = Some(memory.total);
        }
        sample.temperature_c = memos.temperature.read(tick, "temperature", || {
            device.temperature(TemperatureSensor::Gpu)
        });
        sample.power_w = memos
            .power
            .read(tick, "power draw", || device.power_usage())
            .map(milliwatts);
        sample.power_limit_w = memos
            .power_limit
            .read(tick, "power limit", || device.enforced_power_limit())
            .map(milliwatts);
        sample.sm_clock_mhz = memos
            .sm_clock
            .read(tick, "SM clock", || device.clock_info(Clock::SM));
        sample.fan_percent = memos.fan.read(tick, "fan", || device.fan_speed(0));

        if self.pcie_at.is_none_or(|at| now >= at) {
            self.pcie_at = Some(now + PCIE_EVERY);
            let kilobytes = |value: u32| u64::from(value) * 1024;
            self.pcie = (
                memos
                    .pcie_tx
                    .read(tick, "PCIe tx", || {
                        device.pcie_throughput(PcieUtilCounter::Send)
                    })
                    .map(kilobytes),
                memos
                    .pcie_rx
                    .read(tick, "PCIe rx", || {
                        device.pcie_throughput(PcieUtilCounter::Receive)
                    })
                    .map(kilobytes),
            );
        }
        (sample.pcie_tx_bps, sample.pcie_rx_bps) = self.pcie;

        let compute = memos.compute.read(tick, "compute processes", || {
            device.running_compute_processes()
        });
        let graphics = memos.graphics.read(tick, "graphics processes", || {
            device.running_graphics_processes()
        });
        sample.processes = merge_processes(compute.into_iter().chain(graphics).flatten());
        sample
    }
}

fn milliwatts(value: u32) -> f32 {
    value as f32 / 1000.0
}

/// One row per pid: a process that is both a compute and a graphics client is listed by both
/// queries with the same memory, so the larger figure is kept, not the sum.
fn merge_processes(infos: impl Iterator<Item = ProcessInfo>) -> Vec<GpuProcess> {
    let mut by_pid: BTreeMap<u32, Option<u64>> = BTreeMap::new();
    for info in infos {
        let memory = match info.used_gpu_memory {
            UsedGpuMemory::Used(bytes) => Some(bytes),
            UsedGpuMemory::Unavailable => None,
        };
        let slot = by_pid.entry(info.pid).or_insert(None);
        *slot = (*slot).max(memory);
    }
    by_pid
        .into_iter()
        .map(|(pid, memory)| GpuProcess {
            pid,
            name: std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .ok()
                .map(|name| name.trim_end().to_owned()),
            memory,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn info(pid: u32, memory: UsedGpuMemory) -> ProcessInfo {
        ProcessInfo {
            pid,
            used_gpu_memory: memory,
            gpu_instance_id: None,
            compute_instance_id: None,
        }
    }

    #[test]
    fn permanent_errors_are_the_unsupported_ones() {
        assert!(NvmlError::NotSupported.is_permanent());
        assert!(NvmlError::InvalidArg.is_permanent());
        assert!(NvmlError::FunctionNotFound.is_permanent());
        assert!(!NvmlError::GpuLost.is_permanent());
        assert!(!NvmlError::Unknown.is_permanent());
        assert!(!NvmlError::NotFound.is_permanent());
    }

    #[test]
    fn processes_merge_by_pid() {
        let merged = merge_processes(
            vec![
                info(427, UsedGpuMemory::Used(1_453_326_336)),
                info(9, UsedGpuMemory::Unavailable),
                info(427, UsedGpuMemory::Used(100)),
            ]
            .into_iter(),
        );
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].pid, 9);
        assert_eq!(merged[0].memory, None);
        assert_eq!(merged[1].memory, Some(1_453_326_336));
    }

    #[test]
    fn own_process_gets_its_name() {
        let own = std::process::id();
        let merged = merge_processes(std::iter::once(info(own, UsedGpuMemory::Used(1))));
        assert!(
            merged[0]
                .name
                .as_deref()
                .is_some_and(|name| !name.is_empty())
        );
    }

    #[test]
    fn missing_library_names_the_path_and_the_driver() {
        let path = PathBuf::from("/nonexistent/libnvidia-ml.so.1");
        let error = NvmlGpus::start(Some(&path)).expect_err("no such library");
        assert!(!worth_retrying(&error));
        let reason = unavailable_reason(Some(&path), &error);
        assert!(reason.starts_with("no NVIDIA driver"), "{reason}");
        assert!(
            reason.contains("/nonexistent/libnvidia-ml.so.1"),
            "{reason}"
        );
    }

    #[test]
    fn reasons_for_other_failures() {
        assert!(unavailable_reason(None, &NvmlError::DriverNotLoaded).contains("not loaded"));
        assert!(worth_retrying(&NvmlError::DriverNotLoaded));
        assert!(unavailable_reason(None, &NvmlError::Unknown).starts_with("NVML failed"));
    }
}
