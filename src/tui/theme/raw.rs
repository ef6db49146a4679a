//! One theme file as written: every field optional, colours still unresolved names.
//!
//! The file is parsed into a span-carrying TOML tree ([`DeTable`]) and walked by hand, so that
//! every problem points at its key or value and one bad entry never costs the rest of the
//! file: an unknown key, an unknown role, a bad colour or modifier is a warning and the entry
//! is skipped. Only a TOML syntax error rejects the whole file.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use ratatui::style::{Color, Modifier};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::Role;
use super::colour::{self, COLOUR_FORMS};
use crate::config::{ConfigProblem, Severity};

/// A theme file after parsing, before inheritance and palette lookups.
#[derive(Debug, Default)]
pub struct RawTheme {
    /// The parent theme's name and where it is written.
    pub inherits: Option<(String, Range<usize>)>,
    /// Named colours, already parsed (palette entries must be literal colours).
    pub palette: BTreeMap<String, Color>,
    /// The roles this file sets; a role set here replaces the parent's style for it.
    pub styles: BTreeMap<Role, RawStyle>,
}

/// One role's style as written.
#[derive(Debug, Default)]
pub struct RawStyle {
    pub fg: Option<RawColour>,
    pub bg: Option<RawColour>,
    pub modifiers: Modifier,
}

/// A colour as written: an integer index, or a string that is a palette name or a literal.
#[derive(Debug)]
pub enum RawColour {
    Literal(Color),
    /// Looked up in the palette first, then parsed as a literal colour.
    Name {
        text: String,
        span: Range<usize>,
    },
}

/// Parses theme file `path` with contents `source`. `None` when it is not valid TOML (one
/// error); otherwise the usable entries and a warning for each skipped one.
pub fn parse(path: &Path, source: &str) -> (Option<RawTheme>, Vec<ConfigProblem>) {
    let table = match DeTable::parse(source) {
        Ok(table) => table,
        Err(error) => return (None, vec![ConfigProblem::from_toml(path, source, &error)]),
    };
    let mut walker = Walker {
        path,
        source,
        problems: Vec::new(),
    };
    let theme = walker.theme(table.get_ref());
    let mut problems = walker.problems;
    problems.sort_by_key(|p| (p.line, p.column));
    (Some(theme), problems)
}

type Entry<'a> = (
    &'a Spanned<toml::de::DeString<'a>>,
    &'a Spanned<DeValue<'a>>,
);

struct Walker<'a> {
    path: &'a Path,
    source: &'a str,
    problems: Vec<ConfigProblem>,
}

