//! An isolated Station environment for integration tests: its own HOME and XDG folders in a
//! temporary directory, the real `station` binary, and an agent that is always stopped when
//! the test ends (pass or fail).

#![allow(dead_code)]

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long any wait in these tests may take; generous for loaded CI machines.
pub fn timeout() -> Duration {
    let secs = std::env::var("STATION_TEST_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok());
    Duration::from_secs(secs.unwrap_or(20))
}

/// Polls `condition` until it holds; panics naming `what` on timeout.
pub fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(
            started.elapsed() < timeout(),
            "timed out waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("station-test-")
            .tempdir()
            .expect("tempdir");
        for sub in ["home", "config", "state", "run"] {
            fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        fs::set_permissions(dir.path().join("run"), fs::Permissions::from_mode(0o700))
            .expect("chmod");
        Sandbox { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn runtime_dir(&self) -> PathBuf {
        self.root().join("run/station")
    }

    pub fn socket(&self) -> PathBuf {
        self.runtime_dir().join("agent.sock")
    }

    pub fn pidfile(&self) -> PathBuf {
        self.runtime_dir().join("agent.pid")
    }

    pub fn agent_log(&self) -> PathBuf {
        self.root().join("state/station/agent.log")
    }

    pub fn config_dir(&self) -> PathBuf {
        self.root().join("config/station")
    }

    /// `station ARGS` with this sandbox's environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_station"));
        command
            .args(args)
            .env_remove("XDG_RUNTIME_DIR")
            .env("HOME", self.root().join("home"))
            .env("XDG_CONFIG_HOME", self.root().join("config"))
            .env("XDG_STATE_HOME", self.root().join("state"))
            .env("XDG_RUNTIME_DIR", self.root().join("run"))
            .env("STATION_LOG", "debug")
            .env("NO_COLOR", "1");
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run station")
    }

    /// Starts the agent (detached) sampling every 250 ms; returns its pid.
    pub fn start_agent(&self, extra: &[&str]) -> u32 {
        let mut args = vec!["agent", "--sample-interval", "250"];
        args.extend_from_slice(extra);
        let output = self.run(&args);
        assert!(
            output.status.success(),
            "station agent failed: {}",
            describe(&output)
        );
        self.agent_pid().expect("pidfile after start")
    }

    /// The pid in the pidfile, if any.
    pub fn agent_pid(&self) -> Option<u32> {
        fs::read_to_string(self.pidfile()).ok()?.trim().parse().ok()
    }

    pub fn log(&self) -> String {
        fs::read_to_string(self.agent_log()).unwrap_or_default()
    }

    /// A raw protocol connection to the agent.
    pub fn connect(&self) -> Conn {
        Conn::open(&self.socket())
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(pid) = self.agent_pid() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }
}

/// True while a process with `pid` exists (zombies included).
pub fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| s.contains(") Z "))
}

pub fn describe(output: &Output) -> String {
    format!(
        "{}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A line-oriented JSON connection, as any client would speak it.
pub struct Conn {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl Conn {
    pub fn open(socket: &Path) -> Conn {
        let stream = UnixStream::connect(socket).expect("connect to the agent");
        stream.set_read_timeout(Some(timeout())).expect("timeout");
        Conn {
            writer: stream.try_clone().expect("clone"),
            reader: BufReader::new(stream),
        }
    }

    pub fn send_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.writer.write_all(bytes)
    }

    pub fn send(&mut self, frame: Value) {
        let mut line = serde_json::to_vec(&frame).expect("json");
        line.push(b'\n');
        self.send_raw(&line).expect("send");
    }

    /// The next frame, or `None` at end of stream.
    pub fn recv(&mut self) -> Option<Value> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) => None,
            Ok(_) => Some(serde_json::from_str(&line).expect("agent sent JSON")),
            Err(e) => panic!("reading from the agent: {e}"),
        }
    }

    /// Reads frames until one that is not a telemetry event.
    pub fn recv_reply(&mut self) -> Value {
        loop {
            let frame = self.recv().expect("a reply before EOF");
            if frame["type"] != "event" {
                return frame;
            }
        }
    }

    pub fn hello(&mut self) -> Value {
        self.send(serde_json::json!({
            "id": 0, "type": "hello", "protocol_version": station::proto::PROTOCOL_VERSION,
            "station_version": env!("CARGO_PKG_VERSION"), "client": "test"
        }));
        let ready = self.recv_reply();
        assert_eq!(ready["body"]["kind"], "ready", "{ready}");
        ready
    }
}
