//! Installing this `station` on a remote that lacks it or runs another version.
//!
//! The remote command Station runs by default ([`launcher_command`]) prefers
//! `~/.local/share/station/bin/station-VERSION` when it exists and is executable, and falls
//! back to `station` on the PATH. So an install is one file, and "use that path from then on"
//! needs no state on this side. When the launcher finds no `station` (exit 127), or the agent
//! that answers is another version, [`offer`]:
//!
//! 1. probes the remote (`uname -m`, the C library, `$HOME`, what is installed) and refuses a
//!    platform this binary cannot run on ([`platform`]);
//! 2. asks the [`Prompt`](super::Prompt) (or goes on when the caller consented up front,
//!    `station fleet install`);
//! 3. uploads this executable over SFTP to a temporary name and renames it ([`upload`]);
//! 4. runs `station-VERSION --version` there to prove it starts (a missing shared library
//!    shows here), and removes it again when it does not;
//! 5. removes other versions from the folder and, for an upgrade, stops the old agent
//!    (`agent stop`, which falls back to SIGTERM for an agent of another protocol); its jobs
//!    keep running under their shims, and the next connection starts the new agent.
//!
//! Versions are never silently mixed: an agent of another version is an error unless it is
//! replaced.

pub mod elf;
pub mod exec;
pub mod platform;
pub mod upload;

pub use platform::{GlibcVersion, LocalBinary, REMOTE_BIN_DIR, RemoteLibc, RemotePlatform};

use std::sync::Arc;
use std::time::Duration;

use super::SshOptions;
use super::error::{Endpoint, SshError};
use super::session::SshSession;
use crate::proto::STATION_VERSION;

/// Limit on the probe and on `--version`: both are quick shell commands.
const QUICK_COMMAND_LIMIT: Duration = Duration::from_secs(15);
/// Limit on stopping an old agent (it waits for its sessions up to a second or two).
const STOP_LIMIT: Duration = Duration::from_secs(30);

/// Why an install is offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallReason {
    /// No `station` answers there.
    Missing,
    /// An agent of another version answers there (what it said).
    OtherVersion(String),
}

/// The question put to the person, with what they need to decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallOffer {
    pub host: Arc<Endpoint>,
    pub reason: InstallReason,
    /// The absolute remote path the binary goes to.
    pub target: String,
    /// `x86_64, glibc 2.36`.
    pub platform: String,
    /// Bytes to upload.
    pub size: u64,
}

impl std::fmt::Display for InstallOffer {
    /// The question, in one sentence.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let why = match &self.reason {
            InstallReason::Missing => "station is not installed".to_owned(),
            InstallReason::OtherVersion(detail) => detail.clone(),
        };
        write!(
            f,
            "{why} on {} ({}). Upload station {STATION_VERSION} ({:.1} MB) to {}?",
            self.host,
            self.platform,
            self.size as f64 / 1e6,
            self.target
        )
    }
}

/// The file name of this version's binary on a remote.
pub fn installed_name() -> String {
    format!("station-{STATION_VERSION}")
}

/// The default remote command: this version's installed binary when present, else
/// `station` from the PATH, as the agent bridge. Under `sh -c` for non-POSIX login shells.
pub fn launcher_command() -> String {
    format!(
        "sh -c 'p=\"$HOME/{REMOTE_BIN_DIR}/{}\"; if [ -x \"$p\" ]; then exec \"$p\" agent --stdio; fi; exec station agent --stdio'",
        installed_name()
    )
}

/// Whether `problem` is one an install can fix, and why.
pub fn reason_for(problem: &SshError) -> Option<InstallReason> {
    match problem {
        SshError::RemoteCommandMissing { .. } => Some(InstallReason::Missing),
        SshError::AgentVersionDiffers { detail, .. } => {
            Some(InstallReason::OtherVersion(detail.clone()))
        }
        _ => None,
    }
}

/// Reads the remote's platform.
pub async fn probe(session: &SshSession) -> Result<RemotePlatform, SshError> {
    let captured = exec::run(
        session,
        platform::PROBE_COMMAND,
        QUICK_COMMAND_LIMIT,
        "reading its platform",
    )
    .await?;
    RemotePlatform::parse(&captured.stdout).map_err(|reason| SshError::InstallFailed {
        host: session.endpoint().clone(),
        step: "reading its platform".into(),
        reason: format!("{reason}; the probe said: {}", captured.stderr.trim()),
    })
}

/// Offers to install this binary on the session's host; `Ok(true)` once it is installed,
/// `Ok(false)` when nobody consented.
pub async fn offer(
    session: &SshSession,
    options: &SshOptions,
    reason: InstallReason,
) -> Result<bool, SshError> {
    let host = session.endpoint().clone();
    if !options.install.launcher || (!options.install.consented && !options.prompt.interactive()) {
        return Ok(false);
    }
    let path = options.install.binary.clone();
    let binary = tokio::task::spawn_blocking(move || match path {
        Some(path) => LocalBinary::at(&path),
        None => LocalBinary::current(),
    })
    .await
    .map_err(|error| SshError::Local(format!("reading this executable: {error}")))?
    .map_err(|error| SshError::Local(format!("cannot read this executable: {error}")))?;
    let platform = probe(session).await?;
    if let Some(reason) = binary.incompatibility(&platform) {
        return Err(SshError::InstallIncompatible { host, reason });
    }
    let offer = InstallOffer {
        host: host.clone(),
        reason: reason.clone(),
        target: format!("{}/{}", platform.bin_dir(), installed_name()),
        platform: format!("{}, {}", platform.arch, platform.libc),
        size: binary.size,
    };
    let consented = options.install.consented || options.prompt.confirm_install(&offer).await;
    if !consented {
        return Ok(false);
    }
    install(session, options, &binary, &platform, &offer).await?;
    Ok(true)
}

