//! A real program in a real terminal: one private tmux server per test, driven with
//! `send-keys` and read with `capture-pane`, as zellij's end-to-end runner does.
//!
//! Every [`Tmux`] has its own server on a socket in its own temporary folder, started from an
//! empty environment plus what the test gives it, with `TERM=xterm-256color` inside the pane,
//! no status line (the pane is exactly the size asked for) and `remain-on-exit` on, so the last
//! screen and the exit status of a program that ended can still be read. Tests wait on a
//! *named* condition over the screen ([`Tmux::wait_until`]); on timeout the failure names the
//! condition and shows the last screen. Dropping the value kills the server and whatever still
//! runs in its panes.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tempfile::TempDir;

use super::wait;

/// What every server is configured with; `-f` points here instead of the user's `~/.tmux.conf`.
const CONFIG: &str = "\
set -g default-terminal xterm-256color
set -g status off
set -g remain-on-exit on
set -g escape-time 0
";

/// The pane facts read with every capture, after the screen, on a line of their own.
const FACTS_FORMAT: &str = "pane-facts: #{alternate_on} #{cursor_flag} #{pane_dead} \
    #{mouse_any_flag} #{history_size} #{pane_width} #{pane_height} #{pane_dead_status}";

/// State of the pane that is not text: modes the program left on, and whether it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaneFacts {
    /// The program switched to the alternate screen and has not switched back.
    pub alternate_screen: bool,
    /// The cursor is shown.
    pub cursor_visible: bool,
    /// Some mouse reporting mode is on.
    pub mouse_reporting: bool,
    /// The pane's program has exited (the pane stays, see `remain-on-exit`).
    pub dead: bool,
    /// The program's exit status once it exited normally and tmux has reaped it, which can
    /// come a moment after `dead`: wait on this, not on `dead`, to read the status.
    pub exit_status: Option<i32>,
    pub width: u16,
    pub height: u16,
    /// Lines scrolled off the top into tmux's history.
    history: u32,
}

impl PaneFacts {
    fn parse(line: &str) -> Option<PaneFacts> {
        let fields: Vec<&str> = line
            .strip_prefix("pane-facts:")?
            .split_whitespace()
            .collect();
        let flag = |i: usize| fields.get(i).map(|f| *f == "1");
        Some(PaneFacts {
            alternate_screen: flag(0)?,
            cursor_visible: flag(1)?,
            dead: flag(2)?,
            mouse_reporting: flag(3)?,
            history: fields.get(4)?.parse().ok()?,
            width: fields.get(5)?.parse().ok()?,
            height: fields.get(6)?.parse().ok()?,
            exit_status: fields.get(7).and_then(|s| s.parse().ok()),
        })
    }
}

/// One capture of the pane: its visible text (no colours) and its facts at that moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screen {
    /// The visible lines, trailing spaces trimmed by tmux, one `\n` after each. Once the
    /// program has ended, the screen as it left it and then tmux's "Pane is dead" line (tmux
    /// scrolls one line to write it; the capture takes that line back from the history).
    pub text: String,
    pub facts: PaneFacts,
}

impl Screen {
    /// Whether `needle` appears anywhere on the screen (within one line).
    pub fn contains(&self, needle: &str) -> bool {
        self.text.contains(needle)
    }

    /// The visible lines, top to bottom.
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.text.lines()
    }
}

impl fmt::Display for Screen {
    /// The screen in a frame, then its facts: what a failed wait prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rule = "-".repeat(usize::from(self.facts.width));
        writeln!(f, "+{rule}+")?;
        for line in self.text.lines() {
            writeln!(f, "|{line}")?;
        }
        writeln!(f, "+{rule}+")?;
        write!(f, "{:?}", self.facts)
    }
}

/// How to start a [`Tmux`]: pane size, environment and working folder.
#[derive(Debug, Clone)]
pub struct TmuxBuilder {
    width: u16,
    height: u16,
    env: Vec<(OsString, OsString)>,
    cwd: Option<PathBuf>,
    timeout: Duration,
}

impl TmuxBuilder {
    /// A `width`×`height` pane whose environment holds only `PATH` (this process's) and
    /// `LANG=C.UTF-8` until [`env`](Self::env) adds more; `TERM` is always `xterm-256color`.
    pub fn new(width: u16, height: u16) -> TmuxBuilder {
        let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
        TmuxBuilder {
            width,
            height,
            env: vec![("PATH".into(), path), ("LANG".into(), "C.UTF-8".into())],
            cwd: None,
            timeout: wait::default_timeout(),
        }
    }

