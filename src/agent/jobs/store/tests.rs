//! Round trips of every store method on a real SQLite file, the cost of a large history, and
//! the files the store must refuse.

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::{JobEnd, Store};
use crate::proto::jobs::{GpuRequest, JobCommand, JobFilter, JobId, JobSpec, JobState};

fn spec(name: &str) -> JobSpec {
    JobSpec {
        name: Some(name.to_owned()),
        command: JobCommand::Argv(vec!["echo".into(), name.into()]),
        cwd: "/tmp".into(),
        env: BTreeMap::from([("PATH".into(), "/usr/bin:/bin".into())]),
        env_set: vec!["PATH".into()],
        clean_env: false,
        cpus: 2,
        gpus: GpuRequest::Ids(vec![0, 2]),
        priority: 3,
        after: vec![7],
    }
}

fn temp_store() -> (tempfile::TempDir, PathBuf, Store) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.db");
    let store = Store::open(&path).unwrap();
    (dir, path, store)
}

fn end(state: JobState, code: Option<i32>) -> JobEnd {
    JobEnd {
        state,
        ended_at_ms: 5_000,
        exit_code: code,
        signal: None,
        reason: None,
        logs_truncated: false,
    }
}

fn ids(jobs: &[super::StoredJob]) -> Vec<JobId> {
    jobs.iter().map(|job| job.id).collect()
}

#[test]
fn a_job_goes_through_its_whole_life_and_survives_reopening() {
    let (_dir, path, mut store) = temp_store();
    let id = store.insert(&spec("a"), 1_000).unwrap();
    assert_eq!(id, 1);
    let queued = store.get(id).unwrap().unwrap();
    assert_eq!(queued.state, JobState::Queued);
    assert_eq!(queued.spec, spec("a"));
    assert_eq!(queued.submitted_at_ms, 1_000);
    assert_eq!((queued.runs, queued.gpus.clone()), (0, vec![]));

    store
        .mark_running(id, 2_000, &[0, 2], Some(29_500))
        .unwrap();
    store.set_shim_pid(id, 4242).unwrap();
    store.request_cancel(id, Some(12_000)).unwrap();
    let running = store.get(id).unwrap().unwrap();
    assert_eq!(running.state, JobState::Running);
    assert_eq!(running.started_at_ms, Some(2_000));
    assert_eq!(running.gpus, vec![0, 2]);
    assert_eq!(running.master_port, Some(29_500));
    assert_eq!(running.shim_pid, Some(4242));
    assert!(running.cancel_requested);
    assert_eq!(running.kill_deadline_ms, Some(12_000));
    assert_eq!(running.runs, 1);

    let ending = JobEnd {
        state: JobState::Cancelled,
        ended_at_ms: 3_000,
        exit_code: None,
        signal: Some(15),
        reason: Some("cancelled".into()),
        logs_truncated: true,
    };
    store.finish(id, &ending).unwrap();
    drop(store);

    let store = Store::open(&path).unwrap();
    let ended = store.get(id).unwrap().unwrap();
    assert_eq!(ended.state, JobState::Cancelled);
    assert_eq!(ended.ended_at_ms, Some(3_000));
    assert_eq!((ended.exit_code, ended.signal), (None, Some(15)));
    assert_eq!(ended.reason.as_deref(), Some("cancelled"));
    assert!(ended.logs_truncated);
    assert_eq!(
        ended.kill_deadline_ms, None,
        "a finished job has no kill deadline"
    );
    assert_eq!(store.get(99).unwrap(), None);
}

