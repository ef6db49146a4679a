//! Memory and swap from `/proc/meminfo`.

use crate::proto::telemetry::MemorySample;

use super::procfs::{KeptFile, WarnOnce, fields, lines, parse_u64};

const PROC_MEMINFO: &str = "/proc/meminfo";

/// Parses `/proc/meminfo` (values in KiB) into bytes. `None` without a `MemTotal` line.
pub(crate) fn parse_meminfo(text: &[u8]) -> Option<MemorySample> {
    let mut total = None;
    let mut free = 0;
    let mut available = None;
    let mut buffers = 0;
    let mut cached = 0;
    let mut swap_total = 0;
    let mut swap_free = 0;
    for line in lines(text) {
        let mut parts = fields(line);
        let (Some(key), Some(value)) = (parts.next(), parts.next()) else {
            continue;
        };
        let Some(kib) = parse_u64(value) else {
            continue;
        };
        let bytes = kib.saturating_mul(1024);
        match key {
            b"MemTotal:" => total = Some(bytes),
            b"MemFree:" => free = bytes,
            b"MemAvailable:" => available = Some(bytes),
            b"Buffers:" => buffers = bytes,
            b"Cached:" => cached = bytes,
            b"SwapTotal:" => swap_total = bytes,
            b"SwapFree:" => swap_free = bytes,
            _ => {}
        }
    }
    let total = total?;
    // Kernels before 3.14 have no MemAvailable: estimate it the way `free` did then.
    let available = available
        .unwrap_or_else(|| free.saturating_add(buffers).saturating_add(cached))
        .min(total);
    Some(MemorySample {
        total,
        used: total - available,
        available,
        cached: buffers.saturating_add(cached),
        swap_total,
        swap_used: swap_total.saturating_sub(swap_free),
    })
}

/// Reads `/proc/meminfo` each tick into a reused buffer.
#[derive(Debug)]
pub(crate) struct MemoryMeter {
    file: KeptFile,
    buf: Vec<u8>,
    warn: WarnOnce,
}

impl Default for MemoryMeter {
    fn default() -> Self {
        MemoryMeter {
            file: KeptFile::new(PROC_MEMINFO),
            buf: Vec::with_capacity(2048),
            warn: WarnOnce::default(),
        }
    }
}

impl MemoryMeter {
    /// The current memory figures; all zero when `/proc/meminfo` cannot be read.
    pub(crate) fn sample(&mut self) -> MemorySample {
        let parsed = match self.file.read(&mut self.buf) {
            Ok(()) => parse_meminfo(&self.buf),
            Err(error) => {
                self.warn.warn(PROC_MEMINFO, &error);
                return zero();
            }
        };
        parsed.unwrap_or_else(|| {
            self.warn.warn(PROC_MEMINFO, &"no MemTotal line");
            zero()
        })
    }
}

fn zero() -> MemorySample {
    MemorySample {
        total: 0,
        used: 0,
        available: 0,
        cached: 0,
        swap_total: 0,
        swap_used: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MEMINFO: &[u8] = b"MemTotal:       24668920 kB\n\
MemFree:         1000000 kB\n\
MemAvailable:   20000000 kB\n\
Buffers:          100000 kB\n\
Cached:          5000000 kB\n\
SwapCached:            0 kB\n\
SwapTotal:       2000000 kB\n\
SwapFree:        1500000 kB\n\
HugePages_Total:       0\n";

    #[test]
    fn parses_in_bytes() {
        let memory = parse_meminfo(MEMINFO).expect("parsed");
        assert_eq!(memory.total, 24_668_920 * 1024);
        assert_eq!(memory.available, 20_000_000 * 1024);
        assert_eq!(memory.used, 4_668_920 * 1024);
        assert_eq!(memory.cached, 5_100_000 * 1024);
        assert_eq!(memory.swap_total, 2_000_000 * 1024);
        assert_eq!(memory.swap_used, 500_000 * 1024);
    }

    #[test]
    fn estimates_available_on_old_kernels() {
        let memory =
            parse_meminfo(b"MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n")
                .expect("parsed");
        assert_eq!(memory.available, 400 * 1024);
        assert_eq!(memory.used, 600 * 1024);
        assert_eq!(memory.swap_total, 0);
    }

    #[test]
    fn hostile_input() {
        assert_eq!(parse_meminfo(b""), None);
        assert_eq!(parse_meminfo(b"MemFree: 1 kB\n"), None);
        // Available above total (a racy read) never makes `used` wrap.
        let memory =
            parse_meminfo(b"MemTotal: 10 kB\nMemAvailable: 20 kB\nMemFree: x kB\nBroken\n")
                .expect("parsed");
        assert_eq!(memory.used, 0);
        // Swap free above swap total does not wrap either.
        let memory =
            parse_meminfo(b"MemTotal: 10 kB\nSwapTotal: 1 kB\nSwapFree: 2 kB\n").expect("parsed");
        assert_eq!(memory.swap_used, 0);
    }

    #[test]
    fn real_meminfo_is_consistent() {
        let memory = MemoryMeter::default().sample();
        assert!(memory.total > 0);
        assert!(memory.used <= memory.total);
        assert!(memory.swap_used <= memory.swap_total);
    }
}
