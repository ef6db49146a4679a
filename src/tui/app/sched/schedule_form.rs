//! The schedule form: name, action, cron rule, zone and whether it is enabled, checked as it
//! is typed with the helpers the agent uses (`core::power::schedule`), so what the form
//! accepts the agent accepts too.
//!
//! While the rule and the zone are valid the form shows the next three firings on the zone's
//! wall clock, computed from the console's clock as `update` last saw it. The zone field
//! suggests IANA names that match what is typed (fuzzy, best first).

use crossterm::event::{KeyCode, KeyEvent};

use super::field;
use super::time::{TimeForm, firing_text, millis};
use crate::config::power::check_schedule_name;
use crate::core::power::schedule::{CronRule, ZonedSchedule, find_zone, fuzzy_zones};
use crate::proto::power::{NEXT_FIRINGS, PowerAction, ScheduleSpec, ScheduleView};

/// Zone suggestions shown at most.
pub const SUGGESTIONS: usize = 4;

/// One field of the form, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchedField {
    Name,
    Action,
    Cron,
    Zone,
    Enabled,
}

impl SchedField {
    pub const ALL: [SchedField; 5] = [
        SchedField::Name,
        SchedField::Action,
        SchedField::Cron,
        SchedField::Zone,
        SchedField::Enabled,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SchedField::Name => "Name",
            SchedField::Action => "Action",
            SchedField::Cron => "Cron",
            SchedField::Zone => "Zone",
            SchedField::Enabled => "Enabled",
        }
    }

    /// The field `step` places after this one, wrapping around.
    pub fn step(self, step: isize) -> SchedField {
        let all = SchedField::ALL;
        let at = all.iter().position(|f| *f == self).unwrap_or(0) as isize;
        all[(at + step).rem_euclid(all.len() as isize) as usize]
    }
}

/// What the cron field says under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CronCheck {
    /// Rule and zone are valid: the next firings, in unix milliseconds and as text on the
    /// zone's wall clock.
    Firings { at_ms: Vec<u64>, text: Vec<String> },
    /// The rule is valid; its firings wait for a valid zone.
    NeedsZone,
    /// Why the rule is refused.
    Invalid(String),
}

/// A problem that stops the form from being saved, and its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedProblem {
    pub field: SchedField,
    pub message: String,
}

/// The form's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleForm {
    /// The schedule being changed (by its name in the report); `None` for a new one.
    pub editing: Option<ScheduleSpec>,
    pub name: String,
    pub action: PowerAction,
    pub cron: String,
    pub zone: String,
    pub enabled: bool,
    /// The field keys go to.
    pub field: SchedField,
    pub cron_check: CronCheck,
    /// Why the zone is refused (with a suggestion when one is close); `None` when valid.
    pub zone_problem: Option<String>,
    /// Zone names matching what is typed, best first, while it is not a zone yet.
    pub suggestions: Vec<&'static str>,
    /// The highlighted suggestion.
    pub pick: Option<usize>,
    /// The first problem, for the status line; `None` when the form can be saved.
    pub problem: Option<SchedProblem>,
}

impl ScheduleForm {
    /// A form for a new schedule in `zone`, or for changing `existing`; `now_ms` is the
    /// console's clock, `taken` the names of the other schedules.
    pub fn new(
        existing: Option<&ScheduleView>,
        zone: &str,
        now_ms: u64,
        taken: &[String],
    ) -> ScheduleForm {
        let spec = existing.map(ScheduleView::spec);
        let start = spec.clone().unwrap_or_else(|| ScheduleSpec {
            name: String::new(),
            action: PowerAction::Stop,
            cron: String::new(),
            zone: zone.to_owned(),
            enabled: true,
        });
        let mut form = ScheduleForm {
            editing: spec,
            name: start.name,
            action: start.action,
            cron: start.cron,
            zone: start.zone,
            enabled: start.enabled,
            field: SchedField::Name,
            cron_check: CronCheck::NeedsZone,
            zone_problem: None,
            suggestions: Vec::new(),
            pick: None,
            problem: None,
        };
        form.recheck(now_ms, taken);
        form
    }

    /// The text of `field` (`None` for the two toggles).
    pub fn text(&self, field: SchedField) -> Option<&str> {
        match field {
            SchedField::Name => Some(&self.name),
            SchedField::Cron => Some(&self.cron),
            SchedField::Zone => Some(&self.zone),
            SchedField::Action | SchedField::Enabled => None,
        }
    }

    fn text_mut(&mut self) -> Option<&mut String> {
        match self.field {
            SchedField::Name => Some(&mut self.name),
            SchedField::Cron => Some(&mut self.cron),
            SchedField::Zone => Some(&mut self.zone),
            SchedField::Action | SchedField::Enabled => None,
        }
    }

    /// A key the keymap did not take: typing into the focused field, or Space and ←/→ on a
    /// toggle. True when the form changed (it is then checked again).
    pub fn key(&mut self, event: &KeyEvent, now_ms: u64, taken: &[String]) -> bool {
        let toggle = matches!(
            event.code,
            KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right
        );
        let changed = match self.field {
            SchedField::Action if toggle => {
                self.action = match self.action {
                    PowerAction::Start => PowerAction::Stop,
                    PowerAction::Stop => PowerAction::Start,
                };
                true
            }
            SchedField::Enabled if toggle => {
                self.enabled = !self.enabled;
                true
            }
            _ => self.text_mut().is_some_and(|text| field::edit(text, event)),
        };
        if changed {
            self.edited(now_ms, taken);
        }
        changed
    }

