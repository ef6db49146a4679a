//! Warnings, snoozes, schedule stops, waiting for jobs, and what comes after a stop.

use super::*;

fn evening() -> StopCause {
    StopCause::Schedule {
        name: "evening".into(),
    }
}

fn snoozed(who: &str, cause: StopCause, deadline_min: u64) -> PowerEvent {
    PowerEvent::Snoozed {
        who: who.into(),
        cause,
        new_deadline_ms: T0 + deadline_min * MIN,
    }
}

/// A run whose "evening" schedule stop falls at minute 30, with `activity` until then.
fn evening_at_30(policy: IdlePolicy, activity: &Activity) -> Run {
    let mut run = Run::new(policy);
    run.observe_for(MIN, activity);
    assert_eq!(
        run.planner.schedule_stop(run.now, "evening", T0 + 30 * MIN),
        vec![]
    );
    let events = run.observe_for(29 * MIN, activity);
    assert_eq!(events, vec![(20 * MIN, warn(evening(), 30))]);
    run
}

#[test]
fn warn_snooze_warn_again_then_stop() {
    let mut run = Run::new(policy());
    run.observe_for(52 * MIN, &quiet());
    assert_eq!(run.summary(), "stopping in 8 min (idle)");
    assert_eq!(
        run.planner.status(run.now).banner("z").unwrap(),
        "stopping in 8 min (idle) — press z to snooze"
    );
    let events = run.planner.snooze(run.now, "alice").unwrap();
    assert_eq!(events, vec![snoozed("alice", idle_since(0), 90)]);
    assert_eq!(
        events[0].describe(run.now),
        "alice snoozed the stop (idle): now in 38 min"
    );
    assert_eq!(run.summary(), "idle 52 min — stops in 38 min");
    assert_eq!(run.planner.status(run.now).banner("z"), None);
    let events = run.observe_for(39 * MIN, &quiet());
    assert_eq!(
        events,
        vec![
            (80 * MIN, warn(idle_since(0), 90)),
            (90 * MIN, stop(idle_since(0), StopTrigger::Deadline, 0)),
        ]
    );
}

#[test]
fn a_short_snooze_keeps_the_warning_up() {
    let short = IdlePolicy {
        snooze_step: Duration::from_secs(5 * 60),
        ..policy()
    };
    let mut run = Run::new(short);
    run.observe_for(58 * MIN, &quiet());
    let events = run.planner.snooze(run.now, "alice").unwrap();
    assert_eq!(events, vec![snoozed("alice", idle_since(0), 65)]);
    assert_eq!(run.summary(), "stopping in 7 min (idle)");
    let events = run.observe_for(8 * MIN, &quiet());
    assert_eq!(
        events,
        vec![(65 * MIN, stop(idle_since(0), StopTrigger::Deadline, 0))]
    );
}

#[test]
fn a_snoozed_idle_stop_is_called_off_by_activity() {
    let mut run = Run::new(policy());
    run.observe_for(52 * MIN, &quiet());
    run.planner.snooze(run.now, "alice").unwrap();
    let events = run.observe_for(SEC, &jobs(1));
    assert!(
        matches!(
            &events[..],
            [(
                _,
                PowerEvent::Cancelled {
                    why: CancelReason::ActivityResumed { .. },
                    ..
                }
            )]
        ),
        "{events:?}"
    );
}

#[test]
fn snooze_needs_an_announced_stop() {
    let mut run = Run::new(policy());
    run.observe_for(10 * MIN, &quiet());
    assert_eq!(
        run.planner.snooze(run.now, "alice"),
        Err(SnoozeRefused::NothingPending)
    );
    run.observe_for(51 * MIN, &quiet());
    assert_eq!(
        run.planner.snooze(run.now, "alice"),
        Err(SnoozeRefused::AlreadyStopping)
    );
}

#[test]
fn a_schedule_stop_is_not_called_off_by_activity() {
    let mut run = evening_at_30(policy(), &ssh(1));
    assert_eq!(
        run.planner.status(run.now - 5 * MIN).summary(),
        "stopping in 5 min (schedule \"evening\")"
    );
    let events = run.observe_for(MIN, &ssh(1));
    assert_eq!(
        events,
        vec![(30 * MIN, stop(evening(), StopTrigger::Deadline, 0))]
    );
    assert_eq!(
        events[0].1.describe(T0 + 30 * MIN),
        "stopping (schedule \"evening\")"
    );
}

#[test]
fn a_schedule_stop_is_moved_only_by_snooze() {
    let mut run = evening_at_30(policy(), &ssh(1));
    let events = run.planner.snooze(run.now, "bob").unwrap();
    assert_eq!(events, vec![snoozed("bob", evening(), 60)]);
    let events = run.observe_for(31 * MIN, &ssh(1));
    assert_eq!(
        events,
        vec![
            (50 * MIN, warn(evening(), 60)),
            (60 * MIN, stop(evening(), StopTrigger::Deadline, 0)),
        ]
    );
}

#[test]
fn a_schedule_reported_late_still_gets_its_full_warning() {
    let mut run = Run::new(policy());
    run.observe_for(40 * MIN, &ssh(1));
    let events = run.planner.schedule_stop(run.now, "evening", T0 + 35 * MIN);
    assert_eq!(events, vec![warn(evening(), 50)]);
    assert_eq!(
        run.planner
            .schedule_stop(run.now + SEC, "evening", T0 + 35 * MIN),
        vec![],
        "the same firing again changes nothing"
    );
}

