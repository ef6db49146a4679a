//! The wire protocol between clients (console, verbs, bridge) and the agent.
//!
//! One JSON object per line over any byte stream: a Unix socket locally, an SSH channel to a
//! remote `station agent --stdio`. [`message`] holds the typed client and server messages,
//! [`telemetry`] the measured data they carry, [`jobs`] the job runner's types, [`power`]
//! schedules and idle shutdown, [`setup`] the setup scripts' status, and [`codec`] the
//! framing with its size limit.
//! The first exchange is always `hello` → `ready` (or a `version_mismatch` error).

pub mod codec;
pub mod jobs;
pub mod message;
pub mod power;
pub mod setup;
pub mod summary;
pub mod telemetry;

#[cfg(test)]
mod tests;

pub use codec::{FrameCodec, FrameError, MAX_FRAME_BYTES, parse_client_frame};
pub use message::{
    AgentInfo, ClientFrame, ClientMsg, ErrorCode, Event, NoticeLevel, Ready, Response, ServerMsg,
    StatusReport, TelemetrySnapshot,
};

/// Bumped whenever a change to the messages would confuse the other side.
pub const PROTOCOL_VERSION: u32 = 3;

/// This build's version, sent in `hello` and `ready`.
pub const STATION_VERSION: &str = env!("CARGO_PKG_VERSION");
