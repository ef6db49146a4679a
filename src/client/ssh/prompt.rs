//! Questions the transport has to ask a person: whether to trust an unknown host key, and the
//! passphrase of an encrypted key, and whether to install Station on a host that lacks it.
//!
//! The CLI answers them on the terminal, the console in a dialog, a script not at all
//! ([`NoPrompt`]). Answers are never stored: a passphrase is used for one key load and
//! dropped.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;

use super::error::{Endpoint, KeyFingerprint};
use super::install::InstallOffer;

/// A boxed future, so that prompts can be trait objects shared by every connection.
pub type PromptFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An unknown host key, as shown to the person asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownHostKey {
    pub host: std::sync::Arc<Endpoint>,
    pub key: KeyFingerprint,
    /// Where a yes records it.
    pub known_hosts: std::path::PathBuf,
}

/// Someone (or something) that can answer the transport's questions.
pub trait Prompt: Send + Sync {
    /// Whether someone can be asked at all. When false, the transport does not ask and
    /// refuses an unknown host with a message that says how to accept it.
    fn interactive(&self) -> bool;

    /// Asks whether to trust `key` and record it; `true` only for an explicit yes.
    fn confirm_host_key<'a>(&'a self, key: &'a UnknownHostKey) -> PromptFuture<'a, bool>;

    /// Asks for the passphrase of the key in `path` (`attempt` counts from 1; a later attempt
    /// follows a wrong passphrase). `None`: skip this key.
    fn passphrase<'a>(
        &'a self,
        host: &'a Endpoint,
        path: &'a Path,
        attempt: u32,
    ) -> PromptFuture<'a, Option<String>>;

    /// Asks whether to install this station on a remote (see [`super::install`]); `true`
    /// only for an explicit yes.
    fn confirm_install<'a>(&'a self, offer: &'a InstallOffer) -> PromptFuture<'a, bool>;

    /// Tells what a long step is doing ("uploading station 0.1.0 to …").
    fn report(&self, _host: &Endpoint, _step: &str) {}

    /// Bytes of an upload sent so far, out of `total`.
    fn progress(&self, _host: &Endpoint, _sent: u64, _total: u64) {}
}

/// Nobody to ask: unknown hosts are refused and encrypted keys skipped.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPrompt;

impl Prompt for NoPrompt {
    fn interactive(&self) -> bool {
        false
    }

    fn confirm_host_key<'a>(&'a self, _key: &'a UnknownHostKey) -> PromptFuture<'a, bool> {
        Box::pin(async { false })
    }

    fn passphrase<'a>(
        &'a self,
        _host: &'a Endpoint,
        _path: &'a Path,
        _attempt: u32,
    ) -> PromptFuture<'a, Option<String>> {
        Box::pin(async { None })
    }

    fn confirm_install<'a>(&'a self, _offer: &'a InstallOffer) -> PromptFuture<'a, bool> {
        Box::pin(async { false })
    }
}