impl Walker<'_> {
    fn warn(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.problems.push(ConfigProblem::at_span(
            Severity::Warning,
            self.path,
            self.source,
            Some(span),
            message,
        ));
    }

    fn theme(&mut self, table: &DeTable<'_>) -> RawTheme {
        let mut theme = RawTheme::default();
        for (key, value) in table.iter() {
            match key.get_ref().as_ref() {
                "inherits" => match value.get_ref().as_str() {
                    Some(name) => theme.inherits = Some((name.to_owned(), value.span())),
                    None => self.warn(value.span(), "`inherits` must be a theme name (a string)"),
                },
                "palette" => match value.get_ref().as_table() {
                    Some(palette) => self.palette(palette, &mut theme.palette),
                    None => self.warn(value.span(), "`palette` must be a table of named colours"),
                },
                "styles" => match value.get_ref().as_table() {
                    Some(styles) => {
                        for entry in styles.iter() {
                            self.style_entry(None, entry, &mut theme.styles);
                        }
                    }
                    None => self.warn(value.span(), "`styles` must be a table of roles"),
                },
                other => self.warn(
                    key.span(),
                    format!(
                        "unknown key `{other}`; a theme has `inherits`, `[palette]` and `[styles]`"
                    ),
                ),
            }
        }
        theme
    }

    fn palette(&mut self, table: &DeTable<'_>, out: &mut BTreeMap<String, Color>) {
        for (key, value) in table.iter() {
            let name = key.get_ref().as_ref();
            let colour = match value.get_ref() {
                DeValue::String(text) => colour::parse_colour(text),
                DeValue::Integer(int) => integer(int).and_then(colour::indexed),
                _ => None,
            };
            match colour {
                Some(colour) => {
                    out.insert(name.to_owned(), colour);
                }
                None => self.warn(
                    value.span(),
                    format!(
                        "bad colour for palette entry `{name}`: expected \"#rrggbb\", an ANSI name such as \"red\", \"0\"–\"255\" or \"default\""
                    ),
                ),
            }
        }
    }

    /// One key under `[styles]` (or under a role prefix such as `chart`): a role, a prefix of
    /// roles holding a table, or a style field of the role `parent`.
    fn style_entry(
        &mut self,
        parent: Option<&str>,
        (key, value): Entry<'_>,
        out: &mut BTreeMap<Role, RawStyle>,
    ) {
        let key_text = key.get_ref().as_ref();
        let name = match parent {
            Some(parent) => format!("{parent}.{key_text}"),
            None => key_text.to_owned(),
        };
        let role = Role::from_name(&name);
        match (value.get_ref(), role) {
            (DeValue::Table(table), _) if role.is_some() || is_role_prefix(&name) => {
                self.style_table(&name, role, table, out);
            }
            (DeValue::String(_) | DeValue::Integer(_), Some(role)) => {
                let fg = self.colour(&name, "fg", value);
                out.insert(
                    role,
                    RawStyle {
                        fg,
                        ..RawStyle::default()
                    },
                );
            }
            (_, Some(role)) => self.warn(
                value.span(),
                format!(
                    "the style of `{}` must be a colour or a table {{ fg, bg, modifiers }}",
                    role.name()
                ),
            ),
            (_, None) => {
                let message = match parent.filter(|p| Role::from_name(p).is_some()) {
                    Some(parent) => format!(
                        "unknown key `{key_text}` in the style of `{parent}`: expected fg, bg or modifiers"
                    ),
                    None => format!("unknown role `{name}`{}", suggestion(&name)),
                };
                self.warn(key.span(), message);
            }
        }
    }

    /// A table under a role or role prefix: `fg`/`bg`/`modifiers` fields of the role, and roles
    /// below it (`border = { fg = "x" }` with `border.focused = "y"` in dotted form).
    fn style_table(
        &mut self,
        name: &str,
        role: Option<Role>,
        table: &DeTable<'_>,
        out: &mut BTreeMap<Role, RawStyle>,
    ) {
        let mut style = RawStyle::default();
        let mut fields = 0;
        for entry @ (key, value) in table.iter() {
            match (key.get_ref().as_ref(), role) {
                ("fg", Some(_)) => {
                    style.fg = self.colour(name, "fg", value);
                    fields += 1;
                }
                ("bg", Some(_)) => {
                    style.bg = self.colour(name, "bg", value);
                    fields += 1;
                }
                ("modifiers", Some(_)) => {
                    style.modifiers = self.modifiers(name, value);
                    fields += 1;
                }
                _ => self.style_entry(Some(name), entry, out),
            }
        }
        if let Some(role) = role
            && (fields > 0 || table.is_empty())
        {
            out.insert(role, style);
        }
    }

    fn colour(
        &mut self,
        role: &str,
        field: &str,
        value: &Spanned<DeValue<'_>>,
    ) -> Option<RawColour> {
        match value.get_ref() {
            DeValue::String(text) => Some(RawColour::Name {
                text: text.to_string(),
                span: value.span(),
            }),
            DeValue::Integer(int) => match integer(int).and_then(colour::indexed) {
                Some(colour) => Some(RawColour::Literal(colour)),
                None => {
                    self.warn(
                        value.span(),
                        format!("bad colour for `{role}.{field}`: a colour index is 0–255"),
                    );
                    None
                }
            },
            _ => {
                self.warn(
                    value.span(),
                    format!("bad colour for `{role}.{field}`: {COLOUR_FORMS}"),
                );
                None
            }
        }
    }

    fn modifiers(&mut self, role: &str, value: &Spanned<DeValue<'_>>) -> Modifier {
        let items: Vec<&Spanned<DeValue<'_>>> = match value.get_ref() {
            DeValue::Array(items) => items.iter().collect(),
            DeValue::String(_) => vec![value],
            _ => {
                self.warn(
                    value.span(),
                    format!("`{role}.modifiers` must be a list such as [\"bold\", \"reversed\"]"),
                );
                return Modifier::empty();
            }
        };
        let mut modifiers = Modifier::empty();
        for item in items {
            let text = item.get_ref().as_str();
            match text.and_then(colour::parse_modifier) {
                Some(modifier) => modifiers |= modifier,
                None => self.warn(
                    item.span(),
                    format!(
                        "unknown modifier {} in `{role}.modifiers`: expected one of {}",
                        text.map_or_else(|| "value".to_owned(), |t| format!("`{t}`")),
                        colour::modifier_names()
                    ),
                ),
            }
        }
        modifiers
    }
}

