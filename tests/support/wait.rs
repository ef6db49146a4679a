//! Waiting on a named condition with a deadline, never for a fixed time.
//!
//! The timeout comes from `STATION_E2E_TIMEOUT_SECS` (default 20 s) so that a slow CI machine
//! can be given more time without touching the tests; a condition that holds returns at once.

use std::time::{Duration, Instant};

/// Environment variable that overrides [`default_timeout`], in seconds (fractions allowed).
pub const TIMEOUT_ENV: &str = "STATION_E2E_TIMEOUT_SECS";

/// How long a condition may take when the environment does not say: generous, for busy CI.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// Pause between two checks of a condition.
pub const POLL_INTERVAL: Duration = Duration::from_millis(25);

/// The timeout for waits: `STATION_E2E_TIMEOUT_SECS` when set to a positive number, else 20 s.
///
/// Panics on a value that is not a positive number, so a typo is not silently ignored.
pub fn default_timeout() -> Duration {
    match std::env::var(TIMEOUT_ENV) {
        Err(_) => DEFAULT_TIMEOUT,
        Ok(text) => match text.trim().parse::<f64>() {
            Ok(secs) if secs.is_finite() && secs > 0.0 => Duration::from_secs_f64(secs),
            _ => panic!("{TIMEOUT_ENV}={text:?} is not a positive number of seconds"),
        },
    }
}

/// Calls `probe` every [`POLL_INTERVAL`] until it returns `Some`, or `timeout` has passed.
///
/// Returns `Err(elapsed)` on timeout; the caller turns that into a message that names what
/// it waited for. `probe` runs at least once, and once more at the deadline.
pub fn poll<T>(timeout: Duration, mut probe: impl FnMut() -> Option<T>) -> Result<T, Duration> {
    let start = Instant::now();
    let deadline = start + timeout;
    loop {
        if let Some(value) = probe() {
            return Ok(value);
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(now - start);
        }
        std::thread::sleep(POLL_INTERVAL.min(deadline - now));
    }
}

/// Waits until `condition` holds; on timeout panics with `name` and `detail()` (for example
/// the last screen), so the failure says what was expected and what was there instead.
#[track_caller]
pub fn wait_until(
    name: &str,
    timeout: Duration,
    mut condition: impl FnMut() -> bool,
    detail: impl FnOnce() -> String,
) {
    if let Err(elapsed) = poll(timeout, || condition().then_some(())) {
        panic!(
            "timed out after {:.1} s waiting for: {name}\n{}",
            elapsed.as_secs_f64(),
            detail()
        );
    }
}

/// Whether process `pid` has ended: it is gone, or a zombie nobody has reaped yet.
pub fn process_ended(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // The state follows the command, which is in parentheses and may contain spaces.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state == "Z" || state == "X"),
    }
}

/// [`wait_until`] with the default timeout, for conditions that have nothing to show on
/// failure but their name.
#[track_caller]
pub fn wait_for(name: &str, condition: impl FnMut() -> bool) {
    wait_until(name, default_timeout(), condition, String::new);
}
