#![allow(clippy::unwrap_used)]
//! The job verbs through the real binary against a scripted stand-in for the agent: a test
//! thread listens on the isolated instance's socket, answers `hello`, and answers each job
//! request from a script. This checks what each verb asks for, in which order, and what it
//! prints and exits with, independently of the real agent's job runner (tested elsewhere).

mod support;

#[path = "jobs_verbs/fake_agent.rs"]
mod fake_agent;

use std::io::Read;
use std::process::Stdio;

use fake_agent::{fake_agent, respond};

use station::proto::jobs::{
    CancelAction, CancelOutcome, GpuRequest, JobCommand, JobList, JobState, JobView, JobsSnapshot,
    JobsUpdate, LogChunk,
};
use station::proto::{ClientMsg, ErrorCode, Event, Response, ServerMsg};
use support::station::{StationEnv, describe};

fn view(id: u64, state: JobState) -> JobView {
    JobView {
        id,
        name: None,
        state,
        command: "python train.py".into(),
        cpus: 1,
        gpus_requested: GpuRequest::Count(0),
        gpus: Vec::new(),
        priority: 0,
        submitted_at_ms: 1_000,
        started_at_ms: None,
        ended_at_ms: None,
        exit_code: None,
        signal: None,
        reason: None,
        gpu_memory: None,
        logs_truncated: false,
        cancel_requested: false,
    }
}

fn chunk(offset: u64, data: &str, complete: bool) -> LogChunk {
    LogChunk {
        job: 5,
        stream: station::proto::jobs::LogStream::Stdout,
        offset,
        data: data.into(),
        next_offset: offset + data.len() as u64,
        complete,
    }
}

#[test]
fn submit_sends_the_exact_argv_folder_and_environment_and_prints_the_id() {
    let env = StationEnv::new();
    let agent = fake_agent(
        &env,
        Box::new(|id, msg| match msg {
            ClientMsg::SubmitJob { .. } => vec![respond(
                id,
                Response::Submitted {
                    job: view(42, JobState::Queued),
                },
            )],
            other => panic!("unexpected {other:?}"),
        }),
    );
    let output = env
        .command([
            "submit",
            "--name",
            "t",
            "--env",
            "EXTRA=1",
            "--",
            "python",
            "-c",
            "print('a b')",
        ])
        .current_dir(env.root())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "42\n");
    let received = agent.join().unwrap();
    let [ClientMsg::Hello { .. }, ClientMsg::SubmitJob { spec }] = &received[..] else {
        panic!("requests: {received:?}");
    };
    let argv = ["python", "-c", "print('a b')"].map(String::from).to_vec();
    assert_eq!(spec.command, JobCommand::Argv(argv));
    assert_eq!(spec.cwd, env.root().to_str().unwrap());
    let home = env.root().join("home");
    assert_eq!(
        spec.env["HOME"],
        home.to_str().unwrap(),
        "the environment is inherited"
    );
    assert_eq!(spec.env["EXTRA"], "1");
    assert_eq!(spec.env_set, ["EXTRA"]);
    assert_eq!(spec.name.as_deref(), Some("t"));
}

