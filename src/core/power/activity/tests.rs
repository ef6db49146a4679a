use std::time::Duration;

use super::*;
use crate::core::power::policy::JobsPolicy;
use crate::proto::telemetry::GpuProcess;

pub(crate) fn policy() -> IdlePolicy {
    IdlePolicy {
        enabled: true,
        after: Duration::from_secs(3600),
        cpu_percent: 10.0,
        gpu_percent: 5.0,
        gpu_memory_mib: 500,
        warn_before: Duration::from_secs(600),
        snooze_step: Duration::from_secs(1800),
        on_running_jobs: JobsPolicy::Wait,
        drain_timeout: Duration::from_secs(7200),
    }
}

fn gpu(index: u32, util_percent: u32, process_memory_mib: u64) -> GpuActivity {
    GpuActivity {
        index,
        util_percent,
        process_memory_mib,
    }
}

fn with_gpus(gpus: Vec<GpuActivity>) -> Activity {
    Activity {
        gpus: Some(gpus),
        ..Activity::default()
    }
}

#[test]
fn nothing_running_is_quiet() {
    assert!(Activity::default().reasons(&policy()).is_empty());
    assert!(with_gpus(vec![gpu(0, 0, 0)]).reasons(&policy()).is_empty());
    assert_eq!(describe(&[]), "quiet");
}

#[test]
fn each_count_is_a_reason_of_its_own() {
    let activity = Activity {
        running_jobs: 2,
        consoles: 1,
        console_terminals: 3,
        ssh_sessions: 1,
        local_logins: 1,
        ..Activity::default()
    };
    let reasons = activity.reasons(&policy());
    assert_eq!(
        reasons,
        vec![
            ActivityReason::Jobs { count: 2 },
            ActivityReason::Consoles {
                count: 1,
                terminals: 3
            },
            ActivityReason::Logins { ssh: 1, local: 1 },
        ]
    );
    assert_eq!(
        describe(&reasons),
        "active: 2 jobs, 1 console (3 terminals), 1 SSH session, 1 local login"
    );
}

#[test]
fn thresholds_count_only_when_exceeded() {
    let at_limits = Activity {
        cpu_percent: 10.0,
        ..with_gpus(vec![gpu(0, 5, 500)])
    };
    assert!(at_limits.reasons(&policy()).is_empty());
    let cpu = Activity {
        cpu_percent: 45.2,
        ..Activity::default()
    };
    assert_eq!(
        describe(&cpu.reasons(&policy())),
        "active: CPU at 45% (threshold 10%)"
    );
    let busy = with_gpus(vec![gpu(0, 0, 0), gpu(3, 87, 0)]);
    assert_eq!(describe(&busy.reasons(&policy())), "active: GPU 3 at 87%");
    let holding = with_gpus(vec![gpu(1, 0, 501)]);
    assert_eq!(
        holding.reasons(&policy()),
        vec![ActivityReason::GpuMemory {
            index: 1,
            used_mib: 501,
            threshold_mib: 500
        }]
    );
    assert_eq!(
        describe(&holding.reasons(&policy())),
        "active: GPU 1 memory 501M in use (threshold 500M)"
    );
}

#[test]
fn many_gpus_are_summed_up_by_the_busiest() {
    let activity = with_gpus(vec![
        gpu(2, 87, 9000),
        gpu(0, 40, 9000),
        gpu(1, 87, 100),
        gpu(5, 0, 2048),
        gpu(6, 0, 4096),
    ]);
    let reasons = activity.reasons(&policy());
    assert_eq!(reasons.len(), 5, "{reasons:?}");
    assert_eq!(
        describe(&reasons),
        "active: 3 GPUs busy, GPU 1 at 87%, \
         2 GPUs with memory in use, GPU 6 memory 4.0G in use (threshold 500M)"
    );
}

#[test]
fn gpu_readings_come_from_the_sample() {
    let mut sample = GpuSample {
        index: 2,
        name: "A100".into(),
        uuid: "GPU-1".into(),
        simulated: false,
        utilization: Some(31),
        memory_used: Some(4096 * MIB),
        memory_total: Some(40_960 * MIB),
        temperature_c: None,
        power_w: None,
        power_limit_w: None,
        sm_clock_mhz: None,
        sm_clock_max_mhz: None,
        fan_percent: None,
        pcie_tx_bps: None,
        pcie_rx_bps: None,
        processes: vec![
            GpuProcess {
                pid: 10,
                name: None,
                memory: Some(1000 * MIB),
            },
            GpuProcess {
                pid: 11,
                name: None,
                memory: Some(24 * MIB),
            },
        ],
    };
    assert_eq!(GpuActivity::from_sample(&sample), gpu(2, 31, 1024));
    sample.processes[1].memory = None;
    assert_eq!(
        GpuActivity::from_sample(&sample).process_memory_mib,
        4096,
        "an unknown process size counts the whole used memory"
    );
    sample.processes.clear();
    sample.utilization = None;
    assert_eq!(GpuActivity::from_sample(&sample), gpu(2, 0, 0));
}
