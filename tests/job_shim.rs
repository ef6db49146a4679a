//! `station job-shim DIR` through the real binary, on hand-written job folders: how a job's
//! end is recorded, its output captured, its environment applied; a second shim refused;
//! what `probe` says at each point of a shim's life, including after `kill -9`; and a full
//! disk.

#![allow(clippy::unwrap_used)] // a test that cannot set up should panic

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use station::agent::jobs::dir::{JobDir, Launch, Phase, Probe, ShimStatus};
use station::agent::jobs::shim::{EXIT_ALREADY_RAN, EXIT_LOCKED, EXIT_RECORDED, EXIT_STALE};
use station::proto::jobs::LogStream;
use support::station::{STATION_BIN, describe};
use support::wait::{default_timeout, process_ended, wait_for, wait_until};
use tempfile::TempDir;

/// A job folder in a temporary folder that also serves as the job's working folder.
struct TestJob {
    root: TempDir,
    dir: JobDir,
    /// What the agent would write to the shim's stdin.
    launch: Vec<u8>,
}

impl TestJob {
    /// A job running `argv` in the temporary folder with only `PATH` set.
    fn new(argv: &[&str]) -> TestJob {
        let env = BTreeMap::from([("PATH".to_owned(), "/usr/bin:/bin".to_owned())]);
        TestJob::with_env(argv, env)
    }

    fn with_env(argv: &[&str], env: BTreeMap<String, String>) -> TestJob {
        let root = tempfile::tempdir().unwrap();
        let dir = JobDir::new(&root.path().join("jobs"), 1);
        dir.create().unwrap();
        let cwd = root.path().canonicalize().unwrap();
        let launch = Launch {
            job: 1,
            prefix: dir.prefix().to_owned(),
            run: 1,
            argv: argv.iter().map(|a| (*a).to_owned()).collect(),
            cwd: cwd.display().to_string(),
            env,
        }
        .to_json()
        .unwrap();
        TestJob { root, dir, launch }
    }

    fn cwd(&self) -> PathBuf {
        self.root.path().canonicalize().unwrap()
    }

    /// Starts `station job-shim` and writes `launch` to its stdin, as the agent does.
    fn spawn_with(&self, launch: &[u8]) -> Child {
        let mut child = Command::new(STATION_BIN)
            .arg("job-shim")
            .env("PATH", "/usr/bin:/bin")
            .env("SHIM_TEST_LEAK", "must not reach the job")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        // A shim that refuses early may close its stdin first.
        let _ = stdin.write_all(launch);
        child
    }

    /// Runs a shim to its end.
    fn run_shim(&self) -> Output {
        self.spawn_with(&self.launch).wait_with_output().unwrap()
    }

    fn start_shim(&self) -> Child {
        self.spawn_with(&self.launch)
    }

    fn status(&self) -> ShimStatus {
        self.dir.read_status().unwrap().expect("a status file")
    }

    fn log(&self, stream: LogStream) -> String {
        fs::read_to_string(self.dir.log_path(stream)).unwrap_or_default()
    }

    /// Waits until the shim reports the program running; returns its pid. (It reads the
    /// status file rather than probing: a probe's brief hold of the lock would make a shim
    /// that is just starting give up.)
    fn wait_running(&self) -> i32 {
        let mut pid = 0;
        wait_until(
            "the shim reports the program running",
            default_timeout(),
            || match self.dir.read_status() {
                Ok(Some(ShimStatus {
                    phase: Phase::Running,
                    child_pid: Some(child),
                    ..
                })) => {
                    pid = i32::try_from(child).unwrap();
                    true
                }
                _ => false,
            },
            || format!("{:?}", self.dir.read_status()),
        );
        pid
    }
}

/// Asserts the shim exited with `code`, showing what it printed otherwise.
fn assert_shim_exit(output: &Output, code: u8) {
    assert_eq!(
        output.status.code(),
        Some(i32::from(code)),
        "{}",
        describe(output)
    );
}

/// A shell job that runs until the file `release` appears in its working folder.
const WAIT_FOR_RELEASE: &str = "while [ ! -e release ]; do sleep 0.01; done; echo released";

#[test]
fn the_exit_code_is_recorded() {
    let job = TestJob::new(&["sh", "-c", "echo hello; exit 7"]);
    let output = job.run_shim();
    assert_shim_exit(&output, EXIT_RECORDED);
    let status = job.status();
    assert_eq!(status.phase, Phase::Exited);
    assert_eq!((status.exit_code, status.signal), (Some(7), None));
    assert!(!status.logs_truncated);
    assert!(status.ended_at_ms.is_some() && status.child_pid.is_some());
    assert_eq!(job.log(LogStream::Stdout), "hello\n");
    assert_eq!(job.dir.probe().unwrap(), Probe::Exited(status));
}

