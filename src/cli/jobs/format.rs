//! Human formatting shared by the job verbs: GPU cells, runtimes, exit statuses, timestamps,
//! and cutting text to a width. Pure functions; the current time is always passed in.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::core::units;
use crate::proto::jobs::{GpuRequest, JobState, JobView};

/// What a cell with no value shows.
pub const NONE: &str = "-";

/// Now, in milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// GPU indices as `0,2`.
pub fn gpu_list(indices: &[u32]) -> String {
    let indices: Vec<String> = indices.iter().map(u32::to_string).collect();
    indices.join(",")
}

/// What was asked: `2`, `ids 0,2`, or `-` for none.
pub fn gpu_request(request: &GpuRequest) -> String {
    match request {
        GpuRequest::Count(0) => NONE.to_owned(),
        GpuRequest::Count(n) => n.to_string(),
        GpuRequest::Ids(ids) => format!("ids {}", gpu_list(ids)),
    }
}

/// The GPUs column: the indices assigned once the job has run, else the request; the GPU
/// memory its processes use when known (`0,2 (12G)`).
pub fn gpus_cell(job: &JobView) -> String {
    let has_run = job.state == JobState::Running || job.state.is_terminal();
    let mut cell = if has_run && !job.gpus.is_empty() {
        gpu_list(&job.gpus)
    } else {
        gpu_request(&job.gpus_requested)
    };
    if let Some(memory) = job.gpu_memory {
        cell.push_str(&format!(" ({})", units::bytes(memory)));
    }
    cell
}

/// How long the job has run (until it ended, or until `now_ms`); `None` before it starts.
pub fn runtime_ms(job: &JobView, now_ms: u64) -> Option<u64> {
    let started = job.started_at_ms?;
    Some(job.ended_at_ms.unwrap_or(now_ms).saturating_sub(started))
}

/// A duration for a table: "0.4s", "42s", "5m03s", "2h05m", "3d04h".
pub fn duration(ms: u64) -> String {
    let secs = ms / 1000;
    match secs {
        0..10 => format!("{:.1}s", ms as f64 / 1000.0),
        10..60 => format!("{secs}s"),
        60..3600 => format!("{}m{:02}s", secs / 60, secs % 60),
        3600..86_400 => format!("{}h{:02}m", secs / 3600, secs / 60 % 60),
        _ => format!("{}d{:02}h", secs / 86_400, secs / 3600 % 24),
    }
}

/// The runtime column: a duration, or `-` before the job starts.
pub fn runtime_cell(job: &JobView, now_ms: u64) -> String {
    runtime_ms(job, now_ms).map_or_else(|| NONE.to_owned(), duration)
}

/// `SIGKILL` for 9; `signal 77` for a number with no name.
pub fn signal_name(signal: i32) -> String {
    nix::sys::signal::Signal::try_from(signal)
        .map_or_else(|_| format!("signal {signal}"), |s| s.as_str().to_owned())
}

/// The exit column: `0`, `1`, `SIGKILL`, or `-` while there is none.
pub fn exit_cell(job: &JobView) -> String {
    match (job.exit_code, job.signal) {
        (Some(code), _) => code.to_string(),
        (None, Some(signal)) => signal_name(signal),
        (None, None) => NONE.to_owned(),
    }
}

/// The reason column: why it waits or why it ended without running; a pending cancel.
pub fn reason_cell(job: &JobView) -> String {
    match (
        &job.reason,
        job.cancel_requested && !job.state.is_terminal(),
    ) {
        (Some(reason), true) => format!("cancelling; {reason}"),
        (Some(reason), false) => reason.clone(),
        (None, true) => "cancelling".to_owned(),
        (None, false) => String::new(),
    }
}

/// `text` cut to `width` characters, ending in `…` when it was cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut cut: String = text.chars().take(width - 1).collect();
    cut.push('…');
    cut
}

/// A time in UTC: `2026-11-27 05:27:08 UTC`.
pub fn timestamp(ms: u64) -> String {
    let secs = ms / 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let (year, month, day) = civil_from_days(days);
    let in_day = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        in_day / 3600,
        in_day / 60 % 60,
        in_day % 60
    )
}

/// A time with how long ago it was: `2026-11-27 05:27:08 UTC (5m ago)`.
pub fn timestamp_ago(ms: u64, now_ms: u64) -> String {
    let ago = units::age(now_ms.saturating_sub(ms) / 1000);
    format!("{} ({ago} ago)", timestamp(ms))
}

/// The proleptic Gregorian date of `days` since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_short() {
        assert_eq!(duration(400), "0.4s");
        assert_eq!(duration(42_000), "42s");
        assert_eq!(duration(303_000), "5m03s");
        assert_eq!(duration(7_500_000), "2h05m");
        assert_eq!(duration(273_600_000), "3d04h");
    }

    #[test]
    fn timestamps_are_utc_dates() {
        assert_eq!(timestamp(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(timestamp(951_782_400_000), "2000-02-29 00:00:00 UTC");
        assert_eq!(timestamp(1_796_016_428_000), "2026-11-30 05:27:08 UTC");
        assert_eq!(
            timestamp_ago(1_796_016_428_000, 1_796_016_728_000),
            "2026-11-30 05:27:08 UTC (5m ago)"
        );
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("python train.py", 20), "python train.py");
        assert_eq!(truncate("python train.py", 8), "python …");
        assert_eq!(truncate("abc", 0), "");
    }

    #[test]
    fn signals_have_names() {
        assert_eq!(signal_name(9), "SIGKILL");
        assert_eq!(signal_name(15), "SIGTERM");
        assert_eq!(signal_name(77), "signal 77");
    }
}
