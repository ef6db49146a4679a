//! Public-key authentication, in OpenSSH's order: the keys ssh-agent holds, then the identity
//! files (`IdentityFile`, else `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`).
//!
//! - With `IdentitiesOnly yes`, only agent keys that belong to an identity file are offered.
//! - A key already offered through the agent is not offered again from its file.
//! - An encrypted key file asks for its passphrase through the [`Prompt`](super::Prompt), up to
//!   three times; with nobody to ask, it is skipped. Passphrases are not kept.
//! - RSA keys sign with the best hash the server announces (`rsa-sha2-512` on OpenSSH).
//! - No password or keyboard-interactive authentication, no agent forwarding.
//!
//! When no key is accepted the error lists every key tried and what became of it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use russh::client::Handle;
use russh::keys::agent::client::AgentClient;
use russh::keys::ssh_key::{HashAlg, PrivateKey, PublicKey, public::KeyData};
use russh::keys::{PrivateKeyWithHashAlg, load_public_key, load_secret_key};

use super::SshOptions;
use super::config::HostConfig;
use super::error::{Endpoint, SshError};
use super::handler::HostKeyCheck;
use super::known_hosts::fingerprint;
use super::patience::AUTH_STEP_TIMEOUT;
use super::session::describe_russh;

/// The identity files OpenSSH tries when the config names none, in its order.
const DEFAULT_IDENTITIES: [&str; 3] = ["id_ed25519", "id_ecdsa", "id_rsa"];

/// How many times a passphrase is asked for before the key is skipped.
const PASSPHRASE_ATTEMPTS: u32 = 3;

/// One authentication run against one host.
struct Attempt<'a> {
    handle: &'a mut Handle<HostKeyCheck>,
    host: &'a Arc<Endpoint>,
    options: &'a SshOptions,
    /// What was tried, for the error message.
    tried: Vec<String>,
    /// Keys already offered (and refused).
    offered: Vec<KeyData>,
    /// The hash for RSA signatures, once asked.
    rsa_hash: Option<Option<HashAlg>>,
}

/// Authenticates as `host.user`; `Err(AuthFailed)` lists what was tried.
pub async fn authenticate(
    handle: &mut Handle<HostKeyCheck>,
    host: &Arc<Endpoint>,
    config: &HostConfig,
    options: &SshOptions,
) -> Result<(), SshError> {
    let files = identity_files(config, &options.home);
    let mut attempt = Attempt {
        handle,
        host,
        options,
        tried: Vec::new(),
        offered: Vec::new(),
        rsa_hash: None,
    };
    let only: Option<Vec<KeyData>> = config.identities_only.then(|| {
        files
            .iter()
            .filter_map(|f| load_public_key(public_key_path(f)).ok())
            .map(|key| key.key_data().clone())
            .collect()
    });
    if attempt.with_agent(only.as_deref()).await? {
        return Ok(());
    }
    for file in &files {
        if attempt
            .with_file(file, !config.identity_files.is_empty())
            .await?
        {
            return Ok(());
        }
    }
    Err(SshError::AuthFailed {
        host: host.clone(),
        tried: attempt.tried,
    })
}

/// `IdentityFile`s, else the defaults under `~/.ssh`.
fn identity_files(config: &HostConfig, home: &Path) -> Vec<PathBuf> {
    if config.identity_files.is_empty() {
        DEFAULT_IDENTITIES
            .iter()
            .map(|name| home.join(".ssh").join(name))
            .collect()
    } else {
        config.identity_files.clone()
    }
}

/// `KEY.pub`, where OpenSSH keeps a key file's public half.
fn public_key_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

