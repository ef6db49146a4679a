//! The themes shipped in `themes/`, embedded in the binary.

use std::path::PathBuf;

/// The theme used when none is configured, and the parent of user themes without `inherits`.
pub const DEFAULT: &str = "dark";

/// Every built-in theme: name and TOML source.
pub const BUILTIN: [(&str, &str); 3] = [
    (
        "dark",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/themes/dark.toml")),
    ),
    (
        "light",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/themes/light.toml")),
    ),
    (
        "basic",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/themes/basic.toml")),
    ),
];

/// The source of built-in theme `name`.
pub fn source(name: &str) -> Option<&'static str> {
    BUILTIN
        .iter()
        .find(|(builtin, _)| *builtin == name)
        .map(|(_, source)| *source)
}

/// The path shown in problems about built-in theme `name`.
pub fn path(name: &str) -> PathBuf {
    PathBuf::from(format!("<built-in>/themes/{name}.toml"))
}
