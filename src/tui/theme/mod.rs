//! Themes: semantic roles resolved to concrete styles once, at load time.
//!
//! Views call [`Theme::style`] with a [`Role`]; they never name a colour.

mod role;

pub use role::Role;

use ratatui::style::Style;

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
