//! Themes: semantic roles resolved to concrete styles once, at load time.
//!
//! Views call [`Theme::style`] with a [`Role`]; they never name a colour. Themes are TOML
//! files: the built-ins in `themes/` are embedded in the binary ([`builtin`]), and the user's
//! `$XDG_CONFIG_HOME/station/themes/NAME.toml` overlay or extend them:
//!
//! ```toml
//! inherits = "dark"                 # optional; see chain.rs for the rules
//!
//! [palette]                         # optional named colours
//! accent = "#d08770"
//!
//! [styles]                          # role = colour, or role = { fg, bg, modifiers }
//! "border.focused" = { fg = "accent", modifiers = ["bold"] }
//! "chart.cpu" = "bright-blue"
//! ```
//!
//! Loading goes raw → resolved: [`raw`] parses each file into all-optional values with
//! located warnings, [`chain`] follows `inherits`, [`resolve`] merges palettes and styles into
//! one `Style` per role, and [`no_color`] applies `NO_COLOR`.

mod builtin;
mod chain;
mod colour;
mod no_color;
mod raw;
mod resolve;
mod role;
#[cfg(test)]
mod tests;

pub use no_color::no_color_requested;
pub use role::Role;

use std::path::{Path, PathBuf};

use ratatui::style::Style;

use crate::config::{ConfigProblem, Paths, Severity};

/// A resolved theme: one concrete style per role.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// The name of the theme in use (the fallback's name when the requested one was unusable).
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

    /// The style of `role`.
    pub fn style(&self, role: Role) -> Style {
        self.styles.get(role.index()).copied().unwrap_or_default()
    }
}

/// A loaded theme with everything `station config check` reports about it.
#[derive(Debug, Clone)]
pub struct Report {
    pub theme: Theme,
    /// Problems in the files read, in the order met.
    pub problems: Vec<ConfigProblem>,
    /// The files the theme was built from, root first (built-ins as `<built-in>/themes/…`).
    pub files: Vec<PathBuf>,
}

/// Loads theme `name` (a built-in, or `themes/NAME.toml` from the user's config folder).
/// `no_color` strips every colour and keeps modifiers (the `NO_COLOR` convention). Problems in
/// user files are returned; the theme is then the built-in default for what could not be read.
pub fn load(paths: &Paths, name: &str, no_color: bool) -> (Theme, Vec<ConfigProblem>) {
    let report = load_report(paths, name, no_color);
    (report.theme, report.problems)
}

/// [`load`], also saying which files were read.
pub fn load_report(paths: &Paths, name: &str, no_color: bool) -> Report {
    load_from(Some(&paths.themes_dir()), name, no_color)
}

/// Every theme name the user can select: the built-ins and the files in `themes/`, sorted.
pub fn available(paths: &Paths) -> Vec<String> {
    chain::available(Some(&paths.themes_dir()))
}

/// Whether `name` is a built-in theme or a file in the user's `themes/` folder.
pub fn exists(paths: &Paths, name: &str) -> bool {
    chain::exists(Some(&paths.themes_dir()), name)
}

/// The message for a theme name that does not exist, listing the ones that do.
pub fn unknown_theme_message(paths: &Paths, name: &str) -> String {
    unknown_message(&chain::available(Some(&paths.themes_dir())), name)
}

/// Loads every built-in theme without user files and reports anything short of perfect: any
/// warning, and any role a built-in leaves unset. This is the CI check of bundled themes.
pub fn check_builtin() -> Vec<(String, Vec<ConfigProblem>)> {
    builtin::BUILTIN
        .iter()
        .map(|(name, _)| {
            let mut problems = Vec::new();
            let set = match chain::build(None, name) {
                Some(mut chain) => {
                    let resolved = resolve::resolve(&chain.layers, &mut chain.problems);
                    problems = chain.problems;
                    resolved.set
                }
                None => vec![false; Role::ALL.len()],
            };
            for role in Role::ALL.iter().filter(|role| !set[role.index()]) {
                problems.push(ConfigProblem::whole_file(
                    Severity::Warning,
                    &builtin::path(name),
                    format!("role `{}` is not set", role.name()),
                ));
            }
            ((*name).to_owned(), problems)
        })
        .collect()
}

fn load_from(user_dir: Option<&Path>, name: &str, no_color: bool) -> Report {
    let Some(mut chain) = chain::build(user_dir, name) else {
        let path = match user_dir {
            Some(dir) => dir.join(format!("{name}.toml")),
            None => builtin::path(name),
        };
        let problem = ConfigProblem::whole_file(
            Severity::Error,
            &path,
            unknown_message(&chain::available(user_dir), name),
        );
        let mut report = load_from(None, builtin::DEFAULT, no_color);
        report.problems.insert(0, problem);
        return report;
    };
    let resolved = resolve::resolve(&chain.layers, &mut chain.problems);
    let styles = Role::ALL
        .iter()
        .map(|role| {
            let style = resolved.styles[role.index()];
            if no_color {
                no_color::strip(*role, style)
            } else {
                style
            }
        })
        .collect();
    let name = chain
        .layers
        .last()
        .map_or_else(|| builtin::DEFAULT.to_owned(), |layer| layer.name.clone());
    Report {
        theme: Theme { name, styles },
        problems: in_file_order(chain.problems),
        files: chain.layers.into_iter().map(|layer| layer.path).collect(),
    }
}

/// Groups `problems` by file (in the order the files were met) and sorts each file's
/// problems by position.
fn in_file_order(mut problems: Vec<ConfigProblem>) -> Vec<ConfigProblem> {
    let mut files: Vec<PathBuf> = Vec::new();
    for problem in &problems {
        if !files.contains(&problem.path) {
            files.push(problem.path.clone());
        }
    }
    problems.sort_by_key(|p| {
        let file = files.iter().position(|f| *f == p.path);
        (file, p.line, p.column)
    });
    problems
}

fn unknown_message(available: &[String], name: &str) -> String {
    format!(
        "unknown theme `{name}`: no built-in theme and no file of that name; available: {}",
        available.join(", ")
    )
}
