//! Fleet rows against real agents: a row task follows its agent up, down when the agent
//! stops, and up again when it comes back (pauses shortened through the row timing, not
//! slept through); jobs are counted as they run; a target that never answers is reported
//! without holding up the others.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use station::client::autostart::Autostart;
use station::client::target::{ConnectOptions, LinkProblem, Target};
use station::config::Paths;
use station::tui::app::fleet::{FleetMsg, RowStats, RowUpdate};
use station::tui::fleet_link::{FleetLink, RowTiming};
use support::jobs::JobsEnv;
use support::wait;

/// Pauses short enough that a reconnection follows the agent's return at once.
const QUICK: RowTiming = RowTiming {
    backoff_first: Duration::from_millis(20),
    backoff_max: Duration::from_millis(100),
    silence: Duration::from_secs(10),
};

fn options() -> ConnectOptions {
    // Socket targets never look at the folders.
    let paths = Paths::from_vars(|_| None, nix::unistd::geteuid().as_raw());
    ConnectOptions::new(paths, Autostart::disabled(), "fleet-test")
}

/// Takes the fleet's news until `wanted` holds for row `row`, failing after the default
/// timeout with what came instead.
async fn wait_for_row(
    fleet: &mut FleetLink,
    row: usize,
    what: &str,
    wanted: impl Fn(&RowUpdate) -> bool,
) -> RowUpdate {
    let mut seen = Vec::new();
    let found = tokio::time::timeout(wait::default_timeout(), async {
        loop {
            let FleetMsg { row: from, update } = fleet.messages.recv().await.unwrap();
            if from == row && wanted(&update) {
                return update;
            }
            seen.push(format!("row {from}: {update:?}"));
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("timed out waiting for row {row}: {what}\nseen: {seen:#?}"))
}

fn up_with(update: &RowUpdate, check: impl Fn(&RowStats) -> bool) -> bool {
    matches!(update, RowUpdate::Up(stats) if check(stats))
}

/// Runs `step` on a thread of its own: the verbs block, the row task must not.
async fn blocking<T: Send + 'static>(step: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(step).await.unwrap()
}

#[tokio::test]
async fn a_row_follows_its_agent_down_and_back_up_and_counts_its_jobs() {
    let jobs = Arc::new(JobsEnv::start(2, 2, ""));
    let target = Target::Socket(jobs.env.socket());
    let mut fleet = FleetLink::spawn(vec![("test".to_owned(), target)], options(), QUICK);
    let first = fleet.messages.recv().await.unwrap();
    assert_eq!(first.update, RowUpdate::Connecting);

    let up = wait_for_row(&mut fleet, 0, "up with job counts", |u| {
        up_with(u, |s| s.jobs.is_some())
    })
    .await;
    let RowUpdate::Up(stats) = up else {
        unreachable!()
    };
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert_eq!(stats.hostname, hostname.trim());
    let gpus = stats.gpus.unwrap();
    assert_eq!((gpus.count, gpus.simulated), (2, true));
    assert!(gpus.memory_total > 0 && stats.memory > 0, "{stats:?}");

    let submitter = Arc::clone(&jobs);
    let id = blocking(move || submitter.submit(&["--", "sleep", "60"])).await;
    wait_for_row(&mut fleet, 0, "one job running", |u| {
        up_with(u, |s| s.jobs.is_some_and(|j| j.running == 1))
    })
    .await;
    let canceller = Arc::clone(&jobs);
    blocking(move || canceller.ok(&["cancel", "--force", &id.to_string()])).await;
    wait_for_row(&mut fleet, 0, "no job running", |u| {
        up_with(u, |s| s.jobs.is_some_and(|j| j.running == 0))
    })
    .await;

    let stopper = Arc::clone(&jobs);
    blocking(move || stopper.env.stop_agent()).await;
    let down = wait_for_row(&mut fleet, 0, "down", |u| matches!(u, RowUpdate::Down(_))).await;
    assert!(
        matches!(&down, RowUpdate::Down(LinkProblem::Unreachable(_))),
        "{down:?}"
    );

    let starter = Arc::clone(&jobs);
    blocking(move || starter.env.start_agent(&["--simulate-gpus", "2"])).await;
    wait_for_row(&mut fleet, 0, "up again", |u| matches!(u, RowUpdate::Up(_))).await;
}

#[tokio::test]
async fn dead_and_silent_targets_are_reported_and_hold_up_no_other_row() {
    let jobs = JobsEnv::start(1, 0, "");
    let dir = tempfile::tempdir().unwrap();
    let silent = dir.path().join("silent.sock");
    // The kernel accepts connections on it; nobody ever answers.
    let _listener = tokio::net::UnixListener::bind(&silent).unwrap();
    let dead = dir.path().join("nobody.sock");
    let mut options = options();
    options.timeout = Duration::from_millis(300);
    let targets = vec![
        ("silent".to_owned(), Target::Socket(silent)),
        ("dead".to_owned(), Target::Socket(dead)),
        ("up".to_owned(), Target::Socket(jobs.env.socket())),
    ];
    let mut fleet = FleetLink::spawn(targets, options, QUICK);
    let mut silent_down = None;
    let mut dead_down = None;
    let mut live_up = false;
    let settled = tokio::time::timeout(wait::default_timeout(), async {
        while silent_down.is_none() || dead_down.is_none() || !live_up {
            let FleetMsg { row, update } = fleet.messages.recv().await.unwrap();
            match (row, update) {
                (0, RowUpdate::Down(problem)) => silent_down = Some(problem),
                (1, RowUpdate::Down(problem)) => dead_down = Some(problem),
                (2, RowUpdate::Up(_)) => live_up = true,
                _ => {}
            }
        }
    })
    .await;
    assert!(
        settled.is_ok(),
        "silent: {silent_down:?}, dead: {dead_down:?}, live up: {live_up}"
    );
    let silent_down = silent_down.unwrap();
    assert_eq!(silent_down.label(), "unreachable");
    assert!(
        silent_down.reason().contains("within 0.3 s"),
        "{silent_down}"
    );
    let dead_down = dead_down.unwrap();
    assert!(dead_down.reason().contains("not running"), "{dead_down}");
}
