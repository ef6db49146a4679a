//! Tests of the job verbs' pure parts: exit codes, error wording, the human output of `jobs`,
//! `show` and `cancel` (insta snapshots of fixed jobs at a fixed time), and how `wait` follows
//! changes.

use std::collections::BTreeMap;

use super::*;
use crate::proto::jobs::{
    CancelAction, CancelOutcome, GpuRequest, JobCommand, JobDetail, JobList, JobSpec, JobState,
    JobView, JobsSnapshot, JobsUpdate,
};
use crate::proto::{Event, ServerMsg};

/// The time every fixture is rendered at: 2026-11-30 05:27:08 UTC.
const NOW: u64 = 1_796_016_428_000;
const MINUTE: u64 = 60_000;
const GIB: u64 = 1 << 30;

fn job(id: u64, state: JobState, command: &str) -> JobView {
    JobView {
        id,
        name: None,
        state,
        command: command.into(),
        cpus: 1,
        gpus_requested: GpuRequest::Count(0),
        gpus: Vec::new(),
        priority: 0,
        submitted_at_ms: NOW - 180 * MINUTE,
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

/// One job of every kind the table has to show.
fn mixed_jobs() -> Vec<JobView> {
    let mut done = job(3, JobState::Succeeded, "python prep.py --shards 64");
    done.started_at_ms = Some(NOW - 80 * MINUTE);
    done.ended_at_ms = Some(NOW - 75 * MINUTE + 4_000);
    done.exit_code = Some(0);

    let mut ddp = job(
        7,
        JobState::Running,
        "torchrun --nproc-per-node 2 train.py --config configs/llama-7b-finetune.yaml --lr 3e-4",
    );
    ddp.name = Some("llama-7b-finetune-ddp-with-a-very-long-descriptive-name".into());
    ddp.cpus = 8;
    ddp.gpus_requested = GpuRequest::Count(2);
    ddp.gpus = vec![0, 2];
    ddp.started_at_ms = Some(NOW - 125 * MINUTE - 7_000);
    ddp.gpu_memory = Some(37 * GIB);

    let mut killed = job(8, JobState::Failed, "python oom.py");
    killed.gpus_requested = GpuRequest::Ids(vec![1]);
    killed.gpus = vec![1];
    killed.started_at_ms = Some(NOW - 30 * MINUTE);
    killed.ended_at_ms = Some(NOW - 29 * MINUTE - 30_000);
    killed.signal = Some(9);

    let mut stopping = job(9, JobState::Running, "sh -c 'sleep 1000'");
    stopping.started_at_ms = Some(NOW - 2_500);
    stopping.cancel_requested = true;

    let mut waiting = job(12, JobState::Queued, "python train.py --gpus 2");
    waiting.gpus_requested = GpuRequest::Count(2);
    waiting.reason = Some("needs 2 GPUs, 1 free".into());

    let mut pinned = job(13, JobState::Queued, "python eval.py");
    pinned.gpus_requested = GpuRequest::Ids(vec![0, 2]);
    pinned.reason = Some("after job 12".into());

    let mut skipped = job(14, JobState::Cancelled, "python report.py");
    skipped.reason = Some("job 8, which it runs after, failed".into());
    skipped.ended_at_ms = Some(NOW - 29 * MINUTE);

    vec![done, ddp, killed, stopping, waiting, pinned, skipped]
}

/// The running two-GPU job of [`mixed_jobs`], in full.
fn detail() -> JobDetail {
    let mut view = mixed_jobs().swap_remove(1);
    view.priority = 5;
    detail_of(view)
}

/// `view` with a spec, folders and processes around it.
fn detail_of(view: JobView) -> JobDetail {
    let mut env = BTreeMap::new();
    for (key, value) in [
        ("HOME", "/home/ada"),
        ("PATH", "/usr/bin"),
        ("WANDB_MODE", "offline"),
    ] {
        env.insert(key.to_owned(), value.to_owned());
    }
    let argv = ["torchrun", "--nproc-per-node", "2", "train.py"].map(String::from);
    let spec = JobSpec {
        name: view.name.clone(),
        command: JobCommand::Argv(argv.to_vec()),
        cwd: "/home/ada/llm".into(),
        env,
        env_set: vec!["WANDB_MODE".into()],
        clean_env: false,
        cpus: view.cpus,
        gpus: view.gpus_requested.clone(),
        priority: view.priority,
        after: vec![3, 5],
    };
    let dir = format!("/home/ada/.local/state/station/jobs/{}", view.id);
    JobDetail {
        view,
        spec,
        dir: dir.clone(),
        stdout_path: format!("{dir}/stdout.log"),
        stderr_path: format!("{dir}/stderr.log"),
        shim_pid: Some(41_230),
        pgid: Some(41_231),
        master_port: Some(29_517),
        gpu_memory_by_gpu: BTreeMap::from([(0, 18 * GIB), (2, 19 * GIB)]),
        runs: 1,
    }
}

#[test]
fn jobs_table_at_80_columns() {
    let list = JobList {
        jobs: mixed_jobs(),
        finished_hidden: 0,
    };
    let table = list::render(&list, 80, NOW);
    for line in table.lines() {
        assert!(
            line.chars().count() <= 80,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    insta::assert_snapshot!(table);
}

#[test]
fn jobs_table_on_a_wide_terminal() {
    let list = JobList {
        jobs: mixed_jobs(),
        finished_hidden: 0,
    };
    insta::assert_snapshot!(list::render(&list, 160, NOW));
}

#[test]
fn jobs_table_with_finished_jobs_hidden() {
    let jobs: Vec<JobView> = mixed_jobs()
        .into_iter()
        .filter(|job| !job.state.is_terminal())
        .collect();
    let list = JobList {
        jobs,
        finished_hidden: 3,
    };
    insta::assert_snapshot!(list::render(&list, 80, NOW));
}

#[test]
fn an_empty_list_says_so() {
    let none = JobList {
        jobs: Vec::new(),
        finished_hidden: 1,
    };
    assert_eq!(
        list::render(&none, 80, NOW),
        "no jobs\n1 finished job not shown (--all)\n"
    );
}

#[test]
fn show_a_running_multi_gpu_job() {
    insta::assert_snapshot!(show::render(&detail(), NOW));
}

#[test]
fn show_a_queued_job_in_a_clean_environment() {
    let mut queued = detail_of(mixed_jobs().swap_remove(4));
    queued.spec.clean_env = true;
    queued.spec.env_set.clear();
    queued.spec.after.clear();
    (queued.shim_pid, queued.pgid, queued.master_port) = (None, None, None);
    queued.gpu_memory_by_gpu.clear();
    queued.runs = 0;
    insta::assert_snapshot!(show::render(&queued, NOW));
}

#[test]
fn show_a_killed_job_whose_logs_were_truncated() {
    let mut killed = detail_of(mixed_jobs().swap_remove(2));
    killed.view.logs_truncated = true;
    (killed.shim_pid, killed.pgid) = (None, None);
    killed.gpu_memory_by_gpu.clear();
    killed.runs = 2;
    let text = show::render(&killed, NOW);
    assert!(text.contains("killed by SIGKILL (signal 9)"), "{text}");
    assert!(text.contains("truncated"), "{text}");
    assert!(text.contains("runs:          2"), "{text}");
}

#[test]
fn cancel_says_what_happened_to_each_job() {
    let outcomes = [
        (3, CancelAction::Dequeued),
        (4, CancelAction::Terminating { grace_secs: 10 }),
        (5, CancelAction::Killed),
        (
            6,
            CancelAction::AlreadyEnded {
                state: JobState::Succeeded,
            },
        ),
    ]
    .map(|(id, action)| CancelOutcome { id, action });
    insta::assert_snapshot!(cancel::render(&outcomes), @r"
    job 3: dequeued (it had not started)
    job 4: SIGTERM sent, SIGKILL in 10 s if it is still running
    job 5: killed (SIGKILL sent)
    job 6: already ended (succeeded)
    ");
}

fn agent_error(code: ErrorCode, message: &str) -> anyhow::Error {
    anyhow::Error::new(ClientError::Agent {
        code,
        message: message.into(),
    })
}

#[test]
fn bad_input_exits_2_and_other_failures_1() {
    assert_eq!(exit_code(&BadInput("invalid --env".into()).into()), 2);
    assert_eq!(
        exit_code(&agent_error(ErrorCode::NotFound, "unknown job 99")),
        2
    );
    assert_eq!(
        exit_code(&agent_error(ErrorCode::InvalidRequest, "needs 9 GPUs")),
        2
    );
    let wrapped = agent_error(ErrorCode::NotFound, "unknown job 99").context("cannot wait");
    assert_eq!(exit_code(&wrapped), 2);
    assert_eq!(
        exit_code(&agent_error(ErrorCode::Internal, "disk I/O error")),
        1
    );
    assert_eq!(exit_code(&ClientError::Closed.into()), 1);
    assert_eq!(exit_code(&anyhow::anyhow!("cannot write to stdout")), 1);
}

#[test]
fn refusals_are_worded_by_the_agent_and_unknown_jobs_say_where_to_look() {
    assert_eq!(
        describe(&agent_error(ErrorCode::NotFound, "unknown job 99")),
        "unknown job 99 (`station jobs --all` lists the jobs there are)"
    );
    assert_eq!(
        describe(&agent_error(
            ErrorCode::InvalidRequest,
            "needs 9 GPUs, the instance has 4"
        )),
        "needs 9 GPUs, the instance has 4"
    );
    let internal = describe(&agent_error(ErrorCode::Internal, "disk I/O error"));
    assert!(internal.contains("disk I/O error"), "{internal}");
}

#[test]
fn wait_exits_with_the_first_job_that_did_not_succeed() {
    let ok = |id| {
        let mut view = job(id, JobState::Succeeded, "true");
        view.exit_code = Some(0);
        view
    };
    let mut failed = job(2, JobState::Failed, "false");
    failed.exit_code = Some(3);
    let mut killed = job(3, JobState::Failed, "sleep");
    killed.signal = Some(15);
    let never_ran = job(4, JobState::Cancelled, "x");
    let mut trapped = job(5, JobState::Cancelled, "trap");
    trapped.exit_code = Some(0);

    assert_eq!(wait::exit_code(&[ok(1), ok(6)]), 0);
    assert_eq!(wait::exit_code(&[ok(1), failed.clone(), killed.clone()]), 3);
    assert_eq!(wait::exit_code(&[killed, failed]), 128 + 15);
    assert_eq!(wait::exit_code(&[never_ran]), 1);
    assert_eq!(
        wait::exit_code(&[trapped]),
        1,
        "cancelled with 0 is still not success"
    );
}

#[test]
fn wait_applies_changes_to_its_jobs_and_refetches_after_a_resync() {
    let mut latest = BTreeMap::from([
        (5, job(5, JobState::Running, "a")),
        (6, job(6, JobState::Queued, "b")),
    ]);
    let event = |subscription, body| ServerMsg::Event { subscription, body };
    let update = |changed| {
        Event::Jobs(Box::new(JobsUpdate {
            changed,
            capacity: None,
        }))
    };

    let other_job = update(vec![job(9, JobState::Failed, "c")]);
    assert_eq!(
        wait::apply(&mut latest, 4, event(4, other_job)).unwrap(),
        wait::Step::Continue
    );
    assert_eq!(latest.len(), 2, "jobs not waited for are ignored");

    let other_subscription = update(vec![job(5, JobState::Failed, "a")]);
    wait::apply(&mut latest, 4, event(3, other_subscription)).unwrap();
    assert_eq!(latest[&5].state, JobState::Running);

    wait::apply(
        &mut latest,
        4,
        event(4, update(vec![job(5, JobState::Succeeded, "a")])),
    )
    .unwrap();
    assert_eq!(latest[&5].state, JobState::Succeeded);

    let snapshot = JobsSnapshot {
        jobs: vec![job(6, JobState::Running, "b")],
        capacity: Default::default(),
    };
    let step = wait::apply(
        &mut latest,
        4,
        event(4, Event::JobsResync(Box::new(snapshot))),
    )
    .unwrap();
    assert_eq!(step, wait::Step::Refetch(vec![5]));
    assert_eq!(latest[&6].state, JobState::Running);

    let closed = ServerMsg::Error {
        id: None,
        code: ErrorCode::Internal,
        message: "the agent is stopping".into(),
    };
    assert!(wait::apply(&mut latest, 4, closed).is_err());
}

#[test]
fn state_filters_parse_and_finished_states_imply_all() {
    use clap::Parser;

    use crate::cli::{Cli, Command};
    let parse = |args: &[&str]| match Cli::try_parse_from(["station", "jobs"].iter().chain(args)) {
        Ok(Cli {
            command: Some(Command::Job(JobVerb::Jobs(args))),
            ..
        }) => Ok(args),
        Ok(other) => panic!("parsed as {other:?}"),
        Err(error) => Err(error),
    };
    let running = parse(&["--state", "running", "--state", "queued"]).unwrap();
    assert_eq!(
        running.filter().states,
        [JobState::Running, JobState::Queued]
    );
    assert!(!running.filter().all);
    assert!(parse(&["--state", "failed"]).unwrap().filter().all);
    assert!(parse(&["--state", "done"]).is_err());
}

#[test]
fn the_command_line_definition_is_consistent() {
    use clap::CommandFactory;
    crate::cli::Cli::command().debug_assert();
}
