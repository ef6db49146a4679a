#![allow(clippy::unwrap_used)]
//! Starting instances that cannot start themselves: a fleet row learns an instance's start
//! schedules from its agent and keeps them; this machine's agent runs the inventory's
//! `start_command` at a firing and records it.

mod support;

use std::fs;
use std::time::Duration;

use station::client::autostart::Autostart;
use station::client::target::{ConnectOptions, Target};
use station::config::Paths;
use station::tui::app::fleet::RowUpdate;
use station::tui::fleet_link::{FleetLink, RowTiming};
use support::power::PowerEnv;
use support::wait;

const START_EVERY_MINUTE: &str = "start_command = \"echo woken\"\n\
    [[power.schedules]]\nname = \"wake\"\naction = \"start\"\ncron = \"* * * * *\"\nzone = \"UTC\"\n";

#[tokio::test]
async fn a_fleet_row_keeps_the_start_schedules_its_instance_reports() {
    let instance = PowerEnv::start(START_EVERY_MINUTE);
    let keeper = tempfile::tempdir().unwrap();
    let paths = Paths {
        config_dir: keeper.path().join("config"),
        state_dir: keeper.path().join("state"),
        runtime_dir: keeper.path().join("run"),
    };
    let options = ConnectOptions::new(paths.clone(), Autostart::disabled(), "fleet-test");
    let target = Target::Socket(instance.env.socket());
    let mut fleet = FleetLink::spawn(
        vec![("lab".to_owned(), target)],
        options,
        RowTiming::default(),
    );
    tokio::time::timeout(wait::default_timeout(), async {
        loop {
            let msg = fleet.messages.recv().await.unwrap();
            if matches!(msg.update, RowUpdate::Up(_)) {
                return;
            }
        }
    })
    .await
    .unwrap();
    let file = paths.fleet_start_dir().join("lab.json");
    let path = file.clone();
    tokio::task::spawn_blocking(move || wait::wait_for("the plan kept", || path.exists()))
        .await
        .unwrap();
    let kept: serde_json::Value = serde_json::from_str(&fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(kept["plan"]["start_command"], "echo woken");
    assert_eq!(kept["plan"]["schedules"][0]["name"], "wake");
    assert_eq!(kept["plan"]["schedules"][0]["cron"], "* * * * *");
}

#[test]
fn this_agent_starts_an_inventory_instance_at_its_schedule() {
    let power = PowerEnv::new("");
    let woken = power.env.root().join("woken");
    fs::write(
        power.env.config_dir().join("instances.toml"),
        format!("[[instance]]\nname = \"lab\"\nhost = \"lab.example\"\nstart_command = \"echo up >> {}\"\n", woken.display()),
    )
    .unwrap();
    let kept = power.env.root().join("state/station/fleet-start");
    fs::create_dir_all(&kept).unwrap();
    fs::write(
        kept.join("lab.json"),
        r#"{"learned_at_ms": 1, "plan": {"schedules": [{"name": "wake", "cron": "* * * * *", "zone": "UTC"}]}}"#,
    )
    .unwrap();
    assert!(power.run(&["agent"]).status.success());
    // The next minute boundary is at most a minute away.
    wait::wait_until(
        "the start command ran",
        Duration::from_secs(90),
        || fs::read_to_string(&woken).is_ok_and(|text| text == "up\n"),
        || format!("events: {:#?}", power.events()),
    );
    let events = power.events();
    assert!(
        events
            .iter()
            .any(|e| e.starts_with("start: starting lab (schedule \"wake\")")),
        "{events:#?}"
    );
    wait::wait_for("its end recorded", || {
        power
            .events()
            .iter()
            .any(|e| e == "start: started lab (schedule \"wake\")")
    });
}
