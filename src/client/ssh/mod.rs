//! The SSH transport: how Station reaches an agent on another machine.
//!
//! [`connect_agent`] connects to a host named as in `~/.ssh/config`, runs the remote command
//! (`station agent --stdio`) and says hello over it, returning the same [`Client`] as a local
//! connection. The parts, one per file:
//!
//! - [`config`]: `~/.ssh/config` resolved per host as OpenSSH does;
//! - [`session`]: TCP (or `ProxyJump` hops through `direct-tcpip` channels), the handshake
//!   and authentication, every step with a limit ([`patience`]);
//! - [`handler`] and [`known_hosts`]: the host-key check against the user's known_hosts
//!   files; unknown keys are put to a person through the [`Prompt`], changed keys refused;
//! - [`auth`]: ssh-agent, then identity files, passphrases through the [`Prompt`];
//! - [`remote_agent`]: the remote command's stdin/stdout as a byte stream that keeps its exit
//!   status, so "station is not installed there" (exit 127) is an error, not a silent close;
//! - [`install`]: when `station` is missing there or another version answers, this binary
//!   is offered, uploaded over SFTP and used from then on;
//! - [`error`]: [`SshError`], one variant per cause, each naming the host.

pub mod auth;
pub mod config;
pub mod error;
pub mod handler;
pub mod install;
pub mod known_hosts;
pub mod patience;
pub mod prompt;
pub mod remote_agent;
pub mod session;

pub use error::{Endpoint, KeyFingerprint, RemoteEnd, SshError};
pub use prompt::{NoPrompt, Prompt, PromptFuture, UnknownHostKey};
pub use remote_agent::RemoteAgentStream;
pub use session::SshSession;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Weak};

use super::{Client, ClientError};

/// Environment variable that replaces the default remote command
/// ([`install::launcher_command`]), e.g. `/opt/station/bin/station agent --stdio`. Nothing is
/// offered for install while it is set.
pub const REMOTE_COMMAND_ENV: &str = "STATION_REMOTE_COMMAND";

/// Everything a connection needs from this machine.
#[derive(Clone)]
pub struct SshOptions {
    /// The home folder: `~` in the config, `~/.ssh/known_hosts`, the default keys.
    pub home: PathBuf,
    /// The SSH config file (`~/.ssh/config`).
    pub config_file: PathBuf,
    /// The local user name: the remote user when the config names none.
    pub local_user: String,
    /// ssh-agent's socket (`SSH_AUTH_SOCK`); `None`: no agent.
    pub agent_socket: Option<PathBuf>,
    /// What to run on the remote host; it must speak the protocol on stdin/stdout.
    pub remote_command: String,
    /// Who answers questions about unknown host keys and passphrases.
    pub prompt: Arc<dyn Prompt>,
    /// Settings that win over `~/.ssh/config` for the destination (an inventory entry's).
    pub overrides: HostOverrides,
    /// Whether installing Station on a remote that lacks it may be offered or is agreed.
    pub install: install::InstallPolicy,
    /// Connections already open, shared by every clone of these options: a second agent
    /// connection to the same place is a new channel on the same SSH connection.
    pub sessions: Arc<SessionPool>,
}

/// Open SSH connections by destination (and overrides). Held weakly: a connection lives as
/// long as some agent stream uses it.
#[derive(Debug, Default)]
pub struct SessionPool(std::sync::Mutex<HashMap<String, Weak<SshSession>>>);

impl SessionPool {
    fn key(destination: &str, overrides: &HostOverrides) -> String {
        format!("{destination}\u{0}{overrides:?}")
    }

    /// A connection to `destination` that is still open.
    fn live(&self, destination: &str, overrides: &HostOverrides) -> Option<Arc<SshSession>> {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.retain(|_, session| session.strong_count() > 0);
        map.get(&Self::key(destination, overrides))?
            .upgrade()
            .filter(|session| !session.is_closed())
    }

    fn keep(&self, destination: &str, overrides: &HostOverrides, session: &Arc<SshSession>) {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.insert(Self::key(destination, overrides), Arc::downgrade(session));
    }
}

/// What an inventory entry says about its host, over `~/.ssh/config`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostOverrides {
    pub user: Option<String>,
    pub port: Option<u16>,
    /// Tried before the config's identity files.
    pub identity: Option<PathBuf>,
}

impl std::fmt::Debug for SshOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshOptions")
            .field("home", &self.home)
            .field("config_file", &self.config_file)
            .field("local_user", &self.local_user)
            .field("agent_socket", &self.agent_socket)
            .field("remote_command", &self.remote_command)
            .field("interactive", &self.prompt.interactive())
            .field("overrides", &self.overrides)
            .field("install", &self.install)
            .finish()
    }
}