#[test]
fn a_silent_job_leaves_no_log_files() {
    let job = TestJob::new(&["true"]);
    assert_shim_exit(&job.run_shim(), EXIT_RECORDED);
    assert_eq!(job.status().exit_code, Some(0));
    for stream in [LogStream::Stdout, LogStream::Stderr] {
        assert!(!job.dir.log_path(stream).exists(), "{stream:?} log created");
    }
}

#[test]
fn death_by_a_signal_is_recorded() {
    let job = TestJob::new(&["sh", "-c", "kill -USR1 $$"]);
    assert_shim_exit(&job.run_shim(), EXIT_RECORDED);
    let status = job.status();
    assert_eq!(
        (status.exit_code, status.signal),
        (None, Some(Signal::SIGUSR1 as i32))
    );
}

#[test]
fn stdout_and_stderr_are_captured_separately_and_completely() {
    let script = "for i in 1 2 3 4 5; do echo out $i; echo err $i >&2; sleep 0.02; done; \
                  seq 1 200000";
    let job = TestJob::new(&["sh", "-c", script]);
    assert_shim_exit(&job.run_shim(), EXIT_RECORDED);
    let mut expected_out: String = (1..=5).map(|i| format!("out {i}\n")).collect();
    expected_out.extend((1..=200_000).map(|i| format!("{i}\n")));
    let expected_err: String = (1..=5).map(|i| format!("err {i}\n")).collect();
    assert!(job.log(LogStream::Stdout) == expected_out, "stdout differs");
    assert_eq!(job.log(LogStream::Stderr), expected_err);
    assert_eq!(job.status().exit_code, Some(0));
}

#[test]
fn the_environment_is_exactly_the_launch_environment() {
    let env = BTreeMap::from([
        ("ALPHA".to_owned(), "1".to_owned()),
        ("SPACED".to_owned(), "a b  c".to_owned()),
        ("EMPTY".to_owned(), String::new()),
    ]);
    let job = TestJob::with_env(&["/usr/bin/env"], env.clone());
    assert_shim_exit(&job.run_shim(), EXIT_RECORDED);
    let printed: BTreeMap<String, String> = job
        .log(LogStream::Stdout)
        .lines()
        .map(|line| {
            let (name, value) = line.split_once('=').unwrap();
            (name.to_owned(), value.to_owned())
        })
        .collect();
    assert_eq!(printed, env);
}

#[test]
fn the_working_folder_is_applied() {
    let job = TestJob::new(&["pwd", "-P"]);
    assert_shim_exit(&job.run_shim(), EXIT_RECORDED);
    assert_eq!(
        job.log(LogStream::Stdout),
        format!("{}\n", job.cwd().display())
    );
}

#[test]
fn a_missing_program_is_exit_code_127_with_the_reason_in_stderr_log() {
    let job = TestJob::new(&["no-such-program-for-station", "x"]);
    assert_shim_exit(&job.run_shim(), EXIT_RECORDED);
    let status = job.status();
    assert_eq!(status.phase, Phase::Exited);
    assert_eq!(status.exit_code, Some(127));
    assert_eq!(status.child_pid, None);
    let stderr = job.log(LogStream::Stderr);
    assert!(
        stderr.starts_with("station: cannot run `no-such-program-for-station`: "),
        "{stderr}"
    );
    assert_eq!(status.spawn_error.as_deref(), Some(stderr.trim_end()));
}

#[test]
fn a_program_that_is_not_executable_is_exit_code_126() {
    let job = TestJob::new(&["./not-executable"]);
    fs::write(job.cwd().join("not-executable"), "#!/bin/sh\n").unwrap();
    assert_shim_exit(&job.run_shim(), EXIT_RECORDED);
    assert_eq!(job.status().exit_code, Some(126));
}

#[test]
fn a_second_shim_refuses_while_the_first_runs_and_after_it_ran() {
    let job = TestJob::new(&["sh", "-c", WAIT_FOR_RELEASE]);
    let mut first = job.start_shim();
    job.wait_running();
    let second = job.run_shim();
    assert_shim_exit(&second, EXIT_LOCKED);

    fs::write(job.cwd().join("release"), "").unwrap();
    let first = wait_output(&mut first);
    assert_shim_exit(&first, EXIT_RECORDED);
    let status = job.status();
    assert_eq!(status.exit_code, Some(0));
    assert_eq!(job.log(LogStream::Stdout), "released\n", "the job ran once");

    let third = job.run_shim();
    assert_shim_exit(&third, EXIT_ALREADY_RAN);
    assert_eq!(job.status(), status, "the status was touched");
    assert_eq!(
        job.log(LogStream::Stdout),
        "released\n",
        "the job ran again"
    );
}

