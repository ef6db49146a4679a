//! The setup scripts' states in words, the same for `station status`, the dashboard and the
//! console: "done 3d ago, took 41s", "failed 2h ago: exit code 3 after 12s".

use crate::core::units::age;
use crate::proto::setup::{FailReason, Interruption, ScriptState};

/// One line for `state`, with ages counted up to `now_ms` (unix milliseconds).
pub fn describe(state: &ScriptState, now_ms: u64) -> String {
    let ago =
        |started_ms: u64, took_ms: u64| age(now_ms.saturating_sub(started_ms + took_ms) / 1000);
    let length = |ms: u64| age(ms / 1000);
    match state {
        ScriptState::NotConfigured => "not configured".into(),
        ScriptState::Pending => "waiting to run".into(),
        ScriptState::Running { started_ms } => format!("running for {}", ago(*started_ms, 0)),
        ScriptState::Done {
            started_ms,
            took_ms,
        } => format!(
            "done {} ago, took {}",
            ago(*started_ms, *took_ms),
            length(*took_ms)
        ),
        ScriptState::Failed {
            started_ms,
            took_ms,
            reason,
        } => {
            let when = ago(*started_ms, *took_ms);
            match reason {
                FailReason::ExitCode { code } => format!(
                    "failed {when} ago: exit code {code} after {}",
                    length(*took_ms)
                ),
                FailReason::Signal { signal } => format!(
                    "failed {when} ago: killed by {} after {}",
                    signal_name(*signal),
                    length(*took_ms)
                ),
                FailReason::CannotStart { message } => format!("failed {when} ago: {message}"),
            }
        }
        ScriptState::TimedOut {
            started_ms,
            after_ms,
        } => format!(
            "timed out after {} ({} ago)",
            length(*after_ms),
            ago(*started_ms, *after_ms)
        ),
        ScriptState::Interrupted { started_ms, cause } => {
            let why = match cause {
                Interruption::AgentStopped => "the agent stopped while it ran",
                Interruption::AgentDied => "the agent died while it ran",
            };
            format!(
                "interrupted (started {} ago): {why}; not run again",
                ago(*started_ms, 0)
            )
        }
    }
}

/// `SIGKILL` for 9; the number for signals Linux does not name.
pub fn signal_name(signal: i32) -> String {
    nix::sys::signal::Signal::try_from(signal)
        .map_or_else(|_| format!("signal {signal}"), |s| s.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 10 * 86_400_000;

    #[test]
    fn each_state_reads_as_a_line() {
        let day = 86_400_000;
        let cases = [
            (ScriptState::NotConfigured, "not configured"),
            (ScriptState::Pending, "waiting to run"),
            (
                ScriptState::Running {
                    started_ms: NOW - 125_000,
                },
                "running for 2m",
            ),
            (
                ScriptState::Done {
                    started_ms: NOW - 3 * day - 41_000,
                    took_ms: 41_000,
                },
                "done 3d ago, took 41s",
            ),
            (
                ScriptState::Failed {
                    started_ms: NOW - 2 * 3_600_000,
                    took_ms: 12_000,
                    reason: FailReason::ExitCode { code: 3 },
                },
                "failed 1h ago: exit code 3 after 12s",
            ),
            (
                ScriptState::Failed {
                    started_ms: NOW - 60_000,
                    took_ms: 0,
                    reason: FailReason::Signal { signal: 9 },
                },
                "failed 1m ago: killed by SIGKILL after 0s",
            ),
            (
                ScriptState::Failed {
                    started_ms: NOW,
                    took_ms: 0,
                    reason: FailReason::CannotStart {
                        message: "creation script ~/x.sh: No such file".into(),
                    },
                },
                "failed 0s ago: creation script ~/x.sh: No such file",
            ),
            (
                ScriptState::TimedOut {
                    started_ms: NOW - 900_000 - 5_000,
                    after_ms: 900_000,
                },
                "timed out after 15m (5s ago)",
            ),
            (
                ScriptState::Interrupted {
                    started_ms: NOW - 7_200_000,
                    cause: Interruption::AgentDied,
                },
                "interrupted (started 2h ago): the agent died while it ran; not run again",
            ),
        ];
        for (state, expected) in cases {
            assert_eq!(describe(&state, NOW), expected, "{state:?}");
        }
    }

    #[test]
    fn unknown_signals_are_numbers() {
        assert_eq!(signal_name(15), "SIGTERM");
        assert_eq!(signal_name(200), "signal 200");
    }
}
