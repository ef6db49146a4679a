//! Controlling jobs through the real verbs: cancel (trapped, ignored, queued), `logs -f` of a
//! slow job, the environment a job gets, and a log on a full disk.
#![allow(clippy::unwrap_used)]

mod support;

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

use support::jobs::JobsEnv;
use support::station::describe;

#[test]
fn cancel_terminates_kills_after_the_grace_period_and_dequeues() {
    let jobs = JobsEnv::start(2, 0, "");
    let trapping = jobs.submit_shell(
        &["--name", "trapper"],
        "trap 'echo got TERM; exit 7' TERM; echo ready; while :; do sleep 0.05; done",
    );
    let stubborn = jobs.submit_shell(
        &[],
        "trap '' TERM; echo ready; while :; do sleep 0.05; done",
    );
    let queued = jobs.submit(&["--", "true"]);
    for id in [trapping, stubborn] {
        let log = jobs.job_file(id, "stdout.log");
        support::wait::wait_for("the job to be ready", || {
            fs::read_to_string(&log).is_ok_and(|s| s.contains("ready"))
        });
    }
    assert_eq!(jobs.show(queued)["state"], "queued");

    let out = jobs.ok(&["cancel", &queued.to_string()]);
    assert!(out.contains(&queued.to_string()), "{out}");
    assert_eq!(jobs.show(queued)["state"], "cancelled");

    jobs.ok(&["cancel", &trapping.to_string()]);
    jobs.wait_for_state(trapping, "cancelled");
    let shown = jobs.show(trapping);
    assert_eq!(shown["exit_code"], 7, "{shown:#}");
    let log = fs::read_to_string(jobs.job_file(trapping, "stdout.log")).unwrap();
    assert!(log.contains("got TERM"), "{log}");

    jobs.ok(&["cancel", "--grace", "1", &stubborn.to_string()]);
    assert_eq!(
        jobs.show(stubborn)["state"],
        "running",
        "still running during its grace"
    );
    jobs.wait_for_state(stubborn, "cancelled");
    assert_eq!(jobs.show(stubborn)["signal"], 9);
    // The queued job was removed from the queue: it never ran.
    assert!(!jobs.job_file(queued, "stdout.log").exists());
    let waited = jobs.wait(&[stubborn]);
    assert_eq!(waited.status.code(), Some(128 + 9), "{}", describe(&waited));
}

#[test]
fn logs_follow_streams_a_slow_job_to_its_end() {
    let jobs = JobsEnv::start(2, 0, "");
    let id = jobs.submit_shell(
        &[],
        "for i in 1 2 3 4 5; do echo line $i; sleep 0.2; done; echo to-stderr >&2",
    );
    let mut follow = jobs
        .env
        .command(["logs", "-f", &id.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(follow.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    assert_eq!(first, "line 1\n");
    assert_eq!(
        jobs.show(id)["state"],
        "running",
        "the first line arrived while the job still ran"
    );
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader, &mut rest).unwrap();
    assert!(follow.wait().unwrap().success());
    assert_eq!(rest, "line 2\nline 3\nline 4\nline 5\n");
    assert_eq!(
        jobs.ok(&["logs", "--stderr", &id.to_string()]),
        "to-stderr\n"
    );
    assert_eq!(
        jobs.ok(&["logs", &id.to_string()]),
        "line 1\nline 2\nline 3\nline 4\nline 5\n"
    );
}

#[test]
fn jobs_get_the_submitting_environment_and_stations_variables() {
    let jobs = JobsEnv::start(2, 2, "");
    let print = "echo \"FOO=${FOO-unset} SET=${SET-unset} CVD=[${CUDA_VISIBLE_DEVICES-unset}] \
                 GPUS=$STATION_GPUS ID=$STATION_JOB_ID PORT=${MASTER_PORT:+yes} PWD=$PWD\"";
    let submit = |extra: &[&str]| {
        let mut args = vec!["submit"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--shell", print]);
        let output = jobs
            .env
            .command(&args)
            .current_dir(jobs.work_dir())
            .env("FOO", "from-the-shell")
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", describe(&output));
        String::from_utf8(output.stdout)
            .unwrap()
            .trim()
            .parse::<u64>()
            .unwrap()
    };
    let inherited = submit(&["--env", "SET=1"]);
    let clean = submit(&["--clean-env", "--gpus", "1", "--cwd", "/"]);
    assert!(jobs.wait(&[inherited, clean]).status.success());
    let work = jobs.work_dir().canonicalize().unwrap();
    assert_eq!(
        jobs.ok(&["logs", &inherited.to_string()]),
        format!(
            "FOO=from-the-shell SET=1 CVD=[] GPUS=0 ID={inherited} PORT=yes PWD={}\n",
            work.display()
        )
    );
    let clean_out = jobs.ok(&["logs", &clean.to_string()]);
    assert!(
        clean_out.starts_with("FOO=unset SET=unset CVD=[0] GPUS=1 ")
            && clean_out.ends_with("PWD=/\n"),
        "{clean_out}"
    );
}

#[test]
fn a_full_disk_truncates_the_log_but_not_the_job() {
    let jobs = JobsEnv::start(2, 0, "");
    // The next job's stdout, made ahead on /dev/full (every write: ENOSPC).
    let probe = jobs.submit(&["--", "true"]);
    assert!(jobs.wait(&[probe]).status.success());
    let next = probe + 1;
    std::os::unix::fs::symlink("/dev/full", jobs.job_file(next, "stdout.log")).unwrap();
    let id = jobs.submit_shell(
        &[],
        "for i in $(seq 100); do echo lost $i; done; echo kept >&2; exit 0",
    );
    assert_eq!(id, next);
    assert!(jobs.wait(&[id]).status.success());
    let shown = jobs.show(id);
    assert_eq!(shown["state"], "succeeded", "{shown:#}");
    assert_eq!(shown["logs_truncated"], true, "{shown:#}");
    assert_eq!(jobs.ok(&["logs", "--stderr", &id.to_string()]), "kept\n");
}

#[test]
fn requeue_runs_a_finished_job_again_under_its_id_and_keeps_the_old_log() {
    let jobs = JobsEnv::start(2, 0, "");
    let runs = jobs.work_dir().join("runs");
    let id = jobs.submit_shell(
        &[],
        &format!(
            "echo run >> {0}; echo \"attempt $(wc -l < {0})\"; exit 2",
            runs.display()
        ),
    );
    assert_eq!(jobs.wait(&[id]).status.code(), Some(2));
    let running = jobs.submit(&["--", "sleep", "30"]);
    let refused = jobs.run(&["requeue", &running.to_string()]);
    assert_eq!(refused.status.code(), Some(2), "{}", describe(&refused));
    jobs.ok(&["cancel", "--force", &running.to_string()]);

    assert_eq!(
        jobs.ok(&["requeue", &id.to_string()]).trim(),
        id.to_string()
    );
    assert_eq!(jobs.wait(&[id]).status.code(), Some(2));
    let shown = jobs.show(id);
    assert_eq!(shown["runs"], 2, "{shown:#}");
    assert_eq!(jobs.ok(&["logs", &id.to_string()]), "attempt 2\n");
    let previous = fs::read_to_string(jobs.job_file(id, "stdout.prev.log")).unwrap();
    assert_eq!(previous, "attempt 1\n");
}
