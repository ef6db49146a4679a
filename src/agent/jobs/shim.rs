//! `station job-shim`: the small process that owns one job.
//!
//! The agent keeps one shim started ahead, waiting on its stdin, so that a job's start does
//! not wait for a process to start; when a job starts, the agent writes the job's launch
//! ([`super::dir::Launch`]) to that shim and starts the next spare. A shim runs in its own
//! session and outlives the agent. It does nothing else (no async runtime, no config, no
//! logging):
//!
//! 1. `setsid()`; SIGHUP, SIGINT and SIGPIPE are ignored; SIGTERM is forwarded to the job's
//!    process group.
//! 2. Read the [`Launch`] from stdin. None or a broken one (the agent went away before
//!    handing over a job): exit [`EXIT_STALE`].
//! 3. Take the lock on the job's status file (`flock`, without waiting). Held by someone
//!    else: exit [`EXIT_LOCKED`] having run nothing, so a job never runs twice. A status
//!    that says an earlier shim started the program: exit [`EXIT_ALREADY_RAN`]. Otherwise
//!    write the status `starting` (this allocates the status file's blocks).
//! 4. Start the program: the argv as given (no shell), exactly the launch environment, its
//!    working folder, stdin from `/dev/null`, in a process group of its own, and with a
//!    parent-death signal so it dies if the shim is killed. When it cannot start, the reason
//!    goes to the stderr log and the status records exit code 127 (not found) or 126.
//! 5. Status `running` with the program's pid; copy its output to `<id>.stdout.log` and
//!    `<id>.stderr.log` (appended, 0600, created at the first output: see `pump.rs`).
//! 6. When it ends (and its output is drained, waiting at most [`DRAIN_AFTER_EXIT`] for
//!    processes it left behind that hold the pipes), status `exited` with the exit code or
//!    signal, whether output was lost, and the time. Exit [`EXIT_RECORDED`].
//!
//! The shim's own exit code says only whether it did its part; the job's result is in the
//! status file. A shim that exits [`EXIT_LOCKED`] or [`EXIT_ALREADY_RAN`] lost a race to
//! another shim of the same job (one started by an agent that has since died, say): the
//! agent should then [`probe`](super::dir::JobDir::probe) the folder and adopt what it finds
//! rather than count the job as failed.

mod pump;

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, killpg, sigaction};
use nix::sys::wait::{Id, WaitPidFlag, waitid};
use nix::unistd::Pid;

use self::pump::Log;
use super::dir::{JobDir, Launch, Phase, ShimStatus};
use super::status::write_in_place;
use crate::proto::jobs::LogStream;

/// The job ran and its end is in the status file (or it could not start, and that is).
pub const EXIT_RECORDED: u8 = 0;
/// Nothing was run: the lock, the status file or the folder could not be used.
pub const EXIT_SETUP_FAILED: u8 = 2;
/// Nothing was run: another process holds the job's lock (a shim, or an agent's probe).
pub const EXIT_LOCKED: u8 = 3;
/// Nothing was run: the status file says an earlier shim already started the program.
pub const EXIT_ALREADY_RAN: u8 = 4;
/// The job ran but its end could not be written to the status file.
pub const EXIT_NOT_RECORDED: u8 = 5;
/// No launch came on stdin (the agent went away first): nothing was run or recorded.
pub const EXIT_STALE: u8 = 6;

/// How long the logs are still copied after the program exits, for processes it started
/// that keep its stdout or stderr open.
pub const DRAIN_AFTER_EXIT: Duration = Duration::from_secs(2);

/// The job's process group while the program runs (0 before it starts and once it ended).
static JOB_PGID: AtomicI32 = AtomicI32::new(0);
/// A SIGTERM came before the program started; it is passed on once it has.
static TERM_PENDING: AtomicBool = AtomicBool::new(false);

/// Runs the job in `dir` and records how it ended.
pub fn run() -> ExitCode {
    // Fails only when the shim already leads a process group, which is then its own.
    let _ = nix::unistd::setsid();
    if let Err(error) = install_signal_handlers() {
        eprintln!("station job-shim: cannot set up signals: {error}");
        return ExitCode::from(EXIT_SETUP_FAILED);
    }
    // Blocks until the agent hands this shim a job. Nothing (or a broken launch) means the
    // agent went away first: there is no job to run.
    let Ok(launch) = Launch::read_from(io::stdin().lock()) else {
        return ExitCode::from(EXIT_STALE);
    };
    let dir = JobDir::at(&launch.prefix);
    match run_job(&dir, &launch) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("station job-shim {}: {error}", dir.prefix().display());
            ExitCode::from(EXIT_SETUP_FAILED)
        }
    }
}

/// Steps 2–6 of the module documentation; an error means nothing was run.
fn run_job(dir: &JobDir, launch: &Launch) -> io::Result<u8> {
    let status_file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(dir.status_path())?;
    let status_file = match Flock::lock(status_file, FlockArg::LockExclusiveNonblock) {
        Ok(locked) => locked,
        Err((_, Errno::EWOULDBLOCK)) => return Ok(EXIT_LOCKED),
        Err((_, errno)) => return Err(errno.into()),
    };
    let mut previous = Vec::new();
    (&*status_file).read_to_end(&mut previous)?;
    match ShimStatus::decode(&previous) {
        Ok(None) => {}
        Ok(Some(earlier)) if earlier.phase == Phase::Starting => {}
        Ok(Some(_)) | Err(_) => return Ok(EXIT_ALREADY_RAN),
    }
    let mut status = ShimStatus::starting(std::process::id());
    write_in_place(&status_file, &status)?;

    let outcome = run_program(dir, launch, &status_file, &mut status);
    match outcome {
        Outcome::Ended {
            exit,
            logs_truncated,
        } => {
            status.exit_code = exit.code();
            status.signal = exit.signal();
            status.logs_truncated = logs_truncated;
        }
        Outcome::NotStarted { program, error } => {
            let message = format!("station: cannot run {program}: {error}");
            let logged = dir
                .open_log(LogStream::Stderr)
                .and_then(|mut log| writeln!(log, "{message}"))
                .is_ok();
            status.exit_code = Some(if error.kind() == io::ErrorKind::NotFound {
                127
            } else {
                126
            });
            status.logs_truncated = !logged;
            status.spawn_error = Some(message);
        }
    }
    status.phase = Phase::Exited;
    status.ended_at_ms = Some(now_ms());
    Ok(match write_in_place(&status_file, &status) {
        Ok(()) => EXIT_RECORDED,
        Err(_) => EXIT_NOT_RECORDED,
    })
}