#[test]
fn the_earliest_stop_schedule_wins() {
    let mut run = Run::new(policy());
    run.observe_for(MIN, &ssh(1));
    run.planner.schedule_stop(run.now, "evening", T0 + 60 * MIN);
    assert_eq!(
        run.planner.schedule_stop(run.now, "night", T0 + 90 * MIN),
        vec![]
    );
    let events = run.planner.schedule_stop(run.now, "early", T0 + 30 * MIN);
    assert_eq!(
        events,
        vec![PowerEvent::Cancelled {
            cause: evening(),
            why: CancelReason::Superseded { by: "early".into() }
        }]
    );
    let next = run.planner.status(run.now).next_stop.unwrap();
    assert_eq!(
        (next.cause, next.deadline_ms, next.announced),
        (
            StopCause::Schedule {
                name: "early".into()
            },
            T0 + 30 * MIN,
            false
        )
    );
}

#[test]
fn a_withdrawn_schedule_stops_nothing() {
    let mut run = evening_at_30(policy(), &ssh(1));
    let events = run.planner.schedule_withdrawn(run.now, "evening");
    assert_eq!(
        events,
        vec![PowerEvent::Cancelled {
            cause: evening(),
            why: CancelReason::ScheduleWithdrawn
        }]
    );
    assert_eq!(run.observe_for(60 * MIN, &ssh(1)), vec![]);
}

#[test]
fn the_stop_waits_for_running_jobs_then_stops_when_they_end() {
    let mut run = evening_at_30(policy(), &jobs(1));
    let events = run.observe_for(10 * MIN, &jobs(1));
    let waiting = PowerEvent::WaitingForJobs {
        cause: evening(),
        jobs: 1,
        since_ms: T0 + 30 * MIN,
        until_ms: T0 + 150 * MIN,
    };
    assert_eq!(events, vec![(30 * MIN, waiting)]);
    assert_eq!(
        run.summary(),
        "waiting for 1 job before stopping (up to 1h 50m)"
    );
    assert!(run.planner.status(run.now).banner("z").is_some());
    let events = run.observe_for(SEC, &quiet());
    assert_eq!(
        events,
        vec![(40 * MIN, stop(evening(), StopTrigger::JobsFinished, 0))]
    );
}

#[test]
fn the_drain_timeout_ends_the_wait() {
    let mut run = evening_at_30(policy(), &jobs(2));
    let events = run.observe_for(121 * MIN, &jobs(2));
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(
        events[1],
        (150 * MIN, stop(evening(), StopTrigger::DrainTimedOut, 2))
    );
    assert_eq!(
        events[1].1.describe(T0 + 150 * MIN),
        "stopping (schedule \"evening\") at the drain timeout, cancelling 2 running jobs"
    );
}

#[test]
fn the_drain_timeout_runs_without_observations() {
    let mut run = evening_at_30(policy(), &jobs(1));
    run.observe_for(MIN, &jobs(1));
    let events = run.tick_for(120 * MIN);
    assert_eq!(
        events.last().unwrap(),
        &(150 * MIN, stop(evening(), StopTrigger::DrainTimedOut, 1))
    );
}

#[test]
fn on_running_jobs_stop_stops_at_the_deadline() {
    let hard = IdlePolicy {
        on_running_jobs: JobsPolicy::Stop,
        ..policy()
    };
    let mut run = evening_at_30(hard, &jobs(2));
    let events = run.observe_for(MIN, &jobs(2));
    assert_eq!(
        events,
        vec![(30 * MIN, stop(evening(), StopTrigger::Deadline, 2))]
    );
}

#[test]
fn a_wait_for_jobs_can_be_snoozed() {
    let mut run = evening_at_30(policy(), &jobs(1));
    run.observe_for(5 * MIN, &jobs(1));
    let events = run.planner.snooze(run.now, "carol").unwrap();
    assert_eq!(events, vec![snoozed("carol", evening(), 65)]);
    let events = run.observe_for(36 * MIN, &quiet());
    assert_eq!(
        events,
        vec![
            (55 * MIN, warn(evening(), 65)),
            (65 * MIN, stop(evening(), StopTrigger::Deadline, 0)),
        ]
    );
}

#[test]
fn a_failed_stop_command_starts_watching_again() {
    let mut run = Run::new(policy());
    run.observe_for(61 * MIN, &quiet());
    let events = run
        .planner
        .stop_failed(run.now, "poweroff: permission denied");
    assert_eq!(
        events,
        vec![
            PowerEvent::StopFailed {
                cause: idle_since(0),
                error: "poweroff: permission denied".into()
            },
            PowerEvent::IdleClockRestarted {
                reason: ClockRestart::StopFailed
            },
        ]
    );
    assert_eq!(run.summary(), "idle 0 s — stops in 1h");
    assert_eq!(run.planner.stop_failed(run.now, "again"), vec![]);
}

#[test]
fn status_and_events_survive_the_wire() {
    let mut run = evening_at_30(policy(), &jobs(1));
    let events = run.observe_for(MIN, &jobs(1));
    let status = run.planner.status(run.now);
    let json = serde_json::to_string(&status).unwrap();
    assert_eq!(serde_json::from_str::<PowerStatus>(&json).unwrap(), status);
    for (_, event) in events {
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(serde_json::from_str::<PowerEvent>(&json).unwrap(), event);
    }
}
