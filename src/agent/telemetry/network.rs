//! Network interfaces from `/proc/net/dev`: receive and transmit rates of every interface but
//! loopback.

use std::collections::HashMap;
use std::time::Instant;

use crate::proto::telemetry::NetworkSample;

use super::procfs::{KeptFile, WarnOnce, fields, lines, parse_u64};

const NET_DEV: &str = "/proc/net/dev";

/// One interface's byte counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Counters {
    pub(crate) name: String,
    pub(crate) rx: u64,
    pub(crate) tx: u64,
}

/// Parses `/proc/net/dev` into `out` (cleared first), loopback left out. A large counter can
/// touch the colon (`eth0:123…`), so the name ends at the colon, not at a space.
pub(crate) fn parse_net_dev(text: &[u8], out: &mut Vec<Counters>) {
    out.clear();
    for line in lines(text) {
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            continue; // the two header lines
        };
        let (name, values) = line.split_at(colon);
        let name = name.trim_ascii();
        if name.is_empty() || name == b"lo" {
            continue;
        }
        let mut values = fields(&values[1..]);
        // rx: bytes packets errs drop fifo frame compressed multicast, then tx: bytes …
        let rx = values.next().and_then(parse_u64);
        let tx = values.nth(7).and_then(parse_u64);
        if let (Some(rx), Some(tx)) = (rx, tx) {
            out.push(Counters {
                name: String::from_utf8_lossy(name).into_owned(),
                rx,
                tx,
            });
        }
    }
}

/// Reads `/proc/net/dev` each tick and turns counters into rates.
#[derive(Debug)]
pub(crate) struct NetworkMeter {
    file: KeptFile,
    buf: Vec<u8>,
    current: Vec<Counters>,
    previous: HashMap<String, (u64, u64)>,
    previous_at: Instant,
    warn: WarnOnce,
}

impl NetworkMeter {
    /// Takes the baseline now, so that the first sample already has rates.
    pub(crate) fn new() -> NetworkMeter {
        let mut meter = NetworkMeter {
            file: KeptFile::new(NET_DEV),
            buf: Vec::with_capacity(2048),
            current: Vec::new(),
            previous: HashMap::new(),
            previous_at: Instant::now(),
            warn: WarnOnce::default(),
        };
        meter.sample();
        meter
    }

    /// Every interface but loopback, with rates since the previous call.
    pub(crate) fn sample(&mut self) -> Vec<NetworkSample> {
        let now = Instant::now();
        match self.file.read(&mut self.buf) {
            Ok(()) => parse_net_dev(&self.buf, &mut self.current),
            Err(error) => {
                self.warn.warn(NET_DEV, &error);
                self.current.clear();
            }
        }
        let seconds = now.duration_since(self.previous_at).as_secs_f64();
        self.previous_at = now;
        let rate = |now: u64, before: Option<u64>| match before {
            Some(before) if seconds > 0.0 => now.saturating_sub(before) as f64 / seconds,
            _ => 0.0,
        };
        let samples = self
            .current
            .iter()
            .map(|counters| {
                let before = self.previous.get(&counters.name);
                NetworkSample {
                    name: counters.name.clone(),
                    rx_bps: rate(counters.rx, before.map(|b| b.0)),
                    tx_bps: rate(counters.tx, before.map(|b| b.1)),
                    rx_total: counters.rx,
                    tx_total: counters.tx,
                }
            })
            .collect();
        self.previous.clear();
        self.previous.extend(
            self.current
                .iter()
                .map(|counters| (counters.name.clone(), (counters.rx, counters.tx))),
        );
        samples
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NET_DEV_TEXT: &[u8] = b"Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0
  eth0: 50392805    2936    0    0    0     0          0         0   231546    1892    0    0    0     0       0          0
wlan0:123456789012 5 0 0 0 0 0 0 42 1 0 0 0 0 0 0
 broken: 1 2 3
";

    #[test]
    fn parses_interfaces_without_loopback() {
        let mut out = Vec::new();
        parse_net_dev(NET_DEV_TEXT, &mut out);
        assert_eq!(
            out,
            vec![
                Counters {
                    name: "eth0".into(),
                    rx: 50_392_805,
                    tx: 231_546
                },
                Counters {
                    name: "wlan0".into(),
                    rx: 123_456_789_012,
                    tx: 42
                },
            ]
        );
    }

    #[test]
    fn empty_and_header_only() {
        let mut out = vec![Counters {
            name: "stale".into(),
            rx: 1,
            tx: 1,
        }];
        parse_net_dev(b"", &mut out);
        assert!(out.is_empty());
        parse_net_dev(b"Inter-|   Receive\n face |bytes\n", &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn rates_are_never_negative() {
        let mut meter = NetworkMeter::new();
        for sample in meter.sample() {
            assert!(sample.rx_bps >= 0.0 && sample.tx_bps >= 0.0);
            assert_ne!(sample.name, "lo");
        }
    }
}
