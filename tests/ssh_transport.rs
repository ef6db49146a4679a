#![allow(clippy::unwrap_used)]
//! The SSH transport as a library, against a real OpenSSH sshd on loopback, with scripted
//! answers where the CLI would ask a person: an unknown host accepted (recorded, not asked
//! again) or declined, an encrypted key's passphrase asked again after a wrong one, a remote
//! command that fails, and a connection lost while in use.

mod support;

use std::path::Path;
use std::sync::{Arc, Mutex};

use station::client::ssh::install::{InstallOffer, InstallPolicy, launcher_command};
use station::client::ssh::{
    self, Endpoint, Prompt, PromptFuture, RemoteEnd, SshError, SshOptions, UnknownHostKey,
};
use station::proto::telemetry::ProcessQuery;
use station::proto::{ClientMsg, Response};
use support::ssh_world::{ALIAS, SshWorld};
use support::sshd::{fingerprint, keygen};

/// Answers from a script, and a record of every question.
#[derive(Default)]
struct Scripted {
    trust: bool,
    install: bool,
    passphrases: Mutex<Vec<Option<String>>>,
    asked: Mutex<Vec<String>>,
}

impl Scripted {
    fn trusting() -> Arc<Scripted> {
        Arc::new(Scripted {
            trust: true,
            ..Scripted::default()
        })
    }

    fn with_passphrases(answers: &[Option<&str>]) -> Arc<Scripted> {
        Arc::new(Scripted {
            passphrases: Mutex::new(answers.iter().map(|a| a.map(str::to_owned)).collect()),
            ..Scripted::default()
        })
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

impl Prompt for Scripted {
    fn interactive(&self) -> bool {
        true
    }

    fn confirm_host_key<'a>(&'a self, key: &'a UnknownHostKey) -> PromptFuture<'a, bool> {
        self.asked
            .lock()
            .unwrap()
            .push(format!("trust {} {}", key.host, key.key.sha256));
        Box::pin(async move { self.trust })
    }

    fn passphrase<'a>(
        &'a self,
        _host: &'a Endpoint,
        path: &'a Path,
        attempt: u32,
    ) -> PromptFuture<'a, Option<String>> {
        let name = path.file_name().unwrap().to_string_lossy();
        self.asked
            .lock()
            .unwrap()
            .push(format!("passphrase {name} #{attempt}"));
        let answer = self.passphrases.lock().unwrap().remove(0);
        Box::pin(async move { answer })
    }

    fn confirm_install<'a>(&'a self, offer: &'a InstallOffer) -> PromptFuture<'a, bool> {
        self.asked
            .lock()
            .unwrap()
            .push(format!("install on {}", offer.host));
        assert!(
            offer.platform.starts_with(std::env::consts::ARCH),
            "{offer}"
        );
        Box::pin(async move { self.install })
    }
}

fn options(world: &SshWorld, prompt: Arc<dyn Prompt>) -> SshOptions {
    let home = world.local.root().join("home");
    SshOptions {
        config_file: home.join(".ssh/config"),
        home,
        local_user: "root".into(),
        agent_socket: None,
        remote_command: world.remote_command(),
        prompt,
        overrides: Default::default(),
        install: Default::default(),
        sessions: Default::default(),
    }
}

