//! Station: a keyboard console and agent for GPU workstations.
//!
//! One binary, `station`, is three things: the full-screen console (`station`), the
//! per-instance agent daemon (`station agent`) and scriptable verbs (`station status`, …).
//! The modules are laid out as if they were crates, with dependencies pointing down only:
//!
//! | module | what it is | depends on |
//! | --- | --- | --- |
//! | [`cli`] | clap definitions and the non-interactive verbs | everything below |
//! | [`tui`] | the console: app state, event loop, views, widgets, theme, keymap | client, config, proto, core |
//! | [`agent`] | the daemon: socket server, lifecycle, telemetry, stdio bridge | config, proto, core |
//! | [`client`] | a typed connection to an agent over any byte stream, with autostart | config, proto |
//! | [`config`] | XDG paths, `config.toml`, the fleet inventory `instances.toml`, located config problems | — |
//! | [`logging`] | `tracing` to files under `$XDG_STATE_HOME/station/` | — |
//! | [`proto`] | wire messages, telemetry types, framing | — |
//! | [`core`] | pure domain logic: history rings, units | proto (types only) |
//!
//! `agent` never depends on `tui`; `tui` never touches sockets or files except through
//! `client` and `config`. See `docs/ARCHITECTURE.md` for the processes and data flow.

pub mod agent;
pub mod cli;
pub mod client;
pub mod config;
pub mod core;
pub mod logging;
pub mod proto;
pub mod tui;
