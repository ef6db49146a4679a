//! Setup scripts: the creation script (once per machine) and the startup script (once per
//! boot), run by the agent, with their logs and status.
//!
//! - [`SetupRunner`]: started once when the agent starts; decides what is due, runs it in
//!   the background (creation before startup), and publishes a [`SetupStatus`] through a
//!   `watch` channel. Never blocks the agent: the decision reads two small files, the runs
//!   are tokio tasks.
//! - [`plan`]: what is due, from the configuration, the records and the boot id.
//! - [`record`]: `creation.json` / `startup.json` in the setup folder, written atomically, so
//!   the status survives agent restarts ("creation: done 3d ago").
//! - [`launch`]: how a script is started; [`group`]: its process group; [`log`]: its bounded
//!   log (`creation.log`, `startup.log`, the run before as `*.prev.log`) and [`read_log_tail`].
//!
//! **Once.** A creation run that completed (done, failed or timed out) is never run again;
//! neither is a startup run in the same boot (kernel boot id). A run the agent could not see
//! to its end is `interrupted` and is not run again by itself either: it may have done part
//! of its work, and running it twice could do harm. When the agent stops (SIGTERM, `station
//! agent stop`, the service stopping), the script's process group gets SIGTERM; when the
//! agent dies (`kill -9`, a crash), the next agent of the same boot kills (SIGKILL) what is
//! left of that group (only processes carrying `STATION_SETUP`, so a reused group id is
//! never touched). To run a script again, remove its record (`creation.json` or
//! `startup.json` in the setup folder) and restart the agent. A failed creation script does
//! not keep the startup script from running.
//!
//! **Two agents.** Only one agent runs per user (the pidfile lock is taken before anything
//! else), so two runners never race over the same setup folder.
//!
//! **Time limit.** `[setup] timeout` (default 15 minutes) from the script's start: then
//! SIGTERM to its process group, SIGKILL [`KILL_GRACE`] later if anything of it is left, and
//! the status is `timed out` once the group is gone. Processes a script leaves behind when
//! it ends normally (a startup script starting a server) are left alone.

pub mod group;
pub mod launch;
pub mod log;
pub mod plan;
pub mod record;
mod run;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

pub use self::log::{LogTail, log_path, previous_log_path, read_log_tail};
use self::run::ActiveRun;
use crate::config::setup::SetupConfig;
use crate::config::{Paths, ensure_private_dir};
pub use crate::proto::setup::{
    FailReason, Interruption, ScriptKind, ScriptState, ScriptStatus, SetupStatus,
};

/// Where Linux says which boot this is (a new random id at every boot).
pub const BOOT_ID_FILE: &str = "/proc/sys/kernel/random/boot_id";

/// SIGTERM → SIGKILL delay for a script past its time limit.
pub const KILL_GRACE: Duration = Duration::from_secs(5);

/// Where the runner finds and keeps things.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupSettings {
    /// `~/` in script paths, and the scripts' working folder.
    pub home: PathBuf,
    /// Records and logs (`$XDG_STATE_HOME/station/setup`).
    pub setup_dir: PathBuf,
    /// The kernel boot id ([`BOOT_ID_FILE`]; a plain file in tests).
    pub boot_id_file: PathBuf,
    /// SIGTERM → SIGKILL delay after a timeout ([`KILL_GRACE`]).
    pub kill_grace: Duration,
}

impl SetupSettings {
    /// The agent's settings: its setup folder, `HOME` (or the user's home from the password
    /// database), the kernel's boot id.
    pub fn for_agent(paths: &Paths) -> SetupSettings {
        SetupSettings {
            home: home_dir(),
            setup_dir: paths.setup_dir(),
            boot_id_file: PathBuf::from(BOOT_ID_FILE),
            kill_grace: KILL_GRACE,
        }
    }
}

/// `HOME` when it is an absolute path, else the home in the password database, else `/`.
pub fn home_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .filter(|home| home.is_absolute())
        .or_else(|| {
            nix::unistd::User::from_uid(nix::unistd::geteuid())
                .ok()
                .flatten()
                .map(|user| user.dir)
        })
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// Runs the setup scripts that are due and reports their status. Dropping it (the agent
/// stopping) interrupts a running script: SIGTERM to its process group.
#[derive(Debug)]
pub struct SetupRunner {
    shared: Arc<Shared>,
}

/// What the runner's tasks and its handle share.
#[derive(Debug)]
struct Shared {
    settings: SetupSettings,
    timeout: Duration,
    boot_id: Option<String>,
    status: watch::Sender<SetupStatus>,
    /// The script running now, taken by whoever records its end: the run itself or the
    /// runner's drop.
    active: Mutex<Option<ActiveRun>>,
    cancel: CancellationToken,
}