async fn status_pid(client: &mut station::client::Client) -> u32 {
    let query = ProcessQuery {
        limit: 0,
        ..ProcessQuery::default()
    };
    match client
        .request(ClientMsg::Status { processes: query })
        .await
        .unwrap()
    {
        Response::Status(report) => report.agent.pid,
        other => panic!("expected status, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unknown_host_accepted_once_is_recorded_and_not_asked_again() {
    let world = SshWorld::new();
    world.write_default_config();
    let prompt = Scripted::trusting();
    let mut client = ssh::connect_agent(ALIAS, &options(&world, prompt.clone()), "test")
        .await
        .unwrap();
    let print = fingerprint(&world.sshd.host_public_key());
    let port = world.sshd.port();
    assert_eq!(
        prompt.asked(),
        vec![format!("trust {ALIAS} (127.0.0.1:{port}) {print}")]
    );
    let recorded = std::fs::read_to_string(world.known_hosts()).unwrap();
    assert_eq!(recorded, world.sshd.known_hosts_line());
    assert_eq!(
        i32::try_from(status_pid(&mut client).await).ok(),
        world.remote.agent_pid()
    );

    // `user@alias` as ssh takes it.
    let again = Scripted::trusting();
    ssh::connect_agent(
        &format!("root@{ALIAS}"),
        &options(&world, again.clone()),
        "test",
    )
    .await
    .unwrap();
    assert!(again.asked().is_empty(), "asked again: {:?}", again.asked());
}

#[tokio::test]
async fn a_declined_host_key_is_refused_and_not_recorded() {
    let world = SshWorld::new();
    world.write_default_config();
    let prompt = Arc::new(Scripted::default());
    let error = ssh::connect_agent(ALIAS, &options(&world, prompt.clone()), "test")
        .await
        .unwrap_err();
    assert!(
        matches!(error, SshError::HostKeyUnknown { declined: true, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("you declined it"), "{error}");
    assert_eq!(prompt.asked().len(), 1);
    assert!(!world.known_hosts().exists());
}

#[tokio::test]
async fn an_encrypted_key_asks_for_its_passphrase_again_after_a_wrong_one() {
    let world = SshWorld::new();
    world.trust_server();
    let ssh_dir = world.ssh_dir();
    keygen(&ssh_dir.join("id_locked"), "open sesame");
    let public = std::fs::read_to_string(ssh_dir.join("id_locked.pub")).unwrap();
    // The server's authorized_keys already holds id_test; only id_locked is offered here.
    let identity = format!("    IdentityFile {}\n", ssh_dir.join("id_locked").display());
    world.write_config(&world.host_block(ALIAS, world.sshd.port(), &identity));
    world.sshd.authorize(&public);

    let prompt = Scripted::with_passphrases(&[Some("wrong"), Some("open sesame")]);
    ssh::connect_agent(ALIAS, &options(&world, prompt.clone()), "test")
        .await
        .unwrap();
    assert_eq!(
        prompt.asked(),
        vec!["passphrase id_locked #1", "passphrase id_locked #2"]
    );

    let skipped = Scripted::with_passphrases(&[None]);
    let error = ssh::connect_agent(ALIAS, &options(&world, skipped), "test")
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("tried ~/.ssh/id_locked (encrypted, no passphrase given)"),
        "{error}"
    );
}

#[tokio::test]
async fn a_failing_remote_command_reports_its_status_and_stderr() {
    let world = SshWorld::new();
    world.trust_server();
    world.write_default_config();
    let mut options = options(&world, Scripted::trusting());
    options.remote_command = "echo 'agent: no space left' >&2; exit 3".into();
    let error = ssh::connect_agent(ALIAS, &options, "test")
        .await
        .unwrap_err();
    match &error {
        SshError::RemoteCommandFailed { end, stderr, .. } => {
            assert_eq!(end, &RemoteEnd::Exited(3));
            assert_eq!(stderr.trim(), "agent: no space left");
        }
        other => panic!("expected a failed command, got {other:?}"),
    }
    assert!(
        error.to_string().contains(&format!(
            "on {ALIAS} (127.0.0.1:{}) exited with status 3",
            world.sshd.port()
        )),
        "{error}"
    );
}

#[tokio::test]
async fn a_connection_lost_in_use_is_an_error_naming_the_host() {
    let world = SshWorld::new();
    world.trust_server();
    world.write_default_config();
    let mut client = ssh::connect_agent(ALIAS, &options(&world, Scripted::trusting()), "test")
        .await
        .unwrap();
    status_pid(&mut client).await;
    for pid in world.sshd.connection_pids() {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        )
        .unwrap();
    }
    let error = client
        .request(ClientMsg::Status {
            processes: ProcessQuery::default(),
        })
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(&format!(
            "the connection to {ALIAS} (127.0.0.1:{}) was lost",
            world.sshd.port()
        )),
        "{error}"
    );
}

#[tokio::test]
async fn a_second_agent_connection_to_the_same_host_reuses_the_ssh_connection() {
    let world = SshWorld::new();
    world.trust_server();
    world.write_default_config();
    let options = options(&world, Scripted::trusting());
    let accepted = || world.sshd.log().matches("Accepted publickey").count();
    let mut first = ssh::connect_agent(ALIAS, &options, "test").await.unwrap();
    let mut second = ssh::connect_agent(ALIAS, &options.clone(), "test")
        .await
        .unwrap();
    assert_eq!(status_pid(&mut first).await, status_pid(&mut second).await);
    assert_eq!(
        accepted(),
        1,
        "one SSH connection for both:\n{}",
        world.sshd.log()
    );
    // Once nothing uses it, the next connection is a new one.
    drop(first);
    drop(second);
    let mut third = ssh::connect_agent(ALIAS, &options, "test").await.unwrap();
    status_pid(&mut third).await;
    assert_eq!(accepted(), 2, "{}", world.sshd.log());
}

#[tokio::test]
async fn an_install_is_offered_with_the_platform_and_a_no_uploads_nothing() {
    let world = SshWorld::without_station(None);
    world.trust_server();
    world.write_default_config();
    let prompt = Arc::new(Scripted::default());
    let mut options = options(&world, prompt.clone());
    options.remote_command = launcher_command();
    options.install = InstallPolicy {
        binary: Some(support::station::STATION_BIN.into()),
        consented: false,
        launcher: true,
    };
    let error = ssh::connect_agent(ALIAS, &options, "test")
        .await
        .unwrap_err();
    assert!(
        matches!(error, SshError::RemoteCommandMissing { .. }),
        "{error}"
    );
    assert_eq!(
        prompt.asked(),
        [format!(
            "install on {ALIAS} (127.0.0.1:{})",
            world.sshd.port()
        )]
    );
    assert!(!world.installed_binary().exists());

    // A yes installs it and the same call goes on to the agent.
    let yes = Arc::new(Scripted {
        install: true,
        ..Scripted::default()
    });
    options.prompt = yes.clone();
    let mut client = ssh::connect_agent(ALIAS, &options, "test").await.unwrap();
    assert_eq!(
        status_pid(&mut client).await,
        u32::try_from(world.remote.agent_pid().unwrap()).unwrap()
    );
    assert!(world.installed_binary().exists());
}
