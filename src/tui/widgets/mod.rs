//! Reusable drawing parts, free of any knowledge of telemetry.
//!
//! - [`meter`]: one-line gauges with ok/warn/crit roles.
//! - [`chart`]: braille history charts, newest at the right.
//! - [`dual_chart`]: two rates mirrored around a middle line.
//! - [`form`]: popup frames and form field rows.
//! - [`table`]: list rows with a selection marker.
//! - [`text`]: measuring, truncating and fitting text.

pub mod chart;
pub mod dual_chart;
pub mod form;
pub mod meter;
pub mod table;
pub mod text;
