//! Where a client connects, and why it could not: the seam between the console (its main
//! link and the fleet rows) and the transports.
//!
//! [`connect`] opens a [`Client`] for a [`Target`]:
//!
//! - [`Target::Local`]: this user's agent on this machine, started when `autostart` allows
//!   ([`local::connect`]), within [`ConnectOptions::timeout`];
//! - [`Target::Socket`]: the agent listening on a given Unix socket, never started, within the
//!   same timeout. **For tests and development only**: it lets one machine show several
//!   "instances" (one agent per set of XDG folders). An inventory entry names one with
//!   `host = "unix:/path/agent.sock"` ([`SOCKET_PREFIX`]);
//! - [`Target::Instance`]: an inventory instance, over SSH ([`ssh::connect_agent`] with the
//!   instance's user, port and identity over `~/.ssh/config`). The transport bounds each of
//!   its steps itself (`ConnectTimeout`, authentication, the remote hello), and a question
//!   to a person must not be cut short, so no overall timeout is added.
//!
//! Every failure comes back as a [`LinkProblem`], classified so that the fleet view can say
//! what is wrong (unreachable, authentication, host key) while the message says why.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::autostart::Autostart;
use super::ssh::{self, HostOverrides, NoPrompt, SshError, SshOptions};
use super::{Client, ClientError, local};
use crate::config::{Instance, Paths};

/// How long [`connect`] waits by default for a local connection and the agent's hello.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The prefix of an inventory `host` that names a local agent's socket rather than an SSH
/// host (tests and development only; see the module documentation).
pub const SOCKET_PREFIX: &str = "unix:";

/// An agent to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// This user's agent on this machine.
    Local,
    /// The agent listening on this socket (tests and development only).
    Socket(PathBuf),
    /// An instance of the inventory, over SSH.
    Instance(Instance),
}

impl Target {
    /// The target of an inventory entry: an SSH instance, or a socket when its host says
    /// `unix:PATH`.
    pub fn for_instance(instance: Instance) -> Target {
        match instance.host().strip_prefix(SOCKET_PREFIX) {
            Some(path) => Target::Socket(PathBuf::from(path)),
            None => Target::Instance(instance),
        }
    }

    /// Where this is, for messages: "this machine", a socket path, or `user@host:port`.
    pub fn describe(&self) -> String {
        match self {
            Target::Local => "this machine".into(),
            Target::Socket(path) => path.display().to_string(),
            Target::Instance(instance) => {
                let user = instance
                    .user
                    .as_deref()
                    .map_or_else(String::new, |user| format!("{user}@"));
                let port = instance
                    .port
                    .map_or_else(String::new, |port| format!(":{port}"));
                format!("{user}{}{port}", instance.host())
            }
        }
    }
}

/// What [`connect`] needs besides the target.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// This user's folders: where the local agent's socket is.
    pub paths: Paths,
    /// Whether the local agent may be started (only [`Target::Local`] is ever started).
    pub autostart: Autostart,
    /// How the agent logs this client (`console`, `fleet`).
    pub client_name: String,
    /// The longest a local connection and its handshake may take.
    pub timeout: Duration,
    /// How to reach instances over SSH, or why SSH cannot be used here (no home folder).
    pub ssh: Result<SshOptions, SshError>,
}

impl ConnectOptions {
    /// Options for `client_name` with the default timeout, and SSH as this user's
    /// environment sets it up, with nobody to ask: an unknown host key is refused (with how to
    /// accept it) and encrypted keys are skipped.
    pub fn new(paths: Paths, autostart: Autostart, client_name: &str) -> ConnectOptions {
        ConnectOptions {
            paths,
            autostart,
            client_name: client_name.to_owned(),
            timeout: CONNECT_TIMEOUT,
            ssh: SshOptions::from_env(Arc::new(NoPrompt)),
        }
    }
}

