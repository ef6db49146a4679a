//! The socket server: accepts connections, checks who is calling, and gives each client its
//! own session task.
//!
//! The Unix user is the security boundary. The socket already sits 0600 in a 0700 folder; on
//! top of that every connection's peer uid (`SO_PEERCRED`) must be the agent's owner, so a
//! socket made reachable by mistake still serves nobody else.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use futures_util::SinkExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio_util::codec::FramedWrite;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::jobs::JobsHandle;
use super::power::PowerHandle;
use super::sampler::Sampler;
use super::session;
use crate::proto::{AgentInfo, ErrorCode, FrameCodec, ServerMsg};

/// How long a refused client gets to read why before the agent hangs up.
const REFUSAL_LINGER: Duration = Duration::from_secs(2);

/// What every session shares.
#[derive(Debug)]
pub struct AgentState {
    pub sampler: Sampler,
    /// The job manager.
    pub jobs: JobsHandle,
    /// The power manager.
    pub power: PowerHandle,
    /// The unchanging part of `agent_info` (clients is filled in per request).
    pub info: AgentInfo,
    /// The uid allowed to connect: the user the agent runs as.
    pub owner_uid: u32,
    /// Cancelled when the agent is asked to stop.
    pub shutdown: CancellationToken,
    clients: AtomicU32,
    next_subscription: AtomicU64,
}

impl AgentState {
    pub fn new(
        sampler: Sampler,
        jobs: JobsHandle,
        power: PowerHandle,
        info: AgentInfo,
        owner_uid: u32,
        shutdown: CancellationToken,
    ) -> AgentState {
        AgentState {
            sampler,
            jobs,
            power,
            info,
            owner_uid,
            shutdown,
            clients: AtomicU32::new(0),
            next_subscription: AtomicU64::new(1),
        }
    }

    /// Agent facts as of now.
    pub fn agent_info(&self) -> AgentInfo {
        AgentInfo {
            clients: self.clients.load(Ordering::Relaxed),
            ..self.info.clone()
        }
    }

    pub fn next_subscription_id(&self) -> u64 {
        self.next_subscription.fetch_add(1, Ordering::Relaxed)
    }

    /// Counts a connected client until the guard drops.
    pub fn count_client(self: &Arc<Self>) -> ClientCount {
        self.clients.fetch_add(1, Ordering::Relaxed);
        ClientCount(Arc::clone(self))
    }
}

/// One connected client, counted while alive.
#[derive(Debug)]
pub struct ClientCount(Arc<AgentState>);

impl Drop for ClientCount {
    fn drop(&mut self) {
        self.0.clients.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Accepts clients until shutdown; returns the tracker of the sessions still running.
pub async fn serve(listener: UnixListener, state: Arc<AgentState>) -> TaskTracker {
    let sessions = TaskTracker::new();
    loop {
        let accepted = tokio::select! {
            () = state.shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _)) => {
                let state = Arc::clone(&state);
                sessions.spawn(async move {
                    if let Some(stream) = admit(stream, &state).await {
                        session::run(stream, state).await;
                    }
                });
            }
            Err(error) => {
                // Out of file descriptors and similar: back off instead of spinning.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    sessions.close();
    sessions
}

/// Lets the owner in; tells anyone else why not, logs it, and hangs up.
async fn admit(stream: UnixStream, state: &AgentState) -> Option<UnixStream> {
    let peer = match stream.peer_cred() {
        Ok(cred) if cred.uid() == state.owner_uid => return Some(stream),
        Ok(cred) => cred,
        Err(error) => {
            tracing::warn!(%error, "refused a client whose credentials could not be read");
            return None;
        }
    };
    let message = format!(
        "this agent belongs to {}; {} may not use it (each user runs their own agent)",
        describe_uid(state.owner_uid),
        describe_uid(peer.uid()),
    );
    tracing::warn!(uid = peer.uid(), pid = ?peer.pid(), "refused a connection from another user");
    let mut writer = FramedWrite::new(stream, FrameCodec::new());
    let refusal = ServerMsg::Error {
        id: None,
        code: ErrorCode::PermissionDenied,
        message,
    };
    let _ = tokio::time::timeout(REFUSAL_LINGER, async {
        writer.send(&refusal).await?;
        // Let the client finish writing its hello and read the refusal before hanging up;
        // closing at once would greet it with a broken pipe instead of the reason.
        let mut stream = writer.into_inner();
        stream.shutdown().await?;
        let mut discard = [0u8; 1024];
        while stream.read(&mut discard).await? > 0 {}
        Ok::<(), crate::proto::FrameError>(())
    })
    .await;
    None
}

/// "uid 1000 (ana)", or just "uid 1000" when the name cannot be found.
pub fn describe_uid(uid: u32) -> String {
    match nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)) {
        Ok(Some(user)) => format!("uid {uid} ({})", user.name),
        _ => format!("uid {uid}"),
    }
}
