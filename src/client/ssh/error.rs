//! What can go wrong reaching an agent over SSH, one variant per cause, each message naming
//! the host (the name given and the `host:port` it led to) and saying what to do.
//!
//! The fleet view tells the states apart by variant (unreachable, host key changed, auth
//! failed, …), so causes are kept apart even where the words are close.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::config::SshConfigError;

/// A machine the transport talks to: the name given (an alias or a host name), where it led,
/// and the user logged in as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// What the user typed, or the `ProxyJump` entry for a jump host.
    pub alias: String,
    /// Where the connection goes (`HostName`, or the alias).
    pub host: String,
    pub port: u16,
    pub user: String,
}

impl fmt::Display for Endpoint {
    /// `gpu1 (10.0.0.5:22)`, or just `10.0.0.5:22` when the alias is the host.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.alias == self.host {
            write!(f, "{}:{}", self.host, self.port)
        } else {
            write!(f, "{} ({}:{})", self.alias, self.host, self.port)
        }
    }
}

impl Endpoint {
    /// How known_hosts and `ssh-keygen -R` name this host: `host`, or `[host]:port` when the
    /// port is not 22.
    pub fn known_hosts_name(&self) -> String {
        if self.port == 22 {
            self.host.clone()
        } else {
            format!("[{}]:{}", self.host, self.port)
        }
    }
}

/// A host key as `ssh-keygen -l` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFingerprint {
    /// `ED25519`, `ECDSA`, `RSA`, …
    pub key_type: String,
    /// `SHA256:…` (unpadded base64).
    pub sha256: String,
}

impl fmt::Display for KeyFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} key {}", self.key_type, self.sha256)
    }
}

/// How the remote command ended, when it ended badly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteEnd {
    /// It exited with this code.
    Exited(u32),
    /// A signal ended it.
    Signal(String),
}

impl fmt::Display for RemoteEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteEnd::Exited(code) => write!(f, "exited with status {code}"),
            RemoteEnd::Signal(signal) => write!(f, "was killed by signal {signal}"),
        }
    }
}

