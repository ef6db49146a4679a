//! The `NO_COLOR` convention (<https://no-color.org>): no colours, but focus and selection
//! must stay visible, so modifiers are kept and a few roles gain one.

use ratatui::style::{Modifier, Style};

use super::Role;

/// Whether the environment asks for no colour: `NO_COLOR` set to a non-empty value.
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty())
}

/// `style` with every colour removed, its modifiers kept, and the modifier `role` needs to
/// stand out without colour added.
pub fn strip(role: Role, style: Style) -> Style {
    Style::new()
        .add_modifier(style.add_modifier | emphasis(role))
        .remove_modifier(style.sub_modifier)
}

/// What replaces colour for roles that must be told apart without it.
fn emphasis(role: Role) -> Modifier {
    match role {
        Role::Selection | Role::Header | Role::StatusBar | Role::Simulated => Modifier::REVERSED,
        Role::BorderFocused
        | Role::Title
        | Role::TableHeader
        | Role::TextStrong
        | Role::GaugeCrit
        | Role::StateError
        | Role::JobFailed
        | Role::JobRunning
        | Role::FleetFailed
        | Role::HelpKey
        | Role::HelpSection => Modifier::BOLD,
        _ => Modifier::empty(),
    }
}