#[test]
fn requeue_clears_the_last_run_but_counts_it() {
    let (_dir, _path, mut store) = temp_store();
    let id = store.insert(&spec("a"), 1_000).unwrap();
    store.mark_running(id, 2_000, &[1], Some(30_000)).unwrap();
    store.set_shim_pid(id, 77).unwrap();
    store.request_cancel(id, None).unwrap();
    store.finish(id, &end(JobState::Failed, Some(3))).unwrap();
    store.requeue(id).unwrap();
    let job = store.get(id).unwrap().unwrap();
    assert_eq!(job.state, JobState::Queued);
    assert_eq!(job.runs, 1);
    assert_eq!(job.submitted_at_ms, 1_000);
    assert_eq!(job.spec, spec("a"));
    assert_eq!(
        (
            job.started_at_ms,
            job.ended_at_ms,
            job.exit_code,
            job.signal
        ),
        (None, None, None, None)
    );
    assert_eq!(
        (job.gpus, job.shim_pid, job.master_port),
        (vec![], None, None)
    );
    assert!(!job.cancel_requested && !job.logs_truncated);
    store.mark_running(id, 4_000, &[], None).unwrap();
    assert_eq!(store.get(id).unwrap().unwrap().runs, 2);
}

#[test]
fn changing_a_job_that_does_not_exist_is_an_error() {
    let (_dir, path, mut store) = temp_store();
    let error = store.mark_running(5, 1, &[], None).unwrap_err();
    assert_eq!(error.path, path);
    assert!(error.reason.contains("no such job"), "{error}");
    assert!(store.set_shim_pid(5, 1).is_err());
    assert!(store.finish(5, &end(JobState::Failed, Some(1))).is_err());
    assert!(store.request_cancel(5, None).is_err());
    assert!(store.requeue(5).is_err());
}

#[test]
fn ids_are_never_reused_even_after_the_newest_job_is_deleted() {
    let (_dir, path, mut store) = temp_store();
    for _ in 0..3 {
        store.insert(&spec("a"), 1).unwrap();
    }
    store
        .conn
        .execute("DELETE FROM jobs WHERE id = 3", [])
        .unwrap();
    drop(store);
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.insert(&spec("b"), 2).unwrap(), 4);
}

/// Jobs 1..=7: 1 succeeded, 2 queued, 3 failed, 4 running, 5 cancelled, 6 succeeded, 7 queued.
fn mixed_store() -> (tempfile::TempDir, Store) {
    let (dir, _path, mut store) = temp_store();
    let outcomes = [
        Some(JobState::Succeeded),
        None,
        Some(JobState::Failed),
        Some(JobState::Running),
        Some(JobState::Cancelled),
        Some(JobState::Succeeded),
        None,
    ];
    for outcome in outcomes {
        let id = store.insert(&spec("m"), 1).unwrap();
        match outcome {
            None => {}
            Some(JobState::Running) => store.mark_running(id, 2, &[], None).unwrap(),
            Some(state) => store.finish(id, &end(state, Some(0))).unwrap(),
        }
    }
    (dir, store)
}

#[test]
fn load_active_returns_queued_and_running_jobs_in_id_order() {
    let (_dir, store) = mixed_store();
    assert_eq!(ids(&store.load_active().unwrap()), vec![2, 4, 7]);
}

#[test]
fn list_follows_all_states_and_limit() {
    let (_dir, store) = mixed_store();
    let list = |filter: JobFilter| {
        let (jobs, hidden) = store.list(&filter).unwrap();
        (ids(&jobs), hidden)
    };
    assert_eq!(list(JobFilter::default()), (vec![2, 4, 7], 4));
    let all = JobFilter {
        all: true,
        ..JobFilter::default()
    };
    assert_eq!(list(all.clone()), (vec![1, 2, 3, 4, 5, 6, 7], 0));
    let limited = JobFilter {
        limit: Some(2),
        ..all
    };
    assert_eq!(list(limited), (vec![2, 4, 5, 6, 7], 2));
    let succeeded = JobFilter {
        states: vec![JobState::Succeeded],
        ..JobFilter::default()
    };
    assert_eq!(list(succeeded), (vec![1, 6], 0));
    let some = JobFilter {
        states: vec![JobState::Running, JobState::Failed, JobState::Succeeded],
        limit: Some(1),
        ..JobFilter::default()
    };
    assert_eq!(list(some), (vec![4, 6], 2));
    let queued = JobFilter {
        states: vec![JobState::Queued],
        ..JobFilter::default()
    };
    assert_eq!(list(queued), (vec![2, 7], 0));
}

