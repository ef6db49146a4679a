//! Tests of the built-in keymap and of overlaying user files.

use std::path::Path;

use super::*;

fn key(text: &str) -> Key {
    Key::parse(text).unwrap()
}

fn paths_with_keymap(name: &str, source: &str) -> (tempfile::TempDir, Paths) {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths {
        config_dir: dir.path().join("config"),
        state_dir: dir.path().join("state"),
        runtime_dir: dir.path().join("run"),
    };
    std::fs::create_dir_all(paths.keymaps_dir()).unwrap();
    std::fs::write(paths.keymaps_dir().join(format!("{name}.toml")), source).unwrap();
    (dir, paths)
}

#[test]
fn every_default_binding_parses() {
    let (raw, problems) = file::parse(Path::new("keymaps/default.toml"), DEFAULT_KEYMAP);
    assert!(problems.is_empty(), "{problems:#?}");
    for section in Section::ALL {
        assert!(!raw.section(section).is_empty(), "[{section}] is empty");
        assert!(
            raw.section(section).iter().all(|b| b.action.is_some()),
            "[{section}] unbinds in the default file"
        );
    }
    let keymap = Keymap::default();
    let total: usize = Section::ALL.iter().map(|s| keymap.section(*s).len()).sum();
    let in_file: usize = Section::ALL.iter().map(|s| raw.section(*s).len()).sum();
    assert_eq!(total, in_file);
}

#[test]
fn no_binding_is_duplicated_or_shadowed_in_any_context() {
    let keymap = Keymap::default();
    for context in Context::ALL {
        let bindings = keymap.context_bindings(context);
        for (i, a) in bindings.iter().enumerate() {
            for b in &bindings[i + 1..] {
                assert!(
                    a.keys != b.keys && !a.keys.conflicts_with(&b.keys),
                    "{context:?}: `{}` ({}) and `{}` ({}) collide",
                    a.keys,
                    a.action,
                    b.keys,
                    b.action
                );
            }
            // Each binding is reachable: its keys resolve to its action.
            let (last, init) = a.keys.0.split_last().unwrap();
            assert_eq!(
                keymap.resolve(context, init, *last),
                Resolution::Matched(a.action),
                "{context:?}: `{}`",
                a.keys
            );
        }
    }
}

#[test]
fn every_action_is_bound_or_deliberately_unbound() {
    let keymap = Keymap::default();
    for action in Action::ALL {
        let bound = Section::ALL
            .iter()
            .any(|s| keymap.section(*s).iter().any(|b| b.action == action));
        assert!(
            bound ^ DELIBERATELY_UNBOUND.contains(&action),
            "{action} must be bound, or listed in DELIBERATELY_UNBOUND (not both)"
        );
    }
}

#[test]
fn the_issue_keys_are_there() {
    let keymap = Keymap::default();
    let dashboard = |text: &str| {
        let keys = KeySeq::parse(text).unwrap().0;
        let (last, init) = keys.split_last().unwrap();
        keymap.resolve(Context::Dashboard, init, *last)
    };
    for (text, action) in [
        ("q", Action::Quit),
        ("<C-c>", Action::Quit),
        ("?", Action::Help),
        (":", Action::CommandLine),
        ("<Tab>", Action::FocusNext),
        ("<S-Tab>", Action::FocusPrev),
        ("h", Action::FocusLeft),
        ("l", Action::FocusRight),
        ("j", Action::Down),
        ("k", Action::Up),
        ("<Down>", Action::Down),
        ("<Up>", Action::Up),
        ("g g", Action::Top),
        ("G", Action::Bottom),
        ("/", Action::Filter),
    ] {
        assert_eq!(dashboard(text), Resolution::Matched(action), "{text}");
    }
    for text in ["<Esc>", "q", "?"] {
        assert_eq!(
            keymap.resolve(Context::Help, &[], key(text)),
            Resolution::Matched(Action::Back),
            "help {text}"
        );
    }
    assert_eq!(
        keymap.resolve(Context::Help, &[], key("<C-c>")),
        Resolution::Matched(Action::Quit)
    );
}

