//! The SSH transport (issue 4, being built): how Station reaches an agent on another machine.
//!
//! - [`config`]: `~/.ssh/config` resolved per host as OpenSSH does (the first piece; the
//!   connection, host-key checking and authentication follow).

pub mod config;
