//! A job's files and what `probe` concludes from the lock and the status file.

use std::os::unix::fs::PermissionsExt;

use nix::fcntl::{Flock, FlockArg};

use super::*;
use crate::agent::jobs::status::write_in_place;

fn temp_job() -> (tempfile::TempDir, JobDir) {
    let root = tempfile::tempdir().unwrap();
    let dir = JobDir::new(&root.path().join("jobs"), 12);
    dir.create().unwrap();
    (root, dir)
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn write_status(dir: &JobDir, status: &ShimStatus) {
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.status_path())
        .unwrap();
    write_in_place(&file, status).unwrap();
}

fn status(phase: Phase) -> ShimStatus {
    ShimStatus {
        phase,
        ..ShimStatus::starting(99)
    }
}

#[test]
fn the_files_are_private_and_named_by_the_id() {
    let (root, dir) = temp_job();
    assert_eq!(dir.prefix(), root.path().join("jobs/12"));
    assert_eq!(dir.folder(), root.path().join("jobs"));
    assert_eq!(mode(dir.folder()), 0o700);
    dir.create().unwrap();
    assert_eq!(
        dir.log_path(LogStream::Stderr),
        root.path().join("jobs/12.stderr.log")
    );
    assert_eq!(dir.status_path(), root.path().join("jobs/12.status"));
    assert_eq!(
        dir.previous_log_path(LogStream::Stdout),
        root.path().join("jobs/12.stdout.prev.log")
    );
    let log = open_append_private(&dir.log_path(LogStream::Stdout)).unwrap();
    drop(log);
    assert_eq!(mode(&dir.log_path(LogStream::Stdout)), 0o600);
}

#[test]
fn a_launch_round_trips_and_a_broken_one_is_refused() {
    let launch = Launch {
        job: 12,
        prefix: PathBuf::from("/state/jobs/12"),
        run: 1,
        argv: vec!["python".into(), "train.py".into()],
        cwd: "/srv".into(),
        env: BTreeMap::from([("A".into(), "1".into())]),
    };
    let json = launch.to_json().unwrap();
    assert_eq!(Launch::read_from(json.as_slice()).unwrap(), launch);
    for broken in [&b""[..], b"{", b"{}"] {
        let error = Launch::read_from(broken).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    }
}

#[test]
fn a_fresh_folder_never_started() {
    let (_root, dir) = temp_job();
    assert_eq!(dir.read_status().unwrap(), None);
    assert_eq!(dir.probe().unwrap(), Probe::NeverStarted);
    let nowhere = JobDir::new(Path::new("/nonexistent-station-test"), 1);
    assert_eq!(nowhere.probe().unwrap(), Probe::NeverStarted);
}

#[test]
fn an_unlocked_folder_is_judged_by_its_status() {
    let (_root, dir) = temp_job();
    write_status(&dir, &status(Phase::Starting));
    assert_eq!(dir.probe().unwrap(), Probe::NeverStarted);
    write_status(&dir, &status(Phase::Running));
    assert_eq!(
        dir.probe().unwrap(),
        Probe::Vanished(Some(status(Phase::Running)))
    );
    write_status(&dir, &status(Phase::Exited));
    assert_eq!(dir.probe().unwrap(), Probe::Exited(status(Phase::Exited)));
    assert_eq!(
        fs::metadata(dir.status_path()).unwrap().len(),
        crate::agent::jobs::status::STATUS_FILE_SIZE as u64
    );
    fs::write(dir.status_path(), "{ not json").unwrap();
    assert_eq!(dir.probe().unwrap(), Probe::Vanished(None));
}

#[test]
fn a_held_lock_means_alive_whatever_the_status_says() {
    let (_root, dir) = temp_job();
    let lock = File::create(dir.status_path()).unwrap();
    let held = Flock::lock(lock, FlockArg::LockExclusiveNonblock).unwrap();
    assert_eq!(dir.probe().unwrap(), Probe::Alive(None));
    write_status(&dir, &status(Phase::Running));
    assert_eq!(
        dir.probe().unwrap(),
        Probe::Alive(Some(status(Phase::Running)))
    );
    drop(held);
    assert!(matches!(dir.probe().unwrap(), Probe::Vanished(_)));
    // The probe let go of the lock: a shim could take it now.
    let again = File::open(dir.status_path()).unwrap();
    assert!(Flock::lock(again, FlockArg::LockExclusiveNonblock).is_ok());
}

#[test]
fn keep_previous_run_moves_the_logs_and_clears_the_run() {
    let (_root, dir) = temp_job();
    fs::write(dir.log_path(LogStream::Stdout), "out 1").unwrap();
    fs::write(dir.log_path(LogStream::Stderr), "err 1").unwrap();
    fs::write(dir.previous_log_path(LogStream::Stdout), "out 0").unwrap();
    write_status(&dir, &status(Phase::Exited));
    let status_inode = |d: &JobDir| {
        use std::os::unix::fs::MetadataExt;
        fs::metadata(d.status_path()).unwrap().ino()
    };
    let before = status_inode(&dir);
    dir.keep_previous_run().unwrap();
    assert_eq!(
        status_inode(&dir),
        before,
        "shims of the job must lock one file"
    );
    let read = |p: PathBuf| fs::read_to_string(p).unwrap();
    assert_eq!(read(dir.previous_log_path(LogStream::Stdout)), "out 1");
    assert_eq!(read(dir.previous_log_path(LogStream::Stderr)), "err 1");
    for gone in [
        dir.log_path(LogStream::Stdout),
        dir.log_path(LogStream::Stderr),
    ] {
        assert!(!gone.exists(), "{gone:?} is still there");
    }
    assert_eq!(fs::metadata(dir.status_path()).unwrap().len(), 0);
    assert_eq!(dir.probe().unwrap(), Probe::NeverStarted);
    // Nothing left to move is fine too.
    dir.keep_previous_run().unwrap();
    assert_eq!(read(dir.previous_log_path(LogStream::Stdout)), "out 1");
}
