//! Cron rules in IANA time zones: when a start or stop schedule fires next, and which firings
//! a sleeping machine missed.
//!
//! A [`CronRule`] is a 5-field cron expression, `minute hour day-of-month month day-of-week`,
//! with lists (`1,15`), ranges (`1-5`), steps (`*/15`, `8-18/2`) and names (`mon-fri`, `jan`;
//! 0 and 7 are both Sunday). As in POSIX cron, when both day fields are restricted a day
//! matches if **either** does (`0 9 1 * mon` fires on the 1st and on every Monday). Croner's
//! extensions are accepted too (`L`, `15W`, `fri#2`, and `@daily`-style shortcuts), but not a
//! seconds or a year field. A rule that can never fire (`0 0 31 2 *`) is refused.
//!
//! A [`ZonedSchedule`] reads the rule on the wall clock of one zone. Where daylight saving
//! time makes the wall clock skip or repeat, it behaves the way people expect of a timer:
//!
//! - **A fixed-time rule** (one minute and one hour, like `30 2 * * *`) fires once a day:
//!   - when its time does not exist (clocks spring forward: Europe/Berlin has no 02:30 on
//!     2026-03-29), it fires at the first instant after the gap, 03:00 local;
//!   - when its time happens twice (clocks fall back: 02:30 happens twice in Europe/Berlin on
//!     2026-10-25), it fires at the first of the two only.
//! - **Any other rule** (`*/15 * * * *`, `0 * * * *`, `0,30 2 * * *`) is a series of wall
//!   clock times: the times skipped by a gap do not happen, so they do not fire; in a
//!   repeated hour it fires in both passes, each at its own instant, never twice at the same
//!   instant.
//!
//! Zones and their rules come from the database bundled into the binary ([`zones`]).

mod fields;
pub mod zones;

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use croner::parser::{CronParser, Seconds, Year};
use croner::{CivilDate, CivilDateTime, CivilTime, Cron, CronDateTime, Resolution, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp, ZonedDateTime};

pub use zones::{find_zone, fuzzy_zones, zone_names};

/// Why a rule or a zone was refused; the message is meant for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The cron text, e.g. "minute field: 61 is out of range 0–59".
    #[error("{0}")]
    Cron(String),
    /// The zone, e.g. "unknown time zone \"Europe/Berln\"; did you mean Europe/Berlin?".
    #[error("{0}")]
    Zone(String),
}

/// The shortcuts croner understands, as their 5-field rules.
const SHORTCUTS: [(&str, &str); 6] = [
    ("@yearly", "0 0 1 1 *"),
    ("@annually", "0 0 1 1 *"),
    ("@monthly", "0 0 1 * *"),
    ("@weekly", "0 0 * * 0"),
    ("@daily", "0 0 * * *"),
    ("@hourly", "0 * * * *"),
];

/// A checked 5-field cron rule.
#[derive(Debug, Clone)]
pub struct CronRule {
    /// As the user wrote it (trimmed).
    text: String,
    cron: Cron,
}

impl CronRule {
    /// Parses and checks `text`; the error names the field at fault.
    pub fn parse(text: &str) -> Result<CronRule, ScheduleError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ScheduleError::Cron(format!(
                "empty cron rule: write 5 fields ({}), e.g. \"0 19 * * 1-5\"",
                fields::FIELD_LIST
            )));
        }
        let expanded = if text.starts_with('@') {
            SHORTCUTS
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(text))
                .map(|(_, rule)| *rule)
                .ok_or_else(|| {
                    ScheduleError::Cron(format!(
                        "unknown shortcut \"{text}\": use @hourly, @daily, @weekly, @monthly or @yearly"
                    ))
                })?
        } else {
            text
        };
        let normalized = fields::normalize(expanded).map_err(ScheduleError::Cron)?;
        let cron = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build()
            .parse(&normalized)
            .map_err(|e| ScheduleError::Cron(format!("\"{text}\": {}", croner_message(&e))))?;
        let rule = CronRule {
            text: text.to_owned(),
            cron,
        };
        rule.check_fires()?;
        Ok(rule)
    }

    /// The rule as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// One minute and one hour: fires once a day at most, even across DST (see the module
    /// documentation).
    pub fn is_fixed_time(&self) -> bool {
        self.cron.determine_job_type() == croner::JobType::FixedTime
    }

    /// Refuses a rule with no firing at all, such as `0 0 31 2 *` (every day-of-month
    /// rule fires within 8 years, the longest gap being 29 February).
    fn check_fires(&self) -> Result<(), ScheduleError> {
        let start = Timestamp::UNIX_EPOCH.to_zoned_datetime(TimeZone::UTC);
        let fires = self
            .cron
            .find_next_occurrence(&Wall(start.clone()), false)
            .is_ok_and(|next| next.0.year() < start.year() + 9);
        if fires {
            Ok(())
        } else {
            Err(ScheduleError::Cron(format!(
                "\"{}\" never fires: no month it names has that day",
                self.text
            )))
        }
    }
}

impl PartialEq for CronRule {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for CronRule {}

impl FromStr for CronRule {
    type Err = ScheduleError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        CronRule::parse(text)
    }
}