#[test]
fn recent_finished_gives_the_newest_in_ascending_order() {
    let (_dir, store) = mixed_store();
    assert_eq!(ids(&store.recent_finished(3).unwrap()), vec![3, 5, 6]);
    assert_eq!(ids(&store.recent_finished(100).unwrap()), vec![1, 3, 5, 6]);
    assert!(store.recent_finished(0).unwrap().is_empty());
}

#[test]
fn states_of_answers_in_the_order_asked_with_none_for_unknown_ids() {
    let (_dir, store) = mixed_store();
    assert_eq!(
        store.states_of(&[4, 99, 1, 2]).unwrap(),
        vec![
            (4, Some(JobState::Running)),
            (99, None),
            (1, Some(JobState::Succeeded)),
            (2, Some(JobState::Queued)),
        ]
    );
}

#[test]
fn insert_and_load_active_stay_flat_with_ten_thousand_finished_jobs() {
    let (_dir, path, mut store) = temp_store();
    let started = Instant::now();
    store.conn.execute_batch("BEGIN").unwrap();
    for i in 0..10_000 {
        let id = store.insert(&spec("old"), i).unwrap();
        store
            .finish(id, &end(JobState::Succeeded, Some(0)))
            .unwrap();
    }
    store.conn.execute_batch("COMMIT").unwrap();
    eprintln!("10,000 finished jobs written in {:?}", started.elapsed());
    drop(store);

    let started = Instant::now();
    let mut store = Store::open(&path).unwrap();
    eprintln!(
        "open (with quick_check) of 10,000 jobs: {:?}",
        started.elapsed()
    );
    let started = Instant::now();
    for i in 0..200 {
        store.insert(&spec("new"), 20_000 + i).unwrap();
    }
    eprintln!(
        "insert with 10,000 finished: {:?} each",
        started.elapsed() / 200
    );
    let started = Instant::now();
    let active = store.load_active().unwrap();
    eprintln!("load_active of 200 among 10,200: {:?}", started.elapsed());
    assert_eq!(active.len(), 200);
    assert_eq!(active.first().unwrap().id, 10_001);
    let (jobs, hidden) = store.list(&JobFilter::default()).unwrap();
    assert_eq!((jobs.len(), hidden), (200, 10_000));
    let started = Instant::now();
    let recent = store.recent_finished(50).unwrap();
    eprintln!("recent_finished(50) among 10,000: {:?}", started.elapsed());
    assert_eq!(ids(&recent), (9_951..=10_000).collect::<Vec<_>>());

    // The planner answers both through the state index, never by scanning the table.
    let plan: Vec<String> = store
        .conn
        .prepare("EXPLAIN QUERY PLAN SELECT id FROM jobs WHERE state = 'queued' ORDER BY id")
        .unwrap()
        .query_map([], |row| row.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        plan.iter().any(|step| step.contains("jobs_by_state")),
        "{plan:?}"
    );
}

fn open_error(path: &Path) -> String {
    let error = Store::open(path).unwrap_err();
    assert_eq!(error.path, path);
    eprintln!("refused as it should be: {error}");
    error.to_string()
}

#[test]
fn garbage_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.db");
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&path, &garbage).unwrap();
    let message = open_error(&path);
    assert!(message.contains("not a Station job database"), "{message}");
    assert!(message.contains("move it away"), "{message}");
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        garbage,
        "the file was changed"
    );
}