impl Attempt<'_> {
    /// `path` with the home folder written `~`, as people write it.
    fn show(&self, path: &Path) -> String {
        match path.strip_prefix(&self.options.home) {
            Ok(rest) => format!("~/{}", rest.display()),
            Err(_) => path.display().to_string(),
        }
    }

    fn timeout(&self) -> SshError {
        SshError::Timeout {
            host: self.host.clone(),
            what: "authentication",
            after: AUTH_STEP_TIMEOUT,
        }
    }

    fn lost(&self, error: &russh::Error) -> SshError {
        SshError::Disconnected {
            host: self.host.clone(),
            reason: format!("during authentication: {}", describe_russh(error)),
        }
    }

    /// The hash to sign with when `key` is RSA (asked once; it waits up to 1 s for the
    /// server's list of signature algorithms).
    async fn hash_for(&mut self, key: &PublicKey) -> Result<Option<HashAlg>, SshError> {
        if !key.algorithm().is_rsa() {
            return Ok(None);
        }
        if let Some(hash) = self.rsa_hash {
            return Ok(hash);
        }
        let asked = tokio::time::timeout(AUTH_STEP_TIMEOUT, self.handle.best_supported_rsa_hash());
        let hash = match asked.await {
            Ok(Ok(hash)) => hash.flatten(),
            Ok(Err(error)) => return Err(self.lost(&error)),
            Err(_) => return Err(self.timeout()),
        };
        self.rsa_hash = Some(hash);
        Ok(hash)
    }

    /// Offers the agent's keys; `true` when one was accepted.
    async fn with_agent(&mut self, only: Option<&[KeyData]>) -> Result<bool, SshError> {
        let Some(socket) = self.options.agent_socket.clone() else {
            return Ok(false);
        };
        let connected = tokio::time::timeout(AUTH_STEP_TIMEOUT, AgentClient::connect_uds(&socket));
        let mut agent = match connected.await {
            Ok(Ok(agent)) => agent,
            Ok(Err(error)) => {
                self.tried.push(format!(
                    "ssh-agent at {} (cannot connect: {error})",
                    socket.display()
                ));
                return Ok(false);
            }
            Err(_) => {
                self.tried
                    .push(format!("ssh-agent at {} (no answer)", socket.display()));
                return Ok(false);
            }
        };
        let identities =
            match tokio::time::timeout(AUTH_STEP_TIMEOUT, agent.request_identities()).await {
                Ok(Ok(identities)) => identities,
                Ok(Err(error)) => {
                    self.tried.push(format!("ssh-agent ({error})"));
                    return Ok(false);
                }
                Err(_) => {
                    self.tried.push("ssh-agent (no answer)".into());
                    return Ok(false);
                }
            };
        let mut refused = Vec::new();
        for identity in identities {
            let key = identity.public_key().into_owned();
            if only.is_some_and(|only| !only.contains(key.key_data())) {
                continue;
            }
            let hash = self.hash_for(&key).await?;
            let user = self.host.user.clone();
            let offer =
                self.handle
                    .authenticate_publickey_with(user, key.clone(), hash, &mut agent);
            match tokio::time::timeout(AUTH_STEP_TIMEOUT, offer).await {
                Ok(Ok(result)) if result.success() => return Ok(true),
                Ok(Ok(_)) => refused.push(fingerprint(&key).to_string()),
                Ok(Err(error)) => refused.push(format!("{} (agent: {error})", fingerprint(&key))),
                Err(_) => return Err(self.timeout()),
            }
            self.offered.push(key.key_data().clone());
        }
        self.tried.push(if refused.is_empty() {
            "ssh-agent (it holds no usable key)".into()
        } else {
            format!("agent keys {}", refused.join(", "))
        });
        Ok(false)
    }

    /// Offers the key in `file`; `true` when it was accepted. A missing default file is
    /// passed over in silence; a missing configured one is listed.
    async fn with_file(&mut self, file: &Path, configured: bool) -> Result<bool, SshError> {
        if !file.exists() {
            if configured {
                let shown = self.show(file);
                self.tried.push(format!("{shown} (missing)"));
            }
            return Ok(false);
        }
        let shown = self.show(file);
        if let Ok(public) = load_public_key(public_key_path(file))
            && self.offered.contains(public.key_data())
        {
            self.tried
                .push(format!("{shown} (already offered by the agent)"));
            return Ok(false);
        }
        let Some(key) = self.load(file, &shown).await else {
            return Ok(false);
        };
        let hash = self.hash_for(key.public_key()).await?;
        let offered = key.public_key().key_data().clone();
        let user = self.host.user.clone();
        let offer = self
            .handle
            .authenticate_publickey(user, PrivateKeyWithHashAlg::new(Arc::new(key), hash));
        match tokio::time::timeout(AUTH_STEP_TIMEOUT, offer).await {
            Ok(Ok(result)) if result.success() => Ok(true),
            Ok(Ok(_)) => {
                self.tried.push(format!("{shown} (refused)"));
                self.offered.push(offered);
                Ok(false)
            }
            Ok(Err(error)) => Err(self.lost(&error)),
            Err(_) => Err(self.timeout()),
        }
    }

    /// Reads the private key, asking for its passphrase when it is encrypted; `None` (with a
    /// note in `tried`) when it cannot be used.
    async fn load(&mut self, file: &Path, shown: &str) -> Option<PrivateKey> {
        match read_key(file, None).await {
            Ok(key) => return Some(key),
            Err(russh::keys::Error::KeyIsEncrypted) => {}
            Err(error) => {
                self.tried.push(format!("{shown} (unreadable: {error})"));
                return None;
            }
        }
        if !self.options.prompt.interactive() {
            self.tried.push(format!(
                "{shown} (encrypted, and no terminal to ask for its passphrase)"
            ));
            return None;
        }
        for attempt in 1..=PASSPHRASE_ATTEMPTS {
            let asked = self
                .options
                .prompt
                .passphrase(self.host, file, attempt)
                .await;
            let Some(passphrase) = asked else {
                self.tried
                    .push(format!("{shown} (encrypted, no passphrase given)"));
                return None;
            };
            if let Ok(key) = read_key(file, Some(passphrase)).await {
                return Some(key);
            }
        }
        self.tried.push(format!(
            "{shown} (wrong passphrase {PASSPHRASE_ATTEMPTS} times)"
        ));
        None
    }
}

