//! Telemetry against the real machine: the collector's values must agree with the kernel's own
//! files and stay in sane ranges. Runs anywhere Linux runs, with or without a GPU.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use station::agent::telemetry::{Collected, Collector, CollectorOptions};
use station::proto::telemetry::{GpuSample, GpuSource};

/// Time between two samples whose rates are checked: a measurement window, not a wait for
/// something to happen.
const WINDOW: Duration = Duration::from_millis(300);

fn collector(simulate_gpus: u32) -> Collector {
    Collector::new(CollectorOptions {
        interval_ms: 300,
        simulate_gpus,
        // Never depend on whether this machine has a GPU.
        nvml_library: Some(PathBuf::from("/nonexistent/station-test/libnvidia-ml.so.1")),
        ..CollectorOptions::default()
    })
}

fn sample_after_window(collector: &mut Collector, with_processes: bool) -> Collected {
    thread::sleep(WINDOW);
    collector.sample(with_processes)
}

#[test]
fn host_info_matches_the_kernel() {
    let info = collector(0).host_info();
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
    assert_eq!(info.hostname, hostname.trim());
    let stat = std::fs::read_to_string("/proc/stat").expect("/proc/stat");
    let cores = stat
        .lines()
        .filter(|line| {
            line.strip_prefix("cpu")
                .and_then(|rest| rest.split(' ').next())
                .is_some_and(|label| label.parse::<u32>().is_ok())
        })
        .count();
    assert_eq!(info.logical_cpus as usize, cores);
    assert!(info.logical_cpus >= 1);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").expect("osrelease");
    assert_eq!(info.kernel, kernel.trim());
    assert!(!info.os.is_empty() && !info.arch.is_empty() && !info.cpu_model.is_empty());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    assert!(info.boot_time > 1_000_000_000 && info.boot_time <= now);
}

#[test]
fn two_samples_are_in_range() {
    let mut collector = collector(0);
    let first = collector.sample(false);
    let second = sample_after_window(&mut collector, false);
    assert_eq!(second.sample.seq, first.sample.seq + 1);
    assert_eq!(second.sample.interval_ms, 300);
    assert!(second.sample.taken_at_ms >= first.sample.taken_at_ms);
    assert!(second.sample.uptime_secs > 0);
    assert!(
        second
            .sample
            .load
            .iter()
            .all(|l| l.is_finite() && *l >= 0.0)
    );

    let cpu = &second.sample.cpu;
    assert!((0.0..=100.0).contains(&cpu.total), "{}", cpu.total);
    assert_eq!(cpu.cores.len(), collector.host_info().logical_cpus as usize);
    assert!(
        cpu.cores.iter().all(|c| (0.0..=100.0).contains(c)),
        "{:?}",
        cpu.cores
    );

    let memory = &second.sample.memory;
    assert!(memory.total > 0);
    assert!(memory.used <= memory.total);
    assert!(memory.available <= memory.total);
    assert!(memory.swap_used <= memory.swap_total);

    let root = second
        .sample
        .disks
        .iter()
        .find(|disk| disk.mount == "/")
        .expect("the root filesystem is listed");
    assert!(root.total > 0 && root.used <= root.total);
    for disk in &second.sample.disks {
        for rate in [disk.read_bps, disk.write_bps].into_iter().flatten() {
            assert!(rate.is_finite() && rate >= 0.0, "{disk:?}");
        }
    }
    let mut mounts: Vec<&str> = second
        .sample
        .disks
        .iter()
        .map(|d| d.mount.as_str())
        .collect();
    mounts.dedup();
    assert_eq!(mounts.len(), second.sample.disks.len(), "one row per mount");

    let net_dev = std::fs::read_to_string("/proc/net/dev").expect("/proc/net/dev");
    let has_interfaces = net_dev
        .lines()
        .filter_map(|line| line.split_once(':'))
        .any(|(name, _)| name.trim() != "lo");
    assert_eq!(!second.sample.networks.is_empty(), has_interfaces);
    for network in &second.sample.networks {
        assert_ne!(network.name, "lo");
        assert!(network.rx_bps >= 0.0 && network.tx_bps >= 0.0);
    }

    // Processes were not walked: no rows, and nothing made up.
    assert!(second.processes.is_empty());
    assert!(second.sample.processes.rows.is_empty());
}

