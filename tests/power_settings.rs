#![allow(clippy::unwrap_used)]
//! agent.toml with the real agent: an invalid file stops the agent from starting (naming the
//! file, line, column and field); a broken file on reload is refused and the running settings
//! kept; edits over the protocol keep the user's comments or are refused with the reason and
//! the file untouched; schedules missed while the agent was away are reported, not carried
//! out; the creation script runs once.

mod support;

use std::fs;

use serde_json::json;
use support::power::PowerEnv;
use support::station::describe;
use support::wait;

#[test]
fn an_invalid_file_stops_the_agent_from_starting() {
    let power = PowerEnv::new(
        "[[power.schedules]]\nname = \"night\"\naction = \"stop\"\ncron = \"61 19 * * *\"\nzone = \"Europe/Berlin\"\n",
    );
    let output = power.run(&["agent"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let file = power.settings_file().display().to_string();
    assert!(stderr.contains(&format!("{file}:7:8")), "{stderr}");
    assert!(
        stderr.contains("minute field: 61 is out of range 0–59"),
        "{stderr}"
    );
    assert!(power.env.agent_pid().is_none());

    fs::write(power.settings_file(), "[power.idle]\nafter = \"4d\"\n").unwrap();
    let output = power.run(&["agent"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("agent.toml:2:9: after must be between 1s and 3d, got 4d"),
        "{}",
        describe(&output)
    );
    fs::write(power.settings_file(), "[power]\nzone = \"Europe/Berln\"\n").unwrap();
    let output = power.run(&["agent"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("unknown field `zone`"),
        "{}",
        describe(&output)
    );
}

#[test]
fn a_broken_file_on_reload_is_refused_and_the_running_settings_kept() {
    let power = PowerEnv::start("[power.idle]\nenabled = false\nafter = \"2h\"\n");
    fs::write(
        power.settings_file(),
        "[[power.schedules]]\nname = \"x\"\naction = \"stop\"\ncron = \"0 19 * * *\"\nzone = \"Europe/Berln\"\n",
    )
    .unwrap();
    let output = power.run(&["power", "reload"]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown time zone \"Europe/Berln\"; did you mean Europe/Berlin?"),
        "{stderr}"
    );
    assert!(stderr.contains("the running settings are kept"), "{stderr}");
    let report = power.report();
    assert_eq!(report["settings"]["idle"]["after_secs"], 7200);
    assert!(
        report["settings"]["problem"]
            .as_str()
            .unwrap()
            .contains("Europe/Berln")
    );
    assert!(
        power
            .events()
            .iter()
            .any(|e| e.starts_with("settings: ") && e.contains("Europe/Berln")),
        "{:#?}",
        power.events()
    );
}

#[test]
fn edits_keep_the_comments_or_are_refused_with_the_file_untouched() {
    let power = PowerEnv::start(
        "# the evening stop\n[[power.schedules]]\nname = \"evening\"\naction = \"stop\"\ncron = \"0 19 * * 1-5\"\nzone = \"Europe/Berlin\" # office hours\n",
    );
    let mut conn = power.env.connect();
    conn.hello();
    let before = fs::read_to_string(power.settings_file()).unwrap();
    conn.send(json!({"id": 1, "type": "edit_power", "edit": {
        "what": "schedule", "op": "add",
        "name": "morning", "action": "start", "cron": "0 25 * * *", "zone": "UTC", "enabled": true
    }}));
    let refused = conn.recv_reply();
    assert_eq!(refused["type"], "error", "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("hour field: 25 is out of range 0–23"),
        "{refused}"
    );
    assert_eq!(
        fs::read_to_string(power.settings_file()).unwrap(),
        before,
        "untouched"
    );

    conn.send(json!({"id": 2, "type": "edit_power", "edit": {
        "what": "schedule", "op": "add",
        "name": "morning", "action": "start", "cron": "0 7 * * 1-5", "zone": "Europe/Berlin", "enabled": true
    }}));
    let answer = conn.recv_reply();
    assert_eq!(answer["body"]["kind"], "power", "{answer}");
    let schedules = answer["body"]["settings"]["schedules"].as_array().unwrap();
    assert_eq!(schedules.len(), 2);
    assert_eq!(schedules[1]["name"], "morning");
    assert_eq!(schedules[1]["next_ms"].as_array().unwrap().len(), 3);
    let after = fs::read_to_string(power.settings_file()).unwrap();
    assert!(after.starts_with(&before), "kept as written:\n{after}");
    assert!(after.contains("# office hours") && after.contains("# the evening stop"));
    assert!(
        power
            .events()
            .iter()
            .any(|e| e == "settings: agent.toml changed from a console"),
        "{:#?}",
        power.events()
    );
}

#[test]
fn a_schedule_missed_while_the_agent_was_away_is_reported_not_carried_out() {
    let power = PowerEnv::new(
        "[[power.schedules]]\nname = \"hourly\"\naction = \"stop\"\ncron = \"0 * * * *\"\nzone = \"UTC\"\n",
    );
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let state = power.env.root().join("state/station");
    fs::create_dir_all(&state).unwrap();
    fs::write(
        state.join("power-awake"),
        format!("{}\n", now_ms - 3 * 3600 * 1000),
    )
    .unwrap();
    let output = power.run(&["agent"]);
    assert!(output.status.success(), "{}", describe(&output));
    let events = power.events();
    let missed: Vec<&String> = events
        .iter()
        .filter(|e| e.starts_with("missed: "))
        .collect();
    assert_eq!(missed.len(), 1, "{events:#?}");
    assert!(
        missed[0].contains("stop schedule \"hourly\" was due at"),
        "{}",
        missed[0]
    );
    assert!(missed[0].contains("not carried out late"), "{}", missed[0]);
    assert_eq!(power.stops(), 0);
}

#[test]
fn the_creation_script_runs_once_and_its_state_is_reported() {
    let power = PowerEnv::new("");
    let ran = power.env.root().join("created");
    let script = power.env.root().join("create.sh");
    fs::write(
        &script,
        format!("echo made >> {}\necho hello from creation\n", ran.display()),
    )
    .unwrap();
    let text = fs::read_to_string(power.settings_file()).unwrap();
    fs::write(
        power.settings_file(),
        format!(
            "{text}[setup]\ncreation_script = \"{}\"\ntimeout = \"30s\"\n",
            script.display()
        ),
    )
    .unwrap();
    assert!(power.run(&["agent"]).status.success());
    let state = || {
        power.report()["setup"]["creation"]["state"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    wait::wait_for("the creation script done", || state().starts_with("done"));
    let log = power.report()["setup"]["creation"]["log"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        fs::read_to_string(log)
            .unwrap()
            .contains("hello from creation")
    );
    power.env.stop_agent();
    assert!(power.run(&["agent"]).status.success());
    assert!(state().starts_with("done"), "{}", state());
    assert_eq!(
        fs::read_to_string(&ran).unwrap(),
        "made\n",
        "once per machine"
    );
}

#[test]
fn stop_by_hand_is_refused_while_jobs_run_unless_forced() {
    let power = PowerEnv::start("");
    let id = power.ok(&["submit", "--", "sleep", "600"]);
    power.wait_summary("the job running", |summary| {
        summary.starts_with("active: 1 job")
    });
    let output = power.run(&["stop", "local"]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("1 job is running; `--force` cancels it and stops"),
        "{}",
        describe(&output)
    );
    assert_eq!(power.stops(), 0);
    let said = power.ok(&["stop", "local", "--force"]);
    assert!(
        said.starts_with("stopping this machine: its agent runs `echo stopped >> "),
        "{said}"
    );
    wait::wait_for("the stop command ran", || power.stops() == 1);
    let job: serde_json::Value =
        serde_json::from_str(&power.ok(&["show", id.trim(), "--json"])).unwrap();
    assert_eq!(job["state"], "cancelled", "{job:#}");
    assert!(
        power
            .events()
            .iter()
            .any(|e| e.starts_with("stop: stopped by hand by ")),
        "{:#?}",
        power.events()
    );
}

#[test]
fn start_by_hand_runs_the_inventory_start_command_here() {
    let power = PowerEnv::new("");
    let woken = power.env.root().join("woken");
    fs::write(
        power.env.config_dir().join("instances.toml"),
        format!(
            "[[instance]]\nname = \"lab\"\nhost = \"lab.example\"\nstart_command = \"echo up > {}\"\n\n[[instance]]\nname = \"plain\"\n",
            woken.display()
        ),
    )
    .unwrap();
    let said = power.ok(&["start", "lab"]);
    assert!(said.starts_with("starting lab: echo up > "), "{said}");
    assert_eq!(fs::read_to_string(&woken).unwrap(), "up\n");
    let output = power.run(&["start", "plain"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("plain has no start_command in"),
        "{}",
        describe(&output)
    );
    let output = power.run(&["start", "nowhere"]);
    assert_eq!(output.status.code(), Some(2));
}