fn integer(int: &toml::de::DeInteger<'_>) -> Option<i64> {
    i64::from_str_radix(int.as_str(), int.radix()).ok()
}

/// Whether some role's name starts with `name.` (`chart` for `chart.cpu`).
fn is_role_prefix(name: &str) -> bool {
    Role::ALL.iter().any(|role| {
        role.name()
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// `"; did you mean `x`?"` for the closest role name, when one is close.
fn suggestion(name: &str) -> String {
    Role::ALL
        .iter()
        .map(|role| (edit_distance(name, role.name()), role.name()))
        .filter(|(distance, _)| *distance <= (name.len() / 3).max(2))
        .min()
        .map_or_else(String::new, |(_, best)| format!("; did you mean `{best}`?"))
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(source: &str) -> (RawTheme, Vec<ConfigProblem>) {
        let (theme, problems) = parse(Path::new("t.toml"), source);
        (theme.unwrap(), problems)
    }

    #[test]
    fn quoted_dotted_and_nested_role_names_all_work() {
        let (theme, problems) = parse_ok(
            "[styles]\n\"border.focused\" = \"red\"\ntext.muted = \"blue\"\n[styles.chart]\ncpu = { fg = \"green\", modifiers = [\"bold\"] }\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert!(theme.styles.contains_key(&Role::BorderFocused));
        assert!(theme.styles.contains_key(&Role::TextMuted));
        assert_eq!(theme.styles[&Role::ChartCpu].modifiers, Modifier::BOLD);
    }

    #[test]
    fn a_role_table_with_only_sub_roles_does_not_set_the_role() {
        let (theme, _) = parse_ok("[styles.border]\nfocused = \"red\"\n");
        assert!(!theme.styles.contains_key(&Role::Border));
        let (theme, _) = parse_ok("[styles]\nborder = {}\n");
        assert!(theme.styles.contains_key(&Role::Border));
    }

    #[test]
    fn unknown_roles_are_located_warnings_with_a_suggestion() {
        let (theme, problems) =
            parse_ok("[styles]\ntext = \"red\"\n\"border.focussed\" = \"red\"\n");
        assert!(theme.styles.contains_key(&Role::Text));
        assert_eq!(problems.len(), 1);
        assert_eq!((problems[0].line, problems[0].column), (3, 1));
        assert_eq!(problems[0].severity, Severity::Warning);
        assert!(
            problems[0]
                .message
                .contains("unknown role `border.focussed`; did you mean `border.focused`?"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn bad_fields_modifiers_and_top_level_keys_are_warnings() {
        let (_, problems) = parse_ok(
            "inherit = \"dark\"\n[styles]\nborder = { fgg = \"red\" }\ntitle = { modifiers = [\"bold\", \"blink\"] }\nselection = true\n",
        );
        let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 4, "{messages:#?}");
        assert!(messages[0].contains("t.toml:1:1: unknown key `inherit`"));
        assert!(messages[1].contains("3:12: unknown key `fgg` in the style of `border`"));
        assert!(
            messages[2].contains("4:32: unknown modifier `blink` in `title.modifiers`"),
            "{}",
            messages[2]
        );
        assert!(messages[3].contains("5:13: the style of `selection` must be"));
    }

    #[test]
    fn palette_entries_must_be_literal_colours() {
        let (theme, problems) = parse_ok("[palette]\nok = \"#ffffff\"\nidx = 42\nbad = \"nope\"\n");
        assert_eq!(theme.palette["ok"], Color::Rgb(255, 255, 255));
        assert_eq!(theme.palette["idx"], Color::Indexed(42));
        assert_eq!(problems.len(), 1);
        assert_eq!((problems[0].line, problems[0].column), (4, 7));
    }

    #[test]
    fn syntax_errors_reject_the_file() {
        let (theme, problems) = parse(Path::new("t.toml"), "[styles\n");
        assert!(theme.is_none());
        assert_eq!(problems.len(), 1);
        assert!(problems[0].is_error());
        assert_eq!(problems[0].line, 1);
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
