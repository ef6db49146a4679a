//! Can this binary run on that host? The remote's CPU architecture and C library, read with
//! one shell command, against what this executable needs.
//!
//! The architecture must match (`uname -m`, with the BSD names `amd64`/`arm64` accepted). A
//! binary linked against glibc needs a glibc at least as new as the newest symbol version it
//! references; that version is read from this executable's own ELF version-needs table, so
//! the check is exact rather than "the glibc of the machine that built it". A musl or
//! unknown C library is refused for a glibc binary.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where installed binaries live on the remote, relative to its home folder.
pub const REMOTE_BIN_DIR: &str = ".local/share/station/bin";

/// The remote's answer to this prints `key=value` lines. It runs under `sh -c` so that a
/// login shell other than a POSIX one (fish) still works.
pub const PROBE_COMMAND: &str = "sh -c 'echo \"arch=$(uname -m)\"; \
echo \"libc=$( (getconf GNU_LIBC_VERSION || ldd --version) 2>&1 | head -n 1)\"; \
echo \"home=$HOME\"; \
ls -1 \"$HOME/.local/share/station/bin\" 2>/dev/null | sed \"s/^/have=/\"'";

/// A glibc version, `2.34`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct GlibcVersion {
    pub major: u32,
    pub minor: u32,
}

impl fmt::Display for GlibcVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl GlibcVersion {
    /// `"2.36"` or `"2.36-9+deb12u4"`.
    fn parse(text: &str) -> Option<GlibcVersion> {
        let (major, rest) = text.split_once('.')?;
        let minor: String = rest.chars().take_while(char::is_ascii_digit).collect();
        Some(GlibcVersion {
            major: major.parse().ok()?,
            minor: minor.parse().ok()?,
        })
    }
}

/// The remote's C library, as its tools describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteLibc {
    Glibc(GlibcVersion),
    Musl,
    /// What the probe printed, when it was neither.
    Unknown(String),
}

impl fmt::Display for RemoteLibc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteLibc::Glibc(version) => write!(f, "glibc {version}"),
            RemoteLibc::Musl => f.write_str("musl"),
            RemoteLibc::Unknown(said) if said.is_empty() => f.write_str("an unknown C library"),
            RemoteLibc::Unknown(said) => write!(f, "an unknown C library ({said})"),
        }
    }
}

/// What the probe found on the remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemotePlatform {
    /// `uname -m`, normalised (`x86_64`, `aarch64`).
    pub arch: String,
    pub libc: RemoteLibc,
    /// The remote user's home folder (absolute).
    pub home: String,
    /// Files already in [`REMOTE_BIN_DIR`].
    pub installed: Vec<String>,
}

impl RemotePlatform {
    /// Reads the probe's output.
    pub fn parse(output: &str) -> Result<RemotePlatform, String> {
        let mut arch = None;
        let mut libc = None;
        let mut home = None;
        let mut installed = Vec::new();
        for line in output.lines() {
            match line.split_once('=') {
                Some(("arch", value)) => arch = Some(normalise_arch(value.trim())),
                Some(("libc", value)) => libc = Some(parse_libc(value.trim())),
                Some(("home", value)) => home = Some(value.trim().to_owned()),
                Some(("have", value)) => installed.push(value.trim().to_owned()),
                _ => {}
            }
        }
        let arch = arch
            .filter(|arch| !arch.is_empty())
            .ok_or("`uname -m` printed nothing")?;
        let home = home
            .filter(|home| home.starts_with('/'))
            .ok_or("the remote shell has no absolute $HOME")?;
        Ok(RemotePlatform {
            arch,
            libc: libc.unwrap_or(RemoteLibc::Unknown(String::new())),
            home,
            installed,
        })
    }

    /// The remote folder for installed binaries (absolute).
    pub fn bin_dir(&self) -> String {
        format!("{}/{REMOTE_BIN_DIR}", self.home.trim_end_matches('/'))
    }
}

fn normalise_arch(arch: &str) -> String {
    match arch {
        "amd64" => "x86_64".to_owned(),
        "arm64" => "aarch64".to_owned(),
        other => other.to_owned(),
    }
}

/// `glibc 2.36` (getconf), `ldd (Debian GLIBC 2.36-9+deb12u4) 2.36`, `musl libc (x86_64)`.
fn parse_libc(said: &str) -> RemoteLibc {
    let lower = said.to_ascii_lowercase();
    if lower.contains("musl") {
        return RemoteLibc::Musl;
    }
    if lower.contains("glibc") || lower.contains("gnu libc") {
        let version = said
            .split_whitespace()
            .rev()
            .find_map(|word| GlibcVersion::parse(word.trim_matches(|c| c == '(' || c == ')')));
        if let Some(version) = version {
            return RemoteLibc::Glibc(version);
        }
    }
    RemoteLibc::Unknown(said.to_owned())
}