#[test]
fn chords_wait_and_cancel() {
    let keymap = Keymap::default();
    let g = key("g");
    assert_eq!(
        keymap.resolve(Context::Dashboard, &[], g),
        Resolution::Pending
    );
    assert_eq!(
        keymap.resolve(Context::Dashboard, &[g], g),
        Resolution::Matched(Action::Top)
    );
    assert_eq!(
        keymap.resolve(Context::Dashboard, &[g], key("j")),
        Resolution::Cancelled
    );
    assert_eq!(
        keymap.resolve(Context::Dashboard, &[], key("x")),
        Resolution::NotFound
    );
}

#[test]
fn user_file_replaces_per_key_and_keeps_the_rest() {
    let (_dir, paths) = paths_with_keymap(
        "default",
        "[global]\nq = \"none\"\nx = { action = \"quit\", desc = \"Leave\" }\n\
         [dashboard]\nj = \"up\"\ng = \"bottom\"\n",
    );
    let (keymap, problems) = load(&paths, "default");
    assert!(problems.is_empty(), "{problems:#?}");
    let resolve = |text: &str| keymap.resolve(Context::Dashboard, &[], key(text));
    assert_eq!(resolve("q"), Resolution::NotFound);
    assert_eq!(resolve("x"), Resolution::Matched(Action::Quit));
    assert_eq!(resolve("j"), Resolution::Matched(Action::Up));
    // `g` replaces the `g g` chord it conflicts with.
    assert_eq!(resolve("g"), Resolution::Matched(Action::Bottom));
    // Untouched keys keep their built-in meaning.
    assert_eq!(resolve("k"), Resolution::Matched(Action::Up));
    assert_eq!(resolve("<C-c>"), Resolution::Matched(Action::Quit));
    let x = keymap
        .section(Section::Global)
        .iter()
        .find(|b| b.keys.to_string() == "x")
        .unwrap();
    assert_eq!(x.desc, "Leave");
    // A replaced key keeps its place; the description defaults to the action's.
    let dashboard = keymap.section(Section::Dashboard);
    let j = dashboard.iter().position(|b| b.keys.to_string() == "j");
    let defaults = Keymap::default();
    let j_default = defaults
        .section(Section::Dashboard)
        .iter()
        .position(|b| b.keys.to_string() == "j");
    assert_eq!(j, j_default);
    assert_eq!(dashboard[j.unwrap()].desc, Action::Up.description());
}

#[test]
fn broken_user_file_is_reported_with_its_location() {
    let (_dir, paths) = paths_with_keymap("mine", "[dashboard]\nj = \"dwon\"\n");
    let (keymap, problems) = load(&paths, "mine");
    assert_eq!(problems.len(), 1);
    let problem = &problems[0];
    assert!(problem.path.ends_with("keymaps/mine.toml"), "{problem}");
    assert_eq!((problem.line, problem.column), (2, 5));
    assert!(
        problem.message.contains("unknown action `dwon`"),
        "{problem}"
    );
    assert_eq!(
        keymap.resolve(Context::Dashboard, &[], key("j")),
        Resolution::Matched(Action::Down)
    );
}

#[test]
fn missing_named_keymap_is_a_warning() {
    let (_dir, paths) = paths_with_keymap("other", "");
    let (keymap, problems) = load(&paths, "absent");
    assert_eq!(problems.len(), 1);
    assert!(!problems[0].is_error());
    assert_eq!(keymap, Keymap::default());
    let (_, none) = load(&paths, "default");
    assert!(none.is_empty());
}

