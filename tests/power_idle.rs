#![allow(clippy::unwrap_used)]
//! Idle shutdown with the real agent: a `stop_command` that writes a file, idle bounds
//! shortened by the test-only setting. Idle fires with nothing running; it does not fire
//! while a job runs or while a CPU-busy process runs; a stop with jobs running waits for them
//! when configured to; a snooze postpones a stop and is recorded with who asked.

mod support;

use std::process::{Child, Command};

use support::power::PowerEnv;
use support::wait;

/// Quiet is "no job, no console, no login": CPU never counts (threshold 100%), since other
/// tests load the machine.
const IDLE_QUICKLY: &str =
    "warn_before = \"1s\"\n[power.idle]\nenabled = true\nafter = \"1s\"\ncpu_percent = 100\n";

#[test]
fn an_idle_machine_is_warned_then_stopped() {
    let power = PowerEnv::start(IDLE_QUICKLY);
    wait::wait_for("the stop command ran", || power.stops() == 1);
    let events = power.events();
    let warn = events.iter().position(|e| e.starts_with("warn: ")).unwrap();
    let stop = events
        .iter()
        .position(|e| e.starts_with("stop: stopping (idle"))
        .unwrap();
    assert!(warn < stop, "{events:#?}");
    assert!(
        events
            .iter()
            .any(|e| e.starts_with("stop: running `echo stopped >> ")),
        "{events:#?}"
    );
    power.wait_summary("stopping", |summary| {
        summary.starts_with("stopping now (idle")
    });
    assert_eq!(power.stops(), 1, "one stop, not one per tick");
}

#[test]
fn a_running_job_keeps_the_machine_up() {
    let power = PowerEnv::start(
        IDLE_QUICKLY
            .replace("after = \"1s\"", "after = \"2s\"")
            .as_str(),
    );
    let id = power.ok(&["submit", "--", "sleep", "600"]);
    power.wait_summary("a job keeps it active", |summary| {
        summary == "active: 1 job"
    });
    // The rules see the machine for longer than `after` + `warn_before`.
    power.wait_samples(20);
    assert_eq!(power.stops(), 0);
    assert!(
        !power.events().iter().any(|e| e.starts_with("warn:")),
        "{:#?}",
        power.events()
    );
    // Once the job ends the idle clock runs and the machine stops.
    power.ok(&["cancel", "--force", id.trim()]);
    wait::wait_for("the stop after the job", || power.stops() == 1);
}

#[test]
fn a_busy_cpu_keeps_the_machine_up() {
    let settings = IDLE_QUICKLY.replace("cpu_percent = 100", "cpu_percent = 30");
    let power = PowerEnv::start(&settings);
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let mut burners: Vec<Child> = (0..cores)
        .map(|_| {
            Command::new("sh")
                .args(["-c", "while :; do :; done"])
                .spawn()
                .unwrap()
        })
        .collect();
    power.wait_summary("CPU keeps it active", |summary| summary.contains("CPU at"));
    power.wait_samples(20);
    let stops = power.stops();
    for burner in &mut burners {
        let _ = burner.kill();
        let _ = burner.wait();
    }
    assert_eq!(stops, 0, "{:#?}", power.events());
}

