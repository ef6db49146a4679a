//! The stop schedules, as the manager watches them: a firing within `warn_before` is handed
//! to the planner (which warns, then stops); a schedule disabled or deleted while its stop is
//! pending is withdrawn; firings that fell in a time the agent was not running (the machine
//! off, the agent stopped, a suspend) are reported in the event log, never carried out late.
//!
//! The last time the agent was awake is kept in a small file (written once a minute), so a
//! restarted agent can tell what it missed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::super::event_log::EventLog;
use super::super::settings::{Settings, ms_timestamp, timestamp_ms};
use crate::config::power::PowerAction;
use crate::core::power::status::elapsed;

/// A gap between two checks longer than this means the agent was not looking.
const GAP: u64 = 2 * 60 * 1000;
/// How often the awake file is written.
const SAVE_EVERY: u64 = 60 * 1000;
/// Missed firings listed per schedule at most.
const MISSED_LISTED: usize = 3;

/// What one check found for the planner.
#[derive(Debug, Default)]
pub struct Checked {
    /// Stop schedules whose next firing is within the warning time: name, firing time.
    pub due: Vec<(String, u64)>,
    /// Stop schedules handed to the planner earlier that are no longer enabled.
    pub withdrawn: Vec<String>,
}

/// See the module documentation.
#[derive(Debug)]
pub struct ScheduleWatch {
    awake_file: PathBuf,
    last_check: u64,
    last_saved: u64,
    /// Names handed to the planner as due.
    held: BTreeSet<String>,
}

impl ScheduleWatch {
    /// Starts watching at `now`, reporting what was missed since the agent was last awake.
    pub fn start(
        awake_file: &Path,
        now: u64,
        log: &mut EventLog,
        settings: &Settings,
    ) -> ScheduleWatch {
        let last_awake = std::fs::read_to_string(awake_file)
            .ok()
            .and_then(|text| text.trim().parse::<u64>().ok());
        let mut watch = ScheduleWatch {
            awake_file: awake_file.to_owned(),
            last_check: now,
            last_saved: 0,
            held: BTreeSet::new(),
        };
        if let Some(last) = last_awake.filter(|last| *last < now) {
            report_missed(log, settings, last, now, "the agent was not running");
        }
        watch.save(now);
        watch
    }

    /// Looks at the stop schedules at `now`.
    pub fn check(&mut self, now: u64, settings: &Settings, log: &mut EventLog) -> Checked {
        if now.saturating_sub(self.last_check) > GAP {
            report_missed(
                log,
                settings,
                self.last_check,
                now,
                "the agent was not running (suspended?)",
            );
            self.last_check = now;
        }
        let power = &settings.current.power;
        let warn_before = u64::try_from(power.warn_before.as_millis()).unwrap_or(u64::MAX);
        let mut checked = Checked::default();
        let mut enabled = BTreeSet::new();
        for schedule in power.enabled_schedules(PowerAction::Stop) {
            enabled.insert(schedule.name.clone());
            let next = schedule
                .when
                .next_after(ms_timestamp(self.last_check.saturating_sub(1)));
            let Some(fires_at) = next.map(timestamp_ms) else {
                continue;
            };
            if fires_at.saturating_sub(now) <= warn_before {
                self.held.insert(schedule.name.clone());
                checked.due.push((schedule.name.clone(), fires_at));
            }
        }
        let gone: Vec<String> = self.held.difference(&enabled).cloned().collect();
        for name in gone {
            self.held.remove(&name);
            checked.withdrawn.push(name);
        }
        self.last_check = now;
        if now.saturating_sub(self.last_saved) >= SAVE_EVERY {
            self.save(now);
        }
        checked
    }

    /// The settings changed: schedules held but no longer enabled are withdrawn at the next
    /// check (nothing to do now; kept for symmetry with the planner's own update).
    pub fn settings_changed(&mut self, _settings: &Settings) {}

