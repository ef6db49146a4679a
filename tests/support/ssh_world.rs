//! Both ends of an SSH test: a client side (a Station instance whose `HOME` holds
//! `.ssh/config`, keys and known_hosts) and a server side (a real sshd, and the isolated
//! Station instance its sessions run `station agent --stdio` in).

use std::fs;
use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::sync::mpsc;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use super::sshd::{Sshd, keygen, remote_command};
use super::station::StationEnv;
use super::wait;

/// The alias the tests' `~/.ssh/config` defines for the test server.
pub const ALIAS: &str = "gpu-test";

/// A client, a server and the keys between them; see the module documentation.
pub struct SshWorld {
    /// The client side: `station` runs here, with `HOME` = `local/home`.
    pub local: StationEnv,
    /// The server side's Station folders (its agent, started through SSH).
    pub remote: StationEnv,
    pub sshd: Sshd,
}

impl SshWorld {
    /// Makes `~/.ssh/id_test` (accepted by the server) and `~/.ssh/id_other` (not), and starts
    /// the server.
    pub fn new() -> SshWorld {
        let local = StationEnv::new();
        let remote = StationEnv::new();
        let ssh = local.root().join("home/.ssh");
        fs::create_dir_all(&ssh).expect("create ~/.ssh");
        keygen(&ssh.join("id_test"), "");
        keygen(&ssh.join("id_other"), "");
        let sshd = Sshd::start(&[&ssh.join("id_test.pub")]);
        SshWorld {
            local,
            remote,
            sshd,
        }
    }

    /// Like [`SshWorld::new`], but the server is a machine without Station: every session gets
    /// the remote side's `HOME` and XDG folders (sshd's `SetEnv`) and a PATH of system folders
    /// only, after `extra_path` when given (a folder of tools that stand in for the remote's).
    /// The default remote command (the launcher) is used: see [`Self::station_default`].
    pub fn without_station(extra_path: Option<&std::path::Path>) -> SshWorld {
        let local = StationEnv::new();
        let remote = StationEnv::new();
        let ssh = local.root().join("home/.ssh");
        fs::create_dir_all(&ssh).expect("create ~/.ssh");
        keygen(&ssh.join("id_test"), "");
        keygen(&ssh.join("id_other"), "");
        let system_path = "/usr/local/bin:/usr/bin:/bin";
        let path = match extra_path {
            Some(dir) => format!("{}:{system_path}", dir.display()),
            None => system_path.to_owned(),
        };
        let env: Vec<(String, String)> = remote
            .vars()
            .into_iter()
            .map(|(name, value)| {
                let name = name.to_string_lossy().into_owned();
                let value = if name == "PATH" {
                    path.clone()
                } else {
                    value.to_string_lossy().into_owned()
                };
                (name, value)
            })
            .collect();
        let sshd = Sshd::start_with_env(&[&ssh.join("id_test.pub")], &env);
        SshWorld {
            local,
            remote,
            sshd,
        }
    }

    /// Where an install puts this version's binary on the remote side.
    pub fn installed_binary(&self) -> PathBuf {
        self.remote
            .root()
            .join("home/.local/share/station/bin")
            .join(format!("station-{}", env!("CARGO_PKG_VERSION")))
    }

    /// Runs `station ARGS` on the client side with the default remote command (no
    /// `STATION_REMOTE_COMMAND`), stdin not a terminal.
    #[track_caller]
    pub fn station_default(&self, args: &[&str]) -> Output {
        let mut command = self.local.command(args);
        command
            .env_remove("STATION_REMOTE_COMMAND")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        finish(command, args)
    }

    /// The client's `~/.ssh`.
    pub fn ssh_dir(&self) -> PathBuf {
        self.local.root().join("home/.ssh")
    }

    /// The client's known_hosts file (named by `UserKnownHostsFile` in [`Self::host_block`]).
    pub fn known_hosts(&self) -> PathBuf {
        self.ssh_dir().join("known_hosts_test")
    }

    /// Records the server's real host key as known.
    pub fn trust_server(&self) {
        fs::write(self.known_hosts(), self.sshd.known_hosts_line()).expect("write known_hosts");
    }

    /// A `Host ALIAS` block for the server: address, port, user, known_hosts file, a short
    /// ConnectTimeout, then `extra` lines (an `IdentityFile`, say).
    pub fn host_block(&self, alias: &str, port: u16, extra: &str) -> String {
        format!(
            "Host {alias}\n    HostName 127.0.0.1\n    Port {port}\n    User root\n    \
             UserKnownHostsFile {}\n    ConnectTimeout 10\n{extra}",
            self.known_hosts().display()
        )
    }

    /// Writes the client's `~/.ssh/config`.
    pub fn write_config(&self, text: &str) {
        fs::write(self.ssh_dir().join("config"), text).expect("write ~/.ssh/config");
    }

    /// The usual config: [`ALIAS`] with `id_test` as its identity.
    pub fn write_default_config(&self) {
        let identity = format!(
            "    IdentityFile {}\n",
            self.ssh_dir().join("id_test").display()
        );
        self.write_config(&self.host_block(ALIAS, self.sshd.port(), &identity));
    }

    /// The remote command that runs this build's agent bridge in the server side's folders.
    pub fn remote_command(&self) -> String {
        remote_command(&self.remote)
    }

    /// Runs `station ARGS` on the client side, with the remote command set and stdin not a
    /// terminal, plus `env`; panics if it does not finish within the default timeout.
    #[track_caller]
    pub fn station(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = self.local.command(args);
        command
            .env("STATION_REMOTE_COMMAND", self.remote_command())
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        finish(command, args)
    }
}

/// Runs `command` to its end; panics if it does not finish within the default timeout.
#[track_caller]
fn finish(mut command: std::process::Command, args: &[&str]) -> Output {
    let child = command.spawn().expect("start station");
    let pid = child.id();
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    match finished.recv_timeout(wait::default_timeout()) {
        Ok(output) => output.expect("station's output"),
        Err(_) => {
            if let Ok(pid) = i32::try_from(pid) {
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            }
            panic!("station {args:?} did not finish: it hangs");
        }
    }
}