#[test]
fn a_damaged_page_is_found_by_the_quick_check() {
    let (_dir, path, mut store) = temp_store();
    for i in 0..500 {
        store
            .insert(&spec("some padding to fill pages"), i)
            .unwrap();
    }
    store
        .conn
        .pragma_update(None, "wal_checkpoint", "TRUNCATE")
        .unwrap();
    drop(store);
    let mut bytes = std::fs::read(&path).unwrap();
    let page = 4096;
    assert!(bytes.len() > 6 * page);
    for byte in &mut bytes[3 * page..3 * page + 64] {
        *byte = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let message = open_error(&path);
    assert!(message.contains("corrupt"), "{message}");
    assert!(message.contains("move it away"), "{message}");
}

#[test]
fn a_newer_schema_is_refused() {
    let (_dir, path, store) = temp_store();
    store.conn.pragma_update(None, "user_version", 7).unwrap();
    drop(store);
    let message = open_error(&path);
    assert!(message.contains("newer Station"), "{message}");
    assert!(message.contains("schema version 7"), "{message}");
    let version: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap();
    assert_eq!(version, 7, "the file was changed");
}

#[test]
fn someone_elses_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE notes (body TEXT)")
        .unwrap();
    let message = open_error(&path);
    assert!(message.contains("not Station's"), "{message}");
}

#[test]
fn a_path_under_a_file_cannot_be_opened() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain");
    std::fs::write(&file, "x").unwrap();
    let message = open_error(&file.join("jobs.db"));
    assert!(message.contains("cannot open it"), "{message}");
}

/// Set by [`files_it_cannot_write_are_refused`] for the copy of this test binary it runs as
/// an unprivileged user: the stores to open, one per line.
const UNWRITABLE_ENV: &str = "STATION_TEST_UNWRITABLE_STORES";

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A read-only store file, and a writable one in a read-only folder (where SQLite cannot
/// create its WAL files): both refused with "cannot write" or "cannot read", naming the file.
#[test]
fn files_it_cannot_write_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    set_mode(dir.path(), 0o755);
    let mut paths = Vec::new();
    for (name, file_mode) in [("read-only-file", 0o644), ("read-only-folder", 0o666)] {
        let folder = dir.path().join(name);
        std::fs::create_dir(&folder).unwrap();
        let path = folder.join("jobs.db");
        Store::open(&path).unwrap();
        set_mode(&path, file_mode);
        set_mode(&folder, 0o755);
        paths.push(path);
    }
    let expected = |message: &str, path: &Path| {
        assert!(
            message.contains("cannot write") || message.contains("cannot read"),
            "{message}"
        );
        assert!(message.contains("nothing was changed"), "{message}");
        assert!(message.contains(&path.display().to_string()), "{message}");
    };
    if !nix::unistd::geteuid().is_root() {
        set_mode(&paths[0], 0o444);
        for path in &paths {
            expected(&open_error(path), path);
        }
        return;
    }
    // Root ignores permission bits, so the opens run in this test binary as user `nobody`.
    let nobody = nix::unistd::User::from_name("nobody").unwrap().unwrap();
    let list: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "agent::jobs::store::tests::open_as_another_user",
            "--ignored",
            "--nocapture",
        ])
        .env(UNWRITABLE_ENV, list.join("\n"))
        .uid(nobody.uid.as_raw())
        .gid(nobody.gid.as_raw())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("1 passed"),
        "the helper did not run: {stdout}"
    );
    let refusals: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("job store"))
        .collect();
    assert_eq!(refusals.len(), paths.len(), "{stderr}");
    for (message, path) in refusals.iter().zip(&paths) {
        eprintln!("refused as user nobody: {message}");
        expected(message, path);
    }
}

/// The other half of [`files_it_cannot_write_are_refused`]: prints each refusal.
#[test]
#[ignore = "run by files_it_cannot_write_are_refused as another user"]
fn open_as_another_user() {
    let Ok(paths) = std::env::var(UNWRITABLE_ENV) else {
        return;
    };
    for path in paths.lines() {
        let error = Store::open(Path::new(path)).unwrap_err();
        eprintln!("{error}");
    }
}
