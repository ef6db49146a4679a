//! `station config check` on every file in `tests/invalid_configs/` and `tests/valid_configs/`,
//! run as the real binary with its XDG folders and HOME in a temporary directory.
//!
//! Invalid files carry their expected problem on their first line (see
//! `tests/invalid_configs/README.md`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// An isolated user: HOME and every XDG folder inside one temporary directory.
struct Sandbox {
    root: TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let root = tempfile::tempdir().expect("temporary directory");
        Sandbox { root }
    }

    fn config_dir(&self) -> PathBuf {
        self.root.path().join("config/station")
    }

    /// Installs test file `file` the way its folder (`config`, `themes`, `instances` or `agent`)
    /// says; returns where it now lies.
    fn install(&self, kind: &str, file: &Path) -> PathBuf {
        let themes = self.config_dir().join("themes");
        fs::create_dir_all(&themes).expect("create themes folder");
        let config = self.config_dir().join("config.toml");
        match kind {
            "config" => {
                fs::copy(file, &config).expect("copy config");
                config
            }
            "themes" => {
                let name = file
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .expect("theme name");
                let installed = themes.join(format!("{name}.toml"));
                fs::copy(file, &installed).expect("copy theme");
                fs::write(&config, format!("theme = \"{name}\"\n")).expect("write config");
                installed
            }
            "instances" => {
                let installed = self.config_dir().join("instances.toml");
                fs::copy(file, &installed).expect("copy instances");
                installed
            }
            "agent" => {
                let installed = self.config_dir().join("agent.toml");
                fs::copy(file, &installed).expect("copy agent.toml");
                installed
            }
            other => panic!("unknown test folder {other}"),
        }
    }

    fn station(&self, args: &[&str]) -> Output {
        let root = self.root.path();
        Command::new(env!("CARGO_BIN_EXE_station"))
            .args(args)
            .env_clear()
            .env("HOME", root)
            .env("XDG_CONFIG_HOME", root.join("config"))
            .env("XDG_STATE_HOME", root.join("state"))
            .env("XDG_RUNTIME_DIR", root.join("run"))
            .output()
            .expect("run station")
    }
}

/// Every `*.toml` under `tests/FOLDER/{config,themes,instances}/`, as (kind, path), sorted.
fn cases(folder: &str) -> Vec<(&'static str, PathBuf)> {
    let mut cases = Vec::new();
    for kind in ["config", "themes", "instances", "agent"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests")
            .join(folder)
            .join(kind);
        for entry in fs::read_dir(&dir).expect("read test folder") {
            let path = entry.expect("folder entry").path();
            if path.extension().is_some_and(|ext| ext == "toml") {
                cases.push((kind, path));
            }
        }
    }
    cases.sort();
    cases
}

