#![allow(clippy::unwrap_used)]
//! The job verbs through the real binary, in an isolated Station environment: every verb's
//! `--help` works, completions know the verbs, and bad input exits 2 with a message that
//! names the verb and the problem, before any agent is started or contacted.
//!
//! Nothing here needs a running agent (the lead's integration tests drive one).

mod support;

use std::process::Output;

use support::station::{StationEnv, describe};

const VERBS: [&str; 7] = [
    "submit", "jobs", "show", "logs", "cancel", "wait", "requeue",
];

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs `station ARGS`, asserts it exited 2 with `expected` in its stderr, and that no agent
/// was started (nothing in the runtime folder).
#[track_caller]
fn assert_bad_input(env: &StationEnv, args: &[&str], expected: &str) {
    let output = env.run(args);
    assert_eq!(
        output.status.code(),
        Some(2),
        "station {args:?}: {}",
        describe(&output)
    );
    assert!(
        stderr(&output).contains(expected),
        "station {args:?} should say {expected:?}: {}",
        describe(&output)
    );
    assert!(
        output.stdout.is_empty(),
        "station {args:?} printed: {}",
        describe(&output)
    );
    assert!(
        !env.socket().exists() && env.agent_pid().is_none(),
        "station {args:?} started an agent"
    );
}

#[test]
fn every_job_verb_has_help() {
    let env = StationEnv::new();
    for verb in VERBS {
        let output = env.run([verb, "--help"]);
        assert!(
            output.status.success(),
            "{verb} --help: {}",
            describe(&output)
        );
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            text.contains(&format!("Usage: station {verb}")),
            "{verb}: {text}"
        );
        assert!(
            text.contains("Exit codes"),
            "{verb} --help names its exit codes: {text}"
        );
    }
    let submit = env.run(["submit", "--help"]);
    let text = String::from_utf8_lossy(&submit.stdout);
    for option in [
        "--gpus",
        "--gpu-ids",
        "--after",
        "--clean-env",
        "--shell",
        "--env",
    ] {
        assert!(
            text.contains(option),
            "submit --help lacks {option}: {text}"
        );
    }
    let top = env.run(["--help"]);
    let text = String::from_utf8_lossy(&top.stdout);
    for verb in VERBS {
        assert!(
            text.contains(&format!("  {verb} ")),
            "station --help lacks {verb}: {text}"
        );
    }
    assert!(env.agent_pid().is_none(), "--help started an agent");
}

#[test]
fn completions_know_the_job_verbs() {
    let env = StationEnv::new();
    let output = env.run(["completions", "bash"]);
    assert!(output.status.success(), "{}", describe(&output));
    let script = String::from_utf8_lossy(&output.stdout);
    for word in ["submit", "requeue", "--gpu-ids", "--clean-env", "--grace"] {
        assert!(script.contains(word), "bash completions lack {word}");
    }
}

#[test]
fn bad_submissions_exit_2_before_any_agent_is_contacted() {
    let env = StationEnv::new();
    let missing = env.root().join("no-such-folder");
    let missing = missing.to_str().unwrap();
    let file = env.root().join("a-file");
    std::fs::write(&file, "").unwrap();
    let file = file.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["submit", "--env", "1A=x", "--", "true"],
            "station submit: error: invalid --env",
        ),
        (
            &["submit", "--env", "NOVALUE", "--", "true"],
            "expected NAME=VALUE",
        ),
        (
            &["submit", "--cwd", missing, "--", "true"],
            "no such folder",
        ),
        (&["submit", "--cwd", file, "--", "true"], "not a folder"),
        (&["submit"], "station submit: error: empty command"),
        (&["submit", "--shell", " "], "--shell"),
        (
            &["submit", "--cpus", "0", "--", "true"],
            "--cpus must be at least 1",
        ),
        (&["submit", "--gpu-ids", "1,1", "--", "true"], "twice"),
        (
            &["submit", "--name", "", "--", "true"],
            "the job name is empty",
        ),
        (
            &["submit", "--gpus", "1", "--gpu-ids", "0", "--", "true"],
            "cannot be used with",
        ),
        (
            &["submit", "--shell", "true", "--", "false"],
            "cannot be used with",
        ),
        (&["submit", "--cpus", "many", "--", "true"], "invalid value"),
        (&["jobs", "--state", "done"], "possible values"),
        (&["show", "seven"], "invalid value"),
        (&["logs"], "required"),
        (
            &["cancel", "--force", "--grace", "3", "1"],
            "cannot be used with",
        ),
        (&["wait"], "required"),
        (&["requeue", "-1"], "unexpected argument"),
    ];
    for (args, expected) in cases {
        assert_bad_input(&env, args, expected);
    }
}
