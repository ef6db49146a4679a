//! Simulated GPUs for demos and tests (`--simulate-gpus N`).
//!
//! Each GPU is shaped on the real H200 readings (`reference/gpu/README.md`): utilisation
//! random-walks around a base load with bursts of full load, memory grows while it works and
//! drops when a "job" ends, temperature follows utilisation with a lag, power tracks
//! utilisation between idle (~75 W) and the 700 W limit, the SM clock moves between 345 and
//! 1980 MHz, there is no fan, and PCIe traffic moves with the load. The values are
//! deterministic (a fixed-seed xorshift), so tests are stable. Samples carry
//! `simulated = true`; the front ends add the SIMULATED label from that flag, the name stays
//! the real model's. Simulated GPUs have no processes.

use crate::proto::telemetry::GpuSample;

const NAME: &str = "NVIDIA H200";
/// `memory_info().total` of the reference H200.
const MEMORY_TOTAL: u64 = 150_754_820_096;
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
const POWER_IDLE_W: f32 = 75.0;
const POWER_LIMIT_W: f32 = 700.0;
const SM_CLOCK_MIN: u32 = 345;
const SM_CLOCK_MAX: u32 = 1980;
const SEED: u64 = 0x5EED_0000_0000_0047;

/// A small xorshift64* generator: deterministic, no dependency.
#[derive(Debug, Clone)]
pub(crate) struct XorShift(u64);

