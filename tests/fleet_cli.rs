#![allow(clippy::unwrap_used)]
//! `station fleet ls|add|rm|import` through the real binary, in isolated XDG folders: the
//! inventory round trip, comments kept in a hand-written file, imports from an SSH config,
//! and bad input exiting 2 with a message naming the file. Nothing here connects anywhere or
//! starts an agent.

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Output;

use support::station::{StationEnv, describe};

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn inventory_file(env: &StationEnv) -> PathBuf {
    env.config_dir().join("instances.toml")
}

/// Runs `station ARGS` and asserts it succeeded; returns its stdout.
#[track_caller]
fn ok(env: &StationEnv, args: &[&str]) -> String {
    let output = env.run(args);
    assert!(
        output.status.success(),
        "station {args:?}: {}",
        describe(&output)
    );
    stdout(&output)
}

/// Runs `station ARGS`, asserts it exited 2 with every one of `expected` in its stderr,
/// printed nothing on stdout, and started no agent.
#[track_caller]
fn assert_bad_input(env: &StationEnv, args: &[&str], expected: &[&str]) {
    let output = env.run(args);
    assert_eq!(
        output.status.code(),
        Some(2),
        "station {args:?}: {}",
        describe(&output)
    );
    for text in expected {
        assert!(
            stderr(&output).contains(text),
            "station {args:?} should say {text:?}: {}",
            describe(&output)
        );
    }
    assert!(
        output.stdout.is_empty(),
        "station {args:?}: {}",
        describe(&output)
    );
    assert!(
        env.agent_pid().is_none(),
        "station {args:?} started an agent"
    );
}

#[test]
fn every_fleet_verb_has_help() {
    let env = StationEnv::new();
    let text = ok(&env, &["fleet", "--help"]);
    for verb in ["ls", "add", "rm", "import"] {
        assert!(text.contains(verb), "fleet --help lists {verb}: {text}");
        let help = ok(&env, &["fleet", verb, "--help"]);
        assert!(
            help.contains(&format!("Usage: station fleet {verb}")),
            "{help}"
        );
        assert!(help.contains("Exit codes"), "{verb}: {help}");
    }
    let add = ok(&env, &["fleet", "add", "--help"]);
    for option in [
        "--host",
        "--user",
        "--port",
        "--identity",
        "--tag",
        "--start-command",
    ] {
        assert!(add.contains(option), "add --help names {option}: {add}");
    }
}

#[test]
fn add_ls_rm_round_trip() {
    let env = StationEnv::new();
    let file = inventory_file(&env);
    let empty = ok(&env, &["fleet", "ls"]);
    assert!(
        empty.contains(&format!("No instances: {}", file.display())),
        "{empty}"
    );
    assert!(empty.contains("station fleet add"), "{empty}");

    let added = ok(&env, &["fleet", "add", "gpu1"]);
    assert!(added.contains(&format!("added `gpu1` (host gpu1) to {}", file.display())));
    ok(
        &env,
        &[
            "fleet",
            "add",
            "big",
            "--host",
            "10.0.0.7",
            "--user",
            "ana",
            "--port",
            "2222",
            "--identity",
            "~/.ssh/id_big",
            "--tag",
            "a100",
            "--tag",
            "lab",
            "--start-command",
            "virsh start big",
        ],
    );
    let mode = |p: &std::path::Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(&env.config_dir()), 0o700);

    let table = ok(&env, &["fleet", "ls"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0], "NAME  HOST      USER  PORT  TAGS      START COMMAND",
        "{table}"
    );
    assert_eq!(
        lines[1], "gpu1  gpu1      -     -     -         -",
        "{table}"
    );
    assert_eq!(
        lines[2], "big   10.0.0.7  ana   2222  a100,lab  virsh start big",
        "{table}"
    );
    assert!(
        table.ends_with(&format!("2 instances in {}\n", file.display())),
        "{table}"
    );

    let json: serde_json::Value =
        serde_json::from_str(&ok(&env, &["fleet", "ls", "--json"])).unwrap();
    assert_eq!(json["file"].as_str(), file.to_str());
    assert_eq!(json["exists"], true);
    assert_eq!(json["instances"][0]["host"], "gpu1");
    assert_eq!(json["instances"][0]["port"], serde_json::Value::Null);
    assert_eq!(json["instances"][1]["port"], 2222);
    assert_eq!(json["instances"][1]["identity"], "~/.ssh/id_big");
    assert_eq!(
        json["instances"][1]["tags"],
        serde_json::json!(["a100", "lab"])
    );

    let removed = ok(&env, &["fleet", "rm", "gpu1"]);
    assert!(removed.contains("removed `gpu1`"), "{removed}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&env, &["fleet", "ls", "--json"])).unwrap();
    assert_eq!(json["instances"].as_array().unwrap().len(), 1);
    assert_eq!(json["instances"][0]["name"], "big");
}