    /// Sets one variable in the pane's environment (replacing `PATH` or `LANG` if named).
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> TmuxBuilder {
        let key = key.as_ref().to_os_string();
        self.env.retain(|(k, _)| *k != key);
        self.env.push((key, value.as_ref().to_os_string()));
        self
    }

    /// Sets several variables, as [`env`](Self::env) does.
    pub fn envs<K, V>(self, vars: impl IntoIterator<Item = (K, V)>) -> TmuxBuilder
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        vars.into_iter().fold(self, |b, (k, v)| b.env(k, v))
    }

    /// The folder the program starts in (default: this process's).
    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> TmuxBuilder {
        self.cwd = Some(dir.into());
        self
    }

    /// The timeout of [`Tmux::wait_until`] (default: [`wait::default_timeout`]).
    pub fn timeout(mut self, timeout: Duration) -> TmuxBuilder {
        self.timeout = timeout;
        self
    }

    /// Starts a private tmux server whose only pane runs `argv` (executed directly, no shell).
    ///
    /// Panics with a hint to `scripts/install-test-deps.sh` when tmux cannot be run.
    #[track_caller]
    pub fn spawn<S: AsRef<OsStr>>(self, argv: impl IntoIterator<Item = S>) -> Tmux {
        let dir = tempfile::Builder::new()
            .prefix("station-tmux-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a folder for tmux: {e}"));
        let config = dir.path().join("tmux.conf");
        fs::write(&config, CONFIG).unwrap_or_else(|e| panic!("cannot write {config:?}: {e}"));
        let mut tmux = Tmux {
            socket: dir.path().join("tmux.sock"),
            config,
            timeout: self.timeout,
            server_pid: None,
            _dir: dir,
        };
        let (width, height) = (self.width.to_string(), self.height.to_string());
        let mut command = tmux.command();
        command
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .args([
                "new-session",
                "-d",
                "-s",
                "test",
                "-x",
                &width,
                "-y",
                &height,
            ]);
        if let Some(cwd) = &self.cwd {
            command.arg("-c").arg(cwd);
        }
        command.arg("--").args(argv);
        tmux.run_checked(&mut command, "new-session");
        let pid = tmux.display("#{pid}");
        tmux.server_pid = pid.trim().parse().ok();
        tmux
    }
}

/// A running private tmux server with one pane; see the module documentation.
pub struct Tmux {
    socket: PathBuf,
    config: PathBuf,
    timeout: Duration,
    server_pid: Option<i32>,
    /// Holds the socket and config; removed last, after the server is gone.
    _dir: TempDir,
}

impl Tmux {
    /// The server's socket, for running other tmux commands against it.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The timeout [`wait_until`](Self::wait_until) uses.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends tmux key names (`"q"`, `"Escape"`, `"Enter"`, `"C-c"`, `"?"`…) to the pane.
    #[track_caller]
    pub fn send_keys(&self, keys: &[&str]) {
        let mut command = self.command();
        command.args(["send-keys", "-t", "test", "--"]).args(keys);
        self.run_checked(&mut command, "send-keys");
    }

    /// Types `text` literally (no key-name lookup).
    #[track_caller]
    pub fn send_text(&self, text: &str) {
        let mut command = self.command();
        command.args(["send-keys", "-t", "test", "-l", "--", text]);
        self.run_checked(&mut command, "send-keys -l");
    }

    /// Types `text` and presses Enter.
    #[track_caller]
    pub fn type_line(&self, text: &str) {
        self.send_text(text);
        self.send_keys(&["Enter"]);
    }

    /// Resizes the pane (and its window) to `width`×`height`.
    #[track_caller]
    pub fn resize(&self, width: u16, height: u16) {
        let (w, h) = (width.to_string(), height.to_string());
        let mut command = self.command();
        command.args(["resize-window", "-t", "test", "-x", &w, "-y", &h]);
        self.run_checked(&mut command, "resize-window");
    }

    /// The pid of the program the pane started.
    #[track_caller]
    pub fn pane_pid(&self) -> i32 {
        let text = self.display("#{pane_pid}");
        text.trim()
            .parse()
            .unwrap_or_else(|_| panic!("tmux printed {text:?} as the pane's pid"))
    }

