//! Finding a theme's files and following `inherits` up to a root theme.
//!
//! A name is looked up first in the user's `themes/` folder, then among the built-ins. A
//! user file named like a built-in overlays it (its implicit parent is that built-in); any
//! other user file inherits from what its `inherits` says, by default `dark`. Built-ins only
//! inherit from built-ins. An unknown parent or a cycle is a warning at the `inherits` value,
//! and that file then inherits from `dark`. A file that cannot be read or parsed is skipped:
//! the chain goes on with what it would have inherited.

use std::path::{Path, PathBuf};

use super::builtin::{self, DEFAULT};
use super::raw::{self, RawTheme};
use crate::config::file::read_optional;
use crate::config::{ConfigProblem, Severity};

/// Where a theme file comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Builtin,
    User,
}

/// One parsed file of a theme's inheritance chain.
#[derive(Debug)]
pub struct Layer {
    pub name: String,
    pub path: PathBuf,
    pub source: String,
    pub raw: RawTheme,
}

/// A theme's files, root first, and the problems met finding and parsing them.
#[derive(Debug, Default)]
pub struct Chain {
    pub layers: Vec<Layer>,
    pub problems: Vec<ConfigProblem>,
}

/// Every theme name available: the built-ins and the user's `themes/*.toml`, sorted.
pub fn available(user_dir: Option<&Path>) -> Vec<String> {
    let mut names: Vec<String> = builtin::BUILTIN
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect();
    if let Some(entries) = user_dir.and_then(|dir| std::fs::read_dir(dir).ok()) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|ext| ext == "toml")
                && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
                && is_plain_name(stem)
            {
                names.push(stem.to_owned());
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// Whether `name` is a built-in theme or a file in `user_dir`.
pub fn exists(user_dir: Option<&Path>, name: &str) -> bool {
    builtin::source(name).is_some() || user_file(user_dir, name).is_some()
}

/// Builds the chain of theme `name`; `None` when there is no such theme.
pub fn build(user_dir: Option<&Path>, name: &str) -> Option<Chain> {
    let mut builder = Builder {
        user_dir,
        visited: Vec::new(),
        chain: Chain::default(),
    };
    let mut next = Some((name.to_owned(), builder.find(name, true)?));
    while let Some((name, origin)) = next {
        builder.visited.push((name.clone(), origin));
        next = builder.add_layer(name, origin);
    }
    builder.chain.layers.reverse();
    Some(builder.chain)
}

struct Builder<'a> {
    user_dir: Option<&'a Path>,
    /// The chain so far, leaf first.
    visited: Vec<(String, Origin)>,
    chain: Chain,
}

impl Builder<'_> {
    /// Reads and parses one file, then says which theme comes next (its parent).
    fn add_layer(&mut self, name: String, origin: Origin) -> Option<(String, Origin)> {
        let (path, source) = match origin {
            Origin::Builtin => (
                builtin::path(&name),
                builtin::source(&name).map(str::to_owned),
            ),
            Origin::User => {
                let path = user_file(self.user_dir, &name).unwrap_or_default();
                match read_optional(&path) {
                    Ok(source) => (path, source),
                    Err(problem) => {
                        self.chain.problems.push(problem);
                        (path, None)
                    }
                }
            }
        };
        let Some(source) = source else {
            return self.implicit_parent(&name, origin);
        };
        let (raw, problems) = raw::parse(&path, &source);
        self.chain.problems.extend(problems);
        let Some(raw) = raw else {
            return self.implicit_parent(&name, origin);
        };
        let inherits = raw.inherits.clone();
        self.chain.layers.push(Layer {
            name: name.clone(),
            path,
            source,
            raw,
        });
        let Some((parent, span)) = inherits else {
            return self.implicit_parent(&name, origin);
        };
        match self.find(&parent, origin == Origin::User) {
            Some(parent_origin) => Some((parent, parent_origin)),
            None => {
                let cycle = self.visited.iter().any(|(visited, _)| *visited == parent);
                let message = if cycle {
                    let names: Vec<&str> = self.visited.iter().map(|(n, _)| n.as_str()).collect();
                    format!(
                        "inheritance cycle: {} → {parent}; inheriting from `{DEFAULT}` instead",
                        names.join(" → ")
                    )
                } else {
                    format!(
                        "unknown parent theme `{parent}` (available: {}); inheriting from `{DEFAULT}` instead",
                        available(self.user_dir).join(", ")
                    )
                };
                self.warn_in_last_layer(span, message);
                self.fallback()
            }
        }
    }

    /// The parent of a file without a usable `inherits`: nothing for a built-in, the built-in
    /// of the same name for a user overlay, `dark` for any other user file.
    fn implicit_parent(&self, name: &str, origin: Origin) -> Option<(String, Origin)> {
        match origin {
            Origin::Builtin => None,
            Origin::User
                if builtin::source(name).is_some() && self.unvisited(name, Origin::Builtin) =>
            {
                Some((name.to_owned(), Origin::Builtin))
            }
            Origin::User => self.fallback(),
        }
    }

    /// `dark` (the user's overlay of it when there is one and it is not already in the chain).
    fn fallback(&self) -> Option<(String, Origin)> {
        self.find(DEFAULT, true)
            .map(|origin| (DEFAULT.to_owned(), origin))
    }

    /// Where theme `name` comes from, skipping files already in the chain.
    fn find(&self, name: &str, allow_user: bool) -> Option<Origin> {
        if allow_user
            && user_file(self.user_dir, name).is_some()
            && self.unvisited(name, Origin::User)
        {
            Some(Origin::User)
        } else if builtin::source(name).is_some() && self.unvisited(name, Origin::Builtin) {
            Some(Origin::Builtin)
        } else {
            None
        }
    }

    fn unvisited(&self, name: &str, origin: Origin) -> bool {
        !self.visited.iter().any(|(n, o)| n == name && *o == origin)
    }

    fn warn_in_last_layer(&mut self, span: std::ops::Range<usize>, message: String) {
        if let Some(layer) = self.chain.layers.last() {
            self.chain.problems.push(ConfigProblem::at_span(
                Severity::Warning,
                &layer.path,
                &layer.source,
                Some(span),
                message,
            ));
        }
    }
}

/// `user_dir/NAME.toml` when it is a file and `name` cannot escape the folder.
fn user_file(user_dir: Option<&Path>, name: &str) -> Option<PathBuf> {
    let path = user_dir?.join(format!("{name}.toml"));
    (is_plain_name(name) && path.is_file()).then_some(path)
}

/// A theme name is a file stem: not empty, no `/`, not hidden.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\0'])
}