#[test]
fn job_keys_are_there_and_the_form_types_plain_characters() {
    let keymap = Keymap::default();
    let resolve = |context, text: &str| keymap.resolve(context, &[], key(text));
    for (context, text, action) in [
        (Context::Dashboard, "2", Action::Jobs),
        (Context::Jobs, "1", Action::Dashboard),
        (Context::Jobs, "<Enter>", Action::JobLogs),
        (Context::Jobs, "x", Action::JobCancel),
        (Context::Jobs, "n", Action::JobNew),
        (Context::Jobs, "/", Action::Filter),
        (Context::Jobs, "<Esc>", Action::Back),
        (Context::JobLogs, "F", Action::Follow),
        (Context::JobLogs, "s", Action::LogStream),
        (Context::JobLogs, "q", Action::Back),
        (Context::Confirm, "y", Action::Confirm),
        (Context::Confirm, "n", Action::Back),
        (Context::JobForm, "<Tab>", Action::FocusNext),
        (Context::JobForm, "<Enter>", Action::Submit),
        (Context::JobForm, "<C-t>", Action::ShellToggle),
        (Context::JobForm, "<C-c>", Action::Quit),
    ] {
        assert_eq!(
            resolve(context, text),
            Resolution::Matched(action),
            "{context:?} {text}"
        );
    }
    for text in ["q", "?", ":", "0", "1", "2"] {
        assert_eq!(
            resolve(Context::JobForm, text),
            Resolution::NotFound,
            "{text} is typed in the form"
        );
    }
}

#[test]
fn fleet_keys_are_there_from_every_view() {
    let keymap = Keymap::default();
    let resolve = |context, text: &str| keymap.resolve(context, &[], key(text));
    for (context, text, action) in [
        (Context::Dashboard, "0", Action::Fleet),
        (Context::Jobs, "0", Action::Fleet),
        (Context::JobLogs, "0", Action::Fleet),
        (Context::Fleet, "1", Action::Dashboard),
        (Context::Fleet, "2", Action::Jobs),
        (Context::Fleet, "j", Action::Down),
        (Context::Fleet, "k", Action::Up),
        (Context::Fleet, "<Enter>", Action::FleetOpen),
        (Context::Fleet, "l", Action::FleetOpen),
        (Context::Fleet, "/", Action::Filter),
        (Context::Fleet, "<Esc>", Action::Back),
        (Context::Fleet, "q", Action::Quit),
    ] {
        assert_eq!(
            resolve(context, text),
            Resolution::Matched(action),
            "{context:?} {text}"
        );
    }
}

#[test]
fn schedule_keys_are_there_and_the_forms_type_plain_characters() {
    let keymap = Keymap::default();
    let resolve = |context, text: &str| keymap.resolve(context, &[], key(text));
    for context in [
        Context::Dashboard,
        Context::Jobs,
        Context::JobLogs,
        Context::Fleet,
        Context::Schedules,
        Context::Help,
    ] {
        assert_eq!(
            resolve(context, "z"),
            Resolution::Matched(Action::Snooze),
            "{context:?}"
        );
        assert_eq!(
            resolve(context, "S"),
            Resolution::Matched(Action::Schedules),
            "{context:?}"
        );
    }
    for (context, text, action) in [
        (Context::Schedules, "j", Action::Down),
        (Context::Schedules, "a", Action::SchedAdd),
        (Context::Schedules, "<Enter>", Action::SchedEdit),
        (Context::Schedules, "e", Action::SchedEdit),
        (Context::Schedules, "<Space>", Action::SchedToggle),
        (Context::Schedules, "d", Action::SchedDelete),
        (Context::Schedules, "i", Action::IdleEdit),
        (Context::Schedules, "<Esc>", Action::Back),
        (Context::Schedules, "1", Action::Dashboard),
        (Context::SchedForm, "<Tab>", Action::FocusNext),
        (Context::SchedForm, "<S-Tab>", Action::FocusPrev),
        (Context::SchedForm, "<Down>", Action::Down),
        (Context::SchedForm, "<Up>", Action::Up),
        (Context::SchedForm, "<Enter>", Action::Submit),
        (Context::SchedForm, "<Esc>", Action::Back),
        (Context::SchedForm, "<C-c>", Action::Quit),
    ] {
        assert_eq!(
            resolve(context, text),
            Resolution::Matched(action),
            "{context:?} {text}"
        );
    }
    for text in ["q", "?", ":", "1", "S", "z", "<Space>", "<Left>", "<Right>"] {
        assert_eq!(
            resolve(Context::SchedForm, text),
            Resolution::NotFound,
            "{text} is typed in the form"
        );
    }
}
