//! Start plans learned from the fleet: when the console watches an instance, its agent says
//! how it is started and when (its `start_command` and enabled start schedules); that is kept
//! here, one file per instance (`$XDG_STATE_HOME/station/fleet-start/NAME.json`), for this
//! machine's agent to run while the instance is down. A stopped machine cannot start itself.

use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::power::edit::write_atomically;
use crate::proto::power::StartPlan;

/// A plan and when it was learned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnedPlan {
    pub learned_at_ms: u64,
    pub plan: StartPlan,
}

/// Keeps `plan` for the instance `name` (rewritten only when it changed).
pub fn save(dir: &Path, name: &str, plan: &StartPlan) -> io::Result<()> {
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        return Err(io::Error::other(format!("not an instance name: {name:?}")));
    }
    let path = dir.join(format!("{name}.json"));
    if let Ok(text) = std::fs::read_to_string(&path)
        && serde_json::from_str::<LearnedPlan>(&text).is_ok_and(|known| known.plan == *plan)
    {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    let learned = LearnedPlan {
        learned_at_ms: crate::agent::power::manager::now_ms(),
        plan: plan.clone(),
    };
    let text = serde_json::to_string_pretty(&learned).map_err(io::Error::other)?;
    write_atomically(&path, &text)
}

/// Every plan kept, by instance name; unreadable files are skipped (and logged).
pub fn load_all(dir: &Path) -> Vec<(String, LearnedPlan)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut plans: Vec<(String, LearnedPlan)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let path = entry.path();
            let name = path
                .file_name()?
                .to_str()?
                .strip_suffix(".json")?
                .to_owned();
            let text = std::fs::read_to_string(&path).ok()?;
            match serde_json::from_str(&text) {
                Ok(plan) => Some((name, plan)),
                Err(error) => {
                    tracing::warn!(file = %path.display(), "unreadable start plan: {error}");
                    None
                }
            }
        })
        .collect();
    plans.sort_by(|a, b| a.0.cmp(&b.0));
    plans
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::power::StartSchedule;

    #[test]
    fn plans_are_kept_per_instance() {
        let dir = tempfile::tempdir().unwrap();
        let plan = StartPlan {
            start_command: Some("virsh start lab".into()),
            schedules: vec![StartSchedule {
                name: "morning".into(),
                cron: "0 7 * * 1-5".into(),
                zone: "Europe/Berlin".into(),
            }],
        };
        save(dir.path(), "lab", &plan).unwrap();
        let loaded = load_all(dir.path());
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].0, "lab");
        assert_eq!(loaded[0].1.plan, plan);
        assert!(save(dir.path(), "../x", &plan).is_err());
        assert!(load_all(&dir.path().join("missing")).is_empty());
    }
}
