//! Real disks: which are mounted (`/proc/self/mountinfo`, rescanned every few seconds), how
//! full they are (`statvfs`) and how fast they are read and written (`/proc/diskstats`).

use std::collections::HashMap;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::time::{Duration, Instant};

use nix::sys::statvfs::statvfs;

use crate::proto::telemetry::DiskSample;

use super::mounts::{DeviceNumber, Mount, parse_mountinfo, real_disks};
use super::procfs::{KeptFile, WarnOnce, fields, lines, parse_u64};

const MOUNTINFO: &str = "/proc/self/mountinfo";
const DISKSTATS: &str = "/proc/diskstats";
/// Mounts change rarely; the table is read again this often, not every tick.
const RESCAN_EVERY: Duration = Duration::from_secs(10);
/// `/proc/diskstats` counts 512-byte sectors whatever the device's real sector size.
const SECTOR: u64 = 512;

/// Bytes read and written so far, per device, from `/proc/diskstats`.
pub(crate) fn parse_diskstats(text: &[u8], out: &mut HashMap<DeviceNumber, (u64, u64)>) {
    out.clear();
    for line in lines(text) {
        let mut parts = fields(line);
        let number = |field: Option<&[u8]>| field.and_then(parse_u64);
        let (Some(major), Some(minor)) = (number(parts.next()), number(parts.next())) else {
            continue;
        };
        let mut counters = parts.skip(1); // the device name
        let sectors_read = number(counters.nth(2));
        let sectors_written = number(counters.nth(3));
        if let (Some(read), Some(written), Ok(major), Ok(minor)) = (
            sectors_read,
            sectors_written,
            u32::try_from(major),
            u32::try_from(minor),
        ) {
            out.insert(
                (major, minor),
                (read.saturating_mul(SECTOR), written.saturating_mul(SECTOR)),
            );
        }
    }
}

/// One listed disk and its counters at the previous tick.
#[derive(Debug)]
struct Disk {
    mount_point: String,
    device: String,
    fs_type: String,
    number: DeviceNumber,
    previous: Option<(u64, u64)>,
}

/// Lists the real disks and measures their use and throughput.
#[derive(Debug)]
pub(crate) struct DiskMeter {
    disks: Vec<Disk>,
    rescan_at: Instant,
    previous_at: Instant,
    diskstats: KeptFile,
    buf: Vec<u8>,
    counters: HashMap<DeviceNumber, (u64, u64)>,
    warn_mounts: WarnOnce,
    warn_stats: WarnOnce,
    warn_statvfs: WarnOnce,
}

impl DiskMeter {
    /// Reads the mount table and takes the I/O baseline, so the first sample has rates.
    pub(crate) fn new() -> DiskMeter {
        let now = Instant::now();
        let mut meter = DiskMeter {
            disks: Vec::new(),
            rescan_at: now,
            previous_at: now,
            diskstats: KeptFile::new(DISKSTATS),
            buf: Vec::with_capacity(4096),
            counters: HashMap::new(),
            warn_mounts: WarnOnce::default(),
            warn_stats: WarnOnce::default(),
            warn_statvfs: WarnOnce::default(),
        };
        meter.rescan(now);
        meter.read_counters();
        for disk in &mut meter.disks {
            disk.previous = meter.counters.get(&disk.number).copied();
        }
        meter
    }

    fn rescan(&mut self, now: Instant) {
        self.rescan_at = now + RESCAN_EVERY;
        let text = match std::fs::read_to_string(MOUNTINFO) {
            Ok(text) => text,
            Err(error) => {
                self.warn_mounts.warn(MOUNTINFO, &error);
                return;
            }
        };
        let mounts = parse_mountinfo(&text);
        let found = real_disks(&mounts, device_of, |path| {
            std::fs::metadata(path).is_ok_and(|meta| meta.is_file())
        });
        let mut old: HashMap<(String, DeviceNumber), Option<(u64, u64)>> = self
            .disks
            .drain(..)
            .map(|disk| ((disk.mount_point, disk.number), disk.previous))
            .collect();
        self.disks = found
            .into_iter()
            .map(|(mount, number)| Disk {
                previous: old.remove(&(mount.mount_point.clone(), number)).flatten(),
                mount_point: mount.mount_point.clone(),
                device: mount.source.clone(),
                fs_type: mount.fs_type.clone(),
                number,
            })
            .collect();
    }

