//! Helpers shared by the integration tests: a tmux harness for end-to-end runs of real
//! binaries, isolated Station folders, a raw protocol connection to an agent, a real sshd
//! with keys and ssh-agent, and waiting on conditions instead of sleeping.
//!
//! Each test crate includes this with `mod support;` and uses only part of it, so unused
//! items are allowed here rather than in every test file.
#![allow(dead_code)]

pub mod conn;
pub mod jobs;
pub mod power;
pub mod ssh_world;
pub mod sshd;
pub mod station;
pub mod tmux;
pub mod wait;
