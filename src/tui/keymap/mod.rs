//! Keymaps: key sequences bound to named actions, loaded from TOML.

use crate::config::{ConfigProblem, Paths};

/// A resolved keymap.
#[derive(Debug, Clone, Default)]
pub struct Keymap {}

/// Loads the built-in keymap overlaid with the user's `keymaps/NAME.toml`; problems in the
/// user's file are returned (and the built-in bindings used for what could not be read).
pub fn load(paths: &Paths, name: &str) -> (Keymap, Vec<ConfigProblem>) {
    let _ = (paths, name);
    (Keymap::default(), Vec::new())
}
