//! ssh_config(5) semantics on hand-written configs.

use std::collections::BTreeMap;

use super::resolve::parse_jump;
use super::*;

/// Files from a table, for includes without touching the disk.
struct Table(BTreeMap<PathBuf, String>);

impl ConfigFiles for Table {
    fn read(&self, path: &Path) -> std::io::Result<Option<String>> {
        Ok(self.0.get(path).cloned())
    }

    fn list(&self, dir: &Path) -> std::io::Result<Vec<String>> {
        Ok(self
            .0
            .keys()
            .filter(|p| p.parent() == Some(dir))
            .filter_map(|p| Some(p.file_name()?.to_string_lossy().into_owned()))
            .collect())
    }
}

const HOME: &str = "/home/ana";

fn load(files: &[(&str, &str)]) -> Result<SshConfig, SshConfigError> {
    let table = Table(
        files
            .iter()
            .map(|(p, t)| (PathBuf::from(p), (*t).to_owned()))
            .collect(),
    );
    SshConfig::load(Path::new("/home/ana/.ssh/config"), Path::new(HOME), &table)
}

fn resolve(text: &str, host: &str) -> HostConfig {
    load(&[("/home/ana/.ssh/config", text)])
        .unwrap()
        .resolve(host, "ana", Path::new(HOME))
        .unwrap()
}

#[test]
fn a_missing_file_means_defaults() {
    let config = load(&[]).unwrap();
    let host = config.resolve("gpu1", "ana", Path::new(HOME)).unwrap();
    assert_eq!(host.host_name, "gpu1");
    assert_eq!(host.port, 22);
    assert_eq!(host.user, None);
    assert!(host.identity_files.is_empty() && host.proxy_jump.is_empty());
    assert_eq!(host.server_alive_count_max, 3);
}

#[test]
fn the_first_value_wins_and_identities_add_up() {
    let text = "\
# lab machines
Host gpu1
    HostName 10.0.0.5
    User ana
    IdentityFile ~/.ssh/lab_ed25519
Host gpu*
    Port 2222
    User root
    IdentityFile %d/.ssh/%h_%r
Host *
    Port 22
    ConnectTimeout=5
    ServerAliveInterval 15
";
    let host = resolve(text, "gpu1");
    assert_eq!(host.host_name, "10.0.0.5");
    assert_eq!(host.user.as_deref(), Some("ana"));
    assert_eq!(host.port, 2222);
    assert_eq!(
        host.identity_files,
        [
            PathBuf::from("/home/ana/.ssh/lab_ed25519"),
            PathBuf::from("/home/ana/.ssh/10.0.0.5_ana")
        ]
    );
    assert_eq!(host.connect_timeout_secs, Some(5));
    assert_eq!(host.server_alive_interval_secs, Some(15));
    let other = resolve(text, "gpu7");
    assert_eq!((other.host_name.as_str(), other.port), ("gpu7", 2222));
    assert_eq!(other.user.as_deref(), Some("root"));
}

#[test]
fn patterns_match_like_openssh() {
    let patterns = |p: &[&str]| p.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert!(host_matches("gpu1", &patterns(&["gpu?"])));
    assert!(!host_matches("gpu10", &patterns(&["gpu?"])));
    assert!(host_matches("GPU10.lab", &patterns(&["gpu*.lab"])));
    assert!(!host_matches("gpu1", &patterns(&["*", "!gpu1"])));
    assert!(host_matches("gpu2", &patterns(&["*", "!gpu1"])));
    assert!(
        !host_matches("gpu2", &patterns(&["!gpu1"])),
        "a negation alone matches nothing"
    );
    assert!(wildcard_match("a*b*c", "axxbyyc") && !wildcard_match("a*b*c", "axxbyy"));
}

#[test]
fn proxy_jump_hops_are_parsed() {
    let host = resolve(
        "Host inner\n  ProxyJump ana@bastion:2200,[::1]:22,ssh://relay\n",
        "inner",
    );
    assert_eq!(
        host.proxy_jump,
        [
            Jump {
                user: Some("ana".into()),
                host: "bastion".into(),
                port: Some(2200)
            },
            Jump {
                user: None,
                host: "::1".into(),
                port: Some(22)
            },
            Jump {
                user: None,
                host: "relay".into(),
                port: None
            },
        ]
    );
    assert!(
        resolve("ProxyJump none\nHost x\n ProxyJump b\n", "x")
            .proxy_jump
            .is_empty()
    );
    assert!(parse_jump("@host").is_err());
    assert!(parse_jump("host:port").is_err());
    assert!(parse_jump("[::1").is_err());
}