    fn read_counters(&mut self) {
        match self.diskstats.read(&mut self.buf) {
            Ok(()) => parse_diskstats(&self.buf, &mut self.counters),
            Err(error) => {
                self.warn_stats.warn(DISKSTATS, &error);
                self.counters.clear();
            }
        }
    }

    /// Every real disk with its size, use and read/write rates since the previous call.
    pub(crate) fn sample(&mut self) -> Vec<DiskSample> {
        let now = Instant::now();
        if now >= self.rescan_at {
            self.rescan(now);
        }
        self.read_counters();
        let seconds = now.duration_since(self.previous_at).as_secs_f64();
        self.previous_at = now;
        let mut samples = Vec::with_capacity(self.disks.len());
        for disk in &mut self.disks {
            let current = self.counters.get(&disk.number).copied();
            let rate = |now: u64, before: u64| {
                if seconds > 0.0 {
                    now.saturating_sub(before) as f64 / seconds
                } else {
                    0.0
                }
            };
            let (read_bps, write_bps) = match (current, disk.previous) {
                (Some((read, write)), Some((read_before, write_before))) => (
                    Some(rate(read, read_before)),
                    Some(rate(write, write_before)),
                ),
                (Some(_), None) => (Some(0.0), Some(0.0)),
                (None, _) => (None, None),
            };
            disk.previous = current;
            let (total, used) = match statvfs(disk.mount_point.as_str()) {
                Ok(stat) => {
                    let fragment = stat.fragment_size();
                    let total = stat.blocks().saturating_mul(fragment);
                    let free = stat.blocks_free().saturating_mul(fragment);
                    (total, total.saturating_sub(free))
                }
                Err(error) => {
                    self.warn_statvfs
                        .warn(&format!("statvfs {}", disk.mount_point), &error);
                    (0, 0)
                }
            };
            samples.push(DiskSample {
                mount: disk.mount_point.clone(),
                device: disk.device.clone(),
                fs_type: disk.fs_type.clone(),
                total,
                used,
                read_bps,
                write_bps,
            });
        }
        samples
    }
}

/// The device whose statistics a mount's I/O shows up in: the block device node's own number
/// when the source is one (btrfs and device-mapper report other numbers in mountinfo), else
/// mountinfo's number.
fn device_of(mount: &Mount) -> DeviceNumber {
    std::fs::metadata(&mount.source)
        .ok()
        .filter(|meta| meta.file_type().is_block_device())
        .map(|meta| {
            let rdev = meta.rdev();
            (
                nix::sys::stat::major(rdev) as u32,
                nix::sys::stat::minor(rdev) as u32,
            )
        })
        .unwrap_or(mount.device)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_diskstats_in_bytes() {
        let text = b"   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n\
 254       0 vda 27491 5009 5268730 24060 5621 39620 15221784 42454 0 6556 66970 4451 33 215912 452 90 3\n\
 8 1 sda1 1 2 3 4 5 6\n\
 bad line\n";
        let mut out = HashMap::new();
        parse_diskstats(text, &mut out);
        assert_eq!(
            out.get(&(254, 0)),
            Some(&(5_268_730 * 512, 15_221_784 * 512))
        );
        assert_eq!(out.get(&(7, 0)), Some(&(0, 0)));
        // Too few counters: not guessed.
        assert_eq!(out.get(&(8, 1)), None);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn old_kernel_partition_lines_are_skipped() {
        // Kernels before 2.6.25 wrote four counters for partitions.
        let mut out = HashMap::new();
        parse_diskstats(b"8 1 sda1 100 200 300 400\n", &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn real_machine_lists_the_root_filesystem() {
        let mut meter = DiskMeter::new();
        let disks = meter.sample();
        let root = disks.iter().find(|d| d.mount == "/").expect("root listed");
        assert!(root.total > 0);
        assert!(root.used <= root.total);
    }
}
