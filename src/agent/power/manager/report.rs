//! The report consoles and `station power` show, built from the planner, the settings and the
//! setup scripts' state.

use super::super::settings::{Settings, ms_timestamp};
use super::SNOOZE_KEY;
use crate::core::power::planner::PowerPlanner;
use crate::proto::power::{PowerReport, ScriptReport, SetupReport};
use crate::proto::setup::{ScriptKind, ScriptState, SetupStatus};

pub(super) fn build_report(
    planner: &PowerPlanner,
    settings: &Settings,
    setup: SetupReport,
    now: u64,
) -> PowerReport {
    let status = planner.status(now);
    let at = ms_timestamp(now);
    PowerReport {
        summary: status.summary(),
        banner: status.banner(SNOOZE_KEY),
        settings: settings.view(at),
        setup,
        status,
    }
}

/// The setup scripts in words, with where their logs are.
pub(super) fn setup_report(
    status: &SetupStatus,
    setup_dir: &std::path::Path,
    now: u64,
) -> SetupReport {
    let script = |kind: ScriptKind| {
        let script = status.get(kind);
        ScriptReport {
            script: script.script.clone(),
            state: crate::core::setup::describe(&script.state, now),
            failed: matches!(
                script.state,
                ScriptState::Failed { .. } | ScriptState::TimedOut { .. }
            ),
            log: (script.state != ScriptState::NotConfigured).then(|| {
                crate::agent::setup::log_path(setup_dir, kind)
                    .display()
                    .to_string()
            }),
        }
    };
    SetupReport {
        creation: script(ScriptKind::Creation),
        startup: script(ScriptKind::Startup),
    }
}
