//! Power management: when the instance starts and stops.
//!
//! - [`schedule`]: cron rules in IANA time zones, their next firings across daylight saving
//!   changes, and the zone names the console completes.

pub mod schedule;
