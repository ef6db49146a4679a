//! The job queue through the real verbs and agent: many jobs on simulated GPUs never
//! over-commit a slot or a GPU and each runs once; dependencies; bad input; JSON output.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use support::jobs::{JobsEnv, lines};
use support::station::describe;

/// One job's run as it recorded it.
#[derive(Debug, Default)]
struct Run {
    starts: u32,
    gpus: Vec<u32>,
    start_ns: u128,
    end_ns: u128,
}

#[test]
fn sixty_mixed_jobs_never_overcommit_and_each_runs_once() {
    const CPU_SLOTS: u32 = 6;
    const GPUS: u32 = 4;
    let jobs = JobsEnv::start(CPU_SLOTS, GPUS, "");
    let record = jobs.work_dir().join("record");
    let record = record.to_str().unwrap();
    let mut asked = BTreeMap::new();
    for i in 0..60u32 {
        let cpus = 1 + i % 3;
        let gpus = if i % 7 == 0 {
            3
        } else {
            [0, 1, 2, 0, 1][(i % 5) as usize]
        };
        let pause = ["0.05", "0.1", "0.15"][(i % 3) as usize];
        let script = format!(
            "echo \"S $STATION_JOB_ID [$CUDA_VISIBLE_DEVICES] $(date +%s%N)\" >> {record}; \
             sleep {pause}; echo \"E $STATION_JOB_ID $(date +%s%N)\" >> {record}"
        );
        let id = jobs.submit_shell(
            &["--cpus", &cpus.to_string(), "--gpus", &gpus.to_string()],
            &script,
        );
        asked.insert(id, (cpus, gpus));
    }
    let ids: Vec<u64> = asked.keys().copied().collect();
    let waited = jobs.wait(&ids);
    assert!(waited.status.success(), "wait: {}", describe(&waited));

    let mut runs: BTreeMap<u64, Run> = BTreeMap::new();
    for line in lines(std::path::Path::new(record)) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let id: u64 = fields[1].parse().unwrap();
        let run = runs.entry(id).or_default();
        match fields[0] {
            "S" => {
                run.starts += 1;
                let list = fields[2].trim_matches(['[', ']']);
                run.gpus = list
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse().unwrap())
                    .collect();
                run.start_ns = fields[3].parse().unwrap();
            }
            _ => run.end_ns = fields[2].parse().unwrap(),
        }
    }
    assert_eq!(runs.len(), 60, "every job ran: {runs:?}");
    for (id, run) in &runs {
        assert_eq!(run.starts, 1, "job {id} started {} times", run.starts);
        let (_, gpus) = asked[id];
        assert_eq!(
            run.gpus.len() as u32,
            gpus,
            "job {id} got GPUs {:?}",
            run.gpus
        );
        assert!(
            run.gpus.iter().all(|g| *g < GPUS),
            "job {id}: {:?}",
            run.gpus
        );
    }
    // At every start, what the jobs running at that moment hold fits the instance.
    for (id, run) in &runs {
        let t = run.start_ns;
        let at_t: Vec<(&u64, &Run)> = runs
            .iter()
            .filter(|(_, r)| r.start_ns <= t && t <= r.end_ns)
            .collect();
        let cpus: u32 = at_t.iter().map(|(i, _)| asked[i].0).sum();
        assert!(
            cpus <= CPU_SLOTS,
            "at the start of job {id}: {cpus} CPU slots in use"
        );
        let mut held = BTreeSet::new();
        for (other, r) in &at_t {
            for gpu in &r.gpus {
                assert!(
                    held.insert(*gpu),
                    "GPU {gpu} held twice at the start of job {id} (job {other})"
                );
            }
        }
    }
    for job in jobs.all_jobs() {
        assert_eq!(job["state"], "succeeded", "{job:#}");
    }
}

