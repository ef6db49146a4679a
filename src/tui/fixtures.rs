//! Fixed, deterministic telemetry for tests and snapshots: a 16-core host with two simulated
//! H100s, two disks, two interfaces, a busy process table and ten minutes of history.
//! No clocks and no randomness: every number comes from the tick index. [`jobs`] adds the
//! job runner's side, [`fleet`] a fleet of instances, [`power`] a power report.

pub mod fleet;
pub mod jobs;
pub mod power;

use std::time::Instant;

use ratatui::layout::Rect;

use crate::core::history::HistoryBook;
use crate::proto::TelemetrySnapshot;
use crate::proto::telemetry::{
    CpuSample, DiskSample, GpuPanel, GpuProcess, GpuSample, GpuSource, HostInfo, MemorySample,
    NetworkSample, ProcessSample, ProcessTable, Sample,
};
use crate::proto::{PROTOCOL_VERSION, Ready, STATION_VERSION};
use crate::tui::app::{AgentMsg, App, Connected, Msg};
use crate::tui::keymap::Keymap;
use crate::tui::theme::Theme;

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

/// The fixture machine.
pub fn host() -> HostInfo {
    HostInfo {
        hostname: "gpu-box".into(),
        os: "Debian GNU/Linux 12 (bookworm)".into(),
        kernel: "6.1.0-18-amd64".into(),
        arch: "x86_64".into(),
        cpu_model: "AMD EPYC 7R13 Processor".into(),
        logical_cpus: 16,
        boot_time: 1_700_000_000,
    }
}

/// A wave in 0..=100 that depends only on `tick` and `phase`.
fn wave(tick: u64, phase: u64, period: u64) -> f32 {
    let t = (tick + phase) % period;
    let half = period / 2;
    let up = if t < half { t } else { period - t };
    (up * 100 / half.max(1)) as f32
}

fn process(
    pid: u32,
    user: &str,
    cpu: f32,
    rss: u64,
    gpu: Option<u64>,
    command: &str,
) -> ProcessSample {
    ProcessSample {
        pid,
        user: user.into(),
        command: command.into(),
        cpu,
        rss,
        gpu_memory: gpu,
        kernel_thread: false,
    }
}

fn processes() -> ProcessTable {
    let mut rows = vec![
        process(
            48121,
            "ana",
            398.2,
            12 * GIB,
            Some(61 * GIB),
            "python train.py --config configs/llama-7b.yaml --gpus 0",
        ),
        process(
            48122,
            "ana",
            97.5,
            9 * GIB,
            Some(38 * GIB),
            "python train.py --config configs/llama-7b.yaml --gpus 1",
        ),
        process(
            3310,
            "ana",
            12.0,
            2 * GIB + 300 * MIB,
            None,
            "jupyter-lab --no-browser --port 8888",
        ),
        process(
            1022,
            "root",
            4.1,
            180 * MIB,
            None,
            "/usr/bin/dockerd -H fd://",
        ),
        process(
            48200,
            "ana",
            2.5,
            850 * MIB,
            Some(512 * MIB),
            "tensorboard --logdir runs",
        ),
        process(
            912,
            "root",
            1.0,
            45 * MIB,
            None,
            "/lib/systemd/systemd-journald",
        ),
        process(2231, "ana", 0.7, 14 * MIB, None, "tmux new -s train"),
        process(
            48050,
            "ana",
            0.3,
            9 * MIB,
            None,
            "station agent --simulate-gpus 2",
        ),
        process(1, "root", 0.0, 12 * MIB, None, "/sbin/init"),
        process(655, "root", 0.0, 8 * MIB, None, "/usr/sbin/sshd -D"),
        process(2, "root", 0.0, 0, None, "[kthreadd]"),
        process(
            710,
            "message+",
            0.0,
            5 * MIB,
            None,
            "/usr/bin/dbus-daemon --system",
        ),
    ];
    for i in 0..24u32 {
        rows.push(process(
            5000 + i,
            "ana",
            0.0,
            u64::from(i + 1) * MIB,
            None,
            &format!("worker --shard {i}"),
        ));
    }
    ProcessTable {
        total: 212,
        matched: 212,
        rows,
    }
}

