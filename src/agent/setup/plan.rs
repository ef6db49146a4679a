//! What to do with each script when the agent starts: show what the setup folder remembers,
//! or run the script. Pure, so every case is a plain test.
//!
//! | record found | creation | startup |
//! | --- | --- | --- |
//! | none | run if configured | run if configured |
//! | any state, this boot | keep (never run again) | keep (ran this boot) |
//! | any state, another boot | keep | run if configured |
//! | `running` | the agent died during the run: `interrupted`, not run again | same, when of this boot |
//! | unreadable | shown as failed, not run | shown as failed, not run |
//!
//! A creation record counts whatever it says: "once per machine" means once. A startup
//! script that is not configured shows as such even when an earlier boot ran one.

use super::record::{Found, ScriptRecord};
use crate::proto::setup::{FailReason, Interruption, ScriptKind, ScriptState, ScriptStatus};

/// The decision for one script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// What to show until (or instead of) a run.
    pub status: ScriptStatus,
    /// Run the script now.
    pub due: bool,
    /// A run left unfinished by a dead agent, rewritten as interrupted: save it.
    pub rewritten: Option<ScriptRecord>,
    /// The process group of an interrupted run of this boot: whatever is left of it (and
    /// still carries `STATION_SETUP`) is killed.
    pub leftover_pgid: Option<i32>,
    /// The process group of a finished run of this boot, which may have left processes
    /// behind (a startup script starting a server): their output still goes to the log,
    /// which is kept bounded while they live.
    pub lingering_pgid: Option<i32>,
}

/// Decides for `kind`, configured as `configured` (the `[setup]` value), given what the
/// setup folder holds and the current boot id (or why it cannot be read).
pub fn decide(
    kind: ScriptKind,
    configured: Option<&str>,
    found: &Found,
    boot: Result<&str, &str>,
    now_ms: u64,
) -> Decision {
    let keep = |status: ScriptStatus| Decision {
        status,
        due: false,
        rewritten: None,
        leftover_pgid: None,
        lingering_pgid: None,
    };
    match found {
        Found::Unreadable {
            message,
            modified_ms,
        } => {
            return keep(ScriptStatus {
                script: configured.map(str::to_owned),
                state: Found::unreadable_state(message, *modified_ms),
            });
        }
        Found::Record(record) => {
            let this_boot = record.boot_id.is_some() && record.boot_id.as_deref() == boot.ok();
            if kind == ScriptKind::Creation || this_boot {
                return from_record(record, this_boot);
            }
        }
        Found::Nothing => {}
    }
    match (configured, boot) {
        (None, _) => keep(ScriptStatus::not_configured()),
        (Some(script), Err(why)) if kind == ScriptKind::Startup => keep(ScriptStatus {
            script: Some(script.to_owned()),
            state: ScriptState::Failed {
                started_ms: now_ms,
                took_ms: 0,
                reason: FailReason::CannotStart {
                    message: format!("not run: cannot tell whether it ran in this boot: {why}"),
                },
            },
        }),
        (Some(script), _) => Decision {
            due: true,
            ..keep(ScriptStatus {
                script: Some(script.to_owned()),
                state: ScriptState::Pending,
            })
        },
    }
}

