//! Gathering the settings that apply to one host: first value wins, identity and known-hosts
//! files add up, tokens expanded, defaults filled in.

use std::path::{Path, PathBuf};

use super::{HostConfig, Jump, Setting, SshConfigError};

/// OpenSSH's default for `ServerAliveCountMax`.
const DEFAULT_ALIVE_COUNT_MAX: u32 = 3;

/// Settings seen so far, each with the line it came from.
#[derive(Debug, Default)]
pub(super) struct Resolved {
    host_name: Option<String>,
    user: Option<String>,
    port: Option<u16>,
    identity_files: Vec<String>,
    identities_only: Option<bool>,
    proxy_jump: Option<Vec<Jump>>,
    connect_timeout: Option<u32>,
    alive_interval: Option<u32>,
    alive_count: Option<u32>,
    known_hosts: Option<Vec<String>>,
}

fn bad(setting: &Setting, message: String) -> SshConfigError {
    SshConfigError {
        path: setting.path.clone(),
        line: setting.line,
        message,
    }
}

fn number<T: std::str::FromStr>(setting: &Setting) -> Result<T, SshConfigError> {
    setting.args[0].parse().map_err(|_| {
        bad(
            setting,
            format!(
                "{}: {:?} is not a valid number",
                setting.keyword, setting.args[0]
            ),
        )
    })
}

fn yes_no(setting: &Setting) -> Result<bool, SshConfigError> {
    match setting.args[0].to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        other => Err(bad(
            setting,
            format!("{}: expected yes or no, got {other:?}", setting.keyword),
        )),
    }
}

/// Sets `slot` unless an earlier line already did.
fn first<T>(
    slot: &mut Option<T>,
    value: impl FnOnce() -> Result<T, SshConfigError>,
) -> Result<(), SshConfigError> {
    if slot.is_none() {
        *slot = Some(value()?);
    }
    Ok(())
}

impl Resolved {
    pub(super) fn apply(&mut self, s: &Setting) -> Result<(), SshConfigError> {
        match s.keyword.as_str() {
            "hostname" => first(&mut self.host_name, || Ok(s.args[0].clone())),
            "user" => first(&mut self.user, || Ok(s.args[0].clone())),
            "port" => first(&mut self.port, || {
                number::<u16>(s).and_then(|p| {
                    (p > 0)
                        .then_some(p)
                        .ok_or_else(|| bad(s, "Port: 0 is not a port".into()))
                })
            }),
            "identityfile" => {
                self.identity_files.extend(s.args.iter().cloned());
                Ok(())
            }
            "identitiesonly" => first(&mut self.identities_only, || yes_no(s)),
            "proxyjump" => first(&mut self.proxy_jump, || parse_jumps(s)),
            "connecttimeout" => first(&mut self.connect_timeout, || number(s)),
            "serveraliveinterval" => first(&mut self.alive_interval, || number(s)),
            "serveralivecountmax" => first(&mut self.alive_count, || number(s)),
            "userknownhostsfile" => first(&mut self.known_hosts, || Ok(s.args.clone())),
            _ => Ok(()),
        }
    }

    pub(super) fn finish(
        self,
        alias: &str,
        local_user: &str,
        home: &Path,
    ) -> Result<HostConfig, SshConfigError> {
        let host_name = self.host_name.map_or_else(
            || alias.to_owned(),
            |h| h.replace("%h", alias).replace("%%", "%"),
        );
        let remote_user = self.user.clone().unwrap_or_else(|| local_user.to_owned());
        let expand = |raw: &str| {
            let raw = raw
                .replace("%%", "\u{0}")
                .replace("%h", &host_name)
                .replace("%u", local_user)
                .replace("%r", &remote_user)
                .replace("%d", &home.display().to_string())
                .replace('\u{0}', "%");
            match raw.strip_prefix("~/") {
                Some(rest) => home.join(rest),
                None if raw == "~" => home.to_owned(),
                None => PathBuf::from(raw),
            }
        };
        let known_hosts = self
            .known_hosts
            .unwrap_or_default()
            .iter()
            .filter(|f| !f.eq_ignore_ascii_case("none"))
            .map(|f| expand(f))
            .collect();
        let identity_files = self.identity_files.iter().map(|f| expand(f)).collect();
        Ok(HostConfig {
            alias: alias.to_owned(),
            host_name,
            user: self.user,
            port: self.port.unwrap_or(22),
            identity_files,
            identities_only: self.identities_only.unwrap_or(false),
            proxy_jump: self.proxy_jump.unwrap_or_default(),
            connect_timeout_secs: self.connect_timeout,
            server_alive_interval_secs: self.alive_interval.filter(|&s| s > 0),
            server_alive_count_max: self.alive_count.unwrap_or(DEFAULT_ALIVE_COUNT_MAX),
            user_known_hosts_files: known_hosts,
        })
    }
}

/// `ProxyJump none` or `[user@]host[:port],…` (also `ssh://[user@]host[:port]`).
fn parse_jumps(s: &Setting) -> Result<Vec<Jump>, SshConfigError> {
    let value = s.args.join(",");
    if value.eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    value
        .split(',')
        .filter(|hop| !hop.is_empty())
        .map(|hop| parse_jump(hop).map_err(|m| bad(s, format!("ProxyJump {hop:?}: {m}"))))
        .collect()
}

/// One `[user@]host[:port]` hop; IPv6 addresses go in brackets (`[::1]:2222`).
pub fn parse_jump(hop: &str) -> Result<Jump, String> {
    let hop = hop.strip_prefix("ssh://").unwrap_or(hop);
    let (user, rest) = match hop.rsplit_once('@') {
        Some((user, rest)) if !user.is_empty() => (Some(user.to_owned()), rest),
        Some(_) => return Err("empty user name".into()),
        None => (None, hop),
    };
    let (host, port) = if let Some(bracketed) = rest.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']').ok_or("unclosed [")?;
        (host, after.strip_prefix(':'))
    } else {
        match rest.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        }
    };
    if host.is_empty() {
        return Err("no host".into());
    }
    let port = port
        .map(|p| {
            p.parse::<u16>()
                .ok()
                .filter(|&p| p > 0)
                .ok_or(format!("{p:?} is not a port"))
        })
        .transpose()?;
    Ok(Jump {
        user,
        host: host.to_owned(),
        port,
    })
}
