//! Starting fleet instances on their start schedules: a stopped machine cannot start itself,
//! so this agent runs the start schedules of the inventory's instances that can be started
//! from here (an inventory `start_command`, else the one the instance declared).
//!
//! The schedules are those the instance's own agent reported the last time a console here
//! watched it (`config::fleet_start`), so they are edited in one place: on the instance, with
//! `:sched`. Both files are read again when they change. A firing starts the instance whether
//! or not it is up (a cloud CLI or `virsh start` of a running machine does nothing); firings
//! missed while this agent was not running are reported, not replayed.

use std::path::PathBuf;
use std::time::SystemTime;

use super::event_log::EventLog;
use super::settings::{ms_timestamp, timestamp_ms};
use crate::config::Inventory;
use crate::config::fleet_start;
use crate::core::power::schedule::ZonedSchedule;

/// A gap between two checks longer than this means this agent was not looking.
const GAP: u64 = 2 * 60 * 1000;

/// A start to carry out now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    pub instance: String,
    pub schedule: String,
    pub command: String,
}

/// One instance this agent starts.
#[derive(Debug)]
struct Startable {
    instance: String,
    command: String,
    schedules: Vec<(String, ZonedSchedule)>,
}

/// See the module documentation.
#[derive(Debug)]
pub struct FleetStarts {
    inventory: PathBuf,
    dir: PathBuf,
    stamp: Option<(Option<SystemTime>, Option<SystemTime>)>,
    startable: Vec<Startable>,
    last_check: u64,
}

fn modified(path: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(path).ok()?.modified().ok()
}

impl FleetStarts {
    pub fn new(inventory: PathBuf, dir: PathBuf, now: u64) -> FleetStarts {
        FleetStarts {
            inventory,
            dir,
            stamp: None,
            startable: Vec::new(),
            last_check: now,
        }
    }

    /// The starts due at `now` (firings since the last check).
    pub fn check(&mut self, now: u64, log: &mut EventLog) -> Vec<Start> {
        self.reload_if_changed(log);
        let from = if now.saturating_sub(self.last_check) > GAP {
            self.report_missed(now, log);
            now
        } else {
            self.last_check
        };
        self.last_check = now;
        let mut due = Vec::new();
        for startable in &self.startable {
            for (name, when) in &startable.schedules {
                let next = when.next_after(ms_timestamp(from)).map(timestamp_ms);
                if next.is_some_and(|at| at <= now) {
                    due.push(Start {
                        instance: startable.instance.clone(),
                        schedule: name.clone(),
                        command: startable.command.clone(),
                    });
                }
            }
        }
        due
    }

    fn reload_if_changed(&mut self, log: &mut EventLog) {
        let stamp = Some((modified(&self.inventory), modified(&self.dir)));
        if stamp == self.stamp {
            return;
        }
        self.stamp = stamp;
        let inventory = match Inventory::load(&self.inventory) {
            Ok(inventory) => inventory,
            Err(problem) => {
                tracing::warn!("fleet start schedules unavailable: {problem}");
                self.startable.clear();
                return;
            }
        };
        self.startable = fleet_start::load_all(&self.dir)
            .into_iter()
            .filter_map(|(name, learned)| {
                let instance = inventory.get(&name)?;
                let command = instance
                    .start_command
                    .clone()
                    .or(learned.plan.start_command)?;
                let schedules = learned
                    .plan
                    .schedules
                    .into_iter()
                    .filter_map(|schedule| {
                        match ZonedSchedule::parse(&schedule.cron, &schedule.zone) {
                            Ok(when) => Some((schedule.name, when)),
                            Err(error) => {
                                log.record(
                                    timestamp_ms(jiff::Timestamp::now()),
                                    "settings",
                                    format!(
                                        "start schedule \"{}\" of {name} is ignored: {error}",
                                        schedule.name
                                    ),
                                );
                                None
                            }
                        }
                    })
                    .collect();
                Some(Startable {
                    instance: name,
                    command,
                    schedules,
                })
            })
            .collect();
        tracing::info!(
            instances = self.startable.len(),
            "fleet start schedules loaded"
        );
    }

    fn report_missed(&self, now: u64, log: &mut EventLog) {
        for startable in &self.startable {
            for (name, when) in &startable.schedules {
                let missed =
                    when.firings_between(ms_timestamp(self.last_check), ms_timestamp(now), 1);
                if let Some(at) = missed.first() {
                    log.record(
                        now,
                        "missed",
                        format!(
                            "start schedule \"{name}\" of {} was due at {} while this agent was not running; not carried out late",
                            startable.instance,
                            when.local_time(*at).strftime("%a %Y-%m-%d %H:%M %Z")
                        ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::power::{StartPlan, StartSchedule};

    fn at(text: &str) -> u64 {
        timestamp_ms(text.parse().unwrap())
    }

    #[test]
    fn an_inventory_instance_is_started_at_its_learned_schedule() {
        let dir = tempfile::tempdir().unwrap();
        let inventory = dir.path().join("instances.toml");
        std::fs::write(
            &inventory,
            "[[instance]]\nname = \"lab\"\nstart_command = \"virsh start lab\"\n\n[[instance]]\nname = \"other\"\n",
        )
        .unwrap();
        let plans = dir.path().join("fleet-start");
        let plan = |command: Option<&str>| StartPlan {
            start_command: command.map(str::to_owned),
            schedules: vec![StartSchedule {
                name: "morning".into(),
                cron: "0 7 * * *".into(),
                zone: "UTC".into(),
            }],
        };
        fleet_start::save(&plans, "lab", &plan(None)).unwrap();
        // Not in a position to start it: no command anywhere.
        fleet_start::save(&plans, "other", &plan(None)).unwrap();
        let mut log = EventLog::open(dir.path().join("log.jsonl"));
        let mut starts = FleetStarts::new(inventory, plans, at("2026-11-27T06:59:00Z"));
        assert!(
            starts
                .check(at("2026-11-27T06:59:59Z"), &mut log)
                .is_empty()
        );
        let due = starts.check(at("2026-11-27T07:00:00.500Z"), &mut log);
        assert_eq!(
            due,
            [Start {
                instance: "lab".into(),
                schedule: "morning".into(),
                command: "virsh start lab".into()
            }]
        );
        assert!(
            starts
                .check(at("2026-11-27T07:00:01.500Z"), &mut log)
                .is_empty(),
            "once"
        );
        // A day away: reported, not replayed.
        assert!(
            starts
                .check(at("2026-11-28T09:00:00Z"), &mut log)
                .is_empty()
        );
        let entries = log.newest(10);
        assert!(
            entries
                .iter()
                .any(|e| e.kind == "missed" && e.text.contains("of lab")),
            "{entries:?}"
        );
    }
}