#[test]
fn a_busy_thread_shows_up_in_the_process_table() {
    let stop = Arc::new(AtomicBool::new(false));
    let spinner = {
        let stop = Arc::clone(&stop);
        thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::hint::spin_loop();
            }
        })
    };
    let own = std::process::id();
    let mut collector = collector(0);
    let first = collector.sample(true);
    assert!(first.processes.iter().any(|p| p.pid == own));
    assert_eq!(first.sample.processes.total as usize, first.processes.len());

    // The machine may be busy: keep measuring until the spinner's share shows, or give up.
    let deadline = Instant::now() + Duration::from_secs(30);
    let me = loop {
        let collected = sample_after_window(&mut collector, true);
        let me = collected
            .processes
            .iter()
            .find(|p| p.pid == own)
            .cloned()
            .expect("own pid listed");
        if me.cpu > 30.0 || Instant::now() >= deadline {
            break me;
        }
    };
    stop.store(true, Ordering::Relaxed);
    spinner.join().expect("spinner");
    // A tick without a walk keeps the latest count and makes up no rows.
    let unwalked = collector.sample(false);
    assert!(unwalked.processes.is_empty());
    assert!(unwalked.sample.processes.total > 0);

    assert!(me.cpu > 30.0, "{me:?}");
    assert!(me.rss > 0);
    let exe = std::env::current_exe().expect("exe");
    let name = exe.file_name().and_then(|n| n.to_str()).expect("exe name");
    assert!(me.command.contains(name), "{me:?}");
    assert!(!me.user.is_empty());
    assert!(!me.kernel_thread, "a test binary is no kernel thread");
    // kthreadd (pid 2) is the parent of every kernel thread wherever the host's pids show.
    let first_kernel =
        std::fs::read_to_string("/proc/2/comm").is_ok_and(|c| c.trim() == "kthreadd");
    if first_kernel {
        let kthreadd = first
            .processes
            .iter()
            .find(|p| p.pid == 2)
            .expect("pid 2 listed");
        assert!(kthreadd.kernel_thread, "{kthreadd:?}");
    }
}

#[test]
fn no_nvml_library_means_no_gpu_and_says_why() {
    let mut collector = collector(0);
    let collected = collector.sample(false);
    let GpuSource::Unavailable { reason } = &collected.sample.gpus.source else {
        panic!("expected no GPUs, got {:?}", collected.sample.gpus.source);
    };
    assert!(reason.contains("no NVIDIA driver"), "{reason}");
    assert!(
        reason.contains("/nonexistent/station-test/libnvidia-ml.so.1"),
        "{reason}"
    );
    assert!(collected.sample.gpus.gpus.is_empty());
}

#[test]
fn simulated_gpus_move_within_plausible_ranges() {
    let mut collector = collector(2);
    let samples: Vec<Vec<GpuSample>> = (0..10)
        .map(|_| {
            let collected = collector.sample(false);
            assert_eq!(collected.sample.gpus.source, GpuSource::Simulated);
            collected.sample.gpus.gpus
        })
        .collect();
    for gpus in &samples {
        assert_eq!(gpus.len(), 2);
        for (index, gpu) in gpus.iter().enumerate() {
            assert_eq!(gpu.index as usize, index);
            assert!(gpu.simulated);
            assert!(gpu.utilization.is_some_and(|u| u <= 100));
            let (used, total) = (
                gpu.memory_used.expect("used"),
                gpu.memory_total.expect("total"),
            );
            assert!(used <= total);
            assert!(gpu.temperature_c.is_some_and(|t| (20..=95).contains(&t)));
            let power = gpu.power_w.expect("power");
            assert!(power > 0.0 && power <= gpu.power_limit_w.expect("limit"));
            let clock = gpu.sm_clock_mhz.expect("clock");
            assert!(clock <= gpu.sm_clock_max_mhz.expect("max clock"));
            assert!(gpu.processes.is_empty());
        }
        assert_ne!(gpus[0].uuid, gpus[1].uuid);
    }
    let moved = |field: fn(&GpuSample) -> String| {
        samples
            .iter()
            .map(|gpus| field(&gpus[0]))
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            > 1
    };
    assert!(moved(|gpu| format!("{:?}", gpu.utilization)));
    assert!(moved(|gpu| format!("{:?}", gpu.power_w)));
    assert!(moved(|gpu| format!("{:?}", gpu.memory_used)));
}
