#![allow(clippy::unwrap_used)]
//! The setup scripts through the library, with real processes and files: the creation script
//! once per machine, the startup script once per boot (a boot-id file the test changes), the
//! time limit killing the whole process group, exit codes, `/bin/sh` for plain files, missing
//! scripts, bounded logs, and runs interrupted by the agent's stop or death.

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::time::Duration;

use station::agent::setup::log::LOG_LIMIT;
use station::agent::setup::{
    FailReason, Interruption, ScriptKind, ScriptState, SetupRunner, SetupSettings, SetupStatus,
    read_log_tail,
};
use station::config::setup::SetupConfig;
use support::wait::{POLL_INTERVAL, default_timeout, process_ended, wait_until};
use tempfile::TempDir;

/// A home folder, a setup folder and a boot-id file of their own.
struct World {
    dir: TempDir,
}

impl World {
    fn new() -> World {
        let dir = tempfile::Builder::new()
            .prefix("station-setup-")
            .tempdir()
            .unwrap();
        fs::create_dir(dir.path().join("home")).unwrap();
        let world = World { dir };
        world.set_boot("boot-1");
        world
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn setup_dir(&self) -> PathBuf {
        self.dir.path().join("state/station/setup")
    }

    fn set_boot(&self, id: &str) {
        fs::write(self.dir.path().join("boot_id"), format!("{id}\n")).unwrap();
    }

    fn settings(&self) -> SetupSettings {
        SetupSettings {
            home: self.home(),
            setup_dir: self.setup_dir(),
            boot_id_file: self.dir.path().join("boot_id"),
            kill_grace: Duration::from_millis(300),
        }
    }

    /// Writes `~/NAME` with `body` (0755 when `executable`, else 0644); returns `~/NAME`.
    fn script(&self, name: &str, body: &str, executable: bool) -> String {
        let path = self.home().join(name);
        fs::write(&path, body).unwrap();
        let mode = if executable { 0o755 } else { 0o644 };
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        format!("~/{name}")
    }

    /// Lines in `~/NAME` (0 when it does not exist): how often a script ran.
    fn runs(&self, name: &str) -> usize {
        fs::read_to_string(self.home().join(name)).map_or(0, |text| text.lines().count())
    }

    /// A pid a script wrote to `~/NAME`, once it is there. Waits without blocking the
    /// runtime, which runs the scripts.
    async fn pid_in(&self, name: &str) -> i32 {
        let path = self.home().join(name);
        let waited = tokio::time::timeout(default_timeout(), async {
            loop {
                let pid = fs::read_to_string(&path)
                    .ok()
                    .and_then(|t| t.trim().parse().ok());
                if let Some(pid) = pid {
                    return pid;
                }
                tokio::time::sleep(POLL_INTERVAL).await;
            }
        });
        waited
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for the script to write {name}"))
    }

    /// The process group the runner recorded for the last run of `kind`.
    fn recorded_pgid(&self, kind: ScriptKind) -> i32 {
        let path = self.setup_dir().join(format!("{}.json", kind.name()));
        let record: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
        i32::try_from(record["pgid"].as_i64().unwrap()).unwrap()
    }

    fn log(&self, kind: ScriptKind) -> String {
        fs::read_to_string(self.setup_dir().join(format!("{}.log", kind.name()))).unwrap()
    }

    /// Starts a runner, waits until nothing is pending or running, stops it.
    async fn run(&self, config: &SetupConfig) -> SetupStatus {
        let runner = SetupRunner::start(config, self.settings());
        settled(&runner).await
    }
}

fn config(creation: Option<&str>, startup: Option<&str>) -> SetupConfig {
    SetupConfig {
        creation_script: creation.map(str::to_owned),
        startup_script: startup.map(str::to_owned),
        ..SetupConfig::default()
    }
}

async fn settled(runner: &SetupRunner) -> SetupStatus {
    let mut status = runner.subscribe();
    let waited = tokio::time::timeout(default_timeout(), status.wait_for(SetupStatus::is_settled));
    match waited.await {
        Ok(Ok(status)) => status.clone(),
        _ => panic!("the scripts did not settle: {:?}", runner.status()),
    }
}

/// Live (not zombie) processes in group `pgid`, read from /proc here rather than through
/// the code under test.
fn live_in_group(pgid: i32) -> Vec<i32> {
    fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            let fields: Vec<&str> = stat
                .rsplit_once(')')
                .unwrap()
                .1
                .split_whitespace()
                .collect();
            fields[0] != "Z" && fields[2] == pgid.to_string()
        })
        .collect()
}

