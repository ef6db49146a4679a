//! Building specs from `station submit` arguments: argv, `--shell`, GPUs, environment
//! inheritance and `--clean-env`, `--env` errors, and the working folder.

use std::os::unix::ffi::OsStringExt;

use clap::Parser;

use super::super::submit::SubmitArgs;
use super::*;
use crate::cli::jobs::JobVerb;
use crate::cli::{Cli, Command};

/// `station submit ARGS` as clap parses it.
fn parse(args: &[&str]) -> Result<SubmitArgs, clap::Error> {
    let cli = Cli::try_parse_from(["station", "submit"].iter().chain(args))?;
    match cli.command {
        Some(Command::Job(JobVerb::Submit(args))) => Ok(args),
        other => panic!("parsed as {other:?}"),
    }
}

fn submitter(dir: &Path, vars: &[(&str, &str)]) -> Submitter {
    Submitter {
        current_dir: Ok(dir.to_path_buf()),
        environment: vars
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect(),
    }
}

fn build(args: &[&str], submitter: &Submitter) -> Result<BuiltSpec, BadInput> {
    build_spec(&parse(args).unwrap(), submitter)
}

#[test]
fn argv_is_stored_exactly_and_options_after_the_program_are_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let who = submitter(dir.path(), &[]);
    let built = build(
        &["--", "python", "-c", "print('a  b')", "--name", "x"],
        &who,
    )
    .unwrap();
    let argv = ["python", "-c", "print('a  b')", "--name", "x"].map(String::from);
    assert_eq!(built.spec.command, JobCommand::Argv(argv.to_vec()));
    assert_eq!(built.spec.name, None);
    let built = build(&["--name", "n", "python", "train.py", "--cpus", "3"], &who).unwrap();
    let argv = ["python", "train.py", "--cpus", "3"].map(String::from);
    assert_eq!(built.spec.command, JobCommand::Argv(argv.to_vec()));
    assert_eq!(
        (built.spec.name.as_deref(), built.spec.cpus),
        (Some("n"), 1)
    );
}

#[test]
fn shell_runs_a_pipeline_and_excludes_an_argv() {
    let dir = tempfile::tempdir().unwrap();
    let who = submitter(dir.path(), &[]);
    let built = build(&["--shell", "seq 3 | wc -l"], &who).unwrap();
    assert_eq!(
        built.spec.command,
        JobCommand::Shell("seq 3 | wc -l".into())
    );
    assert!(parse(&["--shell", "x", "--", "y"]).is_err());
    let empty = build(&["--shell", "  "], &who).unwrap_err();
    assert!(empty.0.contains("--shell"), "{empty}");
    let nothing = build(&[], &who).unwrap_err();
    assert!(nothing.0.starts_with("empty command"), "{nothing}");
}

#[test]
fn gpus_and_gpu_ids_exclude_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let who = submitter(dir.path(), &[]);
    let error = parse(&["--gpus", "1", "--gpu-ids", "0", "--", "x"]).unwrap_err();
    assert_eq!(error.kind(), clap::error::ErrorKind::ArgumentConflict);
    assert_eq!(build(&["x"], &who).unwrap().spec.gpus, GpuRequest::Count(0));
    assert_eq!(
        build(&["--gpus", "2", "x"], &who).unwrap().spec.gpus,
        GpuRequest::Count(2)
    );
    let ids = build(&["--gpu-ids", "0,2", "x"], &who).unwrap().spec.gpus;
    assert_eq!(ids, GpuRequest::Ids(vec![0, 2]));
    let twice = build(&["--gpu-ids", "1,1", "x"], &who).unwrap_err();
    assert!(twice.0.contains("twice"), "{twice}");
}

#[test]
fn resources_priority_and_dependencies_are_passed_on() {
    let dir = tempfile::tempdir().unwrap();
    let who = submitter(dir.path(), &[]);
    let args = [
        "--cpus",
        "4",
        "--priority",
        "-3",
        "--after",
        "7",
        "--after",
        "8,9",
        "x",
    ];
    let spec = build(&args, &who).unwrap().spec;
    assert_eq!(
        (spec.cpus, spec.priority, spec.after),
        (4, -3, vec![7, 8, 9])
    );
    assert!(
        build(&["--cpus", "0", "x"], &who)
            .unwrap_err()
            .0
            .contains("--cpus")
    );
}

