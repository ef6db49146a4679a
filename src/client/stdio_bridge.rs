//! `station agent --stdio`: join this process's stdin and stdout to the local agent's socket.
//!
//! This is what a remote console runs over SSH (like `docker system dial-stdio`): SSH carries
//! the bytes and does the authentication, the bridge connects as the SSH user (so the agent's
//! peer-uid check applies unchanged), and the frames pass through untouched. The agent is
//! started when it is not running. When stdin ends, the bridge half-closes the socket and
//! keeps relaying until the agent has sent everything; when the agent hangs up, it exits.

use tokio::io::{AsyncWriteExt, copy};

use super::ClientError;
use super::autostart::Autostart;
use super::local::connect_stream;
use crate::config::Paths;

/// Relays until the agent closes the connection.
pub async fn run(paths: &Paths, autostart: &Autostart) -> Result<(), ClientError> {
    let stream = connect_stream(paths, autostart).await?;
    let (mut from_agent, mut to_agent) = stream.into_split();
    let mut stdin = tokio::io::stdin();
    let mut stdout = tokio::io::stdout();
    let upstream = async {
        // Errors reading stdin mean the peer is gone; either way, say EOF to the agent.
        let _ = copy(&mut stdin, &mut to_agent).await;
        let _ = to_agent.shutdown().await;
        std::future::pending::<()>().await
    };
    let downstream = async {
        let result = copy(&mut from_agent, &mut stdout).await;
        let _ = stdout.flush().await;
        result
    };
    tokio::select! {
        () = upstream => Ok(()),
        result = downstream => result.map(drop).map_err(|e| ClientError::Protocol(format!("relay failed: {e}"))),
    }
}