    fn save(&mut self, now: u64) {
        self.last_saved = now;
        // Best effort: on a full disk the worst case is a missed firing not reported.
        if let Err(error) = std::fs::write(&self.awake_file, format!("{now}\n")) {
            tracing::debug!(file = %self.awake_file.display(), "cannot record the time: {error}");
        }
    }
}

/// Records the stop schedules' firings in `(from, to]` as missed.
fn report_missed(log: &mut EventLog, settings: &Settings, from: u64, to: u64, why: &str) {
    for schedule in settings.current.power.enabled_schedules(PowerAction::Stop) {
        let missed =
            schedule
                .when
                .firings_between(ms_timestamp(from), ms_timestamp(to), MISSED_LISTED + 1);
        if missed.is_empty() {
            continue;
        }
        let mut times: Vec<String> = missed
            .iter()
            .take(MISSED_LISTED)
            .map(|at| {
                schedule
                    .when
                    .local_time(*at)
                    .strftime("%a %Y-%m-%d %H:%M %Z")
                    .to_string()
            })
            .collect();
        if missed.len() > MISSED_LISTED {
            times.push("…".into());
        }
        log.record(
            to,
            "missed",
            format!(
                "stop schedule \"{}\" was due at {} while {why} ({} ago); not carried out late",
                schedule.name,
                times.join(", "),
                elapsed(to.saturating_sub(timestamp_ms(missed[0])))
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::power::PowerBounds;

    fn settings(dir: &Path, warn: &str) -> Settings {
        let path = dir.join("agent.toml");
        std::fs::write(
            &path,
            format!(
                "[power]\nwarn_before = \"{warn}\"\n[[power.schedules]]\nname = \"evening\"\naction = \"stop\"\ncron = \"0 19 * * *\"\nzone = \"UTC\"\n"
            ),
        )
        .unwrap();
        Settings::load(&path, PowerBounds::normal()).unwrap()
    }

    fn at(text: &str) -> u64 {
        timestamp_ms(text.parse().unwrap())
    }

    #[test]
    fn a_firing_is_due_within_the_warning_time() {
        let dir = tempfile::tempdir().unwrap();
        let settings = settings(dir.path(), "10m");
        let mut log = EventLog::open(dir.path().join("log.jsonl"));
        let start = at("2026-11-27T18:45:00Z");
        let mut watch = ScheduleWatch::start(&dir.path().join("awake"), start, &mut log, &settings);
        assert!(
            watch
                .check(start + 1000, &settings, &mut log)
                .due
                .is_empty()
        );
        let checked = watch.check(at("2026-11-27T18:50:00Z"), &settings, &mut log);
        assert_eq!(
            checked.due,
            [("evening".to_owned(), at("2026-11-27T19:00:00Z"))]
        );
    }

    #[test]
    fn time_the_agent_was_away_is_reported_not_replayed() {
        let dir = tempfile::tempdir().unwrap();
        let settings = settings(dir.path(), "10m");
        let awake = dir.path().join("awake");
        std::fs::write(&awake, format!("{}\n", at("2026-11-27T18:00:00Z"))).unwrap();
        let mut log = EventLog::open(dir.path().join("log.jsonl"));
        let now = at("2026-11-27T20:00:00Z");
        let mut watch = ScheduleWatch::start(&awake, now, &mut log, &settings);
        let entries = log.newest(10);
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].kind, "missed");
        assert!(
            entries[0]
                .text
                .contains("was due at Fri 2026-11-27 19:00 UTC"),
            "{}",
            entries[0].text
        );
        assert!(
            watch.check(now + 1000, &settings, &mut log).due.is_empty(),
            "not replayed"
        );

        // A suspend across the next firing is reported the same way.
        let after = at("2026-11-28T19:30:00Z");
        assert!(watch.check(after, &settings, &mut log).due.is_empty());
        assert_eq!(log.newest(10).len(), 2);
    }
}