    /// Reads the screen and the pane facts in one tmux call, so they belong together.
    #[track_caller]
    pub fn capture(&self) -> Screen {
        let mut command = self.command();
        // One line of history too: the line tmux scrolls away when it reports a dead pane.
        command.args(["capture-pane", "-p", "-S", "-1", "-t", "test", ";"]);
        command.args(["display-message", "-p", "-t", "test", FACTS_FORMAT]);
        let output = self.run_checked(&mut command, "capture-pane");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let (text, facts) = stdout
            .trim_end_matches('\n')
            .rsplit_once('\n')
            .and_then(|(text, last)| Some((text, PaneFacts::parse(last)?)))
            .unwrap_or_else(|| panic!("cannot read tmux's capture:\n{stdout}"));
        let text = match text.split_once('\n') {
            Some((_, visible)) if facts.history > 0 && !facts.dead => visible,
            _ => text,
        };
        Screen {
            text: format!("{text}\n"),
            facts,
        }
    }

    /// The pane facts alone.
    #[track_caller]
    pub fn facts(&self) -> PaneFacts {
        self.capture().facts
    }

    /// Polls the screen until `condition` holds and returns that screen; after
    /// [`timeout`](Self::timeout) panics with `name` and the last screen.
    #[track_caller]
    pub fn wait_until(&self, name: &str, condition: impl FnMut(&Screen) -> bool) -> Screen {
        self.wait_until_within(name, self.timeout, condition)
    }

    /// [`wait_until`](Self::wait_until) with an explicit timeout.
    #[track_caller]
    pub fn wait_until_within(
        &self,
        name: &str,
        timeout: Duration,
        mut condition: impl FnMut(&Screen) -> bool,
    ) -> Screen {
        let mut last = None;
        let found = wait::poll(timeout, || {
            let screen = self.capture();
            let hit = condition(&screen).then(|| screen.clone());
            last = Some(screen);
            hit
        });
        match found {
            Ok(screen) => screen,
            Err(elapsed) => panic!(
                "timed out after {:.1} s waiting for: {name}\nlast screen:\n{}",
                elapsed.as_secs_f64(),
                last.map_or_else(|| "(none captured)".to_owned(), |s| s.to_string()),
            ),
        }
    }

    /// A tmux command aimed at this server, with this server's config.
    fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        command
            .arg("-u")
            .arg("-S")
            .arg(&self.socket)
            .arg("-f")
            .arg(&self.config)
            .env_remove("TMUX");
        command
    }

    #[track_caller]
    fn display(&self, format: &str) -> String {
        let mut command = self.command();
        command.args(["display-message", "-p", "-t", "test", format]);
        let output = self.run_checked(&mut command, "display-message");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    #[track_caller]
    fn run_checked(&self, command: &mut Command, what: &str) -> Output {
        let output = command.output().unwrap_or_else(|e| {
            panic!("cannot run tmux ({e}); install it with scripts/install-test-deps.sh")
        });
        if !output.status.success() {
            panic!(
                "tmux {what} failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        output
    }

    /// The pids of the programs the panes run, for cleanup.
    fn pane_pids(&self) -> Vec<i32> {
        let mut command = self.command();
        command.args(["list-panes", "-a", "-F", "#{pane_pid}"]);
        command.output().map_or_else(
            |_| Vec::new(),
            |out| {
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .filter_map(|l| l.trim().parse().ok())
                    .collect()
            },
        )
    }
}

impl Drop for Tmux {
    /// Kills the server (its panes get SIGHUP), then SIGKILLs the process group of any pane
    /// program that ignored the hangup, and waits until they have all ended.
    fn drop(&mut self) {
        let panes = self.pane_pids();
        let _ = self.command().arg("kill-server").output();
        let mut pids = panes.clone();
        pids.extend(self.server_pid);
        let gone = |pids: &[i32]| pids.iter().all(|&pid| wait::process_ended(pid));
        if wait::poll(Duration::from_secs(1), || gone(&pids).then_some(())).is_ok() {
            return;
        }
        for &pid in pids.iter().filter(|&&pid| !wait::process_ended(pid)) {
            // Pane programs lead their own session and group; take their children too.
            let _ = kill(Pid::from_raw(-pid), Signal::SIGKILL);
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
        let _ = wait::poll(Duration::from_secs(2), || gone(&pids).then_some(()));
    }
}