impl XorShift {
    pub(crate) fn new(seed: u64) -> XorShift {
        XorShift(seed.max(1))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0.0..1.0`.
    pub(crate) fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in `low..high`.
    pub(crate) fn between(&mut self, low: f32, high: f32) -> f32 {
        low + (high - low) * self.unit()
    }
}

/// The moving state of one simulated GPU.
#[derive(Debug, Clone)]
struct SimGpu {
    base: f32,
    utilization: f32,
    burst_ticks: u32,
    memory_used: f64,
    temperature: f32,
    power: f32,
}

/// A set of simulated GPUs, advanced one step per sample.
#[derive(Debug, Clone)]
pub(crate) struct SimulatedGpus {
    rng: XorShift,
    gpus: Vec<SimGpu>,
}

impl SimulatedGpus {
    pub(crate) fn new(count: u32) -> SimulatedGpus {
        let mut rng = XorShift::new(SEED);
        let gpus = (0..count)
            .map(|_| {
                let base = rng.between(5.0, 60.0);
                SimGpu {
                    base,
                    utilization: base,
                    burst_ticks: 0,
                    memory_used: f64::from(rng.between(0.5, 40.0)) * GIB,
                    temperature: 37.0,
                    power: POWER_IDLE_W,
                }
            })
            .collect();
        SimulatedGpus { rng, gpus }
    }

    /// Advances every GPU one step and returns its readings.
    pub(crate) fn sample(&mut self) -> Vec<GpuSample> {
        let rng = &mut self.rng;
        self.gpus
            .iter_mut()
            .enumerate()
            .map(|(index, gpu)| {
                gpu.step(rng);
                gpu.reading(u32::try_from(index).unwrap_or(u32::MAX), rng)
            })
            .collect()
    }
}

impl SimGpu {
    fn step(&mut self, rng: &mut XorShift) {
        // Utilisation: bursts of full load, otherwise a random walk pulled towards the base.
        if self.burst_ticks > 0 {
            self.burst_ticks -= 1;
            self.utilization = rng.between(95.0, 100.0);
        } else if rng.unit() < 0.06 {
            self.burst_ticks = 5 + (rng.next_u64() % 16) as u32;
            self.utilization = rng.between(95.0, 100.0);
        } else {
            let pull = (self.base - self.utilization) * 0.2;
            self.utilization = (self.utilization + pull + rng.between(-8.0, 8.0)).clamp(0.0, 100.0);
        }
        if rng.unit() < 0.02 {
            self.base = rng.between(0.0, 70.0);
        }

        // Memory: grows while the GPU works, a "job" ending frees most of it.
        let limit = MEMORY_TOTAL as f64 * 0.92;
        if rng.unit() < 0.015 {
            self.memory_used = f64::from(rng.between(0.3, 2.0)) * GIB;
        } else if self.utilization > 30.0 {
            let grow = f64::from(rng.between(0.0, 1.5)) * GIB * f64::from(self.utilization / 100.0);
            self.memory_used = (self.memory_used + grow).min(limit);
        }

        // Temperature follows utilisation with a lag; power follows it almost at once.
        let target_temperature = 34.0 + self.utilization * 0.42;
        self.temperature += (target_temperature - self.temperature) * 0.08;
        let target_power = POWER_IDLE_W
            + (POWER_LIMIT_W - POWER_IDLE_W) * (self.utilization / 100.0) * rng.between(0.88, 0.97);
        self.power += (target_power - self.power) * 0.6;
    }

    fn reading(&self, index: u32, rng: &mut XorShift) -> GpuSample {
        let load = self.utilization / 100.0;
        let sm_clock = if self.utilization < 1.0 {
            SM_CLOCK_MIN
        } else {
            let share = (load * 1.6).min(1.0);
            (SM_CLOCK_MIN as f32 + (SM_CLOCK_MAX - SM_CLOCK_MIN) as f32 * share) as u32
        };
        // Idle traffic is about 1 MB/s each way; under load several GB/s, more to the GPU.
        let pcie = |scale: f32, rng: &mut XorShift| {
            ((1.0e6 + scale * load * rng.between(0.5, 1.0)) as u64).max(1)
        };
        GpuSample {
            index,
            name: NAME.to_owned(),
            uuid: format!("GPU-SIMULATED-0000-0000-0000-{index:012}"),
            simulated: true,
            utilization: Some(self.utilization.round() as u32),
            memory_used: Some(self.memory_used as u64),
            memory_total: Some(MEMORY_TOTAL),
            temperature_c: Some(self.temperature.round() as u32),
            power_w: Some(self.power.clamp(POWER_IDLE_W, POWER_LIMIT_W)),
            power_limit_w: Some(POWER_LIMIT_W),
            sm_clock_mhz: Some(sm_clock.clamp(SM_CLOCK_MIN, SM_CLOCK_MAX)),
            sm_clock_max_mhz: Some(SM_CLOCK_MAX),
            fan_percent: None,
            pcie_tx_bps: Some(pcie(2.0e9, rng)),
            pcie_rx_bps: Some(pcie(6.0e9, rng)),
            processes: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xorshift_is_deterministic_and_in_range() {
        let mut a = XorShift::new(7);
        let mut b = XorShift::new(7);
        for _ in 0..1000 {
            let value = a.unit();
            assert_eq!(value, b.unit());
            assert!((0.0..1.0).contains(&value));
        }
        // A zero seed would be stuck at zero forever.
        assert_ne!(XorShift::new(0).next_u64(), 0);
    }

    #[test]
    fn same_seed_same_story() {
        let mut a = SimulatedGpus::new(3);
        let mut b = SimulatedGpus::new(3);
        for _ in 0..50 {
            assert_eq!(a.sample(), b.sample());
        }
    }

    #[test]
    fn values_stay_plausible_for_a_long_run() {
        let mut gpus = SimulatedGpus::new(4);
        let mut utilizations = std::collections::BTreeSet::new();
        let mut memory = std::collections::BTreeSet::new();
        let mut bursts = 0;
        for _ in 0..5000 {
            let samples = gpus.sample();
            assert_eq!(samples.len(), 4);
            for (index, gpu) in samples.iter().enumerate() {
                assert_eq!(gpu.index as usize, index);
                assert!(gpu.simulated);
                assert!(gpu.uuid.contains("SIMULATED"));
                let util = gpu.utilization.expect("util");
                assert!(util <= 100);
                let used = gpu.memory_used.expect("used");
                assert!(used <= gpu.memory_total.expect("total"));
                let temperature = gpu.temperature_c.expect("temp");
                assert!((25..=90).contains(&temperature), "{temperature}");
                let power = gpu.power_w.expect("power");
                assert!((POWER_IDLE_W..=POWER_LIMIT_W).contains(&power));
                let clock = gpu.sm_clock_mhz.expect("clock");
                assert!((SM_CLOCK_MIN..=SM_CLOCK_MAX).contains(&clock));
                assert_eq!(gpu.fan_percent, None);
                assert!(gpu.pcie_tx_bps.expect("tx") > 0 && gpu.pcie_rx_bps.expect("rx") > 0);
                assert!(gpu.processes.is_empty());
                utilizations.insert(util);
                memory.insert(used);
                if util >= 95 {
                    bursts += 1;
                }
            }
        }
        // It moves: many distinct values, some full-load bursts.
        assert!(utilizations.len() > 50);
        assert!(memory.len() > 100);
        assert!(bursts > 100);
    }

    #[test]
    fn temperature_lags_behind_a_burst() {
        let mut gpu = SimGpu {
            base: 0.0,
            utilization: 0.0,
            burst_ticks: 30,
            memory_used: GIB,
            temperature: 34.0,
            power: POWER_IDLE_W,
        };
        let mut rng = XorShift::new(1);
        gpu.step(&mut rng);
        // Full load at once, but the die is still cool after one step.
        assert!(gpu.utilization >= 95.0);
        assert!(gpu.temperature < 40.0);
        for _ in 0..29 {
            gpu.step(&mut rng);
        }
        assert!(gpu.temperature > 65.0, "{}", gpu.temperature);
        assert!(gpu.power > 500.0);
    }
}