fn gpu(index: u32, tick: u64) -> GpuSample {
    let util = 60 + (wave(tick, u64::from(index) * 37, 90) * 0.38) as u32;
    GpuSample {
        index,
        name: "NVIDIA H100 80GB HBM3".into(),
        uuid: format!("GPU-5a1d0000-0000-4000-8000-00000000000{index}"),
        simulated: true,
        utilization: Some(util.min(100)),
        memory_used: Some(if index == 0 { 62 * GIB } else { 39 * GIB }),
        memory_total: Some(80 * GIB),
        temperature_c: Some(58 + index * 5),
        power_w: Some(412.5 - index as f32 * 90.0),
        power_limit_w: Some(700.0),
        sm_clock_mhz: Some(1980),
        sm_clock_max_mhz: Some(1980),
        fan_percent: None,
        pcie_tx_bps: Some(1_200 * MIB),
        pcie_rx_bps: Some(310 * MIB),
        processes: vec![
            GpuProcess {
                pid: 48121 + index,
                name: Some("python".into()),
                memory: Some(if index == 0 { 61 * GIB } else { 38 * GIB }),
            },
            GpuProcess {
                pid: 48200,
                name: Some("tensorboard".into()),
                memory: Some(512 * MIB),
            },
        ],
    }
}

/// The sample of tick `tick` (600 is "now").
pub fn sample_at(tick: u64, gpus: usize) -> Sample {
    let cores: Vec<f32> = (0..16u64)
        .map(|core| match core {
            0..=3 => 96.0 + (core as f32),
            _ => wave(tick, core * 13, 40 + core * 3) * 0.3,
        })
        .collect();
    let total = cores.iter().sum::<f32>() / cores.len() as f32;
    let gpu_list: Vec<GpuSample> = (0..gpus as u32).map(|i| gpu(i, tick)).collect();
    Sample {
        seq: tick,
        taken_at_ms: 1_700_400_000_000 + tick * 1000,
        interval_ms: 1000,
        uptime_secs: 4 * 86_400 + 3 * 3600 + 17 * 60 + 5,
        load: [4.52, 4.31, 3.98],
        cpu: CpuSample { total, cores },
        memory: MemorySample {
            total: 62 * GIB + 800 * MIB,
            used: 27 * GIB + (wave(tick, 0, 300) as u64) * 20 * MIB,
            available: 33 * GIB,
            cached: 18 * GIB,
            swap_total: 8 * GIB,
            swap_used: 256 * MIB,
        },
        cgroup: None,
        disks: vec![
            DiskSample {
                mount: "/".into(),
                device: "/dev/nvme0n1p2".into(),
                fs_type: "ext4".into(),
                total: 468 * GIB,
                used: 301 * GIB,
                read_bps: Some(f64::from(wave(tick, 5, 20)) * 40_000.0),
                write_bps: Some(f64::from(wave(tick, 0, 12)) * 90_000.0),
            },
            DiskSample {
                mount: "/data".into(),
                device: "/dev/md0".into(),
                fs_type: "xfs".into(),
                total: 7 * 1024 * GIB,
                used: 6 * 1024 * GIB + 900 * GIB,
                read_bps: Some(f64::from(wave(tick, 3, 30)) * 2_000_000.0),
                write_bps: None,
            },
        ],
        networks: vec![
            NetworkSample {
                name: "eth0".into(),
                rx_bps: f64::from(wave(tick, 0, 24)) * 120_000.0,
                tx_bps: f64::from(wave(tick, 7, 16)) * 30_000.0,
                rx_total: 9_100_000_000,
                tx_total: 1_200_000_000,
            },
            NetworkSample {
                name: "docker0".into(),
                rx_bps: 0.0,
                tx_bps: 0.0,
                rx_total: 0,
                tx_total: 0,
            },
        ],
        processes: processes(),
        gpus: if gpus == 0 {
            GpuPanel {
                source: GpuSource::Unavailable {
                    reason: "NVML could not be loaded: libnvidia-ml.so.1: cannot open shared object file".into(),
                },
                gpus: Vec::new(),
            }
        } else {
            GpuPanel {
                source: GpuSource::Simulated,
                gpus: gpu_list,
            }
        },
    }
}

/// What a console gets when it subscribes: the host, tick 600, and ticks 1–599 as history.
pub fn snapshot(gpus: usize) -> TelemetrySnapshot {
    let mut book = HistoryBook::new(1000);
    for tick in 1..600 {
        book.record(&sample_at(tick, gpus));
    }
    TelemetrySnapshot {
        host: host(),
        latest: Some(sample_at(600, gpus)),
        history: book.to_wire(),
    }
}

/// What the link reports when it connects to the fixture agent.
pub fn connected(gpus: usize) -> Connected {
    Connected {
        ready: Ready {
            protocol_version: PROTOCOL_VERSION,
            station_version: STATION_VERSION.into(),
            agent_pid: 48050,
            host: host(),
        },
        snapshot: snapshot(gpus),
        version_warning: None,
    }
}

/// A console of `width`×`height` that has just connected to the fixture agent at `now`.
pub fn app(width: u16, height: u16, gpus: usize, now: Instant) -> App {
    let mut app = App::new(
        Keymap::default(),
        Theme::plain(),
        "dark",
        Rect::new(0, 0, width, height),
    );
    app.update(
        Msg::Agent(AgentMsg::Connected(Box::new(connected(gpus)))),
        now,
    );
    app
}
