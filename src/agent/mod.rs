//! The agent: the per-instance daemon that owns telemetry (and, later, jobs and power).
//!
//! - [`telemetry`]: what is measured each tick.
//! - `sampler`: the thread that runs the collector, keeps history and publishes samples.
//! - `server`, `session`: the socket, the peer-uid check and one task per client.
//! - `lifecycle`: pidfile lock, stale sockets, detaching, signals.
//! - `stdio`: `station agent --stdio`, the bridge SSH sessions run.

pub mod telemetry;
