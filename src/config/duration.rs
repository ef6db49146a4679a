//! Durations as people write them in TOML: `"90s"`, `"15m"`, `"2h"`, `"1h30m"`, `"3d"`.
//!
//! One or more `<number><unit>` parts, units `s`, `m`, `h`, `d`, largest first, no sign, no
//! fractions. A bare integer is refused: `after = 30` could mean seconds or minutes, and a
//! wrong guess shuts a machine down. Values print back in the same form ([`format`]), so a
//! file the agent rewrites keeps reading naturally.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// The units, largest first, with their length in seconds.
const UNITS: [(char, u64); 4] = [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];

/// Why a duration did not parse; the message is meant for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DurationError(String);

/// Parses `"1h30m"` and the like.
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DurationError(
            "empty duration: write e.g. \"45m\", \"2h\" or \"1d\"".into(),
        ));
    }
    let mut total: u64 = 0;
    let mut rest = text;
    let mut last_unit_index: Option<usize> = None;
    while !rest.is_empty() {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            return Err(malformed(text));
        }
        let (number, after) = rest.split_at(digits);
        let mut after_chars = after.chars();
        let Some(unit) = after_chars.next() else {
            return Err(DurationError(format!(
                "\"{text}\" has no unit: write e.g. \"{number}m\" (units: s, m, h, d)"
            )));
        };
        let Some(unit_index) = UNITS.iter().position(|(name, _)| *name == unit) else {
            return Err(DurationError(format!(
                "\"{text}\": unknown unit '{unit}' (units: s, m, h, d)"
            )));
        };
        if last_unit_index.is_some_and(|last| unit_index <= last) {
            return Err(DurationError(format!(
                "\"{text}\": write each unit once, largest first (e.g. \"1h30m\")"
            )));
        }
        last_unit_index = Some(unit_index);
        let value: u64 = number.parse().map_err(|_| malformed(text))?;
        total = value
            .checked_mul(UNITS[unit_index].1)
            .and_then(|seconds| total.checked_add(seconds))
            .ok_or_else(|| DurationError(format!("\"{text}\" is too long")))?;
        rest = after_chars.as_str();
    }
    Ok(Duration::from_secs(total))
}

fn malformed(text: &str) -> DurationError {
    DurationError(format!(
        "\"{text}\" is not a duration: write e.g. \"45m\", \"2h\", \"1h30m\" or \"3d\""
    ))
}

/// Formats whole seconds the way [`parse`] reads them: `"1h30m"`, `"0s"`.
pub fn format(duration: Duration) -> String {
    let mut seconds = duration.as_secs();
    if seconds == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, length) in UNITS {
        let count = seconds / length;
        if count > 0 {
            out.push_str(&format!("{count}{unit}"));
            seconds %= length;
        }
    }
    out
}

/// A serde field of this form: `#[serde(deserialize_with = "duration::deserialize")]`.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse(&text).map_err(serde::de::Error::custom)
}

/// Checks that `value` lies in `range`, with a message naming `key` and the bounds.
pub fn check_bounds(
    key: &str,
    value: Duration,
    range: std::ops::RangeInclusive<Duration>,
) -> Result<Duration, String> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(format!(
            "{key} must be between {} and {}, got {}",
            format(*range.start()),
            format(*range.end()),
            format(value)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_add_up() {
        assert_eq!(parse("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse("3d").unwrap(), Duration::from_secs(3 * 86_400));
        assert_eq!(parse(" 2h ").unwrap(), Duration::from_secs(7200));
    }

    #[test]
    fn bad_forms_say_what_to_write() {
        for (text, expected) in [
            ("", "empty duration"),
            ("30", "has no unit"),
            ("5w", "unknown unit 'w'"),
            ("30m1h", "largest first"),
            ("1.5h", "unknown unit '.'"),
            ("-5m", "is not a duration"),
            ("99999999999999999999d", "is not a duration"),
            ("999999999999999d", "too long"),
        ] {
            let error = parse(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn format_reads_back() {
        for seconds in [0, 1, 59, 60, 3600, 5400, 86_400, 90_061] {
            let duration = Duration::from_secs(seconds);
            assert_eq!(parse(&format(duration)).unwrap(), duration);
        }
        assert_eq!(format(Duration::from_secs(5400)), "1h30m");
    }

    #[test]
    fn bounds_name_the_key() {
        let range = Duration::from_secs(900)..=Duration::from_secs(3 * 86_400);
        let error = check_bounds("after", Duration::from_secs(60), range).unwrap_err();
        assert_eq!(error, "after must be between 15m and 3d, got 1m");
    }
}