#[test]
fn the_submitting_environment_is_inherited_and_env_overrides_it() {
    let dir = tempfile::tempdir().unwrap();
    let who = submitter(
        dir.path(),
        &[
            ("PATH", "/venv/bin:/usr/bin"),
            ("VIRTUAL_ENV", "/venv"),
            ("FOO", "old"),
        ],
    );
    let built = build(
        &[
            "--env", "FOO=new", "--env", "EMPTY=", "--env", "FOO=a=b", "x",
        ],
        &who,
    )
    .unwrap();
    let env = &built.spec.env;
    assert_eq!(
        env.get("PATH").map(String::as_str),
        Some("/venv/bin:/usr/bin")
    );
    assert_eq!(env.get("VIRTUAL_ENV").map(String::as_str), Some("/venv"));
    assert_eq!(env.get("FOO").map(String::as_str), Some("a=b"));
    assert_eq!(env.get("EMPTY").map(String::as_str), Some(""));
    assert_eq!(built.spec.env_set, ["FOO", "EMPTY"]);
    assert!(!built.spec.clean_env);
    assert!(built.warnings.is_empty());
}

#[test]
fn variables_that_are_not_utf8_are_skipped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let mut who = submitter(dir.path(), &[("GOOD", "1")]);
    let bad = OsString::from_vec(vec![0xff, 0xfe]);
    who.environment
        .push((OsString::from("BAD_VALUE"), bad.clone()));
    who.environment.push((bad, OsString::from("x")));
    let built = build(&["x"], &who).unwrap();
    assert_eq!(built.spec.env.keys().collect::<Vec<_>>(), ["GOOD"]);
    assert_eq!(built.warnings.len(), 2);
    assert!(
        built.warnings[0].contains("BAD_VALUE"),
        "{:?}",
        built.warnings
    );
}

#[test]
fn clean_env_keeps_only_the_basics() {
    let dir = tempfile::tempdir().unwrap();
    let vars = [
        ("HOME", "/home/u"),
        ("USER", "u"),
        ("TERM", "xterm"),
        ("VIRTUAL_ENV", "/venv"),
        ("CUDA_VISIBLE_DEVICES", "0"),
        ("PWD", "/somewhere"),
    ];
    let built = build(
        &["--clean-env", "--env", "A=1", "x"],
        &submitter(dir.path(), &vars),
    )
    .unwrap();
    let names: Vec<&str> = built.spec.env.keys().map(String::as_str).collect();
    assert_eq!(names, ["A", "HOME", "PATH", "TERM", "USER"]);
    assert_eq!(built.spec.env["PATH"], DEFAULT_PATH);
    assert!(built.spec.clean_env);
    let with_path = submitter(dir.path(), &[("PATH", "/opt/bin")]);
    let built = build(&["--clean-env", "x"], &with_path).unwrap();
    assert_eq!(built.spec.env["PATH"], "/opt/bin");
}

#[test]
fn invalid_env_assignments_are_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let who = submitter(dir.path(), &[]);
    for bad in ["NOEQUALS", "=1", "1A=x", "A-B=1"] {
        let error = build(&["--env", bad, "x"], &who).unwrap_err();
        assert!(error.0.starts_with("invalid --env"), "{bad}: {error}");
    }
}

#[test]
fn cwd_is_made_absolute_and_must_be_an_existing_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("file"), "").unwrap();
    let who = submitter(dir.path(), &[("PWD", "/elsewhere")]);
    let here = build(&["x"], &who).unwrap().spec;
    assert_eq!(here.cwd, dir.path().to_str().unwrap());
    let sub = build(&["--cwd", "sub", "x"], &who).unwrap().spec;
    let expected = dir.path().join("sub");
    assert_eq!(sub.cwd, expected.to_str().unwrap());
    assert_eq!(sub.env["PWD"], sub.cwd, "PWD follows the job's folder");
    let missing = build(&["--cwd", "nope", "x"], &who).unwrap_err();
    assert!(missing.0.contains("no such folder"), "{missing}");
    let file = build(&["--cwd", "file", "x"], &who).unwrap_err();
    assert!(file.0.contains("not a folder"), "{file}");
}

#[test]
fn a_vanished_current_folder_asks_for_cwd() {
    let dir = tempfile::tempdir().unwrap();
    let who = Submitter {
        current_dir: Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
        environment: Vec::new(),
    };
    let error = build(&["x"], &who).unwrap_err();
    assert!(error.0.contains("--cwd"), "{error}");
    let absolute = dir.path().to_str().unwrap();
    assert_eq!(
        build(&["--cwd", absolute, "x"], &who).unwrap().spec.cwd,
        absolute
    );
}
