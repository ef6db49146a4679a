//! An authenticated SSH connection to a host named as in `~/.ssh/config`, directly or through
//! `ProxyJump` hops.
//!
//! For each hop in turn: the TCP connection (the first hop) or a `direct-tcpip` channel through
//! the previous hop, the SSH handshake with its own host-key check, and authentication. Every
//! step has a limit ([`super::patience`]); each failure names the hop it happened on.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use russh::Preferred;
use russh::client::{self, Handle};
use russh::keys::ssh_key::{Algorithm, HashAlg};
use tokio::net::TcpStream;

use super::SshOptions;
use super::auth::authenticate;
use super::config::{HostConfig, RealFiles, SshConfig};
use super::error::{Endpoint, SshError};
use super::handler::{HostKeyCheck, Refusal};
use super::known_hosts::KnownHosts;
use super::patience::{
    Asking, CHANNEL_TIMEOUT, DEFAULT_ALIVE_INTERVAL, DEFAULT_CONNECT_TIMEOUT, limit_unless_asking,
};

/// An open, authenticated connection; channels are opened on it.
pub struct SshSession {
    endpoint: Arc<Endpoint>,
    handle: Handle<HostKeyCheck>,
    /// The hops this connection goes through, kept open as long as it is.
    _jumps: Vec<Handle<HostKeyCheck>>,
}

impl std::fmt::Debug for SshSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshSession")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// One hop, resolved: where to go, as whom, with which keys and limits.
struct Hop {
    endpoint: Arc<Endpoint>,
    config: HostConfig,
    connect_timeout: Duration,
}

impl Hop {
    fn new(config: HostConfig, local_user: &str) -> Hop {
        let endpoint = Arc::new(Endpoint {
            alias: config.alias.clone(),
            host: config.host_name.clone(),
            port: config.port,
            user: config.user.clone().unwrap_or_else(|| local_user.to_owned()),
        });
        let connect_timeout = config
            .connect_timeout_secs
            .filter(|&secs| secs > 0)
            .map_or(DEFAULT_CONNECT_TIMEOUT, |secs| {
                Duration::from_secs(u64::from(secs))
            });
        Hop {
            endpoint,
            config,
            connect_timeout,
        }
    }
}

impl SshSession {
    /// Connects to `destination` (`[user@]host`, the host as `~/.ssh/config` names it, as
    /// `ssh` takes it) and authenticates.
    pub async fn connect(destination: &str, options: &SshOptions) -> Result<SshSession, SshError> {
        let (user, alias) = match destination.rsplit_once('@') {
            Some((user, alias)) if !user.is_empty() && !alias.is_empty() => (Some(user), alias),
            _ => (None, destination),
        };
        let config = SshConfig::load(&options.config_file, &options.home, &RealFiles)?;
        let mut target = config.resolve(alias, &options.local_user, &options.home)?;
        let overrides = &options.overrides;
        if let Some(user) = user.map(str::to_owned).or_else(|| overrides.user.clone()) {
            target.user = Some(user);
        }
        if let Some(port) = overrides.port {
            target.port = port;
        }
        if let Some(identity) = &overrides.identity {
            target.identity_files.insert(0, identity.clone());
        }
        let mut hops = Vec::new();
        for jump in &target.proxy_jump {
            let mut hop = config.resolve(&jump.host, &options.local_user, &options.home)?;
            if let Some(user) = &jump.user {
                hop.user = Some(user.clone());
            }
            if let Some(port) = jump.port {
                hop.port = port;
            }
            hops.push(Hop::new(hop, &options.local_user));
        }
        hops.push(Hop::new(target, &options.local_user));

        // Each hop's connection, with its endpoint; the next hop is reached through the last.
        let mut opened: Vec<(Handle<HostKeyCheck>, Arc<Endpoint>)> = Vec::new();
        for hop in &hops {
            let mut handle = match opened.last() {
                None => {
                    let stream = open_tcp(&hop.endpoint, hop.connect_timeout).await?;
                    handshake(hop, options, stream).await?
                }
                Some((jump, via)) => {
                    let stream = open_through(jump, via, &hop.endpoint).await?;
                    handshake(hop, options, stream).await?
                }
            };
            authenticate(&mut handle, &hop.endpoint, &hop.config, options).await?;
            tracing::info!(host = %hop.endpoint, "connected and authenticated");
            opened.push((handle, Arc::clone(&hop.endpoint)));
        }
        let (handle, endpoint) = opened
            .pop()
            .ok_or_else(|| SshError::Local("no host to connect to".into()))?;
        Ok(SshSession {
            endpoint,
            handle,
            _jumps: opened.into_iter().map(|(handle, _)| handle).collect(),
        })
    }

