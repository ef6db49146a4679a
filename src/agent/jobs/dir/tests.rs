//! The job folder's files and what `probe` concludes from the lock and the status file.

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
fn the_folder_is_private_and_named_by_the_id() {
    let (root, dir) = temp_job();
    assert_eq!(dir.path(), root.path().join("jobs/12"));
    assert_eq!(mode(dir.path()), 0o700);
    assert_eq!(mode(&root.path().join("jobs")), 0o700);
    dir.create().unwrap();
    assert_eq!(
        dir.log_path(LogStream::Stderr),
        root.path().join("jobs/12/stderr.log")
    );
}

#[test]
fn the_launch_file_round_trips_privately_without_leftovers() {
    let (_root, dir) = temp_job();
    let launch = Launch {
        job: 12,
        run: 1,
        argv: vec!["python".into(), "train.py".into()],
        cwd: "/srv".into(),
        env: BTreeMap::from([("A".into(), "1".into())]),
    };
    dir.write_launch(&launch).unwrap();
    dir.write_launch(&launch).unwrap();
    assert_eq!(dir.read_launch().unwrap(), launch);
    assert_eq!(mode(&dir.launch_path()), 0o600);
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from(LAUNCH_FILE)]);
}

#[test]
fn a_missing_or_broken_launch_file_is_an_error_naming_it() {
    let (_root, dir) = temp_job();
    let missing = dir.read_launch().unwrap_err();
    assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    assert!(missing.to_string().contains("launch.json"), "{missing}");
    fs::write(dir.launch_path(), "{").unwrap();
    let broken = dir.read_launch().unwrap_err();
    assert_eq!(broken.kind(), io::ErrorKind::InvalidData);
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
    fs::write(dir.launch_path(), "{}").unwrap();
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
    for gone in [dir.log_path(LogStream::Stdout), dir.launch_path()] {
        assert!(!gone.exists(), "{gone:?} is still there");
    }
    assert_eq!(fs::metadata(dir.status_path()).unwrap().len(), 0);
    assert_eq!(dir.probe().unwrap(), Probe::NeverStarted);
    // Nothing left to move is fine too.
    dir.keep_previous_run().unwrap();
    assert_eq!(read(dir.previous_log_path(LogStream::Stdout)), "out 1");
}
