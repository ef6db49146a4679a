//! GPU readings: real GPUs through NVML, simulated GPUs, or the reason there are none.
//!
//! - [`memo`]: which failing queries are not asked again every tick.
//! - [`nvml`]: the NVML reader (loaded lazily, on the first sample).
//! - [`simulated`]: moving, plausible, deterministic GPUs for demos and tests.

mod memo;
mod nvml;
mod simulated;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::proto::telemetry::{GpuPanel, GpuSource};

use self::nvml::{NvmlGpus, unavailable_reason, worth_retrying};
use self::simulated::SimulatedGpus;

/// How long to wait before trying again to start NVML after a failure that may pass (the
/// driver not loaded yet). A missing library is not tried again.
const RETRY_START_AFTER: Duration = Duration::from_secs(60);

/// Environment variable that names the NVML library to load, when the options name none.
pub const NVML_LIBRARY_ENV: &str = "STATION_NVML_LIB";

#[derive(Debug)]
enum State {
    /// NVML has not been tried yet.
    NotStarted,
    Nvml(Box<NvmlGpus>),
    Simulated(SimulatedGpus),
    Unavailable {
        reason: String,
        retry_at: Option<Instant>,
    },
}

/// Where GPU readings come from, chosen at the first sample.
#[derive(Debug)]
pub(crate) struct GpuCollector {
    state: State,
    library: Option<PathBuf>,
}

impl GpuCollector {
    /// `simulate` > 0 serves that many simulated GPUs; otherwise NVML is loaded from
    /// `library` (or `$STATION_NVML_LIB`, or the system's library) at the first sample.
    pub(crate) fn new(simulate: u32, library: Option<PathBuf>) -> GpuCollector {
        let state = if simulate > 0 {
            State::Simulated(SimulatedGpus::new(simulate))
        } else {
            State::NotStarted
        };
        let library = library.or_else(|| {
            std::env::var_os(NVML_LIBRARY_ENV)
                .filter(|value| !value.is_empty())
                .map(PathBuf::from)
        });
        GpuCollector { state, library }
    }

    /// One reading of every GPU.
    pub(crate) fn sample(&mut self) -> GpuPanel {
        let due = match &self.state {
            State::NotStarted => true,
            State::Unavailable {
                retry_at: Some(at), ..
            } => Instant::now() >= *at,
            _ => false,
        };
        if due {
            self.start();
        }
        match &mut self.state {
            State::Nvml(gpus) => GpuPanel {
                source: gpus.source(),
                gpus: gpus.sample(),
            },
            State::Simulated(gpus) => GpuPanel {
                source: GpuSource::Simulated,
                gpus: gpus.sample(),
            },
            State::Unavailable { reason, .. } => GpuPanel {
                source: GpuSource::Unavailable {
                    reason: reason.clone(),
                },
                gpus: Vec::new(),
            },
            State::NotStarted => GpuPanel {
                source: GpuSource::Loading,
                gpus: Vec::new(),
            },
        }
    }

    fn start(&mut self) {
        let started = Instant::now();
        self.state = match NvmlGpus::start(self.library.as_deref()) {
            Ok(gpus) => {
                tracing::info!(
                    "gpu: NVML started in {:?}: {:?}",
                    started.elapsed(),
                    gpus.source()
                );
                State::Nvml(Box::new(gpus))
            }
            Err(error) => {
                let reason = unavailable_reason(self.library.as_deref(), &error);
                let retry_at = worth_retrying(&error).then(|| started + RETRY_START_AFTER);
                if !matches!(&self.state, State::Unavailable { reason: old, .. } if *old == reason)
                {
                    tracing::info!("gpu: {reason}");
                }
                State::Unavailable { reason, retry_at }
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loading_is_deferred_to_the_first_sample() {
        let collector = GpuCollector::new(0, Some(PathBuf::from("/nonexistent/libnvml.so")));
        assert!(matches!(collector.state, State::NotStarted));
    }

    #[test]
    fn missing_library_is_unavailable_and_not_retried() {
        let mut collector = GpuCollector::new(0, Some(PathBuf::from("/nonexistent/libnvml.so")));
        let panel = collector.sample();
        let GpuSource::Unavailable { reason } = &panel.source else {
            panic!("expected unavailable, got {:?}", panel.source);
        };
        assert!(reason.contains("no NVIDIA driver"), "{reason}");
        assert!(panel.gpus.is_empty());
        assert!(matches!(
            collector.state,
            State::Unavailable { retry_at: None, .. }
        ));
        assert_eq!(collector.sample(), panel);
    }

    #[test]
    fn simulated_never_touches_nvml() {
        let mut collector = GpuCollector::new(2, Some(PathBuf::from("/nonexistent/libnvml.so")));
        let panel = collector.sample();
        assert!(panel.is_simulated());
        assert_eq!(panel.gpus.len(), 2);
    }
}
