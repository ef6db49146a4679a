//! Key sequences arranged as a trie, so that chords like `g g` resolve one key at a time.

use std::collections::BTreeMap;

use super::key::Key;
use crate::tui::action::Action;

/// What one more key press means, given the keys already pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// The keys name an action; the pending keys are consumed.
    Matched(Action),
    /// The keys are the start of a longer binding; keep them and wait for the next key.
    Pending,
    /// A lone key that is bound to nothing.
    NotFound,
    /// The pending keys followed by this one lead nowhere; everything is dropped.
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Leaf(Action),
    Branch(BTreeMap<Key, Node>),
}

/// The bindings of one context.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trie {
    root: BTreeMap<Key, Node>,
}

impl Trie {
    /// Adds a binding. Returns false (and changes nothing) when it would conflict with an
    /// existing one: the same keys, or one a prefix of the other.
    pub fn insert(&mut self, keys: &[Key], action: Action) -> bool {
        let Some((last, init)) = keys.split_last() else {
            return false;
        };
        let mut level = &mut self.root;
        for key in init {
            let node = level
                .entry(*key)
                .or_insert_with(|| Node::Branch(BTreeMap::new()));
            match node {
                Node::Branch(next) => level = next,
                Node::Leaf(_) => return false,
            }
        }
        if level.contains_key(last) {
            return false;
        }
        level.insert(*last, Node::Leaf(action));
        true
    }

    /// Resolves `pending` followed by `key`.
    pub fn resolve(&self, pending: &[Key], key: Key) -> Resolution {
        let mut level = &self.root;
        for (i, k) in pending.iter().chain(std::iter::once(&key)).enumerate() {
            match level.get(k) {
                Some(Node::Leaf(action)) if i == pending.len() => {
                    return Resolution::Matched(*action);
                }
                Some(Node::Branch(next)) => level = next,
                _ => break,
            }
            if i == pending.len() {
                return Resolution::Pending;
            }
        }
        if pending.is_empty() {
            Resolution::NotFound
        } else {
            Resolution::Cancelled
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::key::KeySeq;

    fn keys(text: &str) -> Vec<Key> {
        KeySeq::parse(text).unwrap().0
    }

    fn key(text: &str) -> Key {
        keys(text)[0]
    }

    #[test]
    fn chords_resolve_step_by_step() {
        let mut trie = Trie::default();
        assert!(trie.insert(&keys("g g"), Action::Top));
        assert!(trie.insert(&keys("G"), Action::Bottom));
        assert_eq!(trie.resolve(&[], key("g")), Resolution::Pending);
        assert_eq!(
            trie.resolve(&keys("g"), key("g")),
            Resolution::Matched(Action::Top)
        );
        assert_eq!(trie.resolve(&keys("g"), key("x")), Resolution::Cancelled);
        assert_eq!(trie.resolve(&keys("g"), key("G")), Resolution::Cancelled);
        assert_eq!(
            trie.resolve(&[], key("G")),
            Resolution::Matched(Action::Bottom)
        );
        assert_eq!(trie.resolve(&[], key("x")), Resolution::NotFound);
    }

    #[test]
    fn conflicting_inserts_are_refused() {
        let mut trie = Trie::default();
        assert!(trie.insert(&keys("g g"), Action::Top));
        assert!(!trie.insert(&keys("g"), Action::Quit));
        assert!(!trie.insert(&keys("g g"), Action::Quit));
        assert!(!trie.insert(&keys("g g x"), Action::Quit));
        assert!(!trie.insert(&[], Action::Quit));
        assert_eq!(
            trie.resolve(&keys("g"), key("g")),
            Resolution::Matched(Action::Top)
        );
    }
}