/// The expectation on the first line: `#! expect: [SEVERITY: ]LINE:COLUMN: MESSAGE`, split into
/// the severity (if given) and `LINE:COLUMN: MESSAGE`.
fn expectation(source: &str) -> Result<(Option<&str>, &str), String> {
    let first = source.lines().next().unwrap_or_default();
    let rest = first
        .strip_prefix("#! expect: ")
        .ok_or_else(|| format!("first line is not `#! expect: …`: {first:?}"))?;
    let (severity, located) = match rest.split_once(": ") {
        Some((severity @ ("error" | "warning"), located)) => (Some(severity), located),
        _ => (None, rest),
    };
    let mut parts = located.splitn(3, ':');
    let numbers = [parts.next(), parts.next()];
    let message = parts.next().unwrap_or_default();
    if numbers
        .iter()
        .any(|n| n.is_none_or(|n| n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit())))
        || message.trim().is_empty()
    {
        return Err(format!(
            "expected `LINE:COLUMN: MESSAGE` after `#! expect: `, got {rest:?}"
        ));
    }
    Ok((severity, located))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_invalid_config_gives_its_expected_error() {
    let cases = cases("invalid_configs");
    assert!(cases.len() >= 12, "only {} invalid configs", cases.len());
    let mut failures = Vec::new();
    for (kind, file) in &cases {
        let source = fs::read_to_string(file).expect("read test file");
        let (severity, located) = match expectation(&source) {
            Ok(expected) => expected,
            Err(error) => {
                failures.push(format!("{}: {error}", file.display()));
                continue;
            }
        };
        let sandbox = Sandbox::new();
        let installed = sandbox.install(kind, file);
        let output = sandbox.station(&["config", "check"]);
        let stderr = text(&output.stderr);
        let wanted = match severity {
            Some(severity) => format!("{severity}: {}:{located}", installed.display()),
            None => format!("{}:{located}", installed.display()),
        };
        if output.status.code() != Some(2) || !stderr.contains(&wanted) {
            failures.push(format!(
                "{}: exit {:?}, wanted stderr to contain\n  {wanted}\nstderr:\n{stderr}",
                file.display(),
                output.status.code()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn every_valid_config_passes() {
    let cases = cases("valid_configs");
    assert!(cases.len() >= 4, "only {} valid configs", cases.len());
    let mut failures = Vec::new();
    for (kind, file) in &cases {
        let sandbox = Sandbox::new();
        let installed = sandbox.install(kind, file);
        let output = sandbox.station(&["config", "check"]);
        let stdout = text(&output.stdout);
        let file_ok = format!("ok: {}", installed.display());
        if !output.status.success()
            || !output.stderr.is_empty()
            || !stdout.contains("ok: theme")
            || (matches!(*kind, "instances" | "agent") && !stdout.contains(&file_ok))
        {
            failures.push(format!(
                "{}: exit {:?}\nstdout:\n{stdout}\nstderr:\n{}",
                file.display(),
                output.status.code(),
                text(&output.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn no_config_at_all_is_clean() {
    let sandbox = Sandbox::new();
    let output = sandbox.station(&["config", "check"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("(absent: defaults)"));
}

#[test]
fn problems_in_every_file_are_reported_in_one_run() {
    let sandbox = Sandbox::new();
    let themes = sandbox.config_dir().join("themes");
    fs::create_dir_all(&themes).expect("create themes folder");
    fs::write(
        sandbox.config_dir().join("config.toml"),
        "theme = \"mine\"\n[agent]\nsample_interval_ms = 1\n",
    )
    .expect("write config");
    fs::write(themes.join("mine.toml"), "[styles]\ntitel = \"red\"\n").expect("write theme");
    let output = sandbox.station(&["config", "check"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("config.toml:3:22: sample_interval_ms"),
        "{stderr}"
    );
    assert!(
        stderr.contains("mine.toml:2:1: unknown role `titel`; did you mean `title`?"),
        "{stderr}"
    );
    assert!(stderr.contains("1 error and 1 warning"), "{stderr}");
}

#[test]
fn builtin_themes_and_keymaps_pass_the_strict_check() {
    let sandbox = Sandbox::new();
    let output = sandbox.station(&["config", "check", "--builtin"]);
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{}",
        text(&output.stderr)
    );
    for name in ["dark", "light", "basic"] {
        assert!(
            stdout.contains(&format!("ok: built-in theme `{name}`")),
            "{stdout}"
        );
    }
}

#[test]
fn config_path_names_the_isolated_folders() {
    let sandbox = Sandbox::new();
    let output = sandbox.station(&["config", "path", "--json"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let paths: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let root = sandbox.root.path();
    let expected = [
        ("config_file", root.join("config/station/config.toml")),
        ("instances_file", root.join("config/station/instances.toml")),
        ("themes_dir", root.join("config/station/themes")),
        ("keymaps_dir", root.join("config/station/keymaps")),
        ("state_dir", root.join("state/station")),
        ("agent_log", root.join("state/station/agent.log")),
        ("socket", root.join("run/station/agent.sock")),
        ("pidfile", root.join("run/station/agent.pid")),
    ];
    for (key, path) in expected {
        assert_eq!(paths[key].as_str(), path.to_str(), "{key}");
    }
    let text_output = sandbox.station(&["config", "path"]);
    assert!(text(&text_output.stdout).contains(&format!(
        "socket       {}",
        root.join("run/station/agent.sock").display()
    )));
}

#[test]
fn expectation_lines_are_parsed_strictly() {
    assert_eq!(
        expectation("#! expect: error: 3:22: too small\n"),
        Ok((Some("error"), "3:22: too small"))
    );
    assert_eq!(expectation("#! expect: 1:1: x"), Ok((None, "1:1: x")));
    assert!(expectation("# expect: 1:1: x").is_err());
    assert!(expectation("#! expect: warning: 1: x").is_err());
    assert!(expectation("#! expect: 1:1:").is_err());
}
