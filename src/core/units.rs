//! How numbers are written for people: compact, fixed-width-friendly, IEC sizes.
//!
//! Sizes use powers of 1024 with one-letter suffixes as htop and `free -h` do ("512K",
//! "1.5G"); rates add "/s". Missing values are written [`NOT_AVAILABLE`].

/// What every front end shows for a value the machine could not give.
pub const NOT_AVAILABLE: &str = "n/a";

const SUFFIXES: [&str; 7] = ["B", "K", "M", "G", "T", "P", "E"];

/// "0B", "999B", "1.0K", "12.3M", "512G": at most five characters for any u64.
pub fn bytes(value: u64) -> String {
    let mut scaled = value as f64;
    let mut unit = 0;
    while scaled >= 1000.0 && unit < SUFFIXES.len() - 1 {
        scaled /= 1024.0;
        unit += 1;
    }
    match unit {
        0 => format!("{value}B"),
        _ if scaled < 10.0 => format!("{scaled:.1}{}", SUFFIXES[unit]),
        _ => format!("{scaled:.0}{}", SUFFIXES[unit]),
    }
}

/// A byte rate: "0B/s", "1.2M/s".
pub fn rate(bytes_per_second: f64) -> String {
    let value = if bytes_per_second.is_finite() && bytes_per_second > 0.0 {
        bytes_per_second.round() as u64
    } else {
        0
    };
    format!("{}/s", bytes(value))
}

/// An optional size, "n/a" when absent.
pub fn opt_bytes(value: Option<u64>) -> String {
    value.map_or_else(|| NOT_AVAILABLE.to_owned(), bytes)
}

/// An optional rate, "n/a" when absent.
pub fn opt_rate(value: Option<f64>) -> String {
    value.map_or_else(|| NOT_AVAILABLE.to_owned(), rate)
}

/// Uptime-style durations with minute resolution, so they change once a minute at most:
/// "0m", "59m", "4h 12m", "3d 4h".
pub fn uptime(seconds: u64) -> String {
    let minutes = seconds / 60;
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{minutes}m"),
        (0, _) => format!("{hours}h {minutes}m"),
        _ => format!("{days}d {hours}h"),
    }
}

/// Short ages: "0s", "42s", "5m", "3h", "2d".
pub fn age(seconds: u64) -> String {
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m", seconds / 60),
        3600..86_400 => format!("{}h", seconds / 3600),
        _ => format!("{}d", seconds / 86_400),
    }
}

/// `part` as a percentage of `whole`; 0 when `whole` is 0.
pub fn share(part: u64, whole: u64) -> f32 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 / whole as f64 * 100.0) as f32
    }
}

/// A percentage in at most five characters: "0.0%", "99.5%", "100%", "400%".
pub fn percent(value: f32) -> String {
    let value = if value.is_finite() {
        value.max(0.0)
    } else {
        0.0
    };
    if value < 99.95 {
        format!("{value:.1}%")
    } else {
        format!("{value:.0}%")
    }
}

/// "n/a" or the value followed by its unit: `with_unit(Some(41), "°C")` is "41°C".
pub fn with_unit<T: std::fmt::Display>(value: Option<T>, unit: &str) -> String {
    value.map_or_else(|| NOT_AVAILABLE.to_owned(), |v| format!("{v}{unit}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_short_and_iec() {
        assert_eq!(bytes(0), "0B");
        assert_eq!(bytes(999), "999B");
        assert_eq!(bytes(1000), "1.0K");
        assert_eq!(bytes(1536), "1.5K");
        assert_eq!(bytes(12 * 1024 * 1024), "12M");
        assert_eq!(bytes(150_754_820_096), "140G");
        assert_eq!(bytes(u64::MAX), "16E");
        for value in [0, 1, 999, 1000, 10_239, 1 << 20, 1 << 40, u64::MAX] {
            assert!(bytes(value).len() <= 5, "{value} -> {}", bytes(value));
        }
    }

    #[test]
    fn rates_clamp_nonsense_to_zero() {
        assert_eq!(rate(2048.0), "2.0K/s");
        assert_eq!(rate(-5.0), "0B/s");
        assert_eq!(rate(f64::NAN), "0B/s");
        assert_eq!(opt_rate(None), "n/a");
    }

    #[test]
    fn uptime_changes_once_a_minute() {
        assert_eq!(uptime(59), "0m");
        assert_eq!(uptime(61), "1m");
        assert_eq!(uptime(4 * 3600 + 12 * 60 + 30), "4h 12m");
        assert_eq!(uptime(3 * 86_400 + 4 * 3600 + 59), "3d 4h");
    }

    #[test]
    fn ages_and_percentages() {
        assert_eq!(age(42), "42s");
        assert_eq!(age(300), "5m");
        assert_eq!(age(7200), "2h");
        assert_eq!(age(200_000), "2d");
        assert_eq!(percent(3.04), "3.0%");
        assert_eq!(percent(99.96), "100%");
        assert_eq!(percent(400.0), "400%");
        assert_eq!(percent(f32::NAN), "0.0%");
        assert_eq!(with_unit(Some(41), "°C"), "41°C");
        assert_eq!(with_unit(None::<u32>, "°C"), "n/a");
        assert_eq!(share(1, 4), 25.0);
        assert_eq!(share(5, 0), 0.0);
    }
}