/// How the program's run went.
enum Outcome {
    Ended {
        exit: ExitStatus,
        logs_truncated: bool,
    },
    NotStarted {
        /// `` `prog` ``, or "the job" when there is no program to name.
        program: String,
        error: io::Error,
    },
}

/// Starts the program, records it running, copies its output and waits for it.
fn run_program(
    dir: &JobDir,
    launch: &Launch,
    status_file: &File,
    status: &mut ShimStatus,
) -> Outcome {
    let program = match launch.argv.first() {
        Some(program) => format!("`{program}`"),
        None => "the job".into(),
    };
    let mut child = match spawn(launch) {
        Ok(child) => child,
        Err(error) => return Outcome::NotStarted { program, error },
    };
    let pid = child.id();
    let pgid = i32::try_from(pid).unwrap_or(0);
    JOB_PGID.store(pgid, Ordering::SeqCst);
    if TERM_PENDING.swap(false, Ordering::SeqCst) {
        let _ = killpg(Pid::from_raw(pgid), Signal::SIGTERM);
    }
    status.phase = Phase::Running;
    status.child_pid = Some(pid);
    // Should this fail, the program still runs: the logs and the final write are what count.
    let _ = write_in_place(status_file, status);

    let pumps = pump::start(
        child.stdout.take(),
        Log::Later(dir.log_path(LogStream::Stdout)),
        child.stderr.take(),
        Log::Later(dir.log_path(LogStream::Stderr)),
    );
    let exit = wait_for_exit(&mut child, pgid);
    let logs_truncated = pumps.finish(DRAIN_AFTER_EXIT);
    Outcome::Ended {
        exit,
        logs_truncated,
    }
}

fn spawn(launch: &Launch) -> io::Result<Child> {
    let Some((program, args)) = launch.argv.split_first() else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the command is empty",
        ));
    };
    match std::fs::metadata(&launch.cwd) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(io::Error::other(format!(
                "its working folder {} is not a folder",
                launch.cwd
            )));
        }
        Err(error) => {
            return Err(io::Error::other(format!(
                "cannot enter its working folder {}: {error}",
                launch.cwd
            )));
        }
    }
    let shim_pid = nix::unistd::getpid();
    let mut command = Command::new(program);
    command
        .args(args)
        .env_clear()
        .envs(&launch.env)
        .current_dir(&launch.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: the closure runs in the forked child before exec. The shim is single-threaded
    // at this point (the log pumps start after the spawn), and the closure only makes
    // async-signal-safe system calls (prctl, getppid, sigaction) and allocates nothing, not
    // even for its error.
    unsafe {
        command.pre_exec(move || {
            // The program dies with the shim: never an orphan running beside a rerun.
            nix::sys::prctl::set_pdeathsig(Signal::SIGKILL)?;
            // The shim may have died before the line above took effect.
            if nix::unistd::getppid() != shim_pid {
                return Err(Errno::ESRCH.into());
            }
            // The shim ignores these; the program starts with the defaults, as from a shell.
            let default = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
            for signal in [Signal::SIGHUP, Signal::SIGINT, Signal::SIGPIPE] {
                sigaction(signal, &default)?;
            }
            Ok(())
        });
    }
    command.spawn()
}

/// Waits until the program ends. Its process group stops being signalled before it is
/// reaped, so a forwarded SIGTERM can never reach a reused pid.
fn wait_for_exit(child: &mut Child, pid: i32) -> ExitStatus {
    let pid = Pid::from_raw(pid);
    while let Err(Errno::EINTR) = waitid(Id::Pid(pid), WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT)
    {
    }
    JOB_PGID.store(0, Ordering::SeqCst);
    loop {
        match child.wait() {
            Ok(exit) => return exit,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            // Only possible if someone else reaped it: report it as killed.
            Err(_) => return ExitStatus::from_raw(Signal::SIGKILL as i32),
        }
    }
}

fn install_signal_handlers() -> nix::Result<()> {
    let ignore = SigAction::new(SigHandler::SigIgn, SaFlags::empty(), SigSet::empty());
    let forward = SigAction::new(
        SigHandler::Handler(forward_sigterm),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    // SAFETY: ignoring signals, and a handler that only reads and writes atomics and calls
    // kill(2), all async-signal-safe.
    unsafe {
        for signal in [Signal::SIGHUP, Signal::SIGINT, Signal::SIGPIPE] {
            sigaction(signal, &ignore)?;
        }
        sigaction(Signal::SIGTERM, &forward)?;
    }
    Ok(())
}

/// SIGTERM to the shim goes to the job's process group (or waits for the program to start).
extern "C" fn forward_sigterm(_: nix::libc::c_int) {
    let pgid = JOB_PGID.load(Ordering::SeqCst);
    if pgid > 0 {
        let _ = killpg(Pid::from_raw(pgid), Signal::SIGTERM);
    } else {
        TERM_PENDING.store(true, Ordering::SeqCst);
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
