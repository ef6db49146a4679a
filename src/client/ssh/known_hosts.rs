//! Host keys checked against the user's known_hosts files, as OpenSSH records them.
//!
//! The files are those of `UserKnownHostsFile`, else `~/.ssh/known_hosts`. Lookups go through
//! russh's helpers, which understand plain and hashed (`|1|…`) host names and write new
//! entries the way OpenSSH does (`[host]:port` for a port other than 22). Two things are
//! added here:
//! - the line of a changed key is the file's real line number (russh counts lines without the
//!   `#` comments, so its number is off by the comments above the entry);
//! - the algorithms of the keys already recorded for a host, so the connection can ask the
//!   server for one of those first (russh prefers ed25519; a host recorded only with its RSA
//!   key would otherwise look unknown).
//!
//! Known limits of the lookup (russh's): wildcard and negated host patterns, `@revoked` and
//! `@cert-authority` lines are not understood, and fields must be separated by single spaces.
//! An entry that is not understood makes a host look unknown (so the user is asked), never
//! trusted.

use std::path::{Path, PathBuf};

use russh::keys::ssh_key::{Algorithm, HashAlg, PublicKey};
use russh::keys::{check_known_hosts_path, known_hosts};

use super::error::KeyFingerprint;

/// What the known_hosts files say about a host's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKeyStatus {
    /// A line records this very key.
    Known,
    /// No line records a key of this type for the host.
    Unknown,
    /// A line records another key of the same type for the host.
    Changed { file: PathBuf, line: usize },
}

/// The known_hosts files that apply to one host, in order; new keys go to the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownHosts {
    files: Vec<PathBuf>,
}

impl KnownHosts {
    /// `files` from `UserKnownHostsFile`; empty means the default `~/.ssh/known_hosts`.
    pub fn new(files: &[PathBuf], home: &Path) -> KnownHosts {
        let files = if files.is_empty() {
            vec![home.join(".ssh").join("known_hosts")]
        } else {
            files.to_vec()
        };
        KnownHosts { files }
    }

    /// The file a newly accepted key is written to.
    pub fn primary(&self) -> &Path {
        &self.files[0]
    }

    /// Looks the key up in every file: a match anywhere wins; otherwise a same-type
    /// mismatch anywhere is a changed key.
    pub fn check(&self, host: &str, port: u16, key: &PublicKey) -> Result<HostKeyStatus, String> {
        let mut changed = None;
        for file in &self.files {
            match check_known_hosts_path(host, port, key, file) {
                Ok(true) => return Ok(HostKeyStatus::Known),
                Ok(false) => {}
                Err(russh::keys::Error::KeyChanged { line }) => {
                    if changed.is_none() {
                        let line = physical_line(file, line).unwrap_or(line);
                        changed = Some(HostKeyStatus::Changed {
                            file: file.clone(),
                            line,
                        });
                    }
                }
                Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
            }
        }
        Ok(changed.unwrap_or(HostKeyStatus::Unknown))
    }

    /// Appends `key` for `host:port` to the first file (creating it and its folder).
    pub fn learn(&self, host: &str, port: u16, key: &PublicKey) -> Result<(), String> {
        let file = self.primary();
        let empty = std::fs::metadata(file).map_or(true, |m| m.len() == 0);
        if !empty {
            return known_hosts::learn_known_hosts_path(host, port, key, file)
                .map_err(|e| e.to_string());
        }
        // russh starts a new file with a blank line; write the first line here instead.
        let name = if port == 22 {
            host.to_owned()
        } else {
            format!("[{host}]:{port}")
        };
        let key = key.to_openssh().map_err(|e| e.to_string())?;
        if let Some(folder) = file.parent() {
            std::fs::create_dir_all(folder).map_err(|e| e.to_string())?;
        }
        std::fs::write(file, format!("{name} {key}\n")).map_err(|e| e.to_string())
    }

    /// The algorithms of the keys recorded for `host:port`, in file order, without repeats.
    pub fn recorded_algorithms(&self, host: &str, port: u16) -> Vec<Algorithm> {
        let mut algorithms: Vec<Algorithm> = Vec::new();
        for file in &self.files {
            for (_, key) in known_hosts::known_host_keys_path(host, port, file).unwrap_or_default()
            {
                let algorithm = key.algorithm();
                if !algorithms.contains(&algorithm) {
                    algorithms.push(algorithm);
                }
            }
        }
        algorithms
    }
}

