//! The local transport: the agent's Unix socket, with autostart.

use std::io::ErrorKind;
use std::path::Path;
use std::time::{Duration, Instant};

use tokio::net::UnixStream;

use super::autostart::{self, Autostart};
use super::{Client, ClientError};
use crate::config::Paths;

/// How long a client waits for an agent it started to accept connections.
pub const START_TIMEOUT: Duration = Duration::from_millis(2500);

/// Connects to the local agent, starting it first when `autostart` allows and none runs.
pub async fn connect(
    paths: &Paths,
    client_name: &str,
    autostart: &Autostart,
) -> Result<Client, ClientError> {
    let stream = connect_stream(paths, autostart).await?;
    Client::handshake(stream, client_name).await
}

/// Opens the agent's socket (starting the agent when allowed) without saying hello; what the
/// stdio bridge relays.
pub async fn connect_stream(
    paths: &Paths,
    autostart: &Autostart,
) -> Result<UnixStream, ClientError> {
    let socket = paths.socket();
    match UnixStream::connect(&socket).await {
        Ok(stream) => return Ok(stream),
        Err(e) if !is_absent(&e) => return Err(ClientError::Connect { socket, error: e }),
        Err(_) if !autostart.enabled => return Err(ClientError::NotRunning { socket }),
        Err(_) => {}
    }
    let started = Instant::now();
    let outcome = autostart::start_agent(autostart).await;
    // Another client may have started the agent at the same time; whoever won, connect.
    loop {
        match UnixStream::connect(&socket).await {
            Ok(stream) => return Ok(stream),
            Err(e) if !is_absent(&e) => return Err(ClientError::Connect { socket, error: e }),
            Err(_) => {}
        }
        if let Err(detail) = &outcome {
            return Err(ClientError::StartFailed {
                detail: detail.clone(),
                log: paths.agent_log(),
            });
        }
        if started.elapsed() > START_TIMEOUT {
            return Err(ClientError::Timeout {
                what: "the agent to start",
            });
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Connects to the agent listening on `socket`, whoever's it is, without starting anything:
/// the transport of [`Target::Socket`](super::target::Target::Socket) (tests and development).
pub async fn connect_socket(socket: &Path, client_name: &str) -> Result<Client, ClientError> {
    let stream = match UnixStream::connect(socket).await {
        Ok(stream) => stream,
        Err(e) if is_absent(&e) => {
            return Err(ClientError::NotRunning {
                socket: socket.to_owned(),
            });
        }
        Err(error) => {
            return Err(ClientError::Connect {
                socket: socket.to_owned(),
                error,
            });
        }
    };
    Client::handshake(stream, client_name).await
}

/// Connects without starting anything.
pub async fn connect_existing(paths: &Paths, client_name: &str) -> Result<Client, ClientError> {
    connect(paths, client_name, &Autostart::disabled()).await
}

/// Errors that mean "no agent listens here" rather than "something is broken".
fn is_absent(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::NotFound | ErrorKind::ConnectionRefused
    )
}
