//! Power: when the instance starts and stops, why it is up, and when and why it stops. Pure
//! logic, no I/O, no clock: every function takes the time from its caller.
//!
//! - [`schedule`]: cron rules in IANA time zones, their next firings across daylight saving
//!   changes, and the zone names the console completes.
//! - [`activity`]: one observation of what keeps the machine busy, judged against thresholds.
//! - [`policy`]: the idle-shutdown settings the planner works with ([`policy::IdlePolicy`]).
//! - [`idle`]: the idle clock: how long every activity source has been quiet.
//! - [`planner`]: warnings, snoozes, deadlines, waiting for jobs; yields [`events::PowerEvent`]s.
//! - [`events`]: what the planner decided, for the agent to act on and the event log to keep.
//! - [`status`]: the serialisable "why is it up" summary for `station status` and the console.

pub mod activity;
pub mod events;
pub mod idle;
pub mod planner;
pub mod policy;
pub mod schedule;
pub mod status;
