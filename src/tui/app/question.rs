//! Questions the SSH transport puts to the user while the console runs: trust an unknown
//! host key, the passphrase of an encrypted key, install Station on a host that lacks it.
//!
//! One dialog at a time, in the order asked; the others wait. While one is open it takes
//! every key but Ctrl-C: `y` is yes, `n` or Esc is no; a passphrase is typed (never shown,
//! not even as a count of stars) and Enter sends it, Esc skips the key. The answer leaves as
//! [`Effect::Answer`]; the typed text is dropped with the dialog.

use std::collections::VecDeque;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, Effect};

/// A question, numbered so its answer finds its way back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: u64,
    pub kind: QuestionKind,
}

/// What is asked, with what the user needs to decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuestionKind {
    /// `host`: `gpu1 (10.0.0.5:22)`; `key`: `ED25519 key SHA256:…`.
    HostKey {
        host: String,
        key: String,
        known_hosts: String,
    },
    /// `attempt` counts from 1; a later one follows a wrong passphrase.
    Passphrase {
        host: String,
        key: String,
        attempt: u32,
    },
    /// `offer`: the whole question (what, where, how big).
    Install { host: String, offer: String },
}

/// The user's answer.
#[derive(Clone, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    Passphrase(String),
}

impl std::fmt::Debug for Answer {
    /// Never prints a passphrase.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Answer::Yes => f.write_str("Yes"),
            Answer::No => f.write_str("No"),
            Answer::Passphrase(_) => f.write_str("Passphrase(…)"),
        }
    }
}

/// The open dialog and the questions behind it.
#[derive(Clone, Default)]
pub struct Questions {
    pub open: Option<Question>,
    /// A passphrase typed so far.
    typed: String,
    waiting: VecDeque<Question>,
}

impl std::fmt::Debug for Questions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Questions")
            .field("open", &self.open)
            .field("waiting", &self.waiting.len())
            .finish_non_exhaustive()
    }
}

impl Questions {
    /// How many characters of a passphrase are typed (for tests; the view shows none).
    pub fn typed_len(&self) -> usize {
        self.typed.chars().count()
    }
}

impl App {
    /// A new question: shown now, or after those already waiting.
    pub(super) fn on_question(&mut self, question: Question) -> bool {
        if self.questions.open.is_none() {
            self.help = None;
            self.questions.open = Some(question);
            true
        } else {
            self.questions.waiting.push_back(question);
            false
        }
    }

    /// A key while a dialog is open.
    pub(super) fn on_question_key(&mut self, event: &KeyEvent) -> bool {
        let Some(open) = &self.questions.open else {
            return false;
        };
        let passphrase = matches!(open.kind, QuestionKind::Passphrase { .. });
        match event.code {
            KeyCode::Esc => self.answer(Answer::No),
            KeyCode::Enter if passphrase => {
                let typed = std::mem::take(&mut self.questions.typed);
                self.answer(if typed.is_empty() {
                    Answer::No
                } else {
                    Answer::Passphrase(typed)
                })
            }
            KeyCode::Backspace if passphrase => self.questions.typed.pop().is_some(),
            KeyCode::Char('u') if passphrase && event.modifiers.contains(KeyModifiers::CONTROL) => {
                self.questions.typed.clear();
                true
            }
            KeyCode::Char(c) if passphrase => {
                self.questions.typed.push(c);
                // Nothing visible changes: the view shows no trace of typing.
                false
            }
            KeyCode::Char('y' | 'Y') => self.answer(Answer::Yes),
            KeyCode::Char('n' | 'N') => self.answer(Answer::No),
            _ => false,
        }
    }

    /// Sends `answer` for the open question and opens the next one.
    fn answer(&mut self, answer: Answer) -> bool {
        let Some(open) = self.questions.open.take() else {
            return false;
        };
        self.questions.typed.clear();
        self.effects.push(Effect::Answer {
            id: open.id,
            answer,
        });
        self.questions.open = self.questions.waiting.pop_front();
        true
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use crossterm::event::KeyEvent;

    use super::*;
    use crate::tui::app::Msg;
    use crate::tui::fixtures;

    fn app() -> App {
        fixtures::app(100, 30, 0, Instant::now())
    }

    fn key(app: &mut App, code: KeyCode) -> bool {
        app.update(Msg::Key(KeyEvent::from(code)), Instant::now())
    }

    fn host_key(id: u64) -> Question {
        Question {
            id,
            kind: QuestionKind::HostKey {
                host: "gpu1 (10.0.0.5:22)".into(),
                key: "ED25519 key SHA256:abc".into(),
                known_hosts: "/home/ana/.ssh/known_hosts".into(),
            },
        }
    }

    fn passphrase(id: u64) -> Question {
        Question {
            id,
            kind: QuestionKind::Passphrase {
                host: "gpu1 (10.0.0.5:22)".into(),
                key: "/home/ana/.ssh/id_ed25519".into(),
                attempt: 1,
            },
        }
    }

    #[test]
    fn questions_are_answered_in_turn_and_take_every_key() {
        let mut app = app();
        assert!(app.update(Msg::Question(host_key(1)), Instant::now()));
        assert!(!app.update(Msg::Question(host_key(2)), Instant::now()));
        // `q` does not quit while a dialog is open.
        key(&mut app, KeyCode::Char('q'));
        assert!(!app.quit);
        assert!(key(&mut app, KeyCode::Char('y')));
        assert_eq!(
            app.take_effects(),
            [Effect::Answer {
                id: 1,
                answer: Answer::Yes
            }]
        );
        assert_eq!(app.questions.open.as_ref().map(|q| q.id), Some(2));
        key(&mut app, KeyCode::Esc);
        assert_eq!(
            app.take_effects(),
            [Effect::Answer {
                id: 2,
                answer: Answer::No
            }]
        );
        assert!(app.questions.open.is_none());
    }

    #[test]
    fn a_passphrase_is_typed_unseen_and_sent_with_enter() {
        let mut app = app();
        app.update(Msg::Question(passphrase(7)), Instant::now());
        for c in "s3cret!y".chars() {
            assert!(!key(&mut app, KeyCode::Char(c)), "typing draws nothing");
        }
        key(&mut app, KeyCode::Backspace);
        assert_eq!(app.questions.typed_len(), 7);
        key(&mut app, KeyCode::Enter);
        assert_eq!(
            app.take_effects(),
            [Effect::Answer {
                id: 7,
                answer: Answer::Passphrase("s3cret!".into())
            }]
        );
        assert_eq!(app.questions.typed_len(), 0);
        assert!(!format!("{app:?}").contains("s3cret"));
    }

    #[test]
    fn an_empty_passphrase_skips_the_key() {
        let mut app = app();
        app.update(Msg::Question(passphrase(3)), Instant::now());
        key(&mut app, KeyCode::Enter);
        assert_eq!(
            app.take_effects(),
            [Effect::Answer {
                id: 3,
                answer: Answer::No
            }]
        );
    }
}