#[test]
fn a_snooze_postpones_the_stop_and_names_who_asked() {
    let settings = "warn_before = \"30m\"\nsnooze = \"1h\"\n[power.idle]\nenabled = true\nafter = \"1s\"\ncpu_percent = 100\n";
    let power = PowerEnv::start(settings);
    power.wait_summary("a stop announced", |summary| {
        summary.starts_with("stopping in")
    });
    let report = power.report();
    assert!(
        report["banner"]
            .as_str()
            .unwrap()
            .ends_with("press z to snooze"),
        "{report:#}"
    );
    power.ok(&["power", "snooze"]);
    let snoozed: Vec<String> = power
        .events()
        .into_iter()
        .filter(|e| e.starts_with("snooze:"))
        .collect();
    assert_eq!(snoozed.len(), 1, "{snoozed:#?}");
    assert!(
        snoozed[0].contains("root@") || snoozed[0].contains('@'),
        "{snoozed:#?}"
    );
    // Nothing announced any more: snoozing again is refused, with why.
    let summary = power.report()["summary"].as_str().unwrap().to_owned();
    assert!(summary.starts_with("idle"), "{summary}");
    let output = power.run(&["power", "snooze"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("nothing to snooze"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(power.stops(), 0);
}

#[test]
fn a_scheduled_stop_waits_for_a_running_job_then_stops() {
    // Every minute, so the test waits at most a minute for the firing.
    let settings = "warn_before = \"1s\"\non_running_jobs = \"wait\"\n\
                    [[power.schedules]]\nname = \"every-minute\"\naction = \"stop\"\n\
                    cron = \"* * * * *\"\nzone = \"UTC\"\n";
    let power = PowerEnv::start(settings);
    let release = power.env.root().join("release");
    let script = format!("while [ ! -e {} ]; do sleep 0.1; done", release.display());
    power.ok(&["submit", "--shell", &script]);
    power.wait_summary("a job running", |summary| {
        summary.starts_with("active: 1 job")
    });
    wait::wait_until(
        "the stop waiting for the job",
        std::time::Duration::from_secs(90),
        || {
            let summary = power.report()["summary"].as_str().unwrap().to_owned();
            summary.starts_with("waiting for 1 job before stopping")
        },
        || format!("events: {:#?}", power.events()),
    );
    assert_eq!(power.stops(), 0, "no stop while the job runs");
    // A job queued now waits: the machine stops once the running one ends.
    let queued = power.ok(&["submit", "--", "true"]);
    let reason = || {
        let job: serde_json::Value =
            serde_json::from_str(&power.ok(&["show", queued.trim(), "--json"])).unwrap();
        (
            job["state"].as_str().unwrap().to_owned(),
            job["reason"].as_str().unwrap_or_default().to_owned(),
        )
    };
    wait::wait_for("the new job held", || {
        reason().1.starts_with("held: the machine stops")
    });
    assert_eq!(reason().0, "queued");
    std::fs::write(&release, "").unwrap();
    wait::wait_for("the stop once the job ended", || power.stops() == 1);
    let events = power.events();
    assert!(
        events.iter().any(|e| e.starts_with("waiting: ")),
        "{events:#?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e.starts_with("stop: ") && e.contains("every-minute")),
        "{events:#?}"
    );
}

/// A login record for utmp, at the C library's own offsets.
fn utmp_login(pid: i32, tty: &str, host: &str) -> Vec<u8> {
    use nix::libc::utmpx;
    use std::mem::offset_of;
    let mut bytes = vec![0u8; std::mem::size_of::<utmpx>()];
    let kind = nix::libc::USER_PROCESS;
    let at = offset_of!(utmpx, ut_type);
    bytes[at..at + 2].copy_from_slice(&kind.to_ne_bytes());
    let at = offset_of!(utmpx, ut_pid);
    bytes[at..at + 4].copy_from_slice(&pid.to_ne_bytes());
    for (at, value) in [
        (offset_of!(utmpx, ut_line), tty),
        (offset_of!(utmpx, ut_user), "ana"),
        (offset_of!(utmpx, ut_host), host),
    ] {
        bytes[at..at + value.len()].copy_from_slice(value.as_bytes());
    }
    bytes
}

#[test]
fn logged_in_terminals_get_a_wall_message_when_a_stop_is_announced() {
    use std::io::Read;
    let pty = nix::pty::openpty(None, None).unwrap();
    let tty = nix::unistd::ttyname(&pty.slave).unwrap();
    let tty = tty
        .strip_prefix("/dev/")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    // The next firing of an every-minute stop is always inside a 10-minute warning.
    let power = PowerEnv::new(
        "warn_before = \"10m\"\n[[power.schedules]]\nname = \"soon\"\naction = \"stop\"\n\
         cron = \"* * * * *\"\nzone = \"UTC\"\n",
    );
    let me = i32::try_from(std::process::id()).unwrap();
    std::fs::write(
        power.env.root().join("utmp"),
        utmp_login(me, &tty, "10.0.0.9"),
    )
    .unwrap();
    assert!(power.run(&["agent"]).status.success());
    let flags = nix::fcntl::fcntl(&pty.master, nix::fcntl::FcntlArg::F_GETFL).unwrap();
    let nonblocking = nix::fcntl::OFlag::from_bits_truncate(flags) | nix::fcntl::OFlag::O_NONBLOCK;
    nix::fcntl::fcntl(&pty.master, nix::fcntl::FcntlArg::F_SETFL(nonblocking)).unwrap();
    let mut master = std::fs::File::from(pty.master);
    let mut seen = Vec::new();
    wait::wait_until(
        "the wall message on the login's terminal",
        wait::default_timeout(),
        || {
            let mut buffer = [0u8; 4096];
            while let Ok(read) = master.read(&mut buffer) {
                if read == 0 {
                    break;
                }
                seen.extend_from_slice(&buffer[..read]);
            }
            String::from_utf8_lossy(&seen).contains("Broadcast from station: this machine stops in")
        },
        || format!("events: {:#?}", power.events()),
    );
    let text = String::from_utf8_lossy(&seen).into_owned();
    assert!(text.contains("(schedule \"soon\")"), "{text:?}");
    assert!(text.contains("station power snooze"), "{text:?}");
    // The login keeps the machine active, but a schedule stop is not called off by activity.
    let summary = power.report()["summary"].as_str().unwrap().to_owned();
    assert!(summary.starts_with("stopping in"), "{summary}");
}