#[test]
fn dependencies_run_in_order_and_failures_stop_the_chain() {
    let jobs = JobsEnv::start(2, 0, "");
    let order = jobs.work_dir().join("order");
    let order = order.to_str().unwrap();
    let first = jobs.submit_shell(&[], &format!("sleep 0.2; echo first >> {order}"));
    let second = jobs.submit_shell(
        &["--after", &first.to_string()],
        &format!("echo second >> {order}"),
    );
    let failing = jobs.submit_shell(&["--after", &second.to_string()], "exit 4");
    let doomed = jobs.submit_shell(&["--after", &failing.to_string()], "echo never");
    let doomed_too = jobs.submit_shell(&["--after", &doomed.to_string()], "echo never");
    assert_eq!(jobs.show(second)["reason"], format!("after job {first}"));

    let waited = jobs.wait(&[first, second]);
    assert!(waited.status.success(), "{}", describe(&waited));
    assert_eq!(lines(std::path::Path::new(order)), ["first", "second"]);

    let waited = jobs.wait(&[doomed_too]);
    assert_eq!(waited.status.code(), Some(1), "{}", describe(&waited));
    assert_eq!(jobs.show(failing)["exit_code"], 4);
    let doomed_view = jobs.show(doomed);
    assert_eq!(doomed_view["state"], "failed");
    assert_eq!(
        doomed_view["reason"],
        format!("job {failing}, which it runs after, failed")
    );
    assert_eq!(jobs.show(doomed_too)["state"], "failed");
    assert!(!jobs.job_file(doomed, "stdout.log").exists());
    // wait returns the exit code of the first job that did not succeed.
    assert_eq!(jobs.wait(&[first, failing]).status.code(), Some(4));
}

#[test]
fn bad_input_is_refused_with_exit_code_2() {
    let jobs = JobsEnv::start(2, 4, "");
    let cases: &[(&[&str], &str)] = &[
        (&["show", "999"], "999"),
        (&["cancel", "999"], "999"),
        (&["logs", "999"], "999"),
        (&["submit", "--"], "command"),
        (&["submit", "--gpus", "5", "--", "true"], "4"),
        (&["submit", "--cpus", "3", "--", "true"], "2"),
        (&["submit", "--gpu-ids", "7", "--", "true"], "GPU 7"),
        (&["submit", "--env", "1X=2", "--", "true"], "--env"),
        (&["submit", "--env", "NOVALUE", "--", "true"], "--env"),
        (
            &["submit", "--cwd", "/nonexistent/folder", "--", "true"],
            "/nonexistent/folder",
        ),
        (&["submit", "--after", "999", "--", "true"], "999"),
    ];
    for (args, needle) in cases {
        let output = jobs.run(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "station {args:?}: {}",
            describe(&output)
        );
        assert!(
            stderr.contains(needle),
            "station {args:?} should mention {needle:?}: {stderr}"
        );
    }
    assert!(jobs.all_jobs().is_empty(), "nothing was queued");
}

#[test]
fn json_output_parses_and_carries_the_fields() {
    let jobs = JobsEnv::start(2, 2, "");
    let out = jobs.ok(&[
        "submit", "--json", "--name", "two-gpus", "--gpus", "2", "--", "true",
    ]);
    let submitted: serde_json::Value = serde_json::from_str(&out).unwrap();
    let id = submitted["id"].as_u64().unwrap();
    assert!(jobs.wait(&[id]).status.success());
    let shown = jobs.show(id);
    assert_eq!(shown["name"], "two-gpus");
    assert_eq!(shown["state"], "succeeded");
    assert_eq!(shown["gpus"], serde_json::json!([0, 1]));
    assert_eq!(shown["exit_code"], 0);
    assert_eq!(shown["runs"], 1);
    assert!(shown["started_at_ms"].as_u64() <= shown["ended_at_ms"].as_u64());
    let listed: serde_json::Value = serde_json::from_str(&jobs.ok(&["jobs", "--json"])).unwrap();
    assert_eq!(listed["jobs"], serde_json::json!([]));
    assert_eq!(listed["finished_hidden"], 1);
    let all = jobs.all_jobs();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["id"], id);
}

#[test]
fn submit_wait_prints_the_id_then_exits_with_the_jobs_code() {
    let jobs = JobsEnv::start(2, 0, "");
    let output = jobs.run(&["submit", "--wait", "--shell", "echo hi; exit 6"]);
    assert_eq!(output.status.code(), Some(6), "{}", describe(&output));
    let id: u64 = String::from_utf8(output.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(jobs.show(id)["state"], "failed");
    assert_eq!(jobs.ok(&["logs", &id.to_string()]), "hi\n");
    let output = jobs.run(&["submit", "--wait", "--json", "--", "true"]);
    assert!(output.status.success(), "{}", describe(&output));
    let ended: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(ended["state"], "succeeded");
}
