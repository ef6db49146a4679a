//! Firing times as people read them, on the wall clock of the schedule's zone:
//! "Mon 2026-11-30 19:00 CET", shorter where the screen is narrow.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// How much of a time to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeForm {
    /// "Mon 2026-11-30 19:00 CET"
    Full,
    /// "Mon 2026-11-30 19:00" (the zone shows elsewhere on the row)
    NoZone,
    /// "Mon 11-30 19:00"
    Short,
}

impl TimeForm {
    /// Widest first.
    pub const ALL: [TimeForm; 3] = [TimeForm::Full, TimeForm::NoZone, TimeForm::Short];

    fn pattern(self) -> &'static str {
        match self {
            TimeForm::Full => "%a %Y-%m-%d %H:%M %Z",
            TimeForm::NoZone => "%a %Y-%m-%d %H:%M",
            TimeForm::Short => "%a %m-%d %H:%M",
        }
    }

    /// Cells the form takes at most (zone abbreviations are at most 5 letters, e.g. AWST or
    /// "+0530" where a zone has none).
    pub fn width(self) -> usize {
        match self {
            TimeForm::Full => 26,
            TimeForm::NoZone => 20,
            TimeForm::Short => 15,
        }
    }
}

/// `at_ms` (unix milliseconds) on the wall clock of `zone`.
pub fn firing_text(at_ms: u64, zone: &TimeZone, form: TimeForm) -> String {
    let Some(at) = i64::try_from(at_ms)
        .ok()
        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
    else {
        return "?".to_owned();
    };
    let zoned = at.to_zoned_datetime(zone.clone());
    jiff::fmt::strtime::format(form.pattern(), &zoned).unwrap_or_else(|_| zoned.to_string())
}

/// The unix milliseconds of `at` (0 before the epoch).
pub fn millis(at: Timestamp) -> u64 {
    u64::try_from(at.as_millisecond()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_in_the_zone_of_the_schedule() {
        // 2026-11-30 18:00 UTC is 19:00 in Berlin (CET, winter) and 13:00 in New York.
        let at = 1_796_061_600_000;
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        assert_eq!(
            firing_text(at, &berlin, TimeForm::Full),
            "Mon 2026-11-30 19:00 CET"
        );
        assert_eq!(
            firing_text(at, &berlin, TimeForm::NoZone),
            "Mon 2026-11-30 19:00"
        );
        assert_eq!(firing_text(at, &berlin, TimeForm::Short), "Mon 11-30 19:00");
        let new_york = TimeZone::get("America/New_York").unwrap();
        assert_eq!(
            firing_text(at, &new_york, TimeForm::Full),
            "Mon 2026-11-30 13:00 EST"
        );
        for form in TimeForm::ALL {
            assert!(firing_text(at, &berlin, form).len() <= form.width());
        }
        assert_eq!(millis(Timestamp::from_millisecond(at as i64).unwrap()), at);
    }
}
