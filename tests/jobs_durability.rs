//! The job queue survives its agent: `kill -9` with jobs running and queued, a graceful stop,
//! and a database the agent must refuse rather than replace.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;
use std::fs;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use support::jobs::{JobsEnv, lines};
use support::station::{StationEnv, describe};
use support::wait;

#[test]
fn kill_9_of_the_agent_loses_no_job_and_runs_none_twice() {
    let jobs = JobsEnv::start(2, 0, "");
    let work = jobs.work_dir();
    let record = work.join("record");
    let record_path = record.to_str().unwrap();
    let gate = work.join("gate");
    let gate_path = gate.to_str().unwrap();
    let mut expected = BTreeMap::new();
    for i in 0..12u32 {
        let code = [0, 3, 5][(i % 3) as usize];
        // The first job ends while the agent is down; the second outlives the restart (it
        // waits for the gate file); the rest are quick.
        let body = match i {
            0 => String::from("sleep 0.3"),
            1 => format!("while [ ! -e {gate_path} ]; do sleep 0.05; done"),
            _ => String::from("sleep 0.05"),
        };
        let script = format!(
            "echo \"S $STATION_JOB_ID $(date +%s%N)\" >> {record_path}; echo out-$STATION_JOB_ID; \
             {body}; echo \"E $STATION_JOB_ID $(date +%s%N)\" >> {record_path}; exit {code}"
        );
        let id = jobs.submit_shell(&[], &script);
        expected.insert(id, code);
    }
    let ids: Vec<u64> = expected.keys().copied().collect();
    let (first, second) = (ids[0], ids[1]);
    jobs.wait_for_state(first, "running");
    jobs.wait_for_state(second, "running");

    let agent = jobs.env.agent_pid().unwrap();
    kill(Pid::from_raw(agent), Signal::SIGKILL).unwrap();
    wait::wait_for("the agent to die", || wait::process_ended(agent));
    // The first job finishes while no agent runs; nothing else starts meanwhile.
    wait::wait_for("job 1 to end without its agent", || {
        lines(&record)
            .iter()
            .any(|l| l.starts_with(&format!("E {first} ")))
    });
    let starts =
        |record: &std::path::Path| lines(record).iter().filter(|l| l.starts_with("S ")).count();
    assert_eq!(
        starts(&record),
        2,
        "only the two running jobs ran while the agent was dead"
    );

    jobs.env.start_agent(&["--simulate-gpus", "0"]);
    jobs.wait_for_state(first, "succeeded");
    assert_eq!(
        jobs.show(second)["state"],
        "running",
        "the second job was re-adopted"
    );
    fs::write(&gate, "").unwrap();
    let waited = jobs.wait(&ids);
    assert_eq!(waited.status.code(), Some(3), "{}", describe(&waited));

    let mut started: BTreeMap<u64, u32> = BTreeMap::new();
    let mut spans = Vec::new();
    let mut open = BTreeMap::new();
    for line in lines(&record) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let id: u64 = f[1].parse().unwrap();
        let t: u128 = f[2].parse().unwrap();
        if f[0] == "S" {
            *started.entry(id).or_default() += 1;
            open.insert(id, t);
        } else {
            spans.push((open[&id], t));
        }
    }
    for id in &ids {
        assert_eq!(started.get(id), Some(&1), "job {id} ran exactly once");
        let shown = jobs.show(*id);
        let code = expected[id];
        assert_eq!(shown["exit_code"], code, "{shown:#}");
        assert_eq!(
            shown["state"],
            if code == 0 { "succeeded" } else { "failed" }
        );
        let log = fs::read_to_string(jobs.job_file(*id, "stdout.log")).unwrap();
        assert_eq!(log, format!("out-{id}\n"), "complete log of job {id}");
    }
    for (start, _) in &spans {
        let concurrent = spans
            .iter()
            .filter(|(s, e)| s <= start && start <= e)
            .count();
        assert!(concurrent <= 2, "{concurrent} jobs ran at once on 2 slots");
    }
}

#[test]
fn a_graceful_agent_stop_keeps_jobs_running() {
    let jobs = JobsEnv::start(2, 0, "");
    let gate = jobs.work_dir().join("gate");
    let script = format!(
        "while [ ! -e {} ]; do sleep 0.05; done; echo finished",
        gate.display()
    );
    let id = jobs.submit_shell(&[], &script);
    jobs.wait_for_state(id, "running");
    let shim = jobs.show(id)["shim_pid"].as_i64().unwrap() as i32;
    jobs.env.stop_agent();
    assert!(
        !wait::process_ended(shim),
        "the job's shim outlives the agent"
    );
    fs::write(&gate, "").unwrap();
    wait::wait_for("the job to end", || wait::process_ended(shim));
    jobs.env.start_agent(&[]);
    jobs.wait_for_state(id, "succeeded");
    let log = fs::read_to_string(jobs.job_file(id, "stdout.log")).unwrap();
    assert_eq!(log, "finished\n");
}

#[test]
fn a_corrupt_database_stops_the_agent_instead_of_emptying_the_queue() {
    let env = StationEnv::new();
    let state = env.root().join("state/station");
    fs::create_dir_all(&state).unwrap();
    let database = state.join("jobs.db");
    let garbage = b"this is not an SQLite database, and it must stay as it is\n".repeat(100);
    fs::write(&database, &garbage).unwrap();
    let output = env.run(["agent", "--sample-interval", "250"]);
    assert!(!output.status.success(), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(database.to_str().unwrap()),
        "names the file: {stderr}"
    );
    assert!(env.agent_pid().is_none(), "no agent runs");
    assert_eq!(
        fs::read(&database).unwrap(),
        garbage,
        "the file is untouched"
    );
}
