//! Fleet rows over SSH, against a real OpenSSH sshd on loopback: one trusted instance goes
//! up with its figures, and each way of failing shows as its own state: an unknown host key,
//! a changed host key, a key the server does not accept, and a port nobody listens on.
//! The console asks nobody, so an unknown key is refused with how to accept it.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::sync::Arc;

use station::client::autostart::Autostart;
use station::client::ssh::{NoPrompt, SshOptions};
use station::client::target::{ConnectOptions, LinkProblem, Target};
use station::config::{Instance, Paths};
use station::tui::app::fleet::{FleetMsg, RowUpdate};
use station::tui::fleet_link::{FleetLink, RowTiming};
use support::ssh_world::SshWorld;
use support::sshd::{free_port, keygen};
use support::wait;

/// `~/.ssh/config` with one alias per case.
fn write_config(world: &SshWorld) -> Vec<&'static str> {
    let ssh = world.ssh_dir();
    let port = world.sshd.port();
    let identity = |name: &str| format!("    IdentityFile {}\n", ssh.join(name).display());
    let known = |name: &str| format!("    UserKnownHostsFile {}\n", ssh.join(name).display());
    world.trust_server();
    fs::write(ssh.join("known_hosts_empty"), "").unwrap();
    keygen(&ssh.join("impostor"), "");
    let impostor = fs::read_to_string(ssh.join("impostor.pub")).unwrap();
    let impostor: Vec<&str> = impostor.split_whitespace().take(2).collect();
    let changed = format!("[127.0.0.1]:{port} {}\n", impostor.join(" "));
    fs::write(ssh.join("known_hosts_changed"), changed).unwrap();
    let cases = [
        ("trusted", port, identity("id_test")),
        (
            "newhost",
            port,
            format!("{}{}", known("known_hosts_empty"), identity("id_test")),
        ),
        (
            "changed",
            port,
            format!("{}{}", known("known_hosts_changed"), identity("id_test")),
        ),
        ("wrongkey", port, identity("id_other")),
        ("closed", free_port(), identity("id_test")),
    ];
    let mut config = String::new();
    for (alias, port, extra) in &cases {
        // The case's own known_hosts (when it has one) goes before the block's usual one:
        // for each setting the first value found wins.
        config.push_str(&format!(
            "Host {alias}\n    HostName 127.0.0.1\n    Port {port}\n    User root\n{extra}    \
             UserKnownHostsFile {}\n    IdentitiesOnly yes\n    ConnectTimeout 10\n",
            world.known_hosts().display()
        ));
    }
    world.write_config(&config);
    cases.iter().map(|(alias, _, _)| *alias).collect()
}

#[tokio::test]
async fn every_ssh_failure_shows_as_its_own_state_and_a_trusted_instance_goes_up() {
    let world = SshWorld::new();
    let aliases = write_config(&world);
    let home = world.local.root().join("home");
    let ssh = SshOptions {
        config_file: home.join(".ssh/config"),
        home,
        local_user: "root".into(),
        agent_socket: None,
        remote_command: world.remote_command(),
        prompt: Arc::new(NoPrompt),
        overrides: Default::default(),
        install: Default::default(),
        sessions: Default::default(),
    };
    let mut options = ConnectOptions::new(
        Paths::from_vars(|_| None, 0),
        Autostart::disabled(),
        "fleet-test",
    );
    options.ssh = Ok(ssh);
    let targets = aliases
        .iter()
        .map(|alias| {
            let target = Target::for_instance(Instance::named(*alias));
            ((*alias).to_owned(), target)
        })
        .collect();
    let mut fleet = FleetLink::spawn(targets, options, RowTiming::default());

    let mut outcome: BTreeMap<usize, RowUpdate> = BTreeMap::new();
    let settled = tokio::time::timeout(wait::default_timeout(), async {
        while outcome.len() < aliases.len() {
            let FleetMsg { row, update } = fleet.messages.recv().await.unwrap();
            if update != RowUpdate::Connecting {
                outcome.entry(row).or_insert(update);
            }
        }
    })
    .await;
    assert!(settled.is_ok(), "rows that settled: {outcome:#?}");
    let label = |row: usize| match &outcome[&row] {
        RowUpdate::Up(stats) => format!("up {}", stats.hostname),
        RowUpdate::Down(problem) => problem.label().to_owned(),
        RowUpdate::Connecting => "connecting".into(),
    };
    let hostname = fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let labels: Vec<String> = (0..aliases.len()).map(label).collect();
    assert_eq!(
        labels,
        [
            format!("up {}", hostname.trim()),
            "unknown key".into(),
            "key changed".into(),
            "auth failed".into(),
            "unreachable".into(),
        ],
        "{outcome:#?}"
    );
    let RowUpdate::Down(LinkProblem::HostKeyUnknown(reason)) = &outcome[&1] else {
        unreachable!()
    };
    assert!(reason.contains("accept it"), "{reason}");
}
