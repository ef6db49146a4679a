//! The planner against a made-up clock: observations once a second, no real waiting.

mod gaps;
mod stopping;

use std::time::Duration;

use super::*;
use crate::core::power::activity::{ActivityReason, GpuActivity};
use crate::core::power::events::StopTrigger;
use crate::core::power::policy::JobsPolicy;

pub(super) const T0: u64 = 1_800_000_000_000;
pub(super) const SEC: u64 = 1000;
pub(super) const MIN: u64 = 60 * SEC;

/// after 60 min, warn 10 min ahead, snooze 30 min, wait for jobs up to 2 h.
pub(super) fn policy() -> IdlePolicy {
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

pub(super) fn quiet() -> Activity {
    Activity::default()
}

pub(super) fn jobs(count: u32) -> Activity {
    Activity {
        running_jobs: count,
        ..Activity::default()
    }
}

pub(super) fn ssh(count: u32) -> Activity {
    Activity {
        ssh_sessions: count,
        ..Activity::default()
    }
}

pub(super) fn idle_since(minutes: u64) -> StopCause {
    StopCause::Idle {
        since_ms: T0 + minutes * MIN,
    }
}

pub(super) fn warn(cause: StopCause, deadline_min: u64) -> PowerEvent {
    PowerEvent::Warn {
        cause,
        deadline_ms: T0 + deadline_min * MIN,
    }
}

pub(super) fn stop(cause: StopCause, trigger: StopTrigger, jobs_to_cancel: u32) -> PowerEvent {
    PowerEvent::Stop {
        cause,
        trigger,
        jobs_to_cancel,
    }
}

/// A planner and the made-up clock, starting at `T0`.
pub(super) struct Run {
    pub planner: PowerPlanner,
    pub now: u64,
}

/// Events with the time they came, as ms after `T0`.
pub(super) type Timed = Vec<(u64, PowerEvent)>;

impl Run {
    pub fn new(policy: IdlePolicy) -> Self {
        Self {
            planner: PowerPlanner::new(policy, Duration::from_secs(1)),
            now: T0,
        }
    }

    /// Observes `activity` once a second from now for `ms` (the end not included).
    pub fn observe_for(&mut self, ms: u64, activity: &Activity) -> Timed {
        let mut timed = Vec::new();
        let end = self.now + ms;
        while self.now < end {
            let events = self.planner.observe(self.now, activity);
            timed.extend(events.into_iter().map(|event| (self.now - T0, event)));
            self.now += SEC;
        }
        timed
    }

    /// Ticks once a second from now for `ms` with no observation.
    pub fn tick_for(&mut self, ms: u64) -> Timed {
        let mut timed = Vec::new();
        let end = self.now + ms;
        while self.now < end {
            let events = self.planner.tick(self.now);
            timed.extend(events.into_iter().map(|event| (self.now - T0, event)));
            self.now += SEC;
        }
        timed
    }

    pub fn summary(&self) -> String {
        self.planner.status(self.now).summary()
    }
}

#[test]
fn a_quiet_machine_is_warned_then_stopped() {
    let mut run = Run::new(policy());
    assert_eq!(run.summary(), "waiting for the first activity reading");
    assert_eq!(run.observe_for(12 * MIN, &quiet()), vec![]);
    assert_eq!(run.summary(), "idle 12 min — stops in 48 min");
    let events = run.observe_for(61 * MIN, &quiet());
    assert_eq!(
        events,
        vec![
            (50 * MIN, warn(idle_since(0), 60)),
            (60 * MIN, stop(idle_since(0), StopTrigger::Deadline, 0)),
        ]
    );
    assert_eq!(run.summary(), "stopping now (idle)");
    assert_eq!(
        run.observe_for(10 * MIN, &quiet()),
        vec![],
        "nothing after the stop"
    );
}

#[test]
fn every_source_alone_keeps_the_machine_up() {
    let gpus = |util, memory| {
        Some(vec![GpuActivity {
            index: 3,
            util_percent: util,
            process_memory_mib: memory,
        }])
    };
    let sources = [
        (jobs(1), "active: 1 job"),
        (
            Activity {
                consoles: 1,
                ..quiet()
            },
            "active: 1 console",
        ),
        (ssh(1), "active: 1 SSH session"),
        (
            Activity {
                local_logins: 2,
                ..quiet()
            },
            "active: 2 local logins",
        ),
        (
            Activity {
                gpus: gpus(87, 0),
                ..quiet()
            },
            "active: GPU 3 at 87%",
        ),
        (
            Activity {
                gpus: gpus(0, 2048),
                ..quiet()
            },
            "active: GPU 3 memory 2.0G in use (threshold 500M)",
        ),
        (
            Activity {
                cpu_percent: 45.0,
                ..quiet()
            },
            "active: CPU at 45% (threshold 10%)",
        ),
    ];
    for (activity, summary) in sources {
        let mut run = Run::new(policy());
        assert_eq!(
            run.observe_for(3 * 60 * MIN, &activity),
            vec![],
            "{summary}"
        );
        assert_eq!(run.summary(), summary);
        assert_eq!(run.planner.status(run.now).state, PowerState::Active);
    }
}

#[test]
fn combined_sources_are_all_named_and_idle_starts_when_the_last_ends() {
    let mut run = Run::new(policy());
    let both = Activity {
        running_jobs: 2,
        ssh_sessions: 1,
        ..quiet()
    };
    assert_eq!(run.observe_for(10 * MIN, &both), vec![]);
    assert_eq!(run.summary(), "active: 2 jobs, 1 SSH session");
    assert_eq!(run.observe_for(10 * MIN, &ssh(1)), vec![]);
    assert_eq!(run.summary(), "active: 1 SSH session");
    let events = run.observe_for(80 * MIN, &quiet());
    assert_eq!(
        events,
        vec![
            (70 * MIN, warn(idle_since(20), 80)),
            (80 * MIN, stop(idle_since(20), StopTrigger::Deadline, 0)),
        ]
    );
}

#[test]
fn below_the_thresholds_is_quiet() {
    let mut run = Run::new(policy());
    let light = Activity {
        cpu_percent: 9.5,
        gpus: Some(vec![GpuActivity {
            index: 0,
            util_percent: 5,
            process_memory_mib: 500,
        }]),
        ..quiet()
    };
    let events = run.observe_for(61 * MIN, &light);
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(
        events[1],
        (60 * MIN, stop(idle_since(0), StopTrigger::Deadline, 0))
    );
}

#[test]
fn activity_during_an_idle_warning_calls_the_stop_off() {
    let mut run = Run::new(policy());
    run.observe_for(55 * MIN, &quiet());
    let events = run.observe_for(MIN, &ssh(1));
    assert_eq!(
        events,
        vec![(
            55 * MIN,
            PowerEvent::Cancelled {
                cause: idle_since(0),
                why: CancelReason::ActivityResumed {
                    activity: vec![ActivityReason::Logins { ssh: 1, local: 0 }]
                },
            }
        )]
    );
    assert_eq!(
        events[0].1.describe(T0 + 55 * MIN),
        "stop (idle) called off: active: 1 SSH session"
    );
    let events = run.observe_for(60 * MIN, &quiet());
    assert_eq!(events, vec![(106 * MIN, warn(idle_since(56), 116))]);
}

#[test]
fn lowering_after_below_the_idle_time_restarts_the_clock() {
    let mut run = Run::new(policy());
    run.observe_for(40 * MIN, &quiet());
    let lower = IdlePolicy {
        after: Duration::from_secs(30 * 60),
        ..policy()
    };
    let events = run.planner.set_policy(run.now, lower);
    assert_eq!(
        events,
        vec![PowerEvent::IdleClockRestarted {
            reason: ClockRestart::AfterLowered {
                after_ms: 30 * MIN,
                idle_ms: 40 * MIN,
            }
        }]
    );
    assert_eq!(
        events[0].describe(run.now),
        "idle clock restarted: idle shutdown \"after\" lowered to 30 min, below the 40 min already idle"
    );
    assert_eq!(run.summary(), "idle 0 s — stops in 30 min");
    let events = run.observe_for(31 * MIN, &quiet());
    assert_eq!(
        events,
        vec![
            (60 * MIN, warn(idle_since(40), 70)),
            (70 * MIN, stop(idle_since(40), StopTrigger::Deadline, 0)),
        ]
    );
}

#[test]
fn lowering_after_above_the_idle_time_keeps_the_clock() {
    let mut run = Run::new(policy());
    run.observe_for(10 * MIN, &quiet());
    let lower = IdlePolicy {
        after: Duration::from_secs(30 * 60),
        ..policy()
    };
    assert_eq!(run.planner.set_policy(run.now, lower.clone()), vec![]);
    let events = run.observe_for(11 * MIN, &quiet());
    assert_eq!(events, vec![(20 * MIN, warn(idle_since(0), 30))]);

    // Lowered into the warning window: announced now, with the full warning time.
    let mut run = Run::new(policy());
    run.observe_for(25 * MIN, &quiet());
    let events = run.planner.set_policy(run.now, lower);
    assert_eq!(events, vec![warn(idle_since(0), 35)]);
}

#[test]
fn raising_after_during_a_warning_moves_the_stop() {
    let mut run = Run::new(policy());
    run.observe_for(52 * MIN, &quiet());
    let raised = IdlePolicy {
        after: Duration::from_secs(2 * 3600),
        ..policy()
    };
    let events = run.planner.set_policy(run.now, raised);
    assert_eq!(
        events,
        vec![PowerEvent::Cancelled {
            cause: idle_since(0),
            why: CancelReason::AfterRaised
        }]
    );
    let events = run.observe_for(60 * MIN, &quiet());
    assert_eq!(events, vec![(110 * MIN, warn(idle_since(0), 120))]);
}

#[test]
fn turning_idle_off_calls_the_stop_off_and_on_restarts_the_clock() {
    let mut run = Run::new(policy());
    run.observe_for(55 * MIN, &quiet());
    let off = IdlePolicy {
        enabled: false,
        ..policy()
    };
    let events = run.planner.set_policy(run.now, off);
    assert_eq!(
        events,
        vec![PowerEvent::Cancelled {
            cause: idle_since(0),
            why: CancelReason::IdleTurnedOff
        }]
    );
    assert_eq!(run.observe_for(3 * 60 * MIN, &quiet()), vec![]);
    assert_eq!(run.summary(), "idle shutdown off");
    let events = run.planner.set_policy(run.now, policy());
    assert_eq!(
        events,
        vec![PowerEvent::IdleClockRestarted {
            reason: ClockRestart::IdleTurnedOn
        }]
    );
    let events = run.observe_for(51 * MIN, &quiet());
    assert_eq!(events, vec![(285 * MIN, warn(idle_since(235), 295))]);
}

#[test]
fn new_thresholds_judge_the_latest_observation_at_once() {
    let mut run = Run::new(policy());
    let busy_cpu = Activity {
        cpu_percent: 20.0,
        ..quiet()
    };
    run.observe_for(MIN, &busy_cpu);
    let tolerant = IdlePolicy {
        cpu_percent: 50.0,
        ..policy()
    };
    assert_eq!(run.planner.set_policy(run.now, tolerant), vec![]);
    assert_eq!(run.summary(), "idle 0 s — stops in 1h");
}