impl SshOptions {
    /// From the environment: `HOME`, the user running this program, `SSH_AUTH_SOCK` and
    /// `STATION_REMOTE_COMMAND`.
    pub fn from_env(prompt: Arc<dyn Prompt>) -> Result<SshOptions, SshError> {
        let home = std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .map(PathBuf::from)
            .ok_or_else(|| SshError::Local("HOME is not set: cannot find ~/.ssh".to_owned()))?;
        let local_user = nix::unistd::User::from_uid(nix::unistd::getuid())
            .ok()
            .flatten()
            .map(|user| user.name)
            .or_else(|| std::env::var("USER").ok())
            .ok_or_else(|| SshError::Local("cannot tell which user runs station".to_owned()))?;
        let agent_socket = std::env::var_os("SSH_AUTH_SOCK")
            .filter(|socket| !socket.is_empty())
            .map(PathBuf::from);
        let configured = std::env::var(REMOTE_COMMAND_ENV)
            .ok()
            .filter(|command| !command.trim().is_empty());
        let install = install::InstallPolicy {
            binary: None,
            consented: false,
            launcher: configured.is_none(),
        };
        let remote_command = configured.unwrap_or_else(install::launcher_command);
        Ok(SshOptions {
            config_file: home.join(".ssh").join("config"),
            home,
            local_user,
            agent_socket,
            remote_command,
            prompt,
            overrides: HostOverrides::default(),
            install,
            sessions: Arc::default(),
        })
    }
}

/// The SSH connection to `destination`: the pool's when one is open, else a new one that
/// the pool keeps for the next connection to the same place.
async fn session_for(destination: &str, options: &SshOptions) -> Result<Arc<SshSession>, SshError> {
    if let Some(session) = options.sessions.live(destination, &options.overrides) {
        return Ok(session);
    }
    let session = Arc::new(SshSession::connect(destination, options).await?);
    options
        .sessions
        .keep(destination, &options.overrides, &session);
    Ok(session)
}

/// Connects to `destination` (`[user@]host`, as `ssh` takes it) over SSH, starts the remote
/// agent bridge and completes the protocol handshake. When these options (or a clone) already
/// hold an open connection to the same place, the bridge runs on a new channel of it. A
/// remote without Station, or with another version, is offered this one ([`install`]).
pub async fn connect_agent(
    destination: &str,
    options: &SshOptions,
    client_name: &str,
) -> Result<Client, SshError> {
    let mut session = session_for(destination, options).await?;
    let mut started = start_agent(&session, &options.remote_command, client_name).await;
    if started.is_err() && session.is_closed() {
        // A pooled connection that died meanwhile: once more on a new one.
        session = session_for(destination, options).await?;
        started = start_agent(&session, &options.remote_command, client_name).await;
    }
    let problem = match started {
        Ok(client) => return Ok(client),
        Err(problem) => problem,
    };
    let Some(reason) = install::reason_for(&problem) else {
        return Err(problem);
    };
    if install::offer(&session, options, reason).await? {
        start_agent(&session, &options.remote_command, client_name).await
    } else {
        Err(problem)
    }
}

/// Runs the remote agent bridge on `session` and says hello; an agent of another version is
/// an error ([`SshError::AgentVersionDiffers`]).
async fn start_agent(
    session: &Arc<SshSession>,
    command: &str,
    client_name: &str,
) -> Result<Client, SshError> {
    let stream = RemoteAgentStream::start(Arc::clone(session), command).await?;
    let host = session.endpoint().clone();
    let exit = stream.exit();
    let error =
        match Client::handshake_within(stream, client_name, patience::REMOTE_HELLO_TIMEOUT).await {
            Ok(client) if client.ready().station_version == crate::proto::STATION_VERSION => {
                return Ok(client);
            }
            Ok(client) => {
                return Err(SshError::AgentVersionDiffers {
                    host,
                    detail: format!("the agent is station {}", client.ready().station_version),
                });
            }
            Err(error) => error,
        };
    // A remote command that ended says best why there was no hello.
    if !matches!(error, ClientError::Timeout { .. })
        && let Some(Err(ended)) = exit.wait(patience::EXIT_STATUS_WAIT).await
    {
        return Err(ended);
    }
    Err(match error {
        ClientError::VersionMismatch(reason) => SshError::AgentVersionDiffers {
            host,
            detail: format!("the agent refused this version ({reason})"),
        },
        ClientError::Refused(reason) => SshError::AgentRefused { host, reason },
        ClientError::Timeout { .. } => SshError::Timeout {
            host,
            what: "the agent's answer to hello",
            after: patience::REMOTE_HELLO_TIMEOUT,
        },
        other => SshError::NotAnAgent {
            host,
            command: command.to_owned(),
            reason: other.to_string(),
        },
    })
}
