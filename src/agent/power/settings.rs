//! agent.toml as the agent holds it: the settings in force, the file they came from, and a
//! reload when the file changes (checked once a second by its size and modification time).
//!
//! An invalid file is refused at start (the agent does not start; the message names the
//! file, line, column and field) and at a reload (the running settings are kept, the
//! problem is reported in `station power` and the event log). Edits go through
//! `config::power::edit`, which writes the file only when the result is valid.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use jiff::Timestamp;

use crate::config::ConfigProblem;
use crate::config::agent_settings::AgentSettings;
use crate::config::power::edit::{self, SettingsEdit};
use crate::config::power::{OnRunningJobs, PowerBounds};
use crate::core::power::policy::{IdlePolicy, JobsPolicy};
use crate::proto::power::{IdleView, NEXT_FIRINGS, PowerSettingsView, ScheduleView};

/// What identifies a version of the file without reading it.
type Stamp = Option<(u64, SystemTime)>;

/// See the module documentation.
#[derive(Debug)]
pub struct Settings {
    path: PathBuf,
    bounds: PowerBounds,
    pub current: AgentSettings,
    /// Why the file on disk is not what is in force.
    pub problem: Option<String>,
    stamp: Stamp,
    /// The last view and the time until which it holds (the earliest next firing in it):
    /// the report is rebuilt every second, the schedules' next firings need not be.
    view: std::cell::RefCell<Option<(PowerSettingsView, u64)>>,
}

/// What a reload found.
#[derive(Debug)]
pub enum Reload {
    Unchanged,
    Applied,
    Refused(String),
}

