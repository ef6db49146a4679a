//! Readings that stop coming, and a wall clock that jumps.

use super::*;

#[test]
fn a_gap_in_readings_does_not_count_as_quiet() {
    let mut run = Run::new(policy());
    run.observe_for(30 * MIN, &quiet());
    let events = run.tick_for(10 * SEC);
    assert_eq!(
        events,
        vec![(
            30 * MIN + 3 * SEC,
            PowerEvent::IdleClockRestarted {
                reason: ClockRestart::ReadingGap {
                    missing_ms: 4 * SEC
                }
            }
        )]
    );
    assert_eq!(
        run.summary(),
        "no activity reading for 11 s — idle clock stopped"
    );
    let resumed = run.now - T0;
    let events = run.observe_for(51 * MIN, &quiet());
    assert_eq!(
        events,
        vec![(
            resumed + 50 * MIN,
            PowerEvent::Warn {
                cause: StopCause::Idle {
                    since_ms: T0 + resumed
                },
                deadline_ms: T0 + resumed + 60 * MIN,
            }
        )]
    );
}

#[test]
fn a_suspended_agent_does_not_stop_the_machine_on_waking() {
    let mut run = Run::new(policy());
    run.observe_for(20 * MIN, &quiet());
    run.now += 3 * 60 * MIN;
    let events = run.observe_for(SEC, &quiet());
    assert_eq!(
        events,
        vec![(
            200 * MIN,
            PowerEvent::IdleClockRestarted {
                reason: ClockRestart::ReadingGap {
                    missing_ms: 3 * 60 * MIN + SEC
                }
            }
        )]
    );
    assert_eq!(run.summary(), "idle 1 s — stops in 1h");
}

#[test]
fn a_gap_during_an_idle_warning_calls_the_stop_off() {
    let mut run = Run::new(policy());
    run.observe_for(55 * MIN, &quiet());
    let events = run.tick_for(5 * SEC);
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(
        events[1].1,
        PowerEvent::Cancelled {
            cause: idle_since(0),
            why: CancelReason::IdleClockRestarted
        }
    );
}

#[test]
fn the_clock_going_back_restarts_only_past_the_gap_limit() {
    let mut run = Run::new(policy());
    run.observe_for(20 * MIN, &quiet());
    run.now -= 2 * SEC;
    assert_eq!(
        run.observe_for(MIN, &quiet()),
        vec![],
        "a small step back is absorbed"
    );
    run.now -= 10 * MIN;
    let events = run.observe_for(SEC, &quiet());
    assert_eq!(
        events,
        vec![(
            11 * MIN - 2 * SEC,
            PowerEvent::IdleClockRestarted {
                reason: ClockRestart::ClockWentBack {
                    by_ms: 10 * MIN - SEC
                }
            }
        )]
    );
}
