//! `instances.toml`: the fleet inventory, the machines Station reaches over SSH.
//!
//! ```toml
//! [[instance]]
//! name = "gpu1"                  # required, unique: letters, digits, `-`, `_`, `.`
//! host = "gpu1.lab.example.org"  # an SSH alias or host name; defaults to the name
//! user = "ana"                   # defaults to ~/.ssh/config, then the local user
//! port = 2222                    # 1 – 65535; defaults to ~/.ssh/config, then 22
//! identity = "~/.ssh/id_gpu1"    # a private key: absolute or `~/…`
//! tags = ["a100", "lab"]
//! start_command = "virsh start gpu1"  # how to start the machine when it is down
//! ```
//!
//! A missing file is an empty inventory. Unknown keys, bad values and duplicate names are
//! errors located to the line and column, as in every Station file. What is not given here
//! comes from `~/.ssh/config` for `host`, as OpenSSH would resolve it.
//!
//! - [`edit`]: adding and removing instances while keeping the user's comments and layout,
//!   written atomically;
//! - [`import`]: new instances from the plain `Host` aliases of `~/.ssh/config`.

pub mod edit;
pub mod import;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize};
use toml::Spanned;

use super::error::{ConfigProblem, Severity};
use super::file::read_optional;

/// Longest instance name accepted.
pub const MAX_NAME_LEN: usize = 64;

/// One machine of the fleet, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instance {
    /// How Station calls it (`--on NAME`, the fleet view): unique in the inventory.
    pub name: String,
    /// The SSH alias or host name to connect to, when it is not the name itself.
    pub host: Option<String>,
    pub user: Option<String>,
    pub port: Option<u16>,
    /// A private key file as written (absolute or starting with `~`); see
    /// [`Instance::identity_path`].
    pub identity: Option<String>,
    pub tags: Vec<String>,
    /// A command that starts the machine when it is down (a cloud CLI, `virsh start`,
    /// Wake-on-LAN), run on the machine that starts it.
    pub start_command: Option<String>,
}

impl Instance {
    /// An instance with only a name: host = name, everything else from `~/.ssh/config`.
    pub fn named(name: impl Into<String>) -> Instance {
        Instance {
            name: name.into(),
            host: None,
            user: None,
            port: None,
            identity: None,
            tags: Vec::new(),
            start_command: None,
        }
    }

    /// Where to connect: the host given, else the name (an SSH alias or a host name).
    pub fn host(&self) -> &str {
        self.host.as_deref().unwrap_or(&self.name)
    }

    /// The identity file with a leading `~` replaced by `home`.
    pub fn identity_path(&self, home: &Path) -> Option<PathBuf> {
        let identity = self.identity.as_deref()?;
        Some(match identity.strip_prefix('~') {
            Some(rest) => home.join(rest.trim_start_matches('/')),
            None => PathBuf::from(identity),
        })
    }

    /// Checks every field as the file's parser does; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        let field = |name: &str, value: &str| {
            check_word(value).map_err(|reason| format!("{name} {reason}"))
        };
        check_name(&self.name)?;
        if let Some(host) = &self.host {
            field("host", host)?;
        }
        if let Some(user) = &self.user {
            field("user", user)?;
        }
        if let Some(port) = self.port {
            check_port(i64::from(port))?;
        }
        if let Some(identity) = &self.identity {
            check_identity(identity)?;
        }
        for tag in &self.tags {
            check_tag(tag)?;
        }
        if let Some(command) = &self.start_command {
            check_command(command)?;
        }
        Ok(())
    }
}

/// Every instance of one inventory file, in the file's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    /// The file read (which may not exist).
    pub path: PathBuf,
    pub instances: Vec<Instance>,
}

impl Inventory {
    /// Parses `source` as the contents of `path`.
    pub fn parse(path: &Path, source: &str) -> Result<Inventory, ConfigProblem> {
        let file: RawFile =
            toml::from_str(source).map_err(|e| ConfigProblem::from_toml(path, source, &e))?;
        let mut instances: Vec<Instance> = Vec::with_capacity(file.instance.len());
        let mut first_lines = Vec::with_capacity(file.instance.len());
        for raw in file.instance {
            let span = raw.name.span();
            let name = raw.name.into_inner().0;
            if let Some(known) = instances.iter().position(|known| known.name == name) {
                return Err(ConfigProblem::at_span(
                    Severity::Error,
                    path,
                    source,
                    Some(span),
                    format!(
                        "duplicate instance name `{name}` (first on line {}); names must be unique",
                        first_lines[known]
                    ),
                ));
            }
            first_lines.push(source[..span.start.min(source.len())].matches('\n').count() + 1);
            instances.push(Instance {
                name,
                host: raw.host.map(|w| w.0),
                user: raw.user.map(|w| w.0),
                port: raw.port,
                identity: raw.identity.map(|w| w.0),
                tags: raw.tags.into_iter().map(|t| t.0).collect(),
                start_command: raw.start_command.map(|c| c.0),
            });
        }
        Ok(Inventory {
            path: path.to_owned(),
            instances,
        })
    }