#[test]
fn a_hand_written_file_keeps_its_comments() {
    let env = StationEnv::new();
    let file = inventory_file(&env);
    fs::create_dir_all(env.config_dir()).unwrap();
    let original = "# My machines.\n\n# The big one.\n[[instance]]\nname = 'big'   # mine\n\
                    tags = [ \"a100\" ]\n\n\n# Retired:\n# [[instance]]\n# name = \"old\"\n";
    fs::write(&file, original).unwrap();
    ok(&env, &["fleet", "add", "gpu2", "--port", "22"]);
    let with_gpu2 = fs::read_to_string(&file).unwrap();
    assert_eq!(
        with_gpu2,
        original.replace(
            "tags = [ \"a100\" ]\n",
            "tags = [ \"a100\" ]\n\n[[instance]]\nname = \"gpu2\"\nport = 22\n"
        )
    );
    ok(&env, &["fleet", "rm", "gpu2"]);
    assert_eq!(fs::read_to_string(&file).unwrap(), original);
    ok(&env, &["fleet", "rm", "big"]);
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "# My machines.\n\n\n# Retired:\n# [[instance]]\n# name = \"old\"\n"
    );
}

#[test]
fn import_adds_plain_aliases_once() {
    let env = StationEnv::new();
    let ssh_config = env.root().join("ssh_config");
    fs::write(
        &ssh_config,
        "Host *\n  ServerAliveInterval 30\n\nHost gpu1 gpu2 lab-* !gpu3\n  User ana\n\n\
         Host bastion\n  HostName 10.0.0.1\n",
    )
    .unwrap();
    ok(&env, &["fleet", "add", "gpu1"]);
    let config = ssh_config.to_str().unwrap();

    let dry = ok(
        &env,
        &["fleet", "import", "--ssh-config", config, "--dry-run"],
    );
    assert!(
        dry.contains("would add  gpu2\nwould add  bastion\n"),
        "{dry}"
    );
    assert!(
        dry.contains("skipped  gpu1: already in the inventory"),
        "{dry}"
    );
    assert!(dry.contains("is unchanged"), "{dry}");
    let names = |env: &StationEnv| {
        let json: serde_json::Value =
            serde_json::from_str(&ok(env, &["fleet", "ls", "--json"])).unwrap();
        json["instances"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&env), ["gpu1"]);

    let done = ok(&env, &["fleet", "import", "--ssh-config", config]);
    assert!(done.contains("2 added to"), "{done}");
    assert_eq!(names(&env), ["gpu1", "gpu2", "bastion"]);
    let again = ok(&env, &["fleet", "import", "--ssh-config", config]);
    assert!(again.contains("Nothing new in"), "{again}");
    assert_eq!(names(&env), ["gpu1", "gpu2", "bastion"]);

    // Without --ssh-config: ~/.ssh/config of the (isolated) home.
    let ssh_dir = env.root().join("home/.ssh");
    fs::create_dir_all(&ssh_dir).unwrap();
    fs::write(ssh_dir.join("config"), "Host from-home\n").unwrap();
    let home = ok(&env, &["fleet", "import"]);
    assert!(home.contains("added  from-home"), "{home}");
}

#[test]
fn bad_input_exits_2_naming_the_file() {
    let env = StationEnv::new();
    let file = inventory_file(&env);
    let path = file.to_str().unwrap();
    ok(&env, &["fleet", "add", "gpu1"]);
    assert_bad_input(
        &env,
        &["fleet", "add", "gpu1"],
        &[path, "there is already an instance named `gpu1`"],
    );
    assert_bad_input(
        &env,
        &["fleet", "rm", "nope"],
        &[path, "no instance named `nope` (instances: gpu1)"],
    );
    assert_bad_input(
        &env,
        &["fleet", "add", "a b"],
        &["instance name `a b`", path],
    );
    assert_bad_input(
        &env,
        &["fleet", "add", "x", "--port", "0"],
        &["port must be between 1 and 65535, got 0", path],
    );
    assert_bad_input(
        &env,
        &["fleet", "add", "x", "--port", "70000"],
        &["got 70000", path],
    );
    assert_bad_input(
        &env,
        &["fleet", "import", "--ssh-config", "/nonexistent/ssh_config"],
        &["/nonexistent/ssh_config does not exist"],
    );
    let ssh_config = env.root().join("broken_ssh_config");
    fs::write(&ssh_config, "Host a\n  User ana\nHost\n").unwrap();
    assert_bad_input(
        &env,
        &[
            "fleet",
            "import",
            "--ssh-config",
            ssh_config.to_str().unwrap(),
        ],
        &[&format!(
            "{}:3: Host needs at least one pattern",
            ssh_config.display()
        )],
    );
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "# Station's fleet: one [[instance]] per machine. Edit by hand or with\n\
         # `station fleet add|rm|import`; comments are kept.\n\n[[instance]]\nname = \"gpu1\"\n",
        "refused changes leave the file as it was"
    );

    fs::write(&file, "[[instance]]\nname = \"a\"\nport = 0\n").unwrap();
    let good_ssh_config = env.root().join("ssh_config");
    fs::write(&good_ssh_config, "Host b\n").unwrap();
    for args in [
        &["fleet", "ls"][..],
        &["fleet", "add", "b"],
        &["fleet", "rm", "a"],
        &[
            "fleet",
            "import",
            "--ssh-config",
            good_ssh_config.to_str().unwrap(),
        ],
    ] {
        assert_bad_input(
            &env,
            args,
            &[
                &format!("error: {path}:3:8: port must be between 1 and 65535"),
                "3 | port = 0",
            ],
        );
    }
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "[[instance]]\nname = \"a\"\nport = 0\n",
        "a broken file is never rewritten"
    );
}