/// Why a target cannot be reached, in classes the fleet view shows; each keeps the message
/// that says why, and displays just that (the messages name their cause already).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkProblem {
    /// Nothing answered: DNS failure, refused or timed-out connection, no agent listening, a
    /// connection that dropped.
    #[error("{0}")]
    Unreachable(String),
    /// The host (or the agent) refused who we are.
    #[error("{0}")]
    AuthFailed(String),
    /// The host's key is not the one `known_hosts` has: refused, never overridden.
    #[error("{0}")]
    HostKeyChanged(String),
    /// The host's key is not known yet: the user has to accept its fingerprint first.
    #[error("{0}")]
    HostKeyUnknown(String),
    /// Station is not there, or another version of it is: an install would fix it.
    #[error("{0}")]
    NeedsInstall(String),
    /// Anything else: an agent of another protocol version, one that could not start, a
    /// protocol error.
    #[error("{0}")]
    Other(String),
}

impl LinkProblem {
    /// A short name of the class, for a table cell.
    pub fn label(&self) -> &'static str {
        match self {
            LinkProblem::Unreachable(_) => "unreachable",
            LinkProblem::AuthFailed(_) => "auth failed",
            LinkProblem::HostKeyChanged(_) => "key changed",
            LinkProblem::HostKeyUnknown(_) => "unknown key",
            LinkProblem::NeedsInstall(_) => "no station",
            LinkProblem::Other(_) => "error",
        }
    }

    /// The reason alone, without the class.
    pub fn reason(&self) -> &str {
        match self {
            LinkProblem::Unreachable(reason)
            | LinkProblem::AuthFailed(reason)
            | LinkProblem::HostKeyChanged(reason)
            | LinkProblem::HostKeyUnknown(reason)
            | LinkProblem::NeedsInstall(reason)
            | LinkProblem::Other(reason) => reason,
        }
    }
}

impl From<ClientError> for LinkProblem {
    fn from(error: ClientError) -> LinkProblem {
        let reason = error.to_string();
        match error {
            ClientError::NotRunning { .. }
            | ClientError::Connect { .. }
            | ClientError::Timeout { .. }
            | ClientError::Closed
            | ClientError::Frame(_) => LinkProblem::Unreachable(reason),
            ClientError::Refused(_) => LinkProblem::AuthFailed(reason),
            ClientError::StartFailed { .. }
            | ClientError::VersionMismatch(_)
            | ClientError::Agent { .. }
            | ClientError::Protocol(_) => LinkProblem::Other(reason),
        }
    }
}

impl From<SshError> for LinkProblem {
    fn from(error: SshError) -> LinkProblem {
        let reason = error.to_string();
        match error {
            SshError::Unresolvable { .. }
            | SshError::Refused { .. }
            | SshError::ConnectTimeout { .. }
            | SshError::Unreachable { .. }
            | SshError::Disconnected { .. }
            | SshError::Timeout { .. } => LinkProblem::Unreachable(reason),
            SshError::AuthFailed { .. } => LinkProblem::AuthFailed(reason),
            SshError::HostKeyChanged { .. } => LinkProblem::HostKeyChanged(reason),
            SshError::HostKeyUnknown { .. } => LinkProblem::HostKeyUnknown(reason),
            SshError::RemoteCommandMissing { .. } | SshError::AgentVersionDiffers { .. } => {
                LinkProblem::NeedsInstall(reason)
            }
            SshError::Config(_)
            | SshError::Handshake { .. }
            | SshError::KnownHostsWrite { .. }
            | SshError::RemoteCommandFailed { .. }
            | SshError::ExecRefused { .. }
            | SshError::AgentRefused { .. }
            | SshError::NotAnAgent { .. }
            | SshError::InstallIncompatible { .. }
            | SshError::InstallFailed { .. }
            | SshError::Local(_) => LinkProblem::Other(reason),
        }
    }
}

/// Connects to `target` and completes the handshake (see the module documentation for how
/// long each may take).
pub async fn connect(target: &Target, options: &ConnectOptions) -> Result<Client, LinkProblem> {
    let name = options.client_name.as_str();
    match target {
        Target::Local => {
            let attempt = local::connect(&options.paths, name, &options.autostart);
            within(target, options.timeout, attempt).await
        }
        Target::Socket(socket) => {
            let attempt = local::connect_socket(socket, name);
            within(target, options.timeout, attempt).await
        }
        Target::Instance(instance) => {
            let ssh = instance_options(instance, &options.ssh)?;
            ssh::connect_agent(instance.host(), &ssh, name)
                .await
                .map_err(LinkProblem::from)
        }
    }
}

