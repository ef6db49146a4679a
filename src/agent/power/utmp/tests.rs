use std::ffi::CString;
use std::process::Command;

use super::*;

/// One record in the file format, written field by field at glibc's offsets.
fn record(kind: i16, pid: i32, tty: &str, user: &str, host: &str, seconds: i64) -> Vec<u8> {
    let mut bytes = vec![0u8; RECORD_LEN];
    bytes[TYPE_AT..TYPE_AT + 2].copy_from_slice(&kind.to_ne_bytes());
    bytes[PID_AT..PID_AT + 4].copy_from_slice(&pid.to_ne_bytes());
    for ((at, len), value) in [(LINE, tty), (USER, user), (HOST, host)] {
        let value = &value.as_bytes()[..value.len().min(len)];
        bytes[at..at + value.len()].copy_from_slice(value);
    }
    if SECONDS_LEN == 8 {
        bytes[SECONDS_AT..SECONDS_AT + 8].copy_from_slice(&seconds.to_ne_bytes());
    } else {
        let seconds = i32::try_from(seconds).unwrap();
        bytes[SECONDS_AT..SECONDS_AT + 4].copy_from_slice(&seconds.to_ne_bytes());
    }
    bytes
}

fn user_process(pid: i32, tty: &str, host: &str) -> Vec<u8> {
    record(libc::USER_PROCESS, pid, tty, "alice", host, 1_700_000_000)
}

/// The pid of a child that has exited and been reaped.
fn dead_pid() -> i32 {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = i32::try_from(child.id()).unwrap();
    child.wait().unwrap();
    pid
}

#[test]
#[cfg(all(target_arch = "x86_64", target_env = "gnu"))]
fn layout_is_glibcs_on_x86_64() {
    assert_eq!(RECORD_LEN, 384);
    assert_eq!((TYPE_AT, PID_AT), (0, 4));
    assert_eq!((LINE, USER, HOST), ((8, 32), (44, 32), (76, 256)));
    assert_eq!((SECONDS_AT, SECONDS_LEN), (340, 4));
}

#[test]
fn live_user_processes_count_and_dead_ones_do_not() {
    let mut bytes = user_process(100, "pts/0", "10.0.0.7");
    bytes.extend(user_process(200, "pts/1", "laptop.example"));
    bytes.extend(user_process(300, "tty1", ""));
    let sessions = parse_sessions(&bytes, |pid| pid != 200);
    assert_eq!(sessions.sessions.len(), 2);
    assert_eq!((sessions.remote_count(), sessions.local_count()), (1, 1));
    assert_eq!(
        sessions.sessions[0],
        LoginSession {
            user: "alice".into(),
            tty: "pts/0".into(),
            host: "10.0.0.7".into(),
            pid: 100,
            login_ms: 1_700_000_000_000,
        }
    );
    assert_eq!(sessions.sessions[1].tty, "tty1");
    assert_eq!(sessions.ignored_tail_bytes, 0);
}

#[test]
fn other_record_kinds_are_not_sessions() {
    let mut bytes = record(libc::BOOT_TIME, 0, "~", "reboot", "6.8.0", 1_700_000_000);
    bytes.extend(record(
        libc::RUN_LVL,
        53,
        "~",
        "runlevel",
        "",
        1_700_000_000,
    ));
    bytes.extend(record(
        libc::LOGIN_PROCESS,
        400,
        "tty2",
        "LOGIN",
        "",
        1_700_000_000,
    ));
    bytes.extend(record(
        libc::DEAD_PROCESS,
        500,
        "pts/3",
        "",
        "",
        1_700_000_000,
    ));
    let sessions = parse_sessions(&bytes, |_| true);
    assert!(sessions.sessions.is_empty());
}

#[test]
fn full_width_fields_are_read_without_a_terminator() {
    let user = "u".repeat(USER.1);
    let bytes = record(libc::USER_PROCESS, 7, "pts/9", &user, "", 0);
    let sessions = parse_sessions(&bytes, |_| true);
    assert_eq!(sessions.sessions[0].user, user);
}