/// Uploads, checks and activates the binary; see the module documentation.
async fn install(
    session: &SshSession,
    options: &SshOptions,
    binary: &LocalBinary,
    platform: &RemotePlatform,
    offer: &InstallOffer,
) -> Result<(), SshError> {
    let host = &offer.host;
    let prompt = &options.prompt;
    prompt.report(
        host,
        &format!("uploading station {STATION_VERSION} to {}", offer.target),
    );
    let total = binary.size;
    let report_progress = |sent: u64| prompt.progress(host, sent, total);
    let target = upload::upload(
        session,
        &binary.path,
        &platform.bin_dir(),
        &installed_name(),
        &report_progress,
    )
    .await?;
    let quoted = shell_quote(&target);
    let version = exec::run(
        session,
        &format!("{quoted} --version"),
        QUICK_COMMAND_LIMIT,
        "checking the uploaded binary",
    )
    .await?;
    if !version.succeeded() || !version.stdout.contains(STATION_VERSION) {
        let _ = exec::run(
            session,
            &format!("rm -f {quoted}"),
            QUICK_COMMAND_LIMIT,
            "cleaning up",
        )
        .await;
        return Err(SshError::InstallFailed {
            host: host.clone(),
            step: format!("starting {target}"),
            reason: format!(
                "it {}; it said: {}",
                version
                    .end
                    .map_or("ended without a status".to_owned(), |end| end.to_string()),
                format!("{} {}", version.stdout.trim(), version.stderr.trim()).trim()
            ),
        });
    }
    let others: Vec<String> = platform
        .installed
        .iter()
        .filter(|name| name.starts_with("station-") && **name != installed_name())
        .map(|name| shell_quote(&format!("{}/{name}", platform.bin_dir())))
        .collect();
    if !others.is_empty() {
        prompt.report(host, "removing other versions");
        let _ = exec::run(
            session,
            &format!("rm -f {}", others.join(" ")),
            QUICK_COMMAND_LIMIT,
            "removing other versions",
        )
        .await;
    }
    if matches!(offer.reason, InstallReason::OtherVersion(_)) {
        prompt.report(host, "stopping the agent of the other version");
        let stopped = exec::run(
            session,
            &format!("{quoted} agent stop"),
            STOP_LIMIT,
            "stopping the old agent",
        )
        .await?;
        if !stopped.succeeded() {
            return Err(SshError::InstallFailed {
                host: host.clone(),
                step: "stopping the agent of the other version".into(),
                reason: stopped.stderr.trim().to_owned(),
            });
        }
    }
    tracing::info!(host = %host, target, "installed station {STATION_VERSION}");
    prompt.report(host, &format!("installed {target}"));
    Ok(())
}

/// `'text'`, safe for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// What the caller agreed to before connecting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstallPolicy {
    /// The binary to install; `None`: this executable (a test harness names the real one).
    pub binary: Option<std::path::PathBuf>,
    /// Install without asking (`station fleet install`).
    pub consented: bool,
    /// Whether the remote command is the launcher, so an install would be used. With
    /// `STATION_REMOTE_COMMAND` set, nothing is offered.
    pub launcher: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_launcher_prefers_the_installed_binary() {
        let command = launcher_command();
        assert!(command.starts_with("sh -c '"), "{command}");
        assert!(
            command.contains(&format!(
                "$HOME/.local/share/station/bin/station-{STATION_VERSION}"
            )),
            "{command}"
        );
        assert!(
            command.ends_with("exec station agent --stdio'"),
            "{command}"
        );
    }

    #[test]
    fn quoting_survives_quotes() {
        assert_eq!(shell_quote("/home/o'neil/x"), r"'/home/o'\''neil/x'");
    }

    #[test]
    fn the_offer_reads_as_a_question() {
        let offer = InstallOffer {
            host: Arc::new(Endpoint {
                alias: "gpu1".into(),
                host: "10.0.0.5".into(),
                port: 22,
                user: "ana".into(),
            }),
            reason: InstallReason::Missing,
            target: "/home/ana/.local/share/station/bin/station-0.1.0".into(),
            platform: "x86_64, glibc 2.36".into(),
            size: 12_400_000,
        };
        assert_eq!(
            offer.to_string(),
            format!(
                "station is not installed on gpu1 (10.0.0.5:22) (x86_64, glibc 2.36). Upload station {STATION_VERSION} (12.4 MB) to /home/ana/.local/share/station/bin/station-0.1.0?"
            )
        );
    }
}
