//! Power: why the instance is up, and when and why it stops. Pure logic, no I/O, no clock:
//! every function takes the time (`now_ms`, unix milliseconds) from its caller.
//!
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
pub mod status;