#[test]
fn an_unknown_job_exits_2_and_says_where_to_look() {
    let env = StationEnv::new();
    let agent = fake_agent(
        &env,
        Box::new(|id, _| {
            vec![ServerMsg::Error {
                id: Some(id),
                code: ErrorCode::NotFound,
                message: "unknown job 99".into(),
            }]
        }),
    );
    let output = env.run(["show", "99"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("station show: error: unknown job 99"),
        "{stderr}"
    );
    assert!(stderr.contains("station jobs --all"), "{stderr}");
    agent.join().unwrap();
}

#[test]
fn wait_subscribes_before_looking_and_exits_with_the_first_failure() {
    let env = StationEnv::new();
    let agent = fake_agent(
        &env,
        Box::new(|id, msg| match msg {
            ClientMsg::SubscribeJobs => {
                let snapshot = JobsSnapshot {
                    jobs: Vec::new(),
                    capacity: Default::default(),
                };
                vec![respond(
                    id,
                    Response::JobsSubscribed {
                        subscription: 7,
                        snapshot: Box::new(snapshot),
                    },
                )]
            }
            ClientMsg::ShowJob { id: 1 } => {
                // Job 1 ends while the client looks job 2 up; the event must not be lost.
                let detail = show_detail(view(1, JobState::Running));
                let mut failed = view(1, JobState::Failed);
                failed.exit_code = Some(3);
                let update = JobsUpdate {
                    changed: vec![failed],
                    capacity: None,
                };
                vec![
                    ServerMsg::Event {
                        subscription: 7,
                        body: Event::Jobs(Box::new(update)),
                    },
                    respond(id, Response::JobDetail(Box::new(detail))),
                ]
            }
            ClientMsg::ShowJob { id: 2 } => {
                let mut done = view(2, JobState::Succeeded);
                done.exit_code = Some(0);
                vec![respond(
                    id,
                    Response::JobDetail(Box::new(show_detail(done))),
                )]
            }
            other => panic!("unexpected {other:?}"),
        }),
    );
    let output = env.run(["wait", "2", "1", "--json"]);
    assert_eq!(output.status.code(), Some(3), "{}", describe(&output));
    let finals: Vec<JobView> = serde_json::from_slice(&output.stdout).unwrap();
    let states: Vec<(u64, JobState)> = finals.iter().map(|v| (v.id, v.state)).collect();
    assert_eq!(states, [(2, JobState::Succeeded), (1, JobState::Failed)]);
    let received = agent.join().unwrap();
    assert!(
        matches!(received[1], ClientMsg::SubscribeJobs),
        "{received:?}"
    );
}

fn show_detail(view: JobView) -> station::proto::jobs::JobDetail {
    serde_json::from_value(serde_json::json!({
        "id": view.id, "state": view.state, "command": view.command, "cpus": 1,
        "gpus_requested": {"count": 0}, "priority": 0, "submitted_at_ms": 1000,
        "exit_code": view.exit_code,
        "spec": {"command": {"kind": "argv", "value": ["python", "train.py"]}, "cwd": "/",
                 "env": {}, "cpus": 1, "gpus": {"count": 0}},
        "dir": "/jobs/1", "stdout_path": "/jobs/1/stdout.log", "stderr_path": "/jobs/1/stderr.log",
        "runs": 1
    }))
    .unwrap()
}

#[test]
fn logs_reads_chunks_until_the_size_and_follow_until_complete() {
    let env = StationEnv::new();
    let agent = fake_agent(
        &env,
        Box::new(|id, msg| match msg {
            ClientMsg::JobLogs {
                start,
                follow: false,
                ..
            } => {
                let station::proto::jobs::LogStart::Offset(offset) = *start else {
                    panic!("{start:?}")
                };
                let data = if offset == 0 { "hello " } else { "world\n" };
                vec![respond(
                    id,
                    Response::Log {
                        subscription: None,
                        chunk: chunk(offset, data, false),
                        size: 12,
                    },
                )]
            }
            other => panic!("unexpected {other:?}"),
        }),
    );
    let output = env.run(["logs", "5"]);
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "hello world\n");
    assert_eq!(agent.join().unwrap().len(), 3, "hello and two reads");

    let env = StationEnv::new();
    let agent = fake_agent(
        &env,
        Box::new(|id, msg| match msg {
            ClientMsg::JobLogs {
                follow: true,
                stream,
                ..
            } => {
                assert_eq!(*stream, station::proto::jobs::LogStream::Stderr);
                let event = |chunk| ServerMsg::Event {
                    subscription: 3,
                    body: Event::Log(chunk),
                };
                vec![
                    respond(
                        id,
                        Response::Log {
                            subscription: Some(3),
                            chunk: chunk(0, "a\n", false),
                            size: 2,
                        },
                    ),
                    event(chunk(2, "b\n", false)),
                    event(chunk(4, "c\n", true)),
                ]
            }
            other => panic!("unexpected {other:?}"),
        }),
    );
    let output = env.run(["logs", "-f", "--stderr", "5"]);
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "a\nb\nc\n");
    agent.join().unwrap();
}

#[test]
fn logs_into_a_closed_pipe_ends_quietly() {
    let env = StationEnv::new();
    let big = "x".repeat(64 * 1024);
    let agent = fake_agent(
        &env,
        Box::new(move |id, msg| match msg {
            ClientMsg::JobLogs { start, .. } => {
                let station::proto::jobs::LogStart::Offset(offset) = *start else {
                    panic!("{start:?}")
                };
                // A log that never ends: the reader has to be the one that stops.
                let size = offset + 2 * big.len() as u64;
                vec![respond(
                    id,
                    Response::Log {
                        subscription: None,
                        chunk: chunk(offset, &big, false),
                        size,
                    },
                )]
            }
            other => panic!("unexpected {other:?}"),
        }),
    );
    let mut child = env
        .command(["logs", "5"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    assert!(output.stderr.is_empty(), "{}", describe(&output));
    agent.join().unwrap();
}

#[test]
fn jobs_and_cancel_print_for_people() {
    let env = StationEnv::new();
    let agent = fake_agent(
        &env,
        Box::new(|id, msg| match msg {
            ClientMsg::ListJobs { filter } => {
                assert!(!filter.all);
                let mut waiting = view(4, JobState::Queued);
                waiting.reason = Some("after job 3".into());
                let list = JobList {
                    jobs: vec![waiting],
                    finished_hidden: 2,
                };
                vec![respond(id, Response::Jobs(list))]
            }
            other => panic!("unexpected {other:?}"),
        }),
    );
    let output = env.run(["jobs"]);
    assert!(output.status.success(), "{}", describe(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with("ID  NAME"), "{text}");
    assert!(text.contains("after job 3"), "{text}");
    assert!(
        text.ends_with("2 finished jobs not shown (--all)\n"),
        "{text}"
    );
    agent.join().unwrap();

    let env = StationEnv::new();
    let agent = fake_agent(
        &env,
        Box::new(|id, msg| match msg {
            ClientMsg::CancelJobs {
                ids,
                force: false,
                grace_secs: Some(3),
            } => {
                let jobs = ids
                    .iter()
                    .map(|&id| CancelOutcome {
                        id,
                        action: CancelAction::Terminating { grace_secs: 3 },
                    })
                    .collect();
                vec![respond(id, Response::Cancelled { jobs })]
            }
            other => panic!("unexpected {other:?}"),
        }),
    );
    let output = env.run(["cancel", "--grace", "3", "4", "6"]);
    assert!(output.status.success(), "{}", describe(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        text,
        "job 4: SIGTERM sent, SIGKILL in 3 s if it is still running\n\
         job 6: SIGTERM sent, SIGKILL in 3 s if it is still running\n"
    );
    agent.join().unwrap();
}