    /// The host at the end of the connection.
    pub fn endpoint(&self) -> &Arc<Endpoint> {
        &self.endpoint
    }

    /// Whether the connection has ended.
    pub fn is_closed(&self) -> bool {
        self.handle.is_closed()
    }

    /// Opens a session channel (one per command: a channel runs one command).
    pub async fn open_session_channel(&self) -> Result<russh::Channel<client::Msg>, SshError> {
        match tokio::time::timeout(CHANNEL_TIMEOUT, self.handle.channel_open_session()).await {
            Ok(Ok(channel)) => Ok(channel),
            Ok(Err(error)) => Err(SshError::Disconnected {
                host: self.endpoint.clone(),
                reason: format!("cannot open a session channel: {error}"),
            }),
            Err(_) => Err(SshError::Timeout {
                host: self.endpoint.clone(),
                what: "opening a session channel",
                after: CHANNEL_TIMEOUT,
            }),
        }
    }
}

/// Resolves the host name and connects to its addresses in turn, within `limit` in all.
async fn open_tcp(endpoint: &Arc<Endpoint>, limit: Duration) -> Result<TcpStream, SshError> {
    let deadline = tokio::time::Instant::now() + limit;
    let lookup = tokio::net::lookup_host((endpoint.host.as_str(), endpoint.port));
    let addresses: Vec<_> = match tokio::time::timeout_at(deadline, lookup).await {
        Ok(Ok(addresses)) => addresses.collect(),
        Ok(Err(error)) => {
            return Err(SshError::Unresolvable {
                host: endpoint.clone(),
                reason: error.to_string(),
            });
        }
        Err(_) => {
            return Err(SshError::Unresolvable {
                host: endpoint.clone(),
                reason: format!(
                    "no answer from the name service within {} s",
                    limit.as_secs()
                ),
            });
        }
    };
    let mut last_error = None;
    for address in &addresses {
        match tokio::time::timeout_at(deadline, TcpStream::connect(address)).await {
            Ok(Ok(stream)) => {
                // Without it every request waits for a delayed ACK (~40 ms each).
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Ok(Err(error)) => last_error = Some(error),
            Err(_) => {
                return Err(SshError::ConnectTimeout {
                    host: endpoint.clone(),
                    after: limit,
                });
            }
        }
    }
    Err(match last_error {
        Some(error) if error.kind() == std::io::ErrorKind::ConnectionRefused => SshError::Refused {
            host: endpoint.clone(),
        },
        Some(error) => SshError::Unreachable {
            host: endpoint.clone(),
            reason: error.to_string(),
        },
        None => SshError::Unresolvable {
            host: endpoint.clone(),
            reason: "the name has no address".into(),
        },
    })
}

/// A `direct-tcpip` channel from `jump` to `next`, as a byte stream.
async fn open_through(
    jump: &Handle<HostKeyCheck>,
    via: &Endpoint,
    next: &Arc<Endpoint>,
) -> Result<russh::ChannelStream<client::Msg>, SshError> {
    let open =
        jump.channel_open_direct_tcpip(next.host.clone(), u32::from(next.port), "127.0.0.1", 0);
    match tokio::time::timeout(CHANNEL_TIMEOUT, open).await {
        Ok(Ok(channel)) => Ok(channel.into_stream()),
        Ok(Err(russh::Error::ChannelOpenFailure(failure))) => Err(SshError::Unreachable {
            host: next.clone(),
            reason: format!("the jump host {via} could not connect to it ({failure:?})"),
        }),
        Ok(Err(error)) => Err(SshError::Unreachable {
            host: next.clone(),
            reason: format!("the jump host {via} failed: {error}"),
        }),
        Err(_) => Err(SshError::Unreachable {
            host: next.clone(),
            reason: format!(
                "the jump host {via} did not connect to it within {} s",
                CHANNEL_TIMEOUT.as_secs()
            ),
        }),
    }
}

/// The SSH handshake over `stream`, checking the host key.
async fn handshake<S>(
    hop: &Hop,
    options: &SshOptions,
    stream: S,
) -> Result<Handle<HostKeyCheck>, SshError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let known_hosts = KnownHosts::new(&hop.config.user_known_hosts_files, &options.home);
    let asking = Asking::default();
    let refusal = Refusal::default();
    let handler = HostKeyCheck {
        endpoint: hop.endpoint.clone(),
        known_hosts: known_hosts.clone(),
        prompt: Arc::clone(&options.prompt),
        asking: asking.clone(),
        refusal: refusal.clone(),
    };
    let alive = hop
        .config
        .server_alive_interval_secs
        .map_or(DEFAULT_ALIVE_INTERVAL, |secs| {
            Duration::from_secs(u64::from(secs))
        });
    let config = client::Config {
        nodelay: true,
        keepalive_interval: Some(alive),
        keepalive_max: usize::try_from(hop.config.server_alive_count_max.max(1)).unwrap_or(3),
        preferred: Preferred {
            key: Cow::Owned(host_key_order(
                &known_hosts.recorded_algorithms(&hop.endpoint.host, hop.endpoint.port),
            )),
            ..Preferred::default()
        },
        ..client::Config::default()
    };
    let connect = client::connect_stream(Arc::new(config), stream, handler);
    let result = limit_unless_asking(hop.connect_timeout, &asking, connect).await;
    match result {
        Some(Ok(handle)) => Ok(handle),
        Some(Err(error)) => Err(refusal.take().unwrap_or_else(|| SshError::Handshake {
            host: hop.endpoint.clone(),
            reason: describe_russh(&error),
        })),
        None => Err(SshError::Timeout {
            host: hop.endpoint.clone(),
            what: "the SSH handshake",
            after: hop.connect_timeout,
        }),
    }
}

