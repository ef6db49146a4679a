//! Reading a keymap file: TOML with one table per section, located problems for every
//! mistake.
//!
//! ```toml
//! [dashboard]
//! j = { action = "down", desc = "Move down" }
//! "<Down>" = "down"        # the action's own description is used
//! x = "none"               # removes the built-in binding of `x`
//! ```
//!
//! A bad entry is reported and skipped; the rest of the file still applies.

use std::ops::Range;
use std::path::Path;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::key::KeySeq;
use super::section::Section;
use crate::config::{ConfigProblem, Severity};
use crate::tui::action::Action;

/// The action name that removes a binding.
pub const UNBIND: &str = "none";

/// One entry of a keymap file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawBinding {
    pub keys: KeySeq,
    /// `None` removes the binding (`"none"`).
    pub action: Option<Action>,
    pub desc: Option<String>,
}

/// A whole file: bindings per section, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawKeymap {
    pub sections: Vec<(Section, Vec<RawBinding>)>,
}

impl RawKeymap {
    /// The bindings of `section` (empty when the file has none).
    pub fn section(&self, section: Section) -> &[RawBinding] {
        self.sections
            .iter()
            .find(|(s, _)| *s == section)
            .map_or(&[], |(_, bindings)| bindings.as_slice())
    }
}

/// Parses `source` (the contents of `path`) into bindings and the problems found on the way.
pub fn parse(path: &Path, source: &str) -> (RawKeymap, Vec<ConfigProblem>) {
    let mut reader = Reader {
        path,
        source,
        problems: Vec::new(),
    };
    let document = match DeTable::parse(source) {
        Ok(document) => document,
        Err(error) => {
            let problem = ConfigProblem::from_toml(path, source, &error);
            return (RawKeymap::default(), vec![problem]);
        }
    };
    let mut tables: Vec<_> = document.get_ref().iter().collect();
    tables.sort_by_key(|(name, _)| name.span().start);
    let mut keymap = RawKeymap::default();
    for (name, value) in tables {
        let Some(section) = Section::from_name(name.get_ref()) else {
            reader.error(
                name.span(),
                format!(
                    "unknown section `{}` (sections: {})",
                    name.get_ref(),
                    Section::names()
                ),
            );
            continue;
        };
        let DeValue::Table(table) = value.get_ref() else {
            reader.error(value.span(), format!("`{section}` must be a table of keys"));
            continue;
        };
        let bindings = reader.section(section, table);
        keymap.sections.push((section, bindings));
    }
    (keymap, reader.problems)
}

struct Reader<'a> {
    path: &'a Path,
    source: &'a str,
    problems: Vec<ConfigProblem>,
}

impl Reader<'_> {
    fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.problems.push(ConfigProblem::at_span(
            Severity::Error,
            self.path,
            self.source,
            Some(span),
            message,
        ));
    }

    fn section(&mut self, section: Section, table: &DeTable<'_>) -> Vec<RawBinding> {
        let mut entries: Vec<_> = table.iter().collect();
        entries.sort_by_key(|(key, _)| key.span().start);
        let mut bindings: Vec<RawBinding> = Vec::new();
        for (key, value) in entries {
            let keys = match KeySeq::parse(key.get_ref()) {
                Ok(keys) => keys,
                Err(message) => {
                    self.error(key.span(), format!("[{section}] {message}"));
                    continue;
                }
            };
            if let Some(other) = bindings.iter().find(|b| b.keys == keys) {
                let message = format!(
                    "[{section}] `{keys}` is bound twice (also as `{}`)",
                    other.keys
                );
                self.error(key.span(), message);
                continue;
            }
            if let Some(other) = bindings.iter().find(|b| b.keys.conflicts_with(&keys)) {
                let message = format!(
                    "[{section}] `{keys}` and `{}` conflict: one is the start of the other",
                    other.keys
                );
                self.error(key.span(), message);
                continue;
            }
            if let Some((action, desc)) = self.binding(section, value) {
                bindings.push(RawBinding { keys, action, desc });
            }
        }
        bindings
    }

    /// Reads `"action"` or `{ action = "…", desc = "…" }`.
    fn binding(
        &mut self,
        section: Section,
        value: &Spanned<DeValue<'_>>,
    ) -> Option<(Option<Action>, Option<String>)> {
        match value.get_ref() {
            DeValue::String(name) => Some((self.action(name, value.span())?, None)),
            DeValue::Table(table) => {
                let mut action = None;
                let mut desc = None;
                for (field, field_value) in table.iter() {
                    match (field.get_ref().as_ref(), field_value.get_ref()) {
                        ("action", DeValue::String(name)) => {
                            action = Some(self.action(name, field_value.span())?);
                        }
                        ("desc", DeValue::String(text)) => desc = Some(text.to_string()),
                        ("action" | "desc", other) => {
                            let message = format!(
                                "[{section}] `{}` must be a string, not {}",
                                field.get_ref(),
                                other.type_str()
                            );
                            self.error(field_value.span(), message);
                            return None;
                        }
                        (other, _) => {
                            let message = format!(
                                "[{section}] unknown field `{other}` (expected `action` and `desc`)"
                            );
                            self.error(field.span(), message);
                            return None;
                        }
                    }
                }
                match action {
                    Some(action) => Some((action, desc)),
                    None => {
                        self.error(value.span(), format!("[{section}] missing `action`"));
                        None
                    }
                }
            }
            other => {
                let message = format!(
                    "[{section}] a binding is an action name or {{ action = \"…\", desc = \"…\" }}, not {}",
                    other.type_str()
                );
                self.error(value.span(), message);
                None
            }
        }
    }

    /// `Some(None)` for "none", `Some(Some(action))` for a known action, `None` (reported)
    /// otherwise.
    fn action(&mut self, name: &str, span: Range<usize>) -> Option<Option<Action>> {
        if name == UNBIND {
            return Some(None);
        }
        match Action::from_name(name) {
            Some(action) => Some(Some(action)),
            None => {
                let message = match closest_action(name) {
                    Some(guess) => format!("unknown action `{name}` (did you mean `{guess}`?)"),
                    None => format!("unknown action `{name}`"),
                };
                self.error(span, message);
                None
            }
        }
    }
}

