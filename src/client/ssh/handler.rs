//! The host-key check russh calls during the handshake: known keys pass, changed keys are
//! refused, unknown keys are put to the person through the [`Prompt`] and recorded only on a
//! yes. There is no setting that skips the check.
//!
//! russh turns any refusal into the same opaque "Unknown server key" error, so the handler
//! writes down why it refused ([`Refusal`]) for the connection to report.

use std::sync::{Arc, Mutex};

use russh::client;
use russh::keys::PublicKeyOrCertificate;

use super::error::{Endpoint, SshError};
use super::known_hosts::{HostKeyStatus, KnownHosts, fingerprint};
use super::patience::Asking;
use super::prompt::{Prompt, UnknownHostKey};

/// Why the handler refused the server's key, filled in when it does.
#[derive(Debug, Clone, Default)]
pub struct Refusal(Arc<Mutex<Option<SshError>>>);

impl Refusal {
    fn record(&self, error: SshError) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(error);
        }
    }

    /// The recorded reason, if the key was refused.
    pub fn take(&self) -> Option<SshError> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// russh's client handler for one hop.
pub struct HostKeyCheck {
    pub endpoint: Arc<Endpoint>,
    pub known_hosts: KnownHosts,
    pub prompt: Arc<dyn Prompt>,
    pub asking: Asking,
    pub refusal: Refusal,
}

impl HostKeyCheck {
    /// Decides about `key`; `Err` is the reason to refuse it.
    async fn verdict(&self, key: &russh::keys::PublicKey) -> Result<(), SshError> {
        let host = &self.endpoint;
        let status = self
            .known_hosts
            .check(&host.host, host.port, key)
            .map_err(SshError::Local)?;
        match status {
            HostKeyStatus::Known => Ok(()),
            HostKeyStatus::Changed { file, line } => Err(SshError::HostKeyChanged {
                host: host.clone(),
                key: fingerprint(key),
                file,
                line,
            }),
            HostKeyStatus::Unknown => {
                let question = UnknownHostKey {
                    host: host.clone(),
                    key: fingerprint(key),
                    known_hosts: self.known_hosts.primary().to_owned(),
                };
                let interactive = self.prompt.interactive();
                let accepted = interactive
                    && self
                        .asking
                        .during(self.prompt.confirm_host_key(&question))
                        .await;
                if !accepted {
                    return Err(SshError::HostKeyUnknown {
                        host: question.host,
                        key: question.key,
                        known_hosts: question.known_hosts,
                        declined: interactive,
                    });
                }
                tracing::info!(host = %host, key = %question.key, "host key accepted and recorded");
                self.known_hosts
                    .learn(&host.host, host.port, key)
                    .map_err(|reason| SshError::KnownHostsWrite {
                        host: host.clone(),
                        file: question.known_hosts,
                        reason,
                    })
            }
        }
    }
}

impl client::Handler for HostKeyCheck {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        server_key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        match self.verdict(&server_key.public_key()).await {
            Ok(()) => Ok(true),
            Err(reason) => {
                tracing::warn!(host = %self.endpoint, "host key refused: {reason}");
                self.refusal.record(reason);
                Ok(false)
            }
        }
    }
}