#[track_caller]
fn assert_done(state: &ScriptState) {
    assert!(matches!(state, ScriptState::Done { .. }), "{state:?}");
}

#[tokio::test]
async fn the_creation_script_runs_once_across_agent_starts_and_boots() {
    let world = World::new();
    let script = world.script("create.sh", "echo ran >> ~/creations\n", false);
    let config = config(Some(&script), None);
    let first = world.run(&config).await;
    assert_done(&first.creation.state);
    assert_eq!(first.creation.script.as_deref(), Some("~/create.sh"));
    assert_eq!(first.startup.state, ScriptState::NotConfigured);

    let second = world.run(&config).await;
    assert_eq!(second, first, "the status survives a restart");
    world.set_boot("boot-2");
    let third = world.run(&config).await;
    assert_eq!(third, first);
    assert_eq!(world.runs("creations"), 1);
}

#[tokio::test]
async fn the_startup_script_runs_once_per_boot_after_the_creation_script() {
    let world = World::new();
    let creation = world.script("create.sh", "touch ~/created\n", false);
    let startup = world.script(
        "startup.sh",
        "test -f ~/created || exit 9\necho \"run in $(cat ~/boot)\" >> ~/startups\n",
        false,
    );
    let config = config(Some(&creation), Some(&startup));
    fs::write(world.home().join("boot"), "boot-1").unwrap();
    let first = world.run(&config).await;
    assert_done(&first.creation.state);
    assert_done(&first.startup.state);
    let again = world.run(&config).await;
    assert_eq!(again, first);
    assert_eq!(world.runs("startups"), 1);

    world.set_boot("boot-2");
    fs::write(world.home().join("boot"), "boot-2").unwrap();
    let next_boot = world.run(&config).await;
    assert_done(&next_boot.startup.state);
    assert_ne!(next_boot.startup, first.startup);
    assert_eq!(next_boot.creation, first.creation);
    assert_eq!(world.runs("startups"), 2);
    let previous = fs::read_to_string(world.setup_dir().join("startup.prev.log")).unwrap();
    assert!(previous.contains("station: done after"), "{previous}");
    assert!(world.log(ScriptKind::Startup).contains("done after"));
}

#[tokio::test]
async fn a_script_past_its_time_limit_is_killed_with_its_whole_group() {
    let world = World::new();
    let script = world.script("slow.sh", "sleep 1000 &\necho $! > ~/child\nwait\n", false);
    let mut config = config(None, Some(&script));
    config.timeout = Duration::from_secs(1);
    let status = world.run(&config).await;
    assert_eq!(
        status.startup.state,
        ScriptState::TimedOut {
            started_ms: status.startup.state.started_ms().unwrap(),
            after_ms: 1000
        }
    );
    let pgid = world.recorded_pgid(ScriptKind::Startup);
    assert_eq!(live_in_group(pgid), Vec::<i32>::new(), "the group is gone");
    // The background sleep, when the script got as far as starting it.
    if let Ok(child) = fs::read_to_string(world.home().join("child")) {
        assert!(process_ended(child.trim().parse().unwrap()));
    }
    let log = world.log(ScriptKind::Startup);
    assert!(log.contains("time limit 1s reached: SIGTERM"), "{log}");
    assert!(log.contains("station: timed out after 1.0s"), "{log}");
}