/// The SSH options for `instance`: its user, port and identity over `~/.ssh/config`.
pub fn instance_options(
    instance: &Instance,
    base: &Result<SshOptions, SshError>,
) -> Result<SshOptions, LinkProblem> {
    let mut options = base.clone()?;
    options.overrides = overrides_for(instance, &options.home);
    Ok(options)
}

/// What an inventory entry says over `~/.ssh/config`: its user, port and identity.
pub fn overrides_for(instance: &Instance, home: &std::path::Path) -> HostOverrides {
    HostOverrides {
        user: instance.user.clone(),
        port: instance.port,
        identity: instance.identity_path(home),
    }
}

/// `attempt`, unless it takes longer than `timeout`.
async fn within(
    target: &Target,
    timeout: Duration,
    attempt: impl Future<Output = Result<Client, ClientError>>,
) -> Result<Client, LinkProblem> {
    match tokio::time::timeout(timeout, attempt).await {
        Ok(outcome) => outcome.map_err(LinkProblem::from),
        Err(_) => Err(LinkProblem::Unreachable(format!(
            "no answer from {} within {}",
            target.describe(),
            seconds(timeout)
        ))),
    }
}

/// "10 s", "0.5 s".
fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs.fract() == 0.0 {
        format!("{secs:.0} s")
    } else {
        format!("{secs:.1} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inventory_host_of_unix_path_is_a_socket() {
        let mut instance = Instance::named("dev");
        instance.host = Some("unix:/tmp/other/station/agent.sock".into());
        assert_eq!(
            Target::for_instance(instance),
            Target::Socket("/tmp/other/station/agent.sock".into())
        );
        let plain = Instance::named("gpu1");
        assert_eq!(Target::for_instance(plain.clone()), Target::Instance(plain));
    }

    #[test]
    fn targets_describe_where_they_are() {
        let mut instance = Instance::named("gpu1");
        instance.user = Some("ana".into());
        instance.port = Some(2222);
        assert_eq!(Target::Instance(instance).describe(), "ana@gpu1:2222");
        assert_eq!(Target::Local.describe(), "this machine");
    }

    #[test]
    fn client_errors_are_classified_and_keep_their_message() {
        let absent = ClientError::NotRunning {
            socket: "/run/x.sock".into(),
        };
        let problem = LinkProblem::from(absent);
        assert_eq!(problem.label(), "unreachable");
        assert!(problem.to_string().contains("/run/x.sock"), "{problem}");
        let refused = LinkProblem::from(ClientError::Refused("uid 0 is not 1000".into()));
        assert_eq!(refused.label(), "auth failed");
        assert_eq!(
            refused.to_string(),
            "the agent refused the connection: uid 0 is not 1000"
        );
        let mismatch = LinkProblem::from(ClientError::VersionMismatch("protocol 2".into()));
        assert_eq!(
            (mismatch.label(), mismatch.reason()),
            ("error", "protocol 2")
        );
    }

    #[tokio::test]
    async fn a_socket_nobody_listens_on_is_unreachable_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("agent.sock");
        let paths = Paths::from_vars(|_| None, 0);
        let options = ConnectOptions::new(paths, Autostart::disabled(), "test");
        let problem = connect(&Target::Socket(socket), &options)
            .await
            .unwrap_err();
        assert_eq!(problem.label(), "unreachable", "{problem}");
    }

    #[tokio::test]
    async fn a_silent_socket_times_out_as_unreachable() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("agent.sock");
        // Accepts connections (the kernel does) but never says hello.
        let _listener = tokio::net::UnixListener::bind(&socket).unwrap();
        let paths = Paths::from_vars(|_| None, 0);
        let mut options = ConnectOptions::new(paths, Autostart::disabled(), "test");
        options.timeout = Duration::from_millis(200);
        let problem = connect(&Target::Socket(socket), &options)
            .await
            .unwrap_err();
        assert_eq!(problem.label(), "unreachable", "{problem}");
        assert!(problem.reason().contains("within 0.2 s"), "{problem}");
    }
}