impl Settings {
    /// Loads `path`; an invalid file is an error (the agent does not start).
    pub fn load(path: &Path, bounds: PowerBounds) -> Result<Settings, ConfigProblem> {
        let stamp = stamp(path);
        let current = AgentSettings::load(path, &bounds)?;
        Ok(Settings {
            path: path.to_owned(),
            bounds,
            current,
            problem: None,
            stamp,
            view: std::cell::RefCell::default(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the file again if it changed since it was last read.
    pub fn reload_if_changed(&mut self) -> Reload {
        let now = stamp(&self.path);
        if now == self.stamp {
            return Reload::Unchanged;
        }
        self.reload()
    }

    /// Reads the file again.
    pub fn reload(&mut self) -> Reload {
        self.stamp = stamp(&self.path);
        self.view.take();
        match AgentSettings::load(&self.path, &self.bounds) {
            Ok(settings) => {
                self.problem = None;
                if settings == self.current {
                    return Reload::Unchanged;
                }
                self.current = settings;
                Reload::Applied
            }
            Err(problem) => {
                let text = format!(
                    "{}: {} (the running settings are kept)",
                    problem.location(),
                    problem.message
                );
                let changed = self.problem.as_deref() != Some(text.as_str());
                self.problem = Some(text.clone());
                if changed {
                    Reload::Refused(text)
                } else {
                    Reload::Unchanged
                }
            }
        }
    }

    /// Applies `edit` to the file and takes the result; refused edits leave both untouched.
    pub fn edit(&mut self, change: &SettingsEdit) -> Result<(), String> {
        let settings =
            edit::edit_file(&self.path, change, &self.bounds).map_err(|error| error.message())?;
        self.current = settings;
        self.problem = None;
        self.stamp = stamp(&self.path);
        self.view.take();
        Ok(())
    }

    /// The planner's view of `[power]`.
    pub fn policy(&self) -> IdlePolicy {
        let power = &self.current.power;
        IdlePolicy {
            enabled: power.idle.enabled,
            after: power.idle.after,
            cpu_percent: f32::from(power.idle.cpu_percent),
            gpu_percent: f32::from(power.idle.gpu_percent),
            gpu_memory_mib: u64::from(power.idle.gpu_memory_mib),
            warn_before: power.warn_before,
            snooze_step: power.snooze,
            on_running_jobs: match power.on_running_jobs {
                OnRunningJobs::Wait => JobsPolicy::Wait,
                OnRunningJobs::Stop => JobsPolicy::Stop,
            },
            drain_timeout: power.drain_timeout,
        }
    }

    /// The settings for the report, with each enabled schedule's next firings after `now`;
    /// computed again only when the settings change or the earliest of those firings passes.
    pub fn view(&self, now: Timestamp) -> PowerSettingsView {
        let now_ms = timestamp_ms(now);
        if let Some((view, valid_until)) = &*self.view.borrow()
            && now_ms < *valid_until
        {
            return view.clone();
        }
        let view = self.compute_view(now);
        let valid_until = view
            .schedules
            .iter()
            .filter_map(|schedule| schedule.next_ms.first().copied())
            .min()
            .unwrap_or(u64::MAX);
        *self.view.borrow_mut() = Some((view.clone(), valid_until));
        view
    }

    fn compute_view(&self, now: Timestamp) -> PowerSettingsView {
        let power = &self.current.power;
        let schedules = power
            .schedules
            .iter()
            .map(|schedule| ScheduleView {
                name: schedule.name.clone(),
                action: schedule.action,
                cron: schedule.cron().to_owned(),
                zone: schedule.zone().to_owned(),
                enabled: schedule.enabled,
                next_ms: if schedule.enabled {
                    schedule
                        .when
                        .next_n(now, NEXT_FIRINGS)
                        .into_iter()
                        .map(timestamp_ms)
                        .collect()
                } else {
                    Vec::new()
                },
            })
            .collect();
        PowerSettingsView {
            file: self.path.display().to_string(),
            problem: self.problem.clone(),
            schedules,
            idle: IdleView {
                enabled: power.idle.enabled,
                after_secs: power.idle.after.as_secs(),
                cpu_percent: power.idle.cpu_percent,
                gpu_percent: power.idle.gpu_percent,
                gpu_memory_mib: power.idle.gpu_memory_mib,
            },
            stop_command: power.stop_command.clone(),
            start_command: power.start_command.clone(),
            warn_before_secs: power.warn_before.as_secs(),
            snooze_secs: power.snooze.as_secs(),
            on_running_jobs: power.on_running_jobs.as_str().to_owned(),
            drain_timeout_secs: power.drain_timeout.as_secs(),
        }
    }
}

fn stamp(path: &Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

/// Unix milliseconds of a timestamp (0 before the epoch).
pub fn timestamp_ms(at: Timestamp) -> u64 {
    u64::try_from(at.as_millisecond()).unwrap_or(0)
}

/// The timestamp of unix milliseconds.
pub fn ms_timestamp(ms: u64) -> Timestamp {
    i64::try_from(ms)
        .ok()
        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// How often the file is checked for changes.
pub const RECHECK_EVERY: Duration = Duration::from_secs(1);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_reload_keeps_the_running_settings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.toml");
        std::fs::write(&path, "[power.idle]\nenabled = true\nafter = \"2h\"\n").unwrap();
        let mut settings = Settings::load(&path, PowerBounds::normal()).unwrap();
        assert_eq!(settings.policy().after, Duration::from_secs(7200));
        std::fs::write(&path, "[power.idle]\nenabled = true\nafter = \"5m\"\n").unwrap();
        let Reload::Refused(text) = settings.reload() else {
            panic!("a bad file must be refused");
        };
        assert!(text.contains("agent.toml:3:9"), "{text}");
        assert!(
            text.contains("after must be between 15m and 3d, got 5m"),
            "{text}"
        );
        assert_eq!(settings.policy().after, Duration::from_secs(7200));
        assert!(settings.problem.is_some());
        std::fs::write(&path, "[power.idle]\nenabled = true\nafter = \"3h\"\n").unwrap();
        assert!(matches!(settings.reload(), Reload::Applied));
        assert_eq!(settings.policy().after, Duration::from_secs(3 * 3600));
        assert!(settings.problem.is_none());
    }

    #[test]
    fn schedules_show_their_next_firings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.toml");
        std::fs::write(
            &path,
            "[[power.schedules]]\nname = \"evening\"\naction = \"stop\"\ncron = \"0 19 * * *\"\nzone = \"UTC\"\n",
        )
        .unwrap();
        let settings = Settings::load(&path, PowerBounds::normal()).unwrap();
        let now: Timestamp = "2026-11-27T12:00:00Z".parse().unwrap();
        let view = settings.view(now);
        let next: Vec<Timestamp> = view.schedules[0]
            .next_ms
            .iter()
            .map(|ms| ms_timestamp(*ms))
            .collect();
        assert_eq!(next[0].to_string(), "2026-11-27T19:00:00Z");
        assert_eq!(next.len(), NEXT_FIRINGS);
        // Kept until that firing passes, then moved on.
        let later: Timestamp = "2026-11-27T18:59:59Z".parse().unwrap();
        assert_eq!(settings.view(later), view);
        let after: Timestamp = "2026-11-27T19:00:00Z".parse().unwrap();
        let moved = settings.view(after).schedules[0].next_ms[0];
        assert_eq!(ms_timestamp(moved).to_string(), "2026-11-28T19:00:00Z");
    }
}