/// A record that counts: shown as it is, except that a run still marked `running` was
/// interrupted by the agent's death.
fn from_record(record: &ScriptRecord, this_boot: bool) -> Decision {
    let mut record = record.clone();
    let mut rewritten = None;
    if let ScriptState::Running { started_ms } = record.state {
        record.state = ScriptState::Interrupted {
            started_ms,
            cause: Interruption::AgentDied,
        };
        rewritten = Some(record.clone());
    }
    let pgid = record.pgid.filter(|_| this_boot);
    let interrupted = matches!(record.state, ScriptState::Interrupted { .. });
    let timed_out = matches!(record.state, ScriptState::TimedOut { .. });
    Decision {
        status: ScriptStatus {
            script: Some(record.script.clone()),
            state: record.state.clone(),
        },
        due: false,
        rewritten,
        leftover_pgid: pgid.filter(|_| interrupted),
        lingering_pgid: pgid.filter(|_| !interrupted && !timed_out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_000_000;

    fn record(boot: &str, state: ScriptState) -> Found {
        Found::Record(ScriptRecord {
            script: "~/old.sh".into(),
            boot_id: Some(boot.into()),
            pgid: Some(321),
            state,
        })
    }

    fn done() -> ScriptState {
        ScriptState::Done {
            started_ms: 5,
            took_ms: 6,
        }
    }

    #[test]
    fn nothing_recorded_runs_what_is_configured() {
        for kind in ScriptKind::ALL {
            let decision = decide(kind, Some("~/s.sh"), &Found::Nothing, Ok("b1"), NOW);
            assert!(decision.due);
            assert_eq!(decision.status.state, ScriptState::Pending);
            let idle = decide(kind, None, &Found::Nothing, Ok("b1"), NOW);
            assert!(!idle.due);
            assert_eq!(idle.status.state, ScriptState::NotConfigured);
        }
    }

    #[test]
    fn creation_runs_once_per_machine_whatever_the_boot() {
        let found = record("old-boot", done());
        let decision = decide(
            ScriptKind::Creation,
            Some("~/new.sh"),
            &found,
            Ok("b2"),
            NOW,
        );
        assert!(!decision.due);
        assert_eq!(decision.status.state, done());
        assert_eq!(decision.status.script.as_deref(), Some("~/old.sh"));
        assert_eq!(
            decision.lingering_pgid, None,
            "another boot's group is not ours"
        );
    }

    #[test]
    fn startup_runs_once_per_boot() {
        let found = record("b1", done());
        let same = decide(ScriptKind::Startup, Some("~/s.sh"), &found, Ok("b1"), NOW);
        assert!(!same.due);
        assert_eq!(same.lingering_pgid, Some(321));
        let next = decide(ScriptKind::Startup, Some("~/s.sh"), &found, Ok("b2"), NOW);
        assert!(next.due);
        let unset = decide(ScriptKind::Startup, None, &found, Ok("b2"), NOW);
        assert_eq!(unset.status.state, ScriptState::NotConfigured);
    }

    #[test]
    fn a_run_marked_running_was_interrupted_and_is_not_run_again() {
        let found = record("b1", ScriptState::Running { started_ms: 9 });
        for kind in ScriptKind::ALL {
            let decision = decide(kind, Some("~/s.sh"), &found, Ok("b1"), NOW);
            let interrupted = ScriptState::Interrupted {
                started_ms: 9,
                cause: Interruption::AgentDied,
            };
            assert!(!decision.due);
            assert_eq!(decision.status.state, interrupted);
            assert_eq!(decision.rewritten.unwrap().state, interrupted);
            assert_eq!(decision.leftover_pgid, Some(321));
        }
        let earlier_boot = decide(ScriptKind::Creation, Some("~/s.sh"), &found, Ok("b2"), NOW);
        assert_eq!(earlier_boot.leftover_pgid, None);
        assert!(earlier_boot.rewritten.is_some());
    }

    #[test]
    fn an_unreadable_boot_id_or_record_runs_nothing() {
        let startup = decide(
            ScriptKind::Startup,
            Some("~/s.sh"),
            &Found::Nothing,
            Err("cannot read /proc/sys/kernel/random/boot_id: denied"),
            NOW,
        );
        assert!(!startup.due);
        assert!(matches!(
            startup.status.state,
            ScriptState::Failed { reason: FailReason::CannotStart { ref message }, .. }
                if message.contains("boot_id: denied")
        ));
        let creation = decide(
            ScriptKind::Creation,
            Some("~/c.sh"),
            &Found::Nothing,
            Err("x"),
            NOW,
        );
        assert!(
            creation.due,
            "the creation script does not need the boot id"
        );
        let broken = Found::Unreadable {
            message: "broken".into(),
            modified_ms: 3,
        };
        let decision = decide(ScriptKind::Creation, Some("~/c.sh"), &broken, Ok("b"), NOW);
        assert!(!decision.due);
        assert!(matches!(
            decision.status.state,
            ScriptState::Failed { started_ms: 3, .. }
        ));
    }
}
