//! Tests of theme loading as a whole: built-ins, user files, inheritance, NO_COLOR.

use std::fs;

use ratatui::style::{Color, Modifier, Style};

use super::*;

/// A user config folder in a temporary directory, with some theme files.
struct UserDir {
    _tmp: tempfile::TempDir,
    paths: Paths,
}

impl UserDir {
    fn new(themes: &[(&str, &str)]) -> UserDir {
        let tmp = tempfile::tempdir().unwrap();
        let paths = Paths {
            config_dir: tmp.path().join("config"),
            state_dir: tmp.path().join("state"),
            runtime_dir: tmp.path().join("run"),
        };
        fs::create_dir_all(paths.themes_dir()).unwrap();
        for (name, source) in themes {
            fs::write(paths.themes_dir().join(format!("{name}.toml")), source).unwrap();
        }
        UserDir { _tmp: tmp, paths }
    }

    fn load(&self, name: &str) -> (Theme, Vec<ConfigProblem>) {
        load(&self.paths, name, false)
    }
}

fn builtin(name: &str) -> Theme {
    let (theme, problems) = UserDir::new(&[]).load(name);
    assert!(problems.is_empty(), "{problems:?}");
    theme
}

fn messages(problems: &[ConfigProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_builtin_resolves_every_role_with_no_problem() {
    for (name, problems) in check_builtin() {
        assert!(problems.is_empty(), "{name}:\n{}", messages(&problems));
    }
    assert_eq!(
        builtin::BUILTIN.map(|(name, _)| name),
        ["dark", "light", "basic"]
    );
}

#[test]
fn builtins_have_their_own_name_and_distinct_looks() {
    let dark = builtin("dark");
    let light = builtin("light");
    assert_eq!(dark.name, "dark");
    assert_eq!(light.name, "light");
    assert_ne!(dark.style(Role::Text), light.style(Role::Text));
    assert_ne!(dark.style(Role::Border), dark.style(Role::BorderFocused));
    let gauges = [Role::GaugeOk, Role::GaugeWarn, Role::GaugeCrit].map(|r| dark.style(r).fg);
    assert!(gauges[0] != gauges[1] && gauges[1] != gauges[2] && gauges[0] != gauges[2]);
    for (a, b) in [
        (Role::ChartNetRx, Role::ChartNetTx),
        (Role::ChartDiskRead, Role::ChartDiskWrite),
        (Role::ChartGpuUtil, Role::ChartGpuMemory),
        (Role::ChartMemory, Role::ChartSwap),
    ] {
        assert_ne!(dark.style(a).fg, dark.style(b).fg, "{a:?} vs {b:?}");
    }
}

#[test]
fn basic_uses_only_the_16_ansi_colours() {
    let basic = builtin("basic");
    for role in Role::ALL {
        let style = basic.style(role);
        for colour in [style.fg, style.bg].into_iter().flatten() {
            assert!(colour::is_ansi16(colour), "{role:?} uses {colour:?}");
        }
    }
}

#[test]
fn shorthand_string_is_the_foreground() {
    let dir = UserDir::new(&[("mine", "[styles]\n\"chart.cpu\" = \"#102030\"\n")]);
    let (theme, problems) = dir.load("mine");
    assert!(problems.is_empty(), "{}", messages(&problems));
    assert_eq!(
        theme.style(Role::ChartCpu),
        Style::new().fg(Color::Rgb(16, 32, 48))
    );
}

#[test]
fn a_new_theme_inherits_dark_by_default_and_what_inherits_says() {
    let dir = UserDir::new(&[
        ("mine", "[styles]\n\"chart.cpu\" = \"red\"\n"),
        (
            "pale",
            "inherits = \"light\"\n[styles]\n\"chart.cpu\" = \"red\"\n",
        ),
    ]);
    let (dark, light) = (builtin("dark"), builtin("light"));
    let (mine, _) = dir.load("mine");
    let (pale, _) = dir.load("pale");
    assert_eq!(mine.name, "mine");
    assert_eq!(mine.style(Role::ChartCpu).fg, Some(Color::Red));
    assert_eq!(mine.style(Role::Border), dark.style(Role::Border));
    assert_eq!(pale.style(Role::ChartCpu).fg, Some(Color::Red));
    assert_eq!(pale.style(Role::Border), light.style(Role::Border));
}

#[test]
fn a_user_file_with_a_builtin_name_overlays_it() {
    let dir = UserDir::new(&[("light", "[styles]\n\"border\" = { fg = \"blue\" }\n")]);
    let (theme, problems) = dir.load("light");
    assert!(problems.is_empty(), "{}", messages(&problems));
    assert_eq!(theme.style(Role::Border), Style::new().fg(Color::Blue));
    assert_eq!(
        theme.style(Role::Title),
        builtin("light").style(Role::Title)
    );
}

#[test]
fn a_child_palette_recolours_the_parents_styles() {
    let dir = UserDir::new(&[("warm", "[palette]\naccent = \"#ff8800\"\n")]);
    let (theme, problems) = dir.load("warm");
    assert!(problems.is_empty(), "{}", messages(&problems));
    let orange = Some(Color::Rgb(0xff, 0x88, 0x00));
    assert_eq!(theme.style(Role::BorderFocused).fg, orange);
    assert_eq!(theme.style(Role::ChartCpu).fg, orange);
    assert_eq!(
        theme.style(Role::BorderFocused).add_modifier,
        builtin("dark").style(Role::BorderFocused).add_modifier
    );
}

#[test]
fn no_color_strips_colours_and_keeps_focus_and_selection_visible() {
    let dir = UserDir::new(&[]);
    for name in ["dark", "light", "basic"] {
        let (theme, problems) = load(&dir.paths, name, true);
        assert!(problems.is_empty());
        for role in Role::ALL {
            let style = theme.style(role);
            assert_eq!((style.fg, style.bg), (None, None), "{name} {role:?}");
        }
        assert!(
            theme
                .style(Role::BorderFocused)
                .add_modifier
                .contains(Modifier::BOLD)
        );
        assert!(
            theme
                .style(Role::Selection)
                .add_modifier
                .contains(Modifier::REVERSED)
        );
        assert_ne!(theme.style(Role::Border), theme.style(Role::BorderFocused));
    }
    let (theme, _) = load(&dir.paths, "dark", true);
    let colourful = builtin("dark");
    for role in Role::ALL {
        let kept = colourful.style(role).add_modifier;
        assert!(theme.style(role).add_modifier.contains(kept), "{role:?}");
    }
}

#[test]
fn bad_colours_and_unknown_roles_are_located_warnings_and_the_rest_loads() {
    let source = "[styles]\n\"chart.cpu\" = \"red\"\n\"border\" = { fg = \"not-a-colour\" }\n\"bordr\" = \"blue\"\n";
    let dir = UserDir::new(&[("mine", source)]);
    let (theme, problems) = dir.load("mine");
    assert_eq!(problems.len(), 2, "{}", messages(&problems));
    assert!(problems.iter().all(|p| p.severity == Severity::Warning));
    let path = dir.paths.themes_dir().join("mine.toml");
    let text = messages(&problems);
    assert!(
        text.contains(&format!(
            "{}:4:1: unknown role `bordr`; did you mean `border`?",
            path.display()
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{}:3:19: unknown colour `not-a-colour` for `border.fg`",
            path.display()
        )),
        "{text}"
    );
    assert_eq!(theme.style(Role::ChartCpu).fg, Some(Color::Red));
    assert_eq!(
        theme.style(Role::Border).fg,
        builtin("dark").style(Role::Border).fg
    );
}

#[test]
fn a_syntax_error_is_an_error_and_the_builtin_default_is_used() {
    let dir = UserDir::new(&[("mine", "[styles\n")]);
    let (theme, problems) = dir.load("mine");
    assert_eq!(problems.len(), 1);
    assert!(problems[0].is_error());
    assert_eq!(problems[0].line, 1);
    assert_eq!(theme, builtin("dark"));
}

#[test]
fn a_broken_overlay_falls_back_to_the_builtin_of_that_name() {
    let dir = UserDir::new(&[("light", "styles = [\n")]);
    let (theme, problems) = dir.load("light");
    assert!(problems[0].is_error());
    assert_eq!(theme, builtin("light"));
}

#[test]
fn an_unknown_theme_is_an_error_listing_the_available_ones() {
    let dir = UserDir::new(&[("mine", "")]);
    let (theme, problems) = dir.load("nope");
    assert_eq!(problems.len(), 1);
    assert!(problems[0].is_error());
    assert!(
        problems[0]
            .message
            .contains("unknown theme `nope`: no built-in theme and no file of that name; available: basic, dark, light, mine"),
        "{}",
        problems[0]
    );
    assert_eq!(theme, builtin("dark"));
    assert!(!exists(&dir.paths, "nope"));
    assert!(!exists(&dir.paths, "../config/themes/mine"));
    assert!(exists(&dir.paths, "mine"));
}

#[test]
fn inheritance_cycles_and_unknown_parents_are_warnings() {
    let dir = UserDir::new(&[
        ("self", "inherits = \"self\"\n"),
        ("a", "inherits = \"b\"\n[styles]\ntitle = \"red\"\n"),
        ("b", "inherits = \"a\"\n"),
        ("orphan", "# comment\ninherits = \"nobody\"\n"),
    ]);
    let (_, problems) = dir.load("self");
    assert_eq!(problems.len(), 1, "{}", messages(&problems));
    assert_eq!((problems[0].line, problems[0].column), (1, 12));
    assert!(
        problems[0]
            .message
            .starts_with("inheritance cycle: self → self"),
        "{}",
        problems[0]
    );

    let (theme, problems) = dir.load("a");
    assert_eq!(problems.len(), 1, "{}", messages(&problems));
    assert!(
        problems[0]
            .message
            .starts_with("inheritance cycle: a → b → a")
    );
    assert!(problems[0].path.ends_with("b.toml"));
    assert_eq!(theme.style(Role::Title).fg, Some(Color::Red));

    let (theme, problems) = dir.load("orphan");
    assert_eq!(problems.len(), 1);
    assert_eq!((problems[0].line, problems[0].column), (2, 12));
    assert!(problems[0].message.starts_with(
        "unknown parent theme `nobody` (available: a, b, basic, dark, light, orphan, self)"
    ));
    assert_eq!(
        theme.style(Role::Border),
        builtin("dark").style(Role::Border)
    );
}

#[test]
fn an_overlay_may_name_its_builtin_as_parent() {
    let dir = UserDir::new(&[("dark", "inherits = \"dark\"\n[styles]\ntitle = \"red\"\n")]);
    let (theme, problems) = dir.load("dark");
    assert!(problems.is_empty(), "{}", messages(&problems));
    assert_eq!(theme.style(Role::Title).fg, Some(Color::Red));
}

#[test]
fn load_report_lists_the_files_root_first() {
    let dir = UserDir::new(&[("mine", "inherits = \"light\"\n")]);
    let report = load_report(&dir.paths, "mine", false);
    assert_eq!(
        report.files,
        [
            PathBuf::from("<built-in>/themes/light.toml"),
            dir.paths.themes_dir().join("mine.toml")
        ]
    );
}
