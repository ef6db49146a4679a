//! What can go wrong talking to an agent, worded for the person who has to fix it.

use std::path::PathBuf;

use crate::proto::{ErrorCode, FrameError};

// Causes are part of each message rather than linked as `source()`, so printing the error
// chain never repeats them.

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Nothing listens on the socket and autostart was off.
    #[error("the agent is not running (no agent at {socket}); start it with `station agent`")]
    NotRunning { socket: PathBuf },
    #[error("cannot connect to the agent at {socket}: {error}")]
    Connect {
        socket: PathBuf,
        error: std::io::Error,
    },
    /// Autostart failed; `detail` is what the agent printed, `log` where it logs.
    #[error("could not start the agent: {detail} (agent log: {log})")]
    StartFailed { detail: String, log: PathBuf },
    #[error("timed out waiting for {what}")]
    Timeout { what: &'static str },
    /// The agent refused this user.
    #[error("the agent refused the connection: {0}")]
    Refused(String),
    /// Client and agent speak different protocol versions.
    #[error("{0}")]
    VersionMismatch(String),
    /// The agent answered a request with an error.
    #[error("the agent answered {code:?}: {message}")]
    Agent { code: ErrorCode, message: String },
    #[error("the agent closed the connection")]
    Closed,
    #[error("broken connection to the agent: {0}")]
    Frame(FrameError),
    #[error("unexpected answer from the agent: {0}")]
    Protocol(String),
}

impl From<FrameError> for ClientError {
    fn from(error: FrameError) -> Self {
        ClientError::Frame(error)
    }
}