impl SetupRunner {
    /// Decides what is due and starts running it in the background. Call it from within the
    /// agent's tokio runtime. Problems (an unusable setup folder, a missing script) show in
    /// the status, never as an error here.
    pub fn start(config: &SetupConfig, settings: SetupSettings) -> SetupRunner {
        let boot = read_boot_id(&settings.boot_id_file);
        let now = now_ms();
        let mut status = SetupStatus {
            creation: ScriptStatus::not_configured(),
            startup: ScriptStatus::not_configured(),
        };
        let mut due = Vec::new();
        let mut lingering = Vec::new();
        let folder = ensure_private_dir(&settings.setup_dir).map_err(|error| {
            format!(
                "not run: cannot use the setup folder {}: {error}",
                settings.setup_dir.display()
            )
        });
        for kind in ScriptKind::ALL {
            let configured = match kind {
                ScriptKind::Creation => config.creation_script.as_deref(),
                ScriptKind::Startup => config.startup_script.as_deref(),
            };
            if let Err(message) = &folder {
                if let Some(script) = configured {
                    *status.get_mut(kind) = ScriptStatus {
                        script: Some(script.to_owned()),
                        state: cannot_start(now, message),
                    };
                }
                continue;
            }
            let found = record::load(&settings.setup_dir, kind);
            let decision = plan::decide(
                kind,
                configured,
                &found,
                boot.as_deref().map_err(String::as_str),
                now,
            );
            clean_up_after_dead_agent(&settings.setup_dir, kind, &decision);
            if let Some(pgid) = decision.lingering_pgid.filter(|pgid| group::exists(*pgid)) {
                lingering.push((kind, pgid));
            }
            if decision.due
                && let Some(script) = configured
            {
                due.push((kind, script.to_owned()));
            }
            *status.get_mut(kind) = decision.status;
        }
        tracing::info!(creation = ?status.creation.state, startup = ?status.startup.state, "setup scripts");
        let shared = Arc::new(Shared {
            settings,
            timeout: config.timeout,
            boot_id: boot.ok(),
            status: watch::Sender::new(status),
            active: Mutex::new(None),
            cancel: CancellationToken::new(),
        });
        for (kind, pgid) in lingering {
            shared.keep_log_bounded(kind, pgid, true);
        }
        if !due.is_empty() {
            let runs = Arc::clone(&shared);
            tokio::spawn(async move {
                let cancel = runs.cancel.clone();
                tokio::select! {
                    () = cancel.cancelled() => {}
                    () = runs.run_all(due) => {}
                }
            });
        }
        SetupRunner { shared }
    }

    /// The status now and every change from here on.
    pub fn subscribe(&self) -> watch::Receiver<SetupStatus> {
        self.shared.status.subscribe()
    }

    /// The status now.
    pub fn status(&self) -> SetupStatus {
        self.shared.status.borrow().clone()
    }

    /// The folder of the records and logs (for [`read_log_tail`]).
    pub fn setup_dir(&self) -> &Path {
        &self.shared.settings.setup_dir
    }
}

impl Drop for SetupRunner {
    fn drop(&mut self) {
        self.shared.cancel.cancel();
        let active = self
            .shared
            .active
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(active) = active {
            self.shared.interrupt(active);
        }
    }
}

/// Records a run a dead agent left unfinished as interrupted, and kills what is left of it.
fn clean_up_after_dead_agent(setup_dir: &Path, kind: ScriptKind, decision: &plan::Decision) {
    if let Some(rewritten) = &decision.rewritten {
        tracing::warn!(script = %rewritten.script, "setup: the {} script was interrupted by the agent's end; not running it again", kind.name());
        log::note_at(
            setup_dir,
            kind,
            "the agent ended while this script ran; it is not run again by itself",
        );
        if let Err(error) = record::save(setup_dir, kind, rewritten) {
            tracing::error!(%error, "setup: cannot record the interrupted run");
        }
    }
    if let Some(pgid) = decision.leftover_pgid {
        let killed = group::kill_leftovers(pgid, kind);
        if killed > 0 {
            tracing::warn!(
                pgid,
                killed,
                "setup: killed what was left of an interrupted {} script",
                kind.name()
            );
            log::note_at(
                setup_dir,
                kind,
                &format!(
                    "killed {killed} process(es) left over from this interrupted run (SIGKILL)"
                ),
            );
        }
    }
}

fn read_boot_id(path: &Path) -> Result<String, String> {
    match std::fs::read_to_string(path) {
        Ok(text) if !text.trim().is_empty() => Ok(text.trim().to_owned()),
        Ok(_) => Err(format!("{} is empty", path.display())),
        Err(error) => Err(format!("cannot read {}: {error}", path.display())),
    }
}

fn cannot_start(now_ms: u64, message: &str) -> ScriptState {
    ScriptState::Failed {
        started_ms: now_ms,
        took_ms: 0,
        reason: FailReason::CannotStart {
            message: message.to_owned(),
        },
    }
}

/// Now, in unix milliseconds.
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}
