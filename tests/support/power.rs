//! Driving power management through the real agent and verbs: agent.toml written by the test,
//! the testing bounds (`STATION_TEST_POWER_BOUNDS=1`: idle after as short as 1 s), an empty
//! utmp of the test's own (so the machine's logins do not count), and a `stop_command` that
//! writes a marker file instead of powering off.
#![allow(clippy::unwrap_used)] // test support: a failed step is a failed test

use std::fs;
use std::path::PathBuf;
use std::process::Output;

use serde_json::Value;

use super::station::{StationEnv, describe};
use super::wait;

/// A [`StationEnv`] whose agent has `[power]` settings; see the module documentation.
pub struct PowerEnv {
    pub env: StationEnv,
}

impl PowerEnv {
    /// Writes agent.toml (`stop_command` is set to write [`Self::stop_marker`]; `settings`
    /// follow it inside `[power]` and may add tables), without starting the agent.
    pub fn new(settings: &str) -> PowerEnv {
        let env = StationEnv::new();
        let power = PowerEnv { env };
        fs::create_dir_all(power.env.config_dir()).unwrap();
        fs::write(power.utmp(), b"").unwrap();
        let marker = power.stop_marker();
        fs::write(
            power.settings_file(),
            format!(
                "# written by the test\n[power]\nstop_command = \"echo stopped >> {}\"\n{settings}",
                marker.display()
            ),
        )
        .unwrap();
        power
    }

    /// [`Self::new`] and the agent started.
    pub fn start(settings: &str) -> PowerEnv {
        let power = PowerEnv::new(settings);
        let output = power.run(&["agent", "--sample-interval", "250"]);
        assert!(
            output.status.success(),
            "station agent: {}",
            describe(&output)
        );
        power
    }

    pub fn settings_file(&self) -> PathBuf {
        self.env.config_dir().join("agent.toml")
    }

    /// The file the stop command appends to.
    pub fn stop_marker(&self) -> PathBuf {
        self.env.root().join("stopped")
    }

    /// How many times the stop command ran.
    pub fn stops(&self) -> usize {
        fs::read_to_string(self.stop_marker()).map_or(0, |text| text.lines().count())
    }

    fn utmp(&self) -> PathBuf {
        self.env.root().join("utmp")
    }

    /// `station ARGS` with the testing bounds and the test's utmp.
    pub fn run(&self, args: &[&str]) -> Output {
        self.env
            .command(args)
            .env("STATION_TEST_POWER_BOUNDS", "1")
            .env("STATION_TEST_UTMP", self.utmp())
            .output()
            .unwrap()
    }

    /// `station ARGS`, asserting success; stdout.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "station {args:?}: {}",
            describe(&output)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// `station power --json`.
    #[track_caller]
    pub fn report(&self) -> Value {
        serde_json::from_str(&self.ok(&["power", "--json"])).unwrap()
    }

    /// The event log's entries as `kind: text` lines.
    #[track_caller]
    pub fn events(&self) -> Vec<String> {
        let entries: Value = serde_json::from_str(&self.ok(&["events", "--json"])).unwrap();
        entries
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| {
                format!(
                    "{}: {}",
                    entry["kind"].as_str().unwrap(),
                    entry["text"].as_str().unwrap()
                )
            })
            .collect()
    }

    /// Waits until the report's summary satisfies `condition`.
    #[track_caller]
    pub fn wait_summary(&self, what: &str, condition: impl Fn(&str) -> bool) {
        let last = std::cell::RefCell::new(String::new());
        wait::wait_until(
            what,
            wait::default_timeout(),
            || {
                let summary = self.report()["summary"].as_str().unwrap().to_owned();
                let holds = condition(&summary);
                *last.borrow_mut() = summary;
                holds
            },
            || {
                format!(
                    "last summary: {}\nevents: {:#?}",
                    last.borrow(),
                    self.events()
                )
            },
        );
    }

    /// Waits until the agent has taken `count` more samples (each one an observation of the
    /// idle rules), so "nothing happened" means the rules saw the machine that long.
    #[track_caller]
    pub fn wait_samples(&self, count: u64) {
        let seq = || -> u64 {
            let status: Value =
                serde_json::from_str(&self.ok(&["status", "--json", "--processes", "0"])).unwrap();
            status["sample"]["seq"].as_u64().unwrap_or(0)
        };
        let start = seq();
        wait::wait_for(&format!("{count} more samples"), || seq() >= start + count);
    }
}