#[test]
fn probe_follows_a_shim_from_never_started_to_exited() {
    let job = TestJob::new(&["sh", "-c", WAIT_FOR_RELEASE]);
    assert_eq!(job.dir.probe().unwrap(), Probe::NeverStarted);
    let mut shim = job.start_shim();
    let child = job.wait_running();
    let Probe::Alive(Some(running)) = job.dir.probe().unwrap() else {
        panic!("not alive");
    };
    assert_eq!(running.shim_pid, shim.id());
    assert_eq!(running.child_pid, Some(u32::try_from(child).unwrap()));
    fs::write(job.cwd().join("release"), "").unwrap();
    assert_shim_exit(&wait_output(&mut shim), EXIT_RECORDED);
    assert!(matches!(job.dir.probe().unwrap(), Probe::Exited(s) if s.exit_code == Some(0)));
    assert!(process_ended(child));
}

#[test]
fn kill_9_of_the_shim_leaves_a_vanished_job_whose_program_dies_too() {
    let job = TestJob::new(&["sh", "-c", WAIT_FOR_RELEASE]);
    let mut shim = job.start_shim();
    let child = job.wait_running();
    kill(
        Pid::from_raw(i32::try_from(shim.id()).unwrap()),
        Signal::SIGKILL,
    )
    .unwrap();
    shim.wait().unwrap();
    let Probe::Vanished(Some(status)) = job.dir.probe().unwrap() else {
        panic!("not vanished: {:?}", job.dir.probe());
    };
    assert_eq!(status.phase, Phase::Running);
    wait_for("the program dies with its shim", || process_ended(child));
    assert_eq!(job.log(LogStream::Stdout), "", "the program went on");
}

#[test]
fn sigterm_to_the_shim_reaches_the_program() {
    let job = TestJob::new(&["sh", "-c", WAIT_FOR_RELEASE]);
    let mut shim = job.start_shim();
    job.wait_running();
    kill(
        Pid::from_raw(i32::try_from(shim.id()).unwrap()),
        Signal::SIGTERM,
    )
    .unwrap();
    assert_shim_exit(&wait_output(&mut shim), EXIT_RECORDED);
    assert_eq!(job.status().signal, Some(Signal::SIGTERM as i32));
}

#[test]
fn a_full_disk_loses_output_but_not_the_exit_status() {
    let job = TestJob::new(&["sh", "-c", "seq 1 100000; echo on stderr >&2; exit 3"]);
    std::os::unix::fs::symlink("/dev/full", job.dir.log_path(LogStream::Stdout)).unwrap();
    assert_shim_exit(&job.run_shim(), EXIT_RECORDED);
    let status = job.status();
    assert_eq!(status.exit_code, Some(3), "the job did not complete");
    assert!(status.logs_truncated);
    assert_eq!(job.log(LogStream::Stderr), "on stderr\n");
}

#[test]
fn output_of_processes_left_behind_is_not_waited_for_forever() {
    let job = TestJob::new(&["sh", "-c", "sleep 600 & echo started"]);
    assert_shim_exit(&job.run_shim(), EXIT_RECORDED);
    let status = job.status();
    assert_eq!(status.exit_code, Some(0));
    assert_eq!(job.log(LogStream::Stdout), "started\n");
    let group = Pid::from_raw(i32::try_from(status.child_pid.unwrap()).unwrap());
    let _ = killpg(group, Signal::SIGKILL);
}

#[test]
fn a_stale_shim_runs_nothing_and_records_nothing() {
    let job = TestJob::new(&["sh", "-c", "echo ran"]);
    // No launch (its agent went away before handing over a job), or a broken one.
    let stale: [&[u8]; 2] = [b"", b"{\"job\": 1"];
    for launch in stale {
        let shim = job.spawn_with(launch);
        assert_shim_exit(&shim.wait_with_output().unwrap(), EXIT_STALE);
        assert_eq!(job.dir.probe().unwrap(), Probe::NeverStarted);
    }
    assert_eq!(job.log(LogStream::Stdout), "");
    // The right launch still runs it.
    assert_shim_exit(&job.run_shim(), EXIT_RECORDED);
    assert_eq!(job.log(LogStream::Stdout), "ran\n");
}

fn wait_output(child: &mut Child) -> Output {
    let status = child.wait().unwrap();
    let mut stderr = Vec::new();
    if let Some(mut pipe) = child.stderr.take() {
        std::io::Read::read_to_end(&mut pipe, &mut stderr).unwrap();
    }
    Output {
        status,
        stdout: Vec::new(),
        stderr,
    }
}