/// The action whose name shares the longest prefix with `name`, when it shares at least 3.
fn closest_action(name: &str) -> Option<&'static str> {
    Action::ALL
        .iter()
        .map(|a| a.name())
        .map(|known| {
            let shared = known
                .bytes()
                .zip(name.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            (shared, known)
        })
        .filter(|(shared, _)| *shared >= 3)
        .max_by_key(|(shared, _)| *shared)
        .map(|(_, known)| known)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(source: &str) -> (RawKeymap, Vec<ConfigProblem>) {
        parse(Path::new("/k/mine.toml"), source)
    }

    #[test]
    fn both_forms_and_unbinding_are_read_in_file_order() {
        let (keymap, problems) = parse_str(
            "[dashboard]\nz = \"down\"\na = { action = \"up\", desc = \"Go up\" }\nx = \"none\"\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        let bindings = keymap.section(Section::Dashboard);
        let summary: Vec<_> = bindings
            .iter()
            .map(|b| (b.keys.to_string(), b.action, b.desc.clone()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("z".into(), Some(Action::Down), None),
                ("a".into(), Some(Action::Up), Some("Go up".into())),
                ("x".into(), None, None),
            ]
        );
    }

    #[test]
    fn mistakes_are_located_and_the_rest_is_kept() {
        let source = "[global]\nq = \"quitt\"\n\"<Upp>\" = \"up\"\nk = { action = \"up\", colour = 1 }\n\
                      \"<Down>\" = \"down\"\n\"<down>\" = \"down\"\ng = \"top\"\n\"g g\" = \"top\"\n\
                      [sidebar]\nj = \"down\"\n";
        let (keymap, problems) = parse_str(source);
        let found: Vec<_> = problems
            .iter()
            .map(|p| (p.line, p.column, p.message.clone()))
            .collect();
        let expect = [
            (2, 5, "unknown action `quitt` (did you mean `quit`?)"),
            (3, 1, "[global] unknown key name `Upp` in `<Upp>`"),
            (4, 22, "[global] unknown field `colour`"),
            (6, 1, "[global] `<Down>` is bound twice"),
            (8, 1, "[global] `g g` and `g` conflict"),
            (9, 2, "unknown section `sidebar`"),
        ];
        assert_eq!(found.len(), expect.len(), "{found:#?}");
        for ((line, column, message), (el, ec, em)) in found.iter().zip(expect) {
            assert_eq!((*line, *column), (el, ec), "{message}");
            assert!(message.starts_with(em), "{message} should start with {em}");
        }
        let kept: Vec<_> = keymap
            .section(Section::Global)
            .iter()
            .map(|b| b.keys.to_string())
            .collect();
        assert_eq!(kept, vec!["<Down>", "g"]);
    }

    #[test]
    fn syntax_errors_are_located() {
        let (keymap, problems) = parse_str("[global]\nq = \n");
        assert_eq!(keymap, RawKeymap::default());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 2, "{}", problems[0]);
    }

    #[test]
    fn wrong_value_types_are_reported() {
        let (_, problems) = parse_str("global = 3\n[help]\nq = 1\nj = { desc = \"x\" }\n");
        let messages: Vec<_> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].contains("must be a table"));
        assert!(messages[1].contains("not integer"));
        assert!(messages[2].contains("missing `action`"));
    }
}