#[test]
fn quotes_equals_signs_and_comments() {
    let host = resolve(
        "Host q\n  IdentityFile \"/keys/with space\" # trailing\n  User=\"ana b\"\n",
        "q",
    );
    assert_eq!(host.identity_files, [PathBuf::from("/keys/with space")]);
    assert_eq!(host.user.as_deref(), Some("ana b"));
}

#[test]
fn includes_are_read_in_place_with_wildcards() {
    let config = load(&[
        (
            "/home/ana/.ssh/config",
            "Include conf.d/*.conf\nHost *\n  User fallback\n",
        ),
        (
            "/home/ana/.ssh/conf.d/b.conf",
            "Host gpu2\n  HostName second\n",
        ),
        (
            "/home/ana/.ssh/conf.d/a.conf",
            "Host gpu1\n  HostName first\n  User ana\n",
        ),
        (
            "/home/ana/.ssh/conf.d/skip.txt",
            "Host gpu1\n  HostName wrong\n",
        ),
    ])
    .unwrap();
    let home = Path::new(HOME);
    let gpu1 = config.resolve("gpu1", "ana", home).unwrap();
    assert_eq!(
        (gpu1.host_name.as_str(), gpu1.user.as_deref()),
        ("first", Some("ana"))
    );
    let gpu2 = config.resolve("gpu2", "ana", home).unwrap();
    assert_eq!(
        (gpu2.host_name.as_str(), gpu2.user.as_deref()),
        ("second", Some("fallback"))
    );
    assert_eq!(config.host_aliases(), ["gpu1", "gpu2"]);
}

#[test]
fn an_include_loop_is_an_error_not_a_hang() {
    let error = load(&[("/home/ana/.ssh/config", "Include config\n")]).unwrap_err();
    assert!(error.message.contains("nested too deeply"), "{error}");
}

#[test]
fn match_blocks_are_skipped_except_match_all() {
    let config = load(&[(
        "/home/ana/.ssh/config",
        "Match host gpu1 exec \"true\"\n  User matched\nMatch all\n  Port 2022\n",
    )])
    .unwrap();
    let host = config.resolve("gpu1", "ana", Path::new(HOME)).unwrap();
    assert_eq!(host.user, None);
    assert_eq!(host.port, 2022);
    assert_eq!(config.skipped, ["/home/ana/.ssh/config:1"]);
}

#[test]
fn bad_values_name_the_file_and_line() {
    let config = load(&[("/home/ana/.ssh/config", "Host a\n  Port twenty\n")]).unwrap();
    let error = config.resolve("a", "ana", Path::new(HOME)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "/home/ana/.ssh/config:2: port: \"twenty\" is not a valid number"
    );
    let error = load(&[("/home/ana/.ssh/config", "Host\n")]).unwrap_err();
    assert_eq!(error.line, 1);
    let error = load(&[("/home/ana/.ssh/config", "User \"open\n")]).unwrap_err();
    assert!(error.message.contains("quote"), "{error}");
    let config = load(&[("/home/ana/.ssh/config", "IdentitiesOnly maybe\n")]).unwrap();
    assert!(config.resolve("x", "ana", Path::new(HOME)).is_err());
}

#[test]
fn unknown_keywords_are_ignored() {
    let host = resolve(
        "Host *\n  ControlMaster auto\n  AddKeysToAgent yes\n  User ana\n",
        "x",
    );
    assert_eq!(host.user.as_deref(), Some("ana"));
}

#[test]
fn known_hosts_files_expand() {
    let host = resolve(
        "UserKnownHostsFile ~/.ssh/known_hosts ~/.ssh/lab_hosts\n",
        "x",
    );
    assert_eq!(
        host.user_known_hosts_files,
        [
            PathBuf::from("/home/ana/.ssh/known_hosts"),
            PathBuf::from("/home/ana/.ssh/lab_hosts")
        ]
    );
}