/// Loads a key file off the async threads (decrypting runs a deliberately slow KDF).
async fn read_key(
    file: &Path,
    passphrase: Option<String>,
) -> Result<PrivateKey, russh::keys::Error> {
    let file = file.to_owned();
    tokio::task::spawn_blocking(move || load_secret_key(&file, passphrase.as_deref()))
        .await
        .unwrap_or(Err(russh::keys::Error::CouldNotReadKey))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(files: &[&str]) -> HostConfig {
        HostConfig {
            alias: "gpu1".into(),
            host_name: "gpu1".into(),
            user: None,
            port: 22,
            identity_files: files.iter().map(PathBuf::from).collect(),
            identities_only: false,
            proxy_jump: Vec::new(),
            connect_timeout_secs: None,
            server_alive_interval_secs: None,
            server_alive_count_max: 3,
            user_known_hosts_files: Vec::new(),
        }
    }

    #[test]
    fn without_identity_files_the_defaults_are_tried_in_openssh_order() {
        let files = identity_files(&config(&[]), Path::new("/home/ana"));
        assert_eq!(
            files,
            ["id_ed25519", "id_ecdsa", "id_rsa"].map(|n| PathBuf::from("/home/ana/.ssh").join(n))
        );
    }

    #[test]
    fn configured_identity_files_replace_the_defaults() {
        let files = identity_files(&config(&["/keys/work"]), Path::new("/home/ana"));
        assert_eq!(files, vec![PathBuf::from("/keys/work")]);
        assert_eq!(
            public_key_path(Path::new("/keys/work")),
            PathBuf::from("/keys/work.pub")
        );
    }
}
