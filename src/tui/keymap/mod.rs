//! Keymaps: key sequences bound to named actions, loaded from TOML.
//!
//! The built-in keymap (`keymaps/default.toml`, embedded in the binary) is overlaid key by key
//! with the user's `$XDG_CONFIG_HOME/station/keymaps/NAME.toml`: a key the user binds replaces
//! the built-in binding of that key (or of keys it conflicts with as a prefix), `"none"`
//! removes it, and everything else is kept. Each mode reads its own section first and
//! `global` second; chords resolve through a [`Trie`] one key at a time.
//!
//! - [`key`]: key strings (`<C-c>`, `g g`) and their match with terminal events.
//! - [`file`]: reading a keymap file with located problems.
//! - [`section`]: the sections and the contexts that combine them.
//! - [`trie`]: chord resolution.

pub mod file;
pub mod key;
pub mod section;
pub mod trie;

use crate::config::{ConfigProblem, Paths, Severity, file::read_optional};
use crate::tui::action::Action;

pub use key::{Key, KeyName, KeySeq};
pub use section::{Context, Section};
pub use trie::{Resolution, Trie};

use file::RawBinding;

/// The built-in keymap.
pub const DEFAULT_KEYMAP: &str = include_str!("../../../keymaps/default.toml");

/// Actions the built-in keymap leaves unbound on purpose (reachable another way).
pub const DELIBERATELY_UNBOUND: &[Action] = &[];

/// One key sequence bound to an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub keys: KeySeq,
    pub action: Action,
    /// What the help overlay says about it.
    pub desc: String,
}

/// A resolved keymap: the bindings of every section and a trie per context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    sections: Vec<(Section, Vec<Binding>)>,
    tries: Vec<Trie>,
}

impl Default for Keymap {
    /// The built-in keymap.
    fn default() -> Self {
        let (raw, _) = file::parse(std::path::Path::new("<built-in keymap>"), DEFAULT_KEYMAP);
        Keymap::build(
            Section::ALL
                .iter()
                .map(|s| (*s, overlay(Vec::new(), raw.section(*s))))
                .collect(),
        )
    }
}

impl Keymap {
    fn build(sections: Vec<(Section, Vec<Binding>)>) -> Keymap {
        let mut keymap = Keymap {
            sections,
            tries: Vec::new(),
        };
        keymap.tries = Context::ALL
            .iter()
            .map(|context| {
                let mut trie = Trie::default();
                for binding in keymap.context_bindings(*context) {
                    trie.insert(&binding.keys.0, binding.action);
                }
                trie
            })
            .collect();
        keymap
    }

    /// The bindings of one section, in file order.
    pub fn section(&self, section: Section) -> &[Binding] {
        self.sections
            .iter()
            .find(|(s, _)| *s == section)
            .map_or(&[], |(_, b)| b.as_slice())
    }

    /// The bindings in effect in `context`: the mode's own, then the global ones the mode
    /// does not override (same keys, or one a prefix of the other). Where keys type text,
    /// global bindings of plain characters are left out.
    pub fn context_bindings(&self, context: Context) -> Vec<&Binding> {
        let own = self.section(context.section());
        let global = self.section(Section::Global).iter().filter(|g| {
            (!context.takes_text() || !g.keys.starts_with_text())
                && !own
                    .iter()
                    .any(|b| b.keys == g.keys || b.keys.conflicts_with(&g.keys))
        });
        own.iter().chain(global).collect()
    }

    /// What `key`, after the `pending` keys, means in `context`.
    pub fn resolve(&self, context: Context, pending: &[Key], key: Key) -> Resolution {
        self.tries
            .get(context.index())
            .map_or(Resolution::NotFound, |trie| trie.resolve(pending, key))
    }

    /// The first key sequence bound to `action` in `context`, for key hints.
    pub fn key_for(&self, context: Context, action: Action) -> Option<&KeySeq> {
        self.context_bindings(context)
            .into_iter()
            .find(|b| b.action == action)
            .map(|b| &b.keys)
    }
}

/// Applies `overrides` to `base` key by key.
fn overlay(mut base: Vec<Binding>, overrides: &[RawBinding]) -> Vec<Binding> {
    for raw in overrides {
        let replacement = raw.action.map(|action| Binding {
            keys: raw.keys.clone(),
            action,
            desc: raw
                .desc
                .clone()
                .unwrap_or_else(|| action.description().to_owned()),
        });
        match (base.iter().position(|b| b.keys == raw.keys), replacement) {
            (Some(i), Some(binding)) => base[i] = binding,
            (Some(i), None) => {
                base.remove(i);
            }
            (None, replacement) => {
                base.retain(|b| !b.keys.conflicts_with(&raw.keys));
                base.extend(replacement);
            }
        }
    }
    base
}

/// Loads the built-in keymap overlaid with the user's `keymaps/NAME.toml`; problems in the
/// user's file are returned (and the built-in bindings used for what could not be read).
pub fn load(paths: &Paths, name: &str) -> (Keymap, Vec<ConfigProblem>) {
    let path = paths.keymaps_dir().join(format!("{name}.toml"));
    let (raw, problems) = match read_optional(&path) {
        Ok(Some(source)) => file::parse(&path, &source),
        Ok(None) if name == "default" => Default::default(),
        Ok(None) => {
            let message = format!("no keymap `{name}` here; using the built-in keys");
            let problem = ConfigProblem::whole_file(Severity::Warning, &path, message);
            (Default::default(), vec![problem])
        }
        Err(problem) => (Default::default(), vec![problem]),
    };
    let base = Keymap::default();
    let sections = Section::ALL
        .iter()
        .map(|s| (*s, overlay(base.section(*s).to_vec(), raw.section(*s))))
        .collect();
    (Keymap::build(sections), problems)
}

#[cfg(test)]
mod tests;