#[test]
fn a_truncated_last_record_is_left_out() {
    let mut bytes = user_process(100, "pts/0", "10.0.0.7");
    let partial = user_process(200, "pts/1", "10.0.0.8");
    bytes.extend(&partial[..RECORD_LEN / 2]);
    let sessions = parse_sessions(&bytes, |_| true);
    assert_eq!(sessions.sessions.len(), 1);
    assert_eq!(sessions.ignored_tail_bytes, RECORD_LEN / 2);
}

#[test]
fn a_real_file_keeps_only_sessions_with_a_living_process() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("utmp");
    let me = i32::try_from(std::process::id()).unwrap();
    let mut bytes = user_process(me, "pts/0", "10.0.0.7");
    bytes.extend(user_process(dead_pid(), "pts/1", "10.0.0.8"));
    bytes.extend(record(libc::DEAD_PROCESS, me, "pts/2", "", "", 0));
    std::fs::write(&path, bytes).unwrap();
    let sessions = read_sessions(&path).unwrap();
    assert_eq!(sessions.sessions.len(), 1);
    assert_eq!(sessions.sessions[0].pid, me);
}

#[test]
fn a_missing_or_empty_file_means_no_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let missing = read_sessions(&dir.path().join("utmp")).unwrap();
    assert_eq!(missing, LoginSessions::default());
    let empty = dir.path().join("empty");
    std::fs::write(&empty, b"").unwrap();
    assert_eq!(read_sessions(&empty).unwrap(), LoginSessions::default());
}

#[test]
fn an_unreadable_path_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let error = read_sessions(dir.path()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains(&dir.path().display().to_string())
    );
}

#[test]
fn pids_are_alive_or_not() {
    assert!(pid_alive(i32::try_from(std::process::id()).unwrap()));
    assert!(pid_alive(1), "pid 1 exists (EPERM counts as alive)");
    assert!(!pid_alive(dead_pid()));
    assert!(!pid_alive(0));
    assert!(!pid_alive(-1));
}

/// A record written by glibc itself (`pututxline` into a private file) reads back: the
/// layout here is the C library's, not only this module's idea of it.
#[test]
#[cfg(target_env = "gnu")]
fn a_record_written_by_glibc_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("utmp");
    std::fs::write(&path, b"").unwrap();
    let c_path = CString::new(path.to_str().unwrap()).unwrap();
    let me = i32::try_from(std::process::id()).unwrap();
    let mut entry: utmpx = unsafe { std::mem::zeroed() };
    entry.ut_type = libc::USER_PROCESS;
    entry.ut_pid = me;
    for (field, value) in [
        (&mut entry.ut_line[..], "pts/4"),
        (&mut entry.ut_id[..], "ts/4"),
        (&mut entry.ut_user[..], "bob"),
        (&mut entry.ut_host[..], "192.0.2.1"),
    ] {
        for (slot, byte) in field.iter_mut().zip(value.bytes()) {
            *slot = byte as libc::c_char;
        }
    }
    entry.ut_tv.tv_sec = 1_700_000_123;
    // SAFETY: the path outlives the calls, `entry` is a fully initialised utmpx, and no other
    // code in this test process uses the utmp functions (their state is process-wide).
    let written = unsafe {
        assert_eq!(libc::utmpxname(c_path.as_ptr()), 0);
        libc::setutxent();
        let written = !libc::pututxline(&entry).is_null();
        libc::endutxent();
        written
    };
    assert!(written, "glibc could not write {}", path.display());
    let sessions = read_sessions(&path).unwrap();
    assert_eq!(
        sessions.sessions,
        vec![LoginSession {
            user: "bob".into(),
            tty: "pts/4".into(),
            host: "192.0.2.1".into(),
            pid: me,
            login_ms: 1_700_000_123_000,
        }]
    );
}

/// The machine's own utmp parses (it may be missing: then there are no sessions).
#[test]
fn the_real_utmp_parses() {
    let sessions = read_sessions(Path::new(UTMP_PATH)).unwrap();
    assert!(sessions.sessions.iter().all(|session| session.pid > 0));
}