/// The host-key algorithms to offer: those already recorded for the host first (so a host
/// known by its RSA key is not asked for its ed25519 key and taken for unknown), then the rest
/// in russh's order.
fn host_key_order(recorded: &[Algorithm]) -> Vec<Algorithm> {
    let mut order = Vec::new();
    for algorithm in recorded {
        let variants = if matches!(algorithm, Algorithm::Rsa { .. }) {
            vec![
                Algorithm::Rsa {
                    hash: Some(HashAlg::Sha512),
                },
                Algorithm::Rsa {
                    hash: Some(HashAlg::Sha256),
                },
                Algorithm::Rsa { hash: None },
            ]
        } else {
            vec![algorithm.clone()]
        };
        for variant in variants {
            if !order.contains(&variant) {
                order.push(variant);
            }
        }
    }
    for algorithm in Preferred::default().key.iter() {
        if !order.contains(algorithm) {
            order.push(algorithm.clone());
        }
    }
    order
}

/// russh's error in words a user can act on.
pub(super) fn describe_russh(error: &russh::Error) -> String {
    match error {
        russh::Error::Disconnect | russh::Error::HUP => "the server closed the connection".into(),
        russh::Error::Version => "the other side is not an SSH server".into(),
        russh::Error::IO(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the server closed the connection".into()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_recorded_by_its_rsa_key_is_asked_for_rsa_first() {
        let order = host_key_order(&[Algorithm::Rsa { hash: None }]);
        assert_eq!(
            order[0],
            Algorithm::Rsa {
                hash: Some(HashAlg::Sha512)
            }
        );
        assert!(order.contains(&Algorithm::Ed25519));
        let unique: std::collections::HashSet<_> = order.iter().map(ToString::to_string).collect();
        assert_eq!(unique.len(), order.len(), "no repeats: {order:?}");
    }

    #[test]
    fn with_nothing_recorded_the_order_is_russhs() {
        assert_eq!(host_key_order(&[]), Preferred::default().key.to_vec());
    }
}