#[tokio::test]
async fn a_script_that_ignores_sigterm_gets_sigkill() {
    let world = World::new();
    let script = world.script("stubborn.sh", "trap '' TERM\nsleep 1000\n", false);
    let mut config = config(Some(&script), None);
    config.timeout = Duration::from_secs(1);
    let status = world.run(&config).await;
    assert!(
        matches!(status.creation.state, ScriptState::TimedOut { .. }),
        "{status:?}"
    );
    let pgid = world.recorded_pgid(ScriptKind::Creation);
    assert_eq!(live_in_group(pgid), Vec::<i32>::new());
    let log = world.log(ScriptKind::Creation);
    assert!(log.contains("still running 0.3s later: SIGKILL"), "{log}");
}

#[tokio::test]
async fn a_failing_script_reports_its_exit_code_and_output() {
    let world = World::new();
    let script = world.script("fail.sh", "echo oops >&2\nexit 3\n", false);
    let status = world.run(&config(Some(&script), None)).await;
    match status.creation.state {
        ScriptState::Failed {
            reason: FailReason::ExitCode { code },
            ..
        } => assert_eq!(code, 3),
        other => panic!("expected exit code 3, got {other:?}"),
    }
    let log = world.log(ScriptKind::Creation);
    assert!(log.contains("oops\n"), "{log}");
    assert!(log.contains("station: exit code 3 after"), "{log}");
}

#[tokio::test]
async fn plain_files_run_with_sh_and_executables_directly() {
    let world = World::new();
    let plain = world.script(
        "plain.sh",
        "echo \"plain: $STATION_SETUP in $PWD\"\n",
        false,
    );
    let direct = world.script(
        "direct.sh",
        "#!/bin/sh\necho \"direct: $STATION_SETUP\"\n",
        true,
    );
    let status = world.run(&config(Some(&plain), Some(&direct))).await;
    assert_done(&status.creation.state);
    assert_done(&status.startup.state);
    let home = world.home();
    let creation = world.log(ScriptKind::Creation);
    assert!(
        creation.contains(&format!("running /bin/sh {}/plain.sh", home.display())),
        "{creation}"
    );
    assert!(
        creation.contains(&format!("plain: creation in {}", home.display())),
        "{creation}"
    );
    let startup = world.log(ScriptKind::Startup);
    assert!(
        startup.contains(&format!(
            "running {}/direct.sh (startup script",
            home.display()
        )),
        "{startup}"
    );
    assert!(startup.contains("direct: startup"), "{startup}");
}

#[tokio::test]
async fn an_executable_without_a_hash_bang_line_runs_with_sh() {
    let world = World::new();
    let script = world.script("bare.sh", "echo bare ran\n", true);
    let status = world.run(&config(None, Some(&script))).await;
    assert_done(&status.startup.state);
    assert!(world.log(ScriptKind::Startup).contains("bare ran"));
}

#[tokio::test]
async fn a_missing_script_is_reported_by_name() {
    let world = World::new();
    let status = world.run(&config(Some("~/x.sh"), None)).await;
    match &status.creation.state {
        ScriptState::Failed {
            reason: FailReason::CannotStart { message },
            ..
        } => assert_eq!(message, "creation script ~/x.sh: No such file"),
        other => panic!("expected a missing script, got {other:?}"),
    }
    let log = world.log(ScriptKind::Creation);
    assert!(
        log.contains("creation script ~/x.sh: No such file"),
        "{log}"
    );
}

#[tokio::test]
async fn the_log_is_captured_and_bounded() {
    let world = World::new();
    let script = world.script(
        "chatty.sh",
        "yes 'a line of output from a chatty script' | head -c 3000000\necho LAST LINE\n",
        false,
    );
    let status = world.run(&config(Some(&script), None)).await;
    assert_done(&status.creation.state);
    let log = world.log(ScriptKind::Creation);
    assert!(log.len() as u64 <= LOG_LIMIT, "log of {} bytes", log.len());
    assert!(log.contains("earlier output was cut"), "{}", &log[..200]);
    assert!(
        log.contains("LAST LINE\nstation: done after"),
        "ends with the output"
    );
    let tail = read_log_tail(&world.setup_dir(), ScriptKind::Creation, 200)
        .unwrap()
        .unwrap();
    assert!(tail.truncated);
    assert!(tail.text.contains("LAST LINE\n"), "{}", tail.text);
    assert!(!tail.text.starts_with("line"), "starts at a line start");
}

