//! Domain types and pure logic shared by the agent and the front ends: no I/O, no UI.
//!
//! - [`history`]: bounded rings of past values, and which series a sample feeds.
//! - [`jobs`]: the job runner's rules: spec checks, scheduling, GPU accounting.
//! - [`power`]: start/stop schedules (cron in IANA zones), idle detection, stop warnings,
//!   snoozes and deadlines.
//! - [`processes`]: filter, sort and cut the process table a client asked for.
//! - [`setup`]: the setup scripts' states in words.
//! - [`units`]: how sizes, rates, durations and percentages are written for people.

pub mod history;
pub mod jobs;
pub mod power;
pub mod processes;
pub mod setup;
pub mod units;