/// This executable, as a candidate for the remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalBinary {
    pub path: PathBuf,
    pub arch: &'static str,
    /// The newest glibc symbol version it references; `None` for a static binary.
    pub needs_glibc: Option<GlibcVersion>,
    pub size: u64,
}

impl LocalBinary {
    /// The running executable.
    pub fn current() -> std::io::Result<LocalBinary> {
        let path = std::env::current_exe()?;
        LocalBinary::at(&path)
    }

    /// The executable at `path`, built for this machine's architecture.
    pub fn at(path: &Path) -> std::io::Result<LocalBinary> {
        let bytes = std::fs::read(path)?;
        Ok(LocalBinary {
            path: path.to_owned(),
            arch: std::env::consts::ARCH,
            needs_glibc: super::elf::newest_glibc_needed(&bytes),
            size: bytes.len() as u64,
        })
    }

    /// Why it cannot run on `remote`, if it cannot.
    pub fn incompatibility(&self, remote: &RemotePlatform) -> Option<String> {
        if remote.arch != self.arch {
            return Some(format!(
                "it is a {} machine and this station is built for {}",
                remote.arch, self.arch
            ));
        }
        let needed = self.needs_glibc?;
        match &remote.libc {
            RemoteLibc::Glibc(version) if *version >= needed => None,
            RemoteLibc::Glibc(version) => Some(format!(
                "it has glibc {version} and this station needs glibc {needed} or newer"
            )),
            other => Some(format!(
                "it has {other} and this station needs glibc {needed} or newer"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binary(needs: Option<(u32, u32)>) -> LocalBinary {
        LocalBinary {
            path: PathBuf::from("/usr/bin/station"),
            arch: "x86_64",
            needs_glibc: needs.map(|(major, minor)| GlibcVersion { major, minor }),
            size: 1,
        }
    }

    fn remote(arch: &str, libc: &str) -> RemotePlatform {
        RemotePlatform::parse(&format!(
            "arch={arch}\nlibc={libc}\nhome=/home/ana\nhave=station-0.0.9\n"
        ))
        .unwrap()
    }

    #[test]
    fn the_probe_output_is_read() {
        let platform = remote("x86_64", "glibc 2.36");
        assert_eq!(
            platform.libc,
            RemoteLibc::Glibc(GlibcVersion {
                major: 2,
                minor: 36
            })
        );
        assert_eq!(platform.installed, ["station-0.0.9"]);
        assert_eq!(platform.bin_dir(), "/home/ana/.local/share/station/bin");
        assert_eq!(
            remote("x86_64", "ldd (Debian GLIBC 2.31-13+deb11u5) 2.31").libc,
            RemoteLibc::Glibc(GlibcVersion {
                major: 2,
                minor: 31
            })
        );
        assert_eq!(remote("arm64", "musl libc (aarch64)").arch, "aarch64");
        assert_eq!(
            remote("x86_64", "musl libc (x86_64)").libc,
            RemoteLibc::Musl
        );
        assert!(RemotePlatform::parse("arch=x86_64\nhome=\n").is_err());
        assert!(RemotePlatform::parse("libc=glibc 2.36\nhome=/root\n").is_err());
    }

    #[test]
    fn compatibility_is_arch_then_glibc() {
        let needs_234 = binary(Some((2, 34)));
        assert_eq!(
            needs_234.incompatibility(&remote("x86_64", "glibc 2.36")),
            None
        );
        assert_eq!(
            needs_234.incompatibility(&remote("x86_64", "glibc 2.34")),
            None
        );
        assert_eq!(
            needs_234
                .incompatibility(&remote("aarch64", "glibc 2.36"))
                .unwrap(),
            "it is a aarch64 machine and this station is built for x86_64"
        );
        assert_eq!(
            needs_234
                .incompatibility(&remote("x86_64", "glibc 2.31"))
                .unwrap(),
            "it has glibc 2.31 and this station needs glibc 2.34 or newer"
        );
        assert!(
            needs_234
                .incompatibility(&remote("x86_64", "musl libc (x86_64)"))
                .unwrap()
                .contains("it has musl")
        );
        assert_eq!(
            binary(None).incompatibility(&remote("x86_64", "musl libc")),
            None,
            "a static binary runs anywhere of its architecture"
        );
    }

    #[test]
    fn this_executable_is_described() {
        let binary = LocalBinary::current().unwrap();
        assert_eq!(binary.arch, std::env::consts::ARCH);
        assert!(binary.size > 0);
        if cfg!(target_env = "gnu") {
            let needed = binary.needs_glibc.expect("a glibc binary needs glibc");
            assert_eq!(needed.major, 2);
        }
    }
}
