//! Framing: one JSON object per line, with a hard size limit.
//!
//! [`FrameCodec`] splits a byte stream into lines without ever buffering more than
//! [`MAX_FRAME_BYTES`] of one frame: a longer frame is an error the moment the limit is
//! passed, and the connection that sent it is closed. Parsing a line into a message is a
//! separate step ([`parse_client_frame`]) so that a malformed line gets an error reply and the
//! connection stays usable.

use bytes::{BufMut, BytesMut};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_util::codec::{Decoder, Encoder};

use super::message::{ClientFrame, ErrorCode};

/// The longest frame either side accepts, newline excluded.
pub const MAX_FRAME_BYTES: usize = 4 * 1024 * 1024;

/// Why a byte stream could not be split into frames. After any of these the connection is
/// unusable and is closed.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("frame longer than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("connection closed in the middle of a frame ({len} bytes without a newline)")]
    Truncated { len: usize },
    #[error("could not encode a frame: {0}")]
    Encode(serde_json::Error),
    #[error("{0}")]
    Io(std::io::Error),
}

impl From<std::io::Error> for FrameError {
    fn from(error: std::io::Error) -> Self {
        FrameError::Io(error)
    }
}

impl From<serde_json::Error> for FrameError {
    fn from(error: serde_json::Error) -> Self {
        FrameError::Encode(error)
    }
}

/// Splits lines off a stream and writes serialisable values as lines.
#[derive(Debug, Clone)]
pub struct FrameCodec {
    max_len: usize,
    /// How far the current buffer has been searched for a newline already.
    scanned: usize,
}

impl FrameCodec {
    pub fn new() -> Self {
        Self::with_max_len(MAX_FRAME_BYTES)
    }

    pub fn with_max_len(max_len: usize) -> Self {
        FrameCodec {
            max_len,
            scanned: 0,
        }
    }
}

impl Default for FrameCodec {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder for FrameCodec {
    type Item = BytesMut;
    type Error = FrameError;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<BytesMut>, FrameError> {
        match buf[self.scanned..].iter().position(|&b| b == b'\n') {
            Some(offset) => {
                let end = self.scanned + offset;
                self.scanned = 0;
                if end > self.max_len {
                    return Err(FrameError::TooLarge {
                        limit: self.max_len,
                    });
                }
                let mut line = buf.split_to(end + 1);
                line.truncate(end);
                if line.last() == Some(&b'\r') {
                    line.truncate(end - 1);
                }
                Ok(Some(line))
            }
            None if buf.len() > self.max_len => Err(FrameError::TooLarge {
                limit: self.max_len,
            }),
            None => {
                self.scanned = buf.len();
                Ok(None)
            }
        }
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<BytesMut>, FrameError> {
        match self.decode(buf)? {
            Some(line) => Ok(Some(line)),
            None if buf.iter().all(u8::is_ascii_whitespace) => Ok(None),
            None => Err(FrameError::Truncated { len: buf.len() }),
        }
    }
}

impl<T: Serialize> Encoder<T> for FrameCodec {
    type Error = FrameError;

    fn encode(&mut self, item: T, dst: &mut BytesMut) -> Result<(), FrameError> {
        let start = dst.len();
        serde_json::to_writer((&mut *dst).writer(), &item)?;
        if dst.len() - start > self.max_len {
            dst.truncate(start);
            return Err(FrameError::TooLarge {
                limit: self.max_len,
            });
        }
        dst.put_u8(b'\n');
        Ok(())
    }
}

/// A line that is not a valid client message: what to answer, and to which request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub id: Option<u64>,
    pub code: ErrorCode,
    pub message: String,
}

/// Parses one line into a client frame, or says exactly what is wrong with it.
///
/// The request id is recovered whenever the line is a JSON object with a numeric `id`, so the
/// error reply can be matched to its request even when the rest is wrong.
pub fn parse_client_frame(line: &[u8]) -> Result<ClientFrame, Rejected> {
    let value: serde_json::Value = serde_json::from_slice(line).map_err(|e| Rejected {
        id: None,
        code: ErrorCode::BadFrame,
        message: format!("not valid JSON: {e}"),
    })?;
    let Some(object) = value.as_object() else {
        return Err(Rejected {
            id: None,
            code: ErrorCode::BadFrame,
            message: "a frame must be a JSON object".into(),
        });
    };
    let id = object.get("id").and_then(serde_json::Value::as_u64);
    let Some(kind) = object.get("type").and_then(serde_json::Value::as_str) else {
        return Err(Rejected {
            id,
            code: ErrorCode::BadFrame,
            message: "missing \"type\"".into(),
        });
    };
    if id.is_none() {
        return Err(Rejected {
            id: None,
            code: ErrorCode::BadFrame,
            message: format!("{kind:?} frame without a numeric \"id\""),
        });
    }
    let kind = kind.to_owned();
    serde_json::from_value::<ClientFrame>(value).map_err(|e| {
        let unknown = e.to_string().starts_with("unknown variant");
        Rejected {
            id,
            code: if unknown {
                ErrorCode::UnknownMessage
            } else {
                ErrorCode::BadFrame
            },
            message: if unknown {
                format!("unknown message type {kind:?}")
            } else {
                format!("malformed {kind:?} message: {e}")
            },
        }
    })
}

/// Parses one line from the agent.
pub fn parse_line<T: DeserializeOwned>(line: &[u8]) -> Result<T, serde_json::Error> {
    serde_json::from_slice(line)
}