impl fmt::Display for CronRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Croner's message for what the field checks let through, in the same voice.
fn croner_message(error: &croner::errors::CronError) -> String {
    let text = error.to_string();
    let text = text
        .strip_prefix("Component error: ")
        .or_else(|| text.strip_prefix("Invalid pattern: "))
        .unwrap_or(&text);
    let mut chars = text.trim_end_matches('.').chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A cron rule read on the wall clock of one time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZonedSchedule {
    pub rule: CronRule,
    pub zone: TimeZone,
    /// The zone's IANA name as the database spells it.
    pub zone_name: String,
}

impl ZonedSchedule {
    /// `rule` in the zone called `zone_name` (any case; see [`find_zone`]).
    pub fn new(rule: CronRule, zone_name: &str) -> Result<ZonedSchedule, ScheduleError> {
        let (zone, name) = find_zone(zone_name).map_err(ScheduleError::Zone)?;
        Ok(ZonedSchedule {
            rule,
            zone,
            zone_name: name.to_owned(),
        })
    }

    /// Parses both parts.
    pub fn parse(cron: &str, zone_name: &str) -> Result<ZonedSchedule, ScheduleError> {
        ZonedSchedule::new(CronRule::parse(cron)?, zone_name)
    }

    /// The first firing strictly after `after`; `None` only past the year 5000.
    pub fn next_after(&self, after: Timestamp) -> Option<Timestamp> {
        let start = Wall(after.to_zoned_datetime(self.zone.clone()));
        self.rule
            .cron
            .find_next_occurrence(&start, false)
            .ok()
            .map(|next| next.0.timestamp())
    }

    /// The next `n` firings after `after`, in order (the editor shows three).
    pub fn next_n(&self, after: Timestamp, n: usize) -> Vec<Timestamp> {
        let mut firings = Vec::with_capacity(n);
        let mut cursor = after;
        while firings.len() < n {
            let Some(next) = self.next_after(cursor) else {
                break;
            };
            firings.push(next);
            cursor = next;
        }
        firings
    }

    /// The firings in `(from, to]`, oldest first, at most `limit`: what a machine that was
    /// asleep from `from` to `to` missed. Ask for one more than you show to know whether
    /// there were more.
    pub fn firings_between(&self, from: Timestamp, to: Timestamp, limit: usize) -> Vec<Timestamp> {
        let mut firings = Vec::new();
        let mut cursor = from;
        while firings.len() < limit {
            match self.next_after(cursor) {
                Some(next) if next <= to => {
                    firings.push(next);
                    cursor = next;
                }
                _ => break,
            }
        }
        firings
    }

    /// `at` on this schedule's wall clock, for messages ("Mon 2026-03-30 19:00 CEST").
    pub fn local_time(&self, at: Timestamp) -> ZonedDateTime {
        at.to_zoned_datetime(self.zone.clone())
    }
}

/// A zoned time as croner's search sees it (croner's own jiff support is for jiff 0.2).
#[derive(Debug, Clone)]
struct Wall(ZonedDateTime);

impl CronDateTime for Wall {
    fn to_civil(&self) -> CivilDateTime {
        let dt = self.0.datetime();
        // jiff keeps every part in range, so croner's unchecked constructors are safe here.
        CivilDateTime::new(
            CivilDate::from_parts_unchecked(
                i32::from(dt.year()),
                dt.month().unsigned_abs().into(),
                dt.day().unsigned_abs().into(),
            ),
            CivilTime::from_parts_unchecked(
                dt.hour().unsigned_abs().into(),
                dt.minute().unsigned_abs().into(),
                dt.second().unsigned_abs().into(),
            ),
        )
    }

    fn civil_weekday(&self) -> Weekday {
        Weekday::from_days_from_sunday(
            self.0
                .weekday()
                .to_sunday_zero_offset()
                .unsigned_abs()
                .into(),
        )
    }

    fn resolve_civil(
        &self,
        civil: CivilDateTime,
    ) -> Result<Resolution<Self>, croner::errors::CronError> {
        use croner::errors::CronError;
        let part = |value: u32| i8::try_from(value).map_err(|_| CronError::InvalidTime);
        let year = i16::try_from(civil.year()).map_err(|_| CronError::InvalidDate)?;
        let datetime = jiff::civil::DateTime::new(
            year,
            part(civil.month())?,
            part(civil.day())?,
            part(civil.hour())?,
            part(civil.minute())?,
            part(civil.second())?,
            0,
        )
        .map_err(|_| CronError::InvalidDate)?;
        let ambiguous = self.0.time_zone().to_ambiguous_zoned_datetime(datetime);
        let wall = |zoned: Result<ZonedDateTime, jiff::Error>| {
            zoned.map(Wall).map_err(|_| CronError::InvalidTime)
        };
        Ok(match ambiguous.offset() {
            AmbiguousOffset::Unambiguous { .. } => {
                Resolution::Single(wall(ambiguous.unambiguous())?)
            }
            AmbiguousOffset::Fold { .. } => {
                Resolution::Ambiguous(wall(ambiguous.clone().earlier())?, wall(ambiguous.later())?)
            }
            AmbiguousOffset::Gap { .. } => Resolution::Gap,
        })
    }

    fn checked_add_seconds(&self, seconds: i64) -> Option<Self> {
        self.0
            .checked_add(SignedDuration::from_secs(seconds))
            .ok()
            .map(Wall)
    }

    fn cmp_instant(&self, other: &Self) -> Ordering {
        self.0.timestamp().cmp(&other.0.timestamp())
    }
}

#[cfg(test)]
mod tests;
