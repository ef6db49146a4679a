//! Driving the job runner through the real `station` verbs, for the job tests.
#![allow(clippy::unwrap_used)] // test support: a failed step is a failed test

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use super::station::{StationEnv, describe};
use super::wait;

/// A [`StationEnv`] whose agent has `[jobs]` settings and, optionally, simulated GPUs.
pub struct JobsEnv {
    pub env: StationEnv,
}

impl JobsEnv {
    /// Writes config.toml with `cpu_slots` and starts the agent with `gpus` simulated GPUs.
    #[track_caller]
    pub fn start(cpu_slots: u32, gpus: u32, extra_config: &str) -> JobsEnv {
        let env = StationEnv::new();
        fs::create_dir_all(env.config_dir()).unwrap();
        fs::write(
            env.config_dir().join("config.toml"),
            format!("[jobs]\ncpu_slots = {cpu_slots}\n{extra_config}"),
        )
        .unwrap();
        let gpus = gpus.to_string();
        env.start_agent(&["--simulate-gpus", &gpus]);
        JobsEnv { env }
    }

    /// A folder for the jobs' own files.
    pub fn work_dir(&self) -> PathBuf {
        let dir = self.env.root().join("work");
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// `station ARGS` run in the work folder.
    #[track_caller]
    pub fn run(&self, args: &[&str]) -> Output {
        self.env
            .command(args)
            .current_dir(self.work_dir())
            .output()
            .unwrap()
    }

    /// `station ARGS`, asserting success; returns stdout.
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

    /// `station submit ARGS`; returns the id it printed.
    #[track_caller]
    pub fn submit(&self, args: &[&str]) -> u64 {
        let mut full = vec!["submit"];
        full.extend_from_slice(args);
        let out = self.ok(&full);
        out.trim()
            .parse()
            .unwrap_or_else(|_| panic!("submit printed {out:?}, not an id"))
    }

    /// `station submit [ARGS] --shell SCRIPT`.
    #[track_caller]
    pub fn submit_shell(&self, args: &[&str], script: &str) -> u64 {
        let mut full = args.to_vec();
        full.extend_from_slice(&["--shell", script]);
        self.submit(&full)
    }

    /// `station show ID --json`.
    #[track_caller]
    pub fn show(&self, id: u64) -> Value {
        serde_json::from_str(&self.ok(&["show", &id.to_string(), "--json"])).unwrap()
    }

    /// `station jobs --all --json`'s job list.
    #[track_caller]
    pub fn all_jobs(&self) -> Vec<Value> {
        let out = self.ok(&["jobs", "--all", "--json"]);
        let list: Value = serde_json::from_str(&out).unwrap();
        list["jobs"].as_array().unwrap().clone()
    }

    /// `station wait IDS…`, returning its output (exit code included).
    #[track_caller]
    pub fn wait(&self, ids: &[u64]) -> Output {
        let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
        let mut args = vec!["wait"];
        args.extend(ids.iter().map(String::as_str));
        self.run(&args)
    }

    /// Waits until job `id` is in `state`.
    #[track_caller]
    pub fn wait_for_state(&self, id: u64, state: &str) {
        wait::wait_until(
            &format!("job {id} {state}"),
            wait::default_timeout(),
            || self.show(id)["state"] == state,
            || format!("{:#}\nagent log:\n{}", self.show(id), self.env.log()),
        );
    }

    /// One of the job's files: `jobs/<id>.<suffix>` (`stdout.log`, `status`, …).
    pub fn job_file(&self, id: u64, suffix: &str) -> PathBuf {
        self.env
            .root()
            .join(format!("state/station/jobs/{id}.{suffix}"))
    }
}

/// Lines of a file the jobs append to (empty when it does not exist yet).
pub fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}
