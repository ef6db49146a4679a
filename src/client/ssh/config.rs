//! `~/.ssh/config`, read the way OpenSSH reads it, for the settings Station's SSH transport
//! uses: `HostName`, `User`, `Port`, `IdentityFile`, `IdentitiesOnly`, `ProxyJump`,
//! `ConnectTimeout`, `ServerAliveInterval`, `ServerAliveCountMax`, `UserKnownHostsFile`.
//!
//! The rules followed (ssh_config(5)):
//! - `Keyword value` or `Keyword=value`; keywords are case-insensitive; `#` starts a comment;
//!   values may be double-quoted.
//! - A `Host` line starts a section that applies when the host name given on the command line
//!   matches one of its patterns (`*` and `?` wildcards) and none of its negated ones
//!   (`!pattern`). Lines before the first `Host` apply to every host.
//! - For each setting the first value found wins, except `IdentityFile` and
//!   `UserKnownHostsFile`, which add up in order.
//! - `Include` reads further files (relative paths are under `~/.ssh`; `*` and `?` in the
//!   last part of the path), in place, at most 16 levels deep.
//! - `Match` blocks are not evaluated: only `Match all` applies; any other `Match` block is
//!   skipped as a whole, as if it did not match (and said so in [`SshConfig::skipped`]).
//! - Keywords Station does not use are ignored, so a config written for any OpenSSH works.
//! - `%h` (the remote host), `%u` (the local user), `%r` (the remote user), `%d` (the home
//!   folder), `%%` and a leading `~` are expanded in `IdentityFile`, `UserKnownHostsFile`
//!   and `HostName` (`%h` only).
//!
//! Values that cannot be understood (a port that is not a number, say) are errors that name
//! the file and the line, never silently dropped.

use std::path::{Path, PathBuf};

/// Includes nested deeper than this are refused (a loop, most likely).
const MAX_INCLUDE_DEPTH: usize = 16;

/// A problem in a config file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {message}", path.display())]
pub struct SshConfigError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

/// One setting line, kept with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Setting {
    keyword: String,
    args: Vec<String>,
    path: PathBuf,
    line: usize,
}

/// The host patterns a block applies to (`None`: every host).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Block {
    patterns: Option<Vec<String>>,
    settings: Vec<Setting>,
}

/// A parsed config, ready to answer for any host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SshConfig {
    blocks: Vec<Block>,
    /// `Match` blocks that were skipped, as "file:line".
    pub skipped: Vec<String>,
}

/// Where a file's contents come from (the real file system, or a test's table).
pub trait ConfigFiles {
    /// The contents of `path`, or `None` when it does not exist.
    fn read(&self, path: &Path) -> std::io::Result<Option<String>>;
    /// The files in `dir` (names only).
    fn list(&self, dir: &Path) -> std::io::Result<Vec<String>>;
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealFiles;

impl ConfigFiles for RealFiles {
    fn read(&self, path: &Path) -> std::io::Result<Option<String>> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn list(&self, dir: &Path) -> std::io::Result<Vec<String>> {
        match std::fs::read_dir(dir) {
            Ok(entries) => Ok(entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
}

/// One hop of `ProxyJump`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jump {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

/// What the config says for one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostConfig {
    /// The name given (an alias or a host name).
    pub alias: String,
    /// Where to connect: `HostName`, or the alias.
    pub host_name: String,
    pub user: Option<String>,
    pub port: u16,
    pub identity_files: Vec<PathBuf>,
    pub identities_only: bool,
    /// Hops to go through, in order (empty: connect directly).
    pub proxy_jump: Vec<Jump>,
    pub connect_timeout_secs: Option<u32>,
    pub server_alive_interval_secs: Option<u32>,
    pub server_alive_count_max: u32,
    /// Known-hosts files to check (empty: the default `~/.ssh/known_hosts`).
    pub user_known_hosts_files: Vec<PathBuf>,
}

impl SshConfig {
    /// Reads `path` (usually `~/.ssh/config`) and what it includes. A missing file is an
    /// empty config.
    pub fn load(
        path: &Path,
        home: &Path,
        files: &dyn ConfigFiles,
    ) -> Result<SshConfig, SshConfigError> {
        let mut config = SshConfig {
            blocks: vec![Block {
                patterns: None,
                settings: Vec::new(),
            }],
            skipped: Vec::new(),
        };
        let mut state = ParseState::default();
        config.read_file(path, home, files, 0, &mut state)?;
        Ok(config)
    }

    /// The `Host` names that are plain aliases (no wildcard, not negated): what an inventory
    /// can import.
    pub fn host_aliases(&self) -> Vec<String> {
        let mut aliases = Vec::new();
        for block in &self.blocks {
            for pattern in block.patterns.iter().flatten() {
                let plain = !pattern.starts_with('!') && !pattern.contains(['*', '?']);
                if plain && !aliases.contains(pattern) {
                    aliases.push(pattern.clone());
                }
            }
        }
        aliases
    }

    /// Everything the config says for `alias`, with OpenSSH's defaults where it says nothing.
    pub fn resolve(
        &self,
        alias: &str,
        local_user: &str,
        home: &Path,
    ) -> Result<HostConfig, SshConfigError> {
        let mut resolved = Resolved::default();
        for block in &self.blocks {
            if block
                .patterns
                .as_ref()
                .is_some_and(|p| !host_matches(alias, p))
            {
                continue;
            }
            for setting in &block.settings {
                resolved.apply(setting)?;
            }
        }
        resolved.finish(alias, local_user, home)
    }
}

/// Parsing state carried across included files: inside a skipped `Match` block or not.
#[derive(Debug, Default)]
struct ParseState {
    in_skipped_match: bool,
}

mod parse;
mod resolve;

use resolve::Resolved;

/// Whether `host` matches a `Host` line's patterns: one positive match and no negated one.
pub fn host_matches(host: &str, patterns: &[String]) -> bool {
    let mut matched = false;
    for pattern in patterns {
        if let Some(negated) = pattern.strip_prefix('!') {
            if wildcard_match(negated, host) {
                return false;
            }
        } else if wildcard_match(pattern, host) {
            matched = true;
        }
    }
    matched
}

/// `*` (any run) and `?` (one character) matching, case-insensitive as host names are.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.to_lowercase().chars().collect();
    let text: Vec<char> = text.to_lowercase().chars().collect();
    let (mut p, mut t) = (0, 0);
    let (mut star, mut resume) = (None, 0);
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some(p);
            p += 1;
            resume = t;
        } else if let Some(s) = star {
            p = s + 1;
            resume += 1;
            t = resume;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests;
