//! A real OpenSSH server for one test, and the keys and ssh-agent around it.
//!
//! [`Sshd::start`] runs `/usr/sbin/sshd -D -f CONFIG -E LOG` on 127.0.0.1 on a free port, with
//! its own ed25519 host key and `authorized_keys`, in a temporary folder; it is stopped by PID
//! when dropped. The server runs as the user running the tests (root here: sshd needs it for
//! privilege separation, and `/run/sshd` must exist). [`SshAgent`] is an `ssh-agent -D` on a
//! socket of its own, also stopped by PID. Keys come from `ssh-keygen`.
//!
//! The tests log in as the same user, so a remote `station` would share their home; a test
//! points the remote command at its own isolated instance instead (see [`remote_command`]).

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tempfile::TempDir;

use super::station::{STATION_BIN, StationEnv};
use super::wait;

/// The OpenSSH server binary (Debian's `openssh-server`).
pub const SSHD: &str = "/usr/sbin/sshd";

/// How often a start is retried when another process took the chosen port meanwhile.
const PORT_ATTEMPTS: usize = 5;

/// Makes an ed25519 key pair at `path` (and `path.pub`), encrypted when `passphrase` is not
/// empty.
#[track_caller]
pub fn keygen(path: &Path, passphrase: &str) {
    let output = Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            passphrase,
            "-C",
            "station-test",
            "-f",
        ])
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run ssh-keygen: {e}"));
    assert!(
        output.status.success(),
        "ssh-keygen failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `ssh-keygen -l`'s SHA256 fingerprint of the public key in `path`.
#[track_caller]
pub fn fingerprint(public_key: &Path) -> String {
    let output = Command::new("ssh-keygen")
        .args(["-l", "-E", "sha256", "-f"])
        .arg(public_key)
        .output()
        .unwrap_or_else(|e| panic!("cannot run ssh-keygen: {e}"));
    let text = String::from_utf8_lossy(&output.stdout);
    text.split_whitespace()
        .nth(1)
        .unwrap_or_else(|| panic!("no fingerprint in {text:?}"))
        .to_owned()
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// A running sshd; see the module documentation.
pub struct Sshd {
    dir: TempDir,
    port: u16,
    child: Child,
}

impl Sshd {
    /// Starts a server that accepts the public keys in `authorized` (paths of `.pub` files).
    #[track_caller]
    pub fn start(authorized: &[&Path]) -> Sshd {
        Sshd::start_with_env(authorized, &[])
    }

    /// [`Sshd::start`], with `env` set in every session (sshd's `SetEnv`, which wins over
    /// `HOME` and `PATH`): a "remote machine" with a home and a PATH of the test's choosing.
    #[track_caller]
    pub fn start_with_env(authorized: &[&Path], env: &[(String, String)]) -> Sshd {
        fs::create_dir_all("/run/sshd").expect("create /run/sshd (privilege separation)");
        let dir = tempfile::Builder::new()
            .prefix("station-sshd-")
            .tempdir()
            .expect("a temporary folder for sshd");
        keygen(&dir.path().join("host_ed25519"), "");
        let mut keys = String::new();
        for key in authorized {
            keys.push_str(&fs::read_to_string(key).expect("read an authorized key"));
        }
        fs::write(dir.path().join("authorized_keys"), keys).expect("write authorized_keys");
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port();
            let config = dir.path().join("sshd_config");
            fs::write(&config, sshd_config(dir.path(), port, env)).expect("write sshd_config");
            let log = dir.path().join("sshd.log");
            let mut child = Command::new(SSHD)
                .arg("-D")
                .arg("-f")
                .arg(&config)
                .arg("-E")
                .arg(&log)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {SSHD}: {e} (install openssh-server)"));
            let ready = wait::poll(wait::default_timeout(), || {
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Some(true);
                }
                matches!(child.try_wait(), Ok(Some(_))).then_some(false)
            });
            match ready {
                Ok(true) => return Sshd { dir, port, child },
                // It exited: most likely the port was taken meanwhile; try another.
                Ok(false) => continue,
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "sshd did not listen on port {port}: {}",
                        fs::read_to_string(&log).unwrap_or_default()
                    );
                }
            }
        }
        panic!(
            "sshd did not start in {PORT_ATTEMPTS} attempts: {}",
            fs::read_to_string(dir.path().join("sshd.log")).unwrap_or_default()
        );
    }

    /// Adds a public key (a `.pub` file's text) to `authorized_keys`; sshd reads the file at
    /// each login.
    pub fn authorize(&self, public_key: &str) {
        let path = self.dir.path().join("authorized_keys");
        let mut keys = fs::read_to_string(&path).unwrap_or_default();
        keys.push_str(public_key);
        fs::write(path, keys).expect("write authorized_keys");
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's public host key file.
    pub fn host_public_key(&self) -> PathBuf {
        self.dir.path().join("host_ed25519.pub")
    }

    /// Its host key as known_hosts writes it (`ssh-ed25519 AAAA…`, no comment).
    pub fn host_key(&self) -> String {
        let public = fs::read_to_string(self.host_public_key()).expect("read the host key");
        let fields: Vec<&str> = public.split_whitespace().take(2).collect();
        fields.join(" ")
    }

    /// Its host key as a known_hosts line (`[127.0.0.1]:PORT ssh-ed25519 AAAA…`).
    pub fn known_hosts_line(&self) -> String {
        format!("[127.0.0.1]:{} {}\n", self.port, self.host_key())
    }

    /// The per-connection server processes (children of the listening sshd).
    pub fn connection_pids(&self) -> Vec<i32> {
        let parent = self.child.id().to_string();
        let Ok(entries) = fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
            .filter(|pid| {
                fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                    // The parent pid is the second field after the parenthesised command.
                    stat.rsplit_once(')')
                        .and_then(|(_, rest)| rest.split_whitespace().nth(1).map(str::to_owned))
                        .is_some_and(|ppid| ppid == parent)
                })
            })
            .collect()
    }

    /// What the server has logged so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// SIGTERM by PID, then SIGKILL if it lingers; always reaped.