#[tokio::test]
async fn an_agent_stop_interrupts_the_script_for_good() {
    let world = World::new();
    let script = world.script(
        "long.sh",
        "echo ran >> ~/runs\necho $$ > ~/pgid\nsleep 1000\n",
        false,
    );
    let config = config(Some(&script), None);
    let runner = SetupRunner::start(&config, world.settings());
    let pgid = world.pid_in("pgid").await;
    assert!(matches!(
        runner.status().creation.state,
        ScriptState::Running { .. }
    ));
    drop(runner);
    wait_until(
        "the script's group to end on SIGTERM",
        default_timeout(),
        || live_in_group(pgid).is_empty(),
        || format!("still there: {:?}", live_in_group(pgid)),
    );
    let after = world.run(&config).await;
    match after.creation.state {
        ScriptState::Interrupted { cause, .. } => assert_eq!(cause, Interruption::AgentStopped),
        other => panic!("expected interrupted, got {other:?}"),
    }
    assert_eq!(world.runs("runs"), 1, "not run again");
    assert!(
        world
            .log(ScriptKind::Creation)
            .contains("the agent is stopping")
    );
}

/// A process group like a script's, started here as if by an agent that then died.
fn orphan_group(world: &World, marker: Option<&str>) -> std::process::Child {
    let mut command = std::process::Command::new("sleep");
    command
        .arg("1000")
        .process_group(0)
        .current_dir(world.home());
    if let Some(kind) = marker {
        command.env("STATION_SETUP", kind);
    }
    command.spawn().unwrap()
}

fn write_running_record(world: &World, kind: ScriptKind, pgid: u32) {
    fs::create_dir_all(world.setup_dir()).unwrap();
    let record = serde_json::json!({
        "script": "~/c.sh",
        "boot_id": "boot-1",
        "pgid": pgid,
        "state": { "state": "running", "started_ms": 123 },
    });
    fs::write(
        world.setup_dir().join(format!("{}.json", kind.name())),
        record.to_string(),
    )
    .unwrap();
}

#[tokio::test]
async fn a_run_left_by_a_dead_agent_is_interrupted_and_its_leftovers_killed() {
    let world = World::new();
    let script = world.script("c.sh", "echo ran >> ~/runs\n", false);
    let mut leftover = orphan_group(&world, Some("creation"));
    write_running_record(&world, ScriptKind::Creation, leftover.id());
    let status = world.run(&config(Some(&script), None)).await;
    assert_eq!(
        status.creation.state,
        ScriptState::Interrupted {
            started_ms: 123,
            cause: Interruption::AgentDied
        }
    );
    let ended = leftover.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&ended),
        Some(9)
    );
    assert_eq!(world.runs("runs"), 0, "not run again");
    let record = fs::read_to_string(world.setup_dir().join("creation.json")).unwrap();
    assert!(record.contains("agent_died"), "{record}");
}

#[tokio::test]
async fn a_reused_group_id_without_the_marker_is_left_alone() {
    let world = World::new();
    let mut stranger = orphan_group(&world, None);
    write_running_record(&world, ScriptKind::Startup, stranger.id());
    let status = world.run(&config(None, Some("~/s.sh"))).await;
    assert!(matches!(
        status.startup.state,
        ScriptState::Interrupted {
            cause: Interruption::AgentDied,
            ..
        }
    ));
    assert_eq!(stranger.try_wait().unwrap(), None, "still running");
    stranger.kill().unwrap();
    stranger.wait().unwrap();
}