/// russh's line `counted` (which skips lines starting with `#`) as a line number of the file.
fn physical_line(file: &Path, counted: usize) -> Option<usize> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.starts_with('#'))
        .nth(counted.checked_sub(1)?)
        .map(|(index, _)| index + 1)
}

/// The key as `ssh-keygen -l` shows it: its type and SHA256 fingerprint.
pub fn fingerprint(key: &PublicKey) -> KeyFingerprint {
    KeyFingerprint {
        key_type: key_type_name(&key.algorithm()).to_owned(),
        sha256: key.fingerprint(HashAlg::Sha256).to_string(),
    }
}

/// OpenSSH's short name of a key type (`ED25519`, `ECDSA`, `RSA`, …).
pub fn key_type_name(algorithm: &Algorithm) -> &'static str {
    match algorithm {
        Algorithm::Ed25519 => "ED25519",
        Algorithm::Ecdsa { .. } => "ECDSA",
        Algorithm::Rsa { .. } => "RSA",
        Algorithm::Dsa => "DSA",
        Algorithm::SkEd25519 => "ED25519-SK",
        Algorithm::SkEcdsaSha2NistP256 => "ECDSA-SK",
        _ => "UNKNOWN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ";
    const KEY_B: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIA6rWI3G1sz07DnfFlrouTcysQlj2P+jpNSOEWD9OJ3X";

    fn key(base64: &str) -> PublicKey {
        russh::keys::parse_public_key_base64(base64).unwrap()
    }

    fn with_file(text: &str) -> (tempfile::TempDir, KnownHosts) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_hosts");
        std::fs::write(&path, text).unwrap();
        let known = KnownHosts::new(&[path], dir.path());
        (dir, known)
    }

    #[test]
    fn a_recorded_key_is_known_and_another_port_is_unknown() {
        let (_dir, known) = with_file(&format!("[10.0.0.5]:2222 ssh-ed25519 {KEY_A}\n"));
        assert_eq!(
            known.check("10.0.0.5", 2222, &key(KEY_A)),
            Ok(HostKeyStatus::Known)
        );
        assert_eq!(
            known.check("10.0.0.5", 22, &key(KEY_A)),
            Ok(HostKeyStatus::Unknown)
        );
    }

    #[test]
    fn a_changed_key_names_the_real_line_despite_comments_above_it() {
        let text = format!(
            "# managed by hand\n# second comment\nother ssh-ed25519 {KEY_B}\n\
             [10.0.0.5]:2222 ssh-ed25519 {KEY_A}\n"
        );
        let (dir, known) = with_file(&text);
        assert_eq!(
            known.check("10.0.0.5", 2222, &key(KEY_B)),
            Ok(HostKeyStatus::Changed {
                file: dir.path().join("known_hosts"),
                line: 4
            })
        );
    }

    #[test]
    fn learning_appends_a_line_that_is_then_known() {
        let (dir, known) = with_file("");
        let missing = KnownHosts::new(&[dir.path().join("sub/known_hosts")], dir.path());
        for known in [known, missing] {
            known.learn("example.org", 22, &key(KEY_A)).unwrap();
            assert_eq!(
                known.check("example.org", 22, &key(KEY_A)),
                Ok(HostKeyStatus::Known)
            );
            assert_eq!(
                known.recorded_algorithms("example.org", 22),
                vec![Algorithm::Ed25519]
            );
        }
    }

    #[test]
    fn a_new_file_starts_with_the_entry() {
        let (dir, known) = with_file("");
        known.learn("10.0.0.5", 2222, &key(KEY_A)).unwrap();
        known.learn("10.0.0.6", 22, &key(KEY_B)).unwrap();
        let text = std::fs::read_to_string(dir.path().join("known_hosts")).unwrap();
        assert_eq!(
            text,
            format!("[10.0.0.5]:2222 ssh-ed25519 {KEY_A}\n10.0.0.6 ssh-ed25519 {KEY_B}\n")
        );
    }

    #[test]
    fn the_default_file_is_under_home() {
        let known = KnownHosts::new(&[], Path::new("/home/ana"));
        assert_eq!(known.primary(), Path::new("/home/ana/.ssh/known_hosts"));
    }

    #[test]
    fn fingerprints_read_like_ssh_keygen() {
        let print = fingerprint(&key(KEY_A));
        assert_eq!(print.key_type, "ED25519");
        assert!(print.sha256.starts_with("SHA256:"), "{print:?}");
        assert!(!print.sha256.ends_with('='), "unpadded: {print:?}");
    }
}