fn stop(child: &mut Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
    }
    let ended = wait::poll(Duration::from_secs(5), || child.try_wait().ok().flatten());
    if ended.is_err() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

fn sshd_config(dir: &Path, port: u16, env: &[(String, String)]) -> String {
    let dir = dir.display();
    let set_env = if env.is_empty() {
        String::new()
    } else {
        let pairs: Vec<String> = env
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        format!("SetEnv {}\n", pairs.join(" "))
    };
    format!(
        "Port {port}\n\
         ListenAddress 127.0.0.1\n\
         HostKey {dir}/host_ed25519\n\
         AuthorizedKeysFile {dir}/authorized_keys\n\
         PidFile {dir}/sshd.pid\n\
         StrictModes no\n\
         UsePAM no\n\
         PasswordAuthentication no\n\
         KbdInteractiveAuthentication no\n\
         PubkeyAuthentication yes\n\
         PermitRootLogin yes\n\
         AllowTcpForwarding yes\n\
         Subsystem sftp internal-sftp\n\
         LogLevel DEBUG1\n\
         {set_env}"
    )
}

/// An `ssh-agent -D` on its own socket.
pub struct SshAgent {
    _dir: TempDir,
    socket: PathBuf,
    child: Child,
}

impl SshAgent {
    /// Starts an agent and adds the private keys in `keys` to it.
    #[track_caller]
    pub fn start(keys: &[&Path]) -> SshAgent {
        let dir = tempfile::Builder::new()
            .prefix("station-agent-")
            .tempdir()
            .expect("a temporary folder for ssh-agent");
        let socket = dir.path().join("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start ssh-agent: {e}"));
        let agent = SshAgent {
            _dir: dir,
            socket,
            child,
        };
        wait::wait_for("ssh-agent's socket", || agent.socket.exists());
        for key in keys {
            let output = Command::new("ssh-add")
                .arg(key)
                .env("SSH_AUTH_SOCK", &agent.socket)
                .output()
                .expect("run ssh-add");
            assert!(
                output.status.success(),
                "ssh-add failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        agent
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }
}

impl Drop for SshAgent {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// The remote command that runs this build's `station agent --stdio` in `remote`'s isolated
/// folders (the SSH session logs in as the same user as the test).
pub fn remote_command(remote: &StationEnv) -> String {
    let vars: Vec<String> = remote
        .vars()
        .into_iter()
        .map(|(name, value)| {
            format!(
                "{}='{}'",
                name.to_string_lossy(),
                value.to_string_lossy().replace('\'', r"'\''")
            )
        })
        .collect();
    format!("env {} {STATION_BIN} agent --stdio", vars.join(" "))
}