    /// Pastes into the focused text field.
    pub fn paste(&mut self, text: &str, now_ms: u64, taken: &[String]) -> bool {
        let changed = self
            .text_mut()
            .is_some_and(|value| field::paste(value, text));
        if changed {
            self.edited(now_ms, taken);
        }
        changed
    }

    fn edited(&mut self, now_ms: u64, taken: &[String]) {
        if self.field == SchedField::Zone {
            self.pick = None;
        }
        self.recheck(now_ms, taken);
    }

    /// Whether the zone field is focused and has suggestions to show.
    pub fn suggesting(&self) -> bool {
        self.field == SchedField::Zone && !self.suggestions.is_empty()
    }

    /// Moves the highlight through the suggestions; from the first one up, back to none.
    /// False when there is nowhere to go.
    pub fn move_pick(&mut self, delta: isize) -> bool {
        let last = self.suggestions.len().saturating_sub(1);
        let next = match (self.pick, delta.signum()) {
            (None, 1) => Some(0),
            (Some(at), 1) => Some((at + 1).min(last)),
            (Some(0), -1) => None,
            (Some(at), -1) => Some(at - 1),
            (pick, _) => pick,
        };
        let moved = next != self.pick;
        self.pick = next;
        moved
    }

    /// Puts the highlighted suggestion (the first when none is) into the zone field.
    pub fn take_suggestion(&mut self, now_ms: u64, taken: &[String]) -> bool {
        let Some(zone) = self.suggestions.get(self.pick.unwrap_or(0)) else {
            return false;
        };
        self.zone = (*zone).to_owned();
        self.pick = None;
        self.recheck(now_ms, taken);
        true
    }

    /// Checks every field again at `now_ms`: the cron rule, the zone (and its suggestions),
    /// the next firings, the name.
    pub fn recheck(&mut self, now_ms: u64, taken: &[String]) {
        let zone = find_zone(&self.zone);
        self.zone_problem = match (&zone, self.zone.trim().is_empty()) {
            (Ok(_), _) => None,
            (Err(_), true) => {
                Some("write an IANA time zone, e.g. Europe/Berlin, America/New_York or UTC".into())
            }
            (Err(message), false) => Some(message.clone()),
        };
        self.suggestions = if zone.is_ok() || self.zone.trim().is_empty() {
            Vec::new()
        } else {
            fuzzy_zones(&self.zone, SUGGESTIONS)
                .into_iter()
                .map(|(name, _)| name)
                .collect()
        };
        self.pick = self.pick.filter(|at| *at < self.suggestions.len());
        self.cron_check = match (CronRule::parse(&self.cron), zone) {
            (Err(error), _) => CronCheck::Invalid(error.to_string()),
            (Ok(_), Err(_)) => CronCheck::NeedsZone,
            (Ok(rule), Ok((_, zone_name))) => match ZonedSchedule::new(rule, zone_name) {
                Ok(schedule) => firings(&schedule, now_ms),
                Err(error) => CronCheck::Invalid(error.to_string()),
            },
        };
        self.problem = self.check(taken).err();
    }

    /// Moves the firings on once the first has passed; true when they changed.
    pub fn advance(&mut self, now_ms: u64, taken: &[String]) -> bool {
        match &self.cron_check {
            CronCheck::Firings { at_ms, .. } if at_ms.first().is_some_and(|f| *f <= now_ms) => {
                let before = self.cron_check.clone();
                self.recheck(now_ms, taken);
                self.cron_check != before
            }
            _ => false,
        }
    }

    /// The schedule the form describes, or the first problem with it; `taken` are the names
    /// of the other schedules.
    pub fn check(&self, taken: &[String]) -> Result<ScheduleSpec, SchedProblem> {
        let problem = |field, message: String| SchedProblem { field, message };
        let name = self.name.trim();
        check_schedule_name(name).map_err(|message| problem(SchedField::Name, message))?;
        if taken.iter().any(|other| other == name) {
            return Err(problem(
                SchedField::Name,
                format!("a schedule called \"{name}\" exists already"),
            ));
        }
        if let CronCheck::Invalid(message) = &self.cron_check {
            return Err(problem(SchedField::Cron, message.clone()));
        }
        let (_, zone) = find_zone(&self.zone).map_err(|m| problem(SchedField::Zone, m))?;
        Ok(ScheduleSpec {
            name: name.to_owned(),
            action: self.action,
            cron: self.cron.trim().to_owned(),
            zone: zone.to_owned(),
            enabled: self.enabled,
        })
    }
}

/// The next firings of `schedule` after `now_ms`.
fn firings(schedule: &ZonedSchedule, now_ms: u64) -> CronCheck {
    let now = jiff::Timestamp::from_millisecond(i64::try_from(now_ms).unwrap_or(i64::MAX))
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let at_ms: Vec<u64> = schedule
        .next_n(now, NEXT_FIRINGS)
        .into_iter()
        .map(millis)
        .collect();
    let text = at_ms
        .iter()
        .map(|at| firing_text(*at, &schedule.zone, TimeForm::Full))
        .collect();
    CronCheck::Firings { at_ms, text }
}

/// Whether two specs describe the same schedule as the agent keeps it (the zone in any
/// case, the rule without surrounding blanks).
pub fn same_schedule(a: &ScheduleSpec, b: &ScheduleSpec) -> bool {
    a.name == b.name
        && a.action == b.action
        && a.enabled == b.enabled
        && a.cron.trim() == b.cron.trim()
        && a.zone.eq_ignore_ascii_case(&b.zone)
}
