//! Turning a chain of raw theme files into one concrete [`Style`] per role.
//!
//! The palettes of every file are merged first (a child's entry replaces its parent's), and
//! only then are colour names looked up, so a child that redefines a palette colour recolours
//! every style of its parents that uses it. A role set in a child replaces the parent's style
//! for that role; a colour that cannot be resolved is a warning, and that field keeps the
//! parent's value.

use std::collections::BTreeMap;

use ratatui::style::{Color, Style};

use super::Role;
use super::chain::Layer;
use super::colour::{self, COLOUR_FORMS};
use super::raw::RawColour;
use crate::config::{ConfigProblem, Severity};

/// The resolved styles, indexed by [`Role::index`], and which roles some file set.
#[derive(Debug)]
pub struct Resolved {
    pub styles: Vec<Style>,
    pub set: Vec<bool>,
}

/// Resolves `layers` (root first); unresolvable colours are added to `problems`.
pub fn resolve(layers: &[Layer], problems: &mut Vec<ConfigProblem>) -> Resolved {
    let palette: BTreeMap<&str, Color> = layers
        .iter()
        .flat_map(|layer| layer.raw.palette.iter())
        .map(|(name, colour)| (name.as_str(), *colour))
        .collect();
    let mut resolved = Resolved {
        styles: vec![Style::default(); Role::ALL.len()],
        set: vec![false; Role::ALL.len()],
    };
    for layer in layers {
        for (role, raw) in &layer.raw.styles {
            let index = role.index();
            let previous = resolved.styles[index];
            let mut lookup = |field: &str, colour: &Option<RawColour>, inherited: Option<Color>| {
                let colour = colour.as_ref()?;
                let found = match colour {
                    RawColour::Literal(colour) => Some(*colour),
                    RawColour::Name { text, .. } => palette
                        .get(text.as_str())
                        .copied()
                        .or_else(|| colour::parse_colour(text)),
                };
                if found.is_none()
                    && let RawColour::Name { text, span } = colour
                {
                    problems.push(ConfigProblem::at_span(
                        Severity::Warning,
                        &layer.path,
                        &layer.source,
                        Some(span.clone()),
                        format!(
                            "unknown colour `{text}` for `{}.{field}`: {COLOUR_FORMS}",
                            role.name()
                        ),
                    ));
                }
                found.or(inherited)
            };
            let fg = lookup("fg", &raw.fg, previous.fg);
            let bg = lookup("bg", &raw.bg, previous.bg);
            let mut style = Style::new().add_modifier(raw.modifiers);
            style.fg = fg;
            style.bg = bg;
            resolved.styles[index] = style;
            resolved.set[index] = true;
        }
    }
    resolved
}