    /// Reads and parses `path` (usually [`Paths::instances_file`](super::Paths::instances_file));
    /// a missing file is an empty inventory.
    pub fn load(path: &Path) -> Result<Inventory, ConfigProblem> {
        match read_optional(path)? {
            Some(source) => Inventory::parse(path, &source),
            None => Ok(Inventory {
                path: path.to_owned(),
                instances: Vec::new(),
            }),
        }
    }

    /// The instance called `name`.
    pub fn get(&self, name: &str) -> Option<&Instance> {
        self.instances.iter().find(|i| i.name == name)
    }

    pub fn is_empty(&self) -> bool {
        self.instances.is_empty()
    }
}

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    instance: Vec<RawInstance>,
}

/// One `[[instance]]` as written, each value checked as it is read so errors are located.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInstance {
    name: Spanned<Checked<NameRule>>,
    host: Option<Checked<WordRule>>,
    user: Option<Checked<WordRule>>,
    #[serde(default, deserialize_with = "port")]
    port: Option<u16>,
    identity: Option<Checked<IdentityRule>>,
    #[serde(default)]
    tags: Vec<Checked<TagRule>>,
    start_command: Option<Checked<CommandRule>>,
}

/// A string that passed `R`'s check while being read.
#[derive(Debug)]
struct Checked<R>(String, std::marker::PhantomData<R>);

/// What a string value must look like.
trait Rule {
    fn check(value: &str) -> Result<(), String>;
}

impl<'de, R: Rule> Deserialize<'de> for Checked<R> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        R::check(&value).map_err(serde::de::Error::custom)?;
        Ok(Checked(value, std::marker::PhantomData))
    }
}

macro_rules! rule {
    ($rule:ident, $check:ident) => {
        #[derive(Debug)]
        struct $rule;
        impl Rule for $rule {
            fn check(value: &str) -> Result<(), String> {
                $check(value)
            }
        }
    };
}

rule!(NameRule, check_name);
rule!(WordRule, check_word);
rule!(IdentityRule, check_identity);
rule!(TagRule, check_tag);
rule!(CommandRule, check_command);

fn port<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u16>, D::Error> {
    let value = i64::deserialize(deserializer)?;
    check_port(value)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// A TCP port: 1 – 65535.
pub fn check_port(value: i64) -> Result<u16, String> {
    u16::try_from(value)
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| format!("port must be between 1 and 65535, got {value}"))
}

/// An instance name: 1–64 ASCII letters, digits, `-`, `_`, `.`, starting with a letter or a
/// digit (so it never reads as an option).
pub fn check_name(name: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if name.is_empty() {
        return Err("an instance name cannot be empty".into());
    }
    if name.len() > MAX_NAME_LEN {
        return Err(format!(
            "instance name `{name}` is longer than {MAX_NAME_LEN} characters"
        ));
    }
    if let Some(bad) = name.chars().find(|c| !allowed(*c)) {
        return Err(format!(
            "instance name `{name}` has {bad:?}; use letters, digits, `-`, `_` and `.`"
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "instance name `{name}` must start with a letter or a digit"
        ));
    }
    Ok(())
}

/// A host name, alias or user name: not empty, no spaces or control characters, and not
/// starting with `-`.
pub fn check_word(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("cannot be empty".into());
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("`{value}` has a space or a control character"));
    }
    if value.starts_with('-') {
        return Err(format!("`{value}` cannot start with `-`"));
    }
    Ok(())
}

/// An identity file: an absolute path or one starting with `~/`.
pub fn check_identity(value: &str) -> Result<(), String> {
    if value.starts_with('/') || value.starts_with("~/") {
        Ok(())
    } else {
        Err(format!(
            "identity `{value}` must be an absolute path or start with `~/`"
        ))
    }
}

/// A tag: not empty, no spaces, commas or control characters.
pub fn check_tag(tag: &str) -> Result<(), String> {
    if tag.is_empty()
        || tag
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == ',')
    {
        return Err(format!(
            "tag {tag:?} must be a non-empty word without spaces or commas"
        ));
    }
    Ok(())
}

/// A start command: some text, on one line.
pub fn check_command(command: &str) -> Result<(), String> {
    if command.trim().is_empty() {
        return Err("start_command cannot be empty".into());
    }
    if command.contains(['\n', '\r']) {
        return Err("start_command must be one line".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests;
