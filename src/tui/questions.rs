//! The console's answers to the SSH transport's questions: a [`Prompt`] whose questions go to
//! the event loop as messages and come back as the user's answer in a dialog.
//!
//! Only connections the user asked for (the main link: drilling into a fleet row, its
//! reconnects) get this prompt; the fleet's background row tasks have nobody to ask and show
//! "unknown key" or "no station" instead, so thirty rows never raise thirty dialogs at
//! start-up. A no is remembered for the rest of the session, so a link that retries every
//! few seconds does not ask again; the row says why it is down.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{mpsc, oneshot};

use crate::client::ssh::install::InstallOffer;
use crate::client::ssh::{Endpoint, Prompt, PromptFuture, UnknownHostKey};
use crate::tui::app::question::{Answer, Question, QuestionKind};

/// What the prompt sends the event loop.
#[derive(Debug)]
pub enum Asked {
    /// A question, and where its answer goes.
    Question(Question, oneshot::Sender<Answer>),
    /// A step of a long operation ("gpu1: uploading … 40%").
    Notice(String),
}

/// The console's [`Prompt`]; see the module documentation.
#[derive(Debug)]
pub struct ConsolePrompt {
    to_loop: mpsc::Sender<Asked>,
    /// Questions answered no this session (host and key, or host and install).
    declined: Mutex<HashSet<String>>,
    next_id: Mutex<u64>,
    /// The last percentage reported per upload, so progress is sent once per percent.
    last_percent: Mutex<Option<u64>>,
}

impl ConsolePrompt {
    /// A prompt and the receiver the event loop reads its questions from.
    pub fn new() -> (Arc<ConsolePrompt>, mpsc::Receiver<Asked>) {
        let (to_loop, from_prompt) = mpsc::channel(16);
        let prompt = ConsolePrompt {
            to_loop,
            declined: Mutex::default(),
            next_id: Mutex::new(1),
            last_percent: Mutex::default(),
        };
        (Arc::new(prompt), from_prompt)
    }

    /// Asks `kind` unless the same question (`memo`) was declined already.
    async fn ask(&self, kind: QuestionKind, memo: Option<String>) -> Answer {
        let declined = |memo: &String| {
            self.declined
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .contains(memo)
        };
        if memo.as_ref().is_some_and(declined) {
            return Answer::No;
        }
        let id = {
            let mut next = self.next_id.lock().unwrap_or_else(PoisonError::into_inner);
            *next += 1;
            *next
        };
        let (reply, answer) = oneshot::channel();
        let question = Question { id, kind };
        if self
            .to_loop
            .send(Asked::Question(question, reply))
            .await
            .is_err()
        {
            return Answer::No;
        }
        // The loop gone (the console quitting) is a no.
        let answer = answer.await.unwrap_or(Answer::No);
        if answer == Answer::No
            && let Some(memo) = memo
        {
            self.declined
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(memo);
        }
        answer
    }

    fn notice(&self, text: String) {
        // Best effort: a full queue drops a progress line rather than wait.
        let _ = self.to_loop.try_send(Asked::Notice(text));
    }
}

impl Prompt for ConsolePrompt {
    fn interactive(&self) -> bool {
        !self.to_loop.is_closed()
    }

    fn confirm_host_key<'a>(&'a self, key: &'a UnknownHostKey) -> PromptFuture<'a, bool> {
        let memo = format!(
            "host key {} {}",
            key.host.known_hosts_name(),
            key.key.sha256
        );
        let kind = QuestionKind::HostKey {
            host: key.host.to_string(),
            key: key.key.to_string(),
            known_hosts: key.known_hosts.display().to_string(),
        };
        Box::pin(async move { self.ask(kind, Some(memo)).await == Answer::Yes })
    }

    fn passphrase<'a>(
        &'a self,
        host: &'a Endpoint,
        path: &'a Path,
        attempt: u32,
    ) -> PromptFuture<'a, Option<String>> {
        let kind = QuestionKind::Passphrase {
            host: host.to_string(),
            key: path.display().to_string(),
            attempt,
        };
        Box::pin(async move {
            match self.ask(kind, None).await {
                Answer::Passphrase(text) => Some(text),
                Answer::Yes | Answer::No => None,
            }
        })
    }

    fn confirm_install<'a>(&'a self, offer: &'a InstallOffer) -> PromptFuture<'a, bool> {
        let memo = format!("install {}", offer.host);
        let kind = QuestionKind::Install {
            host: offer.host.to_string(),
            offer: offer.to_string(),
        };
        Box::pin(async move { self.ask(kind, Some(memo)).await == Answer::Yes })
    }

    fn report(&self, host: &Endpoint, step: &str) {
        *self
            .last_percent
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
        self.notice(format!("{}: {step}", host.alias));
    }

    fn progress(&self, host: &Endpoint, sent: u64, total: u64) {
        let percent = sent.saturating_mul(100).checked_div(total).unwrap_or(100);
        let mut last = self
            .last_percent
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if *last != Some(percent) {
            *last = Some(percent);
            self.notice(format!(
                "{}: uploading station, {percent}% of {:.1} MB",
                host.alias,
                total as f64 / 1e6
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ssh::KeyFingerprint;

    fn unknown_key() -> UnknownHostKey {
        UnknownHostKey {
            host: Arc::new(Endpoint {
                alias: "gpu1".into(),
                host: "10.0.0.5".into(),
                port: 22,
                user: "ana".into(),
            }),
            key: KeyFingerprint {
                key_type: "ED25519".into(),
                sha256: "SHA256:abc".into(),
            },
            known_hosts: "/home/ana/.ssh/known_hosts".into(),
        }
    }

    #[tokio::test]
    async fn a_no_is_remembered_and_a_yes_is_not() {
        let (prompt, mut questions) = ConsolePrompt::new();
        let key = unknown_key();
        let answering = tokio::spawn(async move {
            let mut asked = 0;
            while let Some(Asked::Question(_, reply)) = questions.recv().await {
                asked += 1;
                let _ = reply.send(if asked == 1 { Answer::No } else { Answer::Yes });
            }
            asked
        });
        assert!(!prompt.confirm_host_key(&key).await);
        assert!(
            !prompt.confirm_host_key(&key).await,
            "declined once: not asked again"
        );
        let mut other = key.clone();
        other.key.sha256 = "SHA256:other".into();
        assert!(
            prompt.confirm_host_key(&other).await,
            "another key is asked"
        );
        drop(prompt);
        assert_eq!(answering.await.unwrap(), 2);
    }

    #[tokio::test]
    async fn progress_is_sent_once_per_percent() {
        let (prompt, mut questions) = ConsolePrompt::new();
        let host = unknown_key().host;
        for sent in [0, 1, 2, 500, 1000] {
            prompt.progress(&host, sent, 1000);
        }
        drop(prompt);
        let mut lines = Vec::new();
        while let Some(Asked::Notice(text)) = questions.recv().await {
            lines.push(text);
        }
        assert_eq!(
            lines,
            [
                "gpu1: uploading station, 0% of 0.0 MB",
                "gpu1: uploading station, 50% of 0.0 MB",
                "gpu1: uploading station, 100% of 0.0 MB"
            ]
        );
    }
}