/// Every way reaching a remote agent can fail.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SshError {
    /// `~/.ssh/config` (or a file it includes) has a line that cannot be understood.
    #[error("cannot use the SSH config: {0}")]
    Config(SshConfigError),
    /// The host name has no address (DNS failure, typo).
    #[error("cannot reach {host}: the name {:?} does not resolve ({reason})", host.host)]
    Unresolvable { host: Arc<Endpoint>, reason: String },
    /// Nothing listens on the port (connection refused).
    #[error("cannot reach {host}: connection refused (is sshd running there, on port {}?)", host.port)]
    Refused { host: Arc<Endpoint> },
    /// No answer within `ConnectTimeout`.
    #[error("cannot reach {host}: no answer within {} s (ConnectTimeout)", after.as_secs())]
    ConnectTimeout {
        host: Arc<Endpoint>,
        after: Duration,
    },
    /// Any other network failure, or a jump host that could not reach the next hop.
    #[error("cannot reach {host}: {reason}")]
    Unreachable { host: Arc<Endpoint>, reason: String },
    /// The SSH handshake itself failed (not an SSH server, no common algorithm, …).
    #[error("SSH handshake with {host} failed: {reason}")]
    Handshake { host: Arc<Endpoint>, reason: String },
    /// The host's key is in no known_hosts file and nobody accepted it.
    #[error(
        "the authenticity of {host} cannot be established: its {key} is not in {}{}; \
         check the fingerprint with the host's administrator, then accept it by connecting \
         once from a terminal (`station status --on {}` or `ssh {}`), or with Enter on its \
         row of the console's fleet view, and answering yes",
        known_hosts.display(),
        if *declined { " and you declined it" } else { " and nobody was there to confirm it (not a terminal)" },
        host.alias,
        host.alias
    )]
    HostKeyUnknown {
        host: Arc<Endpoint>,
        key: KeyFingerprint,
        /// The file a yes would have added it to.
        known_hosts: PathBuf,
        /// Someone was asked and said no (rather than: nobody could be asked).
        declined: bool,
    },
    /// The host sent another key than the one recorded: refused, always.
    #[error(
        "WARNING: the host key of {host} has CHANGED. It now sends {key}, but {}:{line} \
         records another key for it. Someone may be intercepting the connection \
         (man-in-the-middle), or the host was reinstalled. Connection refused. If you know \
         why the key changed, remove the old one with `ssh-keygen -R '{}' -f {}` and connect \
         again",
        file.display(),
        host.known_hosts_name(),
        file.display()
    )]
    HostKeyChanged {
        host: Arc<Endpoint>,
        key: KeyFingerprint,
        file: PathBuf,
        line: usize,
    },
    /// The key was accepted but could not be written down.
    #[error("cannot record the host key of {host} in {}: {reason}", file.display())]
    KnownHostsWrite {
        host: Arc<Endpoint>,
        file: PathBuf,
        reason: String,
    },
    /// No key was accepted; `tried` lists each key and what became of it.
    #[error(
        "no key was accepted by {host} for user {}: {}",
        host.user,
        if tried.is_empty() { "there was no key to try (no ssh-agent, no identity file)".to_owned() } else { format!("tried {}", tried.join(", ")) }
    )]
    AuthFailed {
        host: Arc<Endpoint>,
        tried: Vec<String>,
    },
    /// The remote shell could not find the command (exit status 127): Station is not
    /// installed there, or not on the PATH of non-interactive shells.
    #[error(
        "station is not installed on {host}: `{command}` was not found (exit status 127){}; `station fleet install {}` installs it",
        stderr_suffix(stderr), host.alias
    )]
    RemoteCommandMissing {
        host: Arc<Endpoint>,
        command: String,
        stderr: String,
    },
    /// The remote command ended before or instead of speaking the protocol.
    #[error("`{command}` on {host} {end}{}", stderr_suffix(stderr))]
    RemoteCommandFailed {
        host: Arc<Endpoint>,
        command: String,
        end: RemoteEnd,
        stderr: String,
    },
    /// The server refused to run the command (a `ForceCommand`, a restricted key, …).
    #[error("{host} refused to run `{command}`")]
    ExecRefused {
        host: Arc<Endpoint>,
        command: String,
    },
    /// The connection went away while in use.
    #[error("the connection to {host} was lost: {reason}")]
    Disconnected { host: Arc<Endpoint>, reason: String },
    /// A step that should be quick did not finish.
    #[error("{host} timed out: {what} took more than {} s", after.as_secs())]
    Timeout {
        host: Arc<Endpoint>,
        what: &'static str,
        after: Duration,
    },
    /// The agent at the other end answered the hello with an error (another protocol
    /// version, a refused user).
    #[error("the agent on {host} refused the connection: {reason}")]
    AgentRefused { host: Arc<Endpoint>, reason: String },
    /// The remote command runs but does not speak the protocol (another program, a shell
    /// that prints a banner on stdout).
    #[error("`{command}` on {host} did not answer as a Station agent: {reason}")]
    NotAnAgent {
        host: Arc<Endpoint>,
        command: String,
        reason: String,
    },
    /// The agent there is another Station version (or speaks another protocol version).
    #[error("{detail} on {host}; this is station {}: install this version there with `station fleet install {}`", crate::proto::STATION_VERSION, host.alias)]
    AgentVersionDiffers { host: Arc<Endpoint>, detail: String },
    /// This binary cannot run there.
    #[error("cannot install station on {host}: {reason}")]
    InstallIncompatible { host: Arc<Endpoint>, reason: String },
    /// A step of an install failed.
    #[error("installing station on {host} failed while {step}: {reason}")]
    InstallFailed {
        host: Arc<Endpoint>,
        step: String,
        reason: String,
    },
    /// Something on this machine is missing (no home folder, an unreadable file).
    #[error("{0}")]
    Local(String),
}

/// `: <last stderr line(s)>` when the command said something, else nothing.
fn stderr_suffix(stderr: &str) -> String {
    let text = stderr.trim();
    if text.is_empty() {
        String::new()
    } else {
        format!("; it said: {text}")
    }
}

impl SshError {
    /// The host the error is about, when it is about one.
    pub fn endpoint(&self) -> Option<&Endpoint> {
        let host = match self {
            SshError::Unresolvable { host, .. }
            | SshError::Refused { host }
            | SshError::ConnectTimeout { host, .. }
            | SshError::Unreachable { host, .. }
            | SshError::Handshake { host, .. }
            | SshError::HostKeyUnknown { host, .. }
            | SshError::HostKeyChanged { host, .. }
            | SshError::KnownHostsWrite { host, .. }
            | SshError::AuthFailed { host, .. }
            | SshError::RemoteCommandMissing { host, .. }
            | SshError::RemoteCommandFailed { host, .. }
            | SshError::ExecRefused { host, .. }
            | SshError::Disconnected { host, .. }
            | SshError::Timeout { host, .. }
            | SshError::AgentRefused { host, .. }
            | SshError::NotAnAgent { host, .. }
            | SshError::AgentVersionDiffers { host, .. }
            | SshError::InstallIncompatible { host, .. }
            | SshError::InstallFailed { host, .. } => host,
            SshError::Config(_) | SshError::Local(_) => return None,
        };
        Some(host)
    }
}

impl From<SshConfigError> for SshError {
    fn from(error: SshConfigError) -> Self {
        SshError::Config(error)
    }
}
