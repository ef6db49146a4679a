//! A typed connection to an agent, over any byte stream.
//!
//! [`Client`] speaks the protocol over anything that reads and writes bytes: the local Unix
//! socket ([`local::connect`], which starts the agent when needed) or an SSH channel to a
//! remote `station agent --stdio` ([`ssh::connect_agent`]). It performs the `hello` handshake, numbers requests,
//! and hands back responses and pushed events. The job runner's requests are typed methods
//! too (`submit_job`, `list_jobs`, … in `jobs.rs`). [`target`] is where a connection goes
//! (this machine, a socket, an inventory instance) and how its failures are classified.

pub mod autostart;
mod error;
mod jobs;
pub mod local;
pub mod ssh;
pub mod stdio_bridge;
pub mod target;

pub use error::ClientError;

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::Framed;

use crate::proto::codec::parse_line;
use crate::proto::telemetry::ProcessQuery;
use crate::proto::{
    ClientFrame, ClientMsg, ErrorCode, FrameCodec, PROTOCOL_VERSION, Ready, Response,
    STATION_VERSION, ServerMsg, TelemetrySnapshot,
};

/// How long the agent may take to answer `hello`.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(3);

/// Any byte stream a client can talk over.
pub trait Transport: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Transport for T {}

/// A connection that has completed the handshake.
pub struct Client {
    framed: Framed<Box<dyn Transport>, FrameCodec>,
    next_id: u64,
    ready: Ready,
    /// Messages that arrived while [`Client::request`] waited for its response.
    queued: VecDeque<ServerMsg>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("ready", &self.ready)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Says hello over `stream` and waits for the agent to be ready.
    pub async fn handshake(
        stream: impl Transport,
        client_name: &str,
    ) -> Result<Client, ClientError> {
        Client::handshake_within(stream, client_name, HANDSHAKE_TIMEOUT).await
    }

    /// [`Client::handshake`], waiting up to `limit` for the agent's answer (a remote bridge
    /// may have to start its agent first).
    pub async fn handshake_within(
        stream: impl Transport,
        client_name: &str,
        limit: Duration,
    ) -> Result<Client, ClientError> {
        let mut framed = Framed::new(Box::new(stream) as Box<dyn Transport>, FrameCodec::new());
        let hello = ClientFrame {
            id: 0,
            msg: ClientMsg::Hello {
                protocol_version: PROTOCOL_VERSION,
                station_version: STATION_VERSION.to_owned(),
                client: client_name.to_owned(),
            },
        };
        if let Err(error) = framed.send(&hello).await {
            // An agent that refuses us may have hung up already; its reason may still be
            // waiting to be read.
            return match read_msg(&mut framed).await {
                Ok(Some(ServerMsg::Error { code, message, .. })) => {
                    Err(ClientError::from_agent(code, message))
                }
                _ => Err(error.into()),
            };
        }
        let reply = tokio::time::timeout(limit, read_msg(&mut framed))
            .await
            .map_err(|_| ClientError::Timeout {
                what: "the agent's reply to hello",
            })??;
        match reply {
            Some(ServerMsg::Response {
                body: Response::Ready(ready),
                ..
            }) => Ok(Client {
                framed,
                next_id: 1,
                ready,
                queued: VecDeque::new(),
            }),
            Some(ServerMsg::Error { code, message, .. }) => {
                Err(ClientError::from_agent(code, message))
            }
            Some(other) => Err(ClientError::Protocol(format!(
                "expected ready, got {other:?}"
            ))),
            None => Err(ClientError::Closed),
        }
    }

    /// What the agent said when it accepted the connection.
    pub fn ready(&self) -> &Ready {
        &self.ready
    }

    /// A warning when the agent runs another Station version than this program, with what to
    /// do about it. The protocol matched (or the handshake would have failed), so everything
    /// works; but the agent keeps running old code until it is restarted.
    pub fn version_warning(&self) -> Option<String> {
        (self.ready.station_version != STATION_VERSION).then(|| {
            format!(
                "the running agent is station {} but this is station {STATION_VERSION}; \
                 run `station agent stop` to restart it with this version",
                self.ready.station_version
            )
        })
    }

    /// Sends a request without waiting; its response arrives through
    /// [`Client::next_incoming`]. Returns the request id.
    pub async fn send(&mut self, msg: ClientMsg) -> Result<u64, ClientError> {
        let id = self.next_id;
        self.next_id += 1;
        self.framed.send(&ClientFrame { id, msg }).await?;
        Ok(id)
    }

    /// The next message from the agent, response or event; `None` when the agent closed the
    /// connection. Cancel-safe: it can be used in `tokio::select!`.
    pub async fn next_incoming(&mut self) -> Result<Option<ServerMsg>, ClientError> {
        if let Some(msg) = self.queued.pop_front() {
            return Ok(Some(msg));
        }
        read_msg(&mut self.framed).await
    }

    /// Sends a request and waits for its response; events that arrive meanwhile are kept for
    /// [`Client::next_incoming`].
    pub async fn request(&mut self, msg: ClientMsg) -> Result<Response, ClientError> {
        let id = self.send(msg).await?;
        loop {
            match read_msg(&mut self.framed)
                .await?
                .ok_or(ClientError::Closed)?
            {
                ServerMsg::Response { id: got, body } if got == id => return Ok(body),
                ServerMsg::Error {
                    id: Some(got),
                    code,
                    message,
                } if got == id => {
                    return Err(ClientError::from_agent(code, message));
                }
                ServerMsg::Error {
                    id: None,
                    code,
                    message,
                } => {
                    return Err(ClientError::from_agent(code, message));
                }
                other => self.queued.push_back(other),
            }
        }
    }

    /// Subscribes to telemetry; events follow through [`Client::next_incoming`].
    pub async fn subscribe_telemetry(
        &mut self,
        processes: ProcessQuery,
    ) -> Result<(u64, TelemetrySnapshot), ClientError> {
        match self
            .request(ClientMsg::SubscribeTelemetry {
                processes,
                history: true,
            })
            .await?
        {
            Response::Subscribed {
                subscription,
                snapshot,
            } => Ok((subscription, *snapshot)),
            other => Err(ClientError::Protocol(format!(
                "expected subscribed, got {other:?}"
            ))),
        }
    }
}

async fn read_msg(
    framed: &mut Framed<Box<dyn Transport>, FrameCodec>,
) -> Result<Option<ServerMsg>, ClientError> {
    match framed.next().await {
        None => Ok(None),
        Some(line) => {
            let line = line?;
            parse_line::<ServerMsg>(&line)
                .map(Some)
                .map_err(|e| ClientError::Protocol(format!("unreadable frame from the agent: {e}")))
        }
    }
}

impl ClientError {
    fn from_agent(code: ErrorCode, message: String) -> ClientError {
        match code {
            ErrorCode::VersionMismatch => ClientError::VersionMismatch(message),
            ErrorCode::PermissionDenied => ClientError::Refused(message),
            code => ClientError::Agent { code, message },
        }
    }
}
