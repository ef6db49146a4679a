//! The agent's side of power: the manager task that watches activity and schedules, carries
//! out stops and keeps the event log; and what it reads from the machine.
//!
//! - [`manager`]: the task (once a second): activity → planner → decisions → report.
//! - [`handle`]: how sessions ask it things and follow its report.
//! - [`settings`]: agent.toml in force, reloads and edits.
//! - [`event_log`]: every decision, in memory and in `power-events.jsonl`.
//! - [`act`]: wall messages, the stop command, fleet start commands.
//! - [`fleet_start`]: starting fleet instances on their (learned) start schedules.
//! - [`utmp`]: login sessions (SSH and local terminals) from the utmp file.

pub mod act;
pub mod event_log;
pub mod fleet_start;
pub mod handle;
pub mod manager;
pub mod settings;
pub mod utmp;

pub use handle::{ConsoleAttached, PowerHandle};

use std::sync::Arc;
use std::sync::atomic::AtomicU32;

use tokio::sync::mpsc;

/// Starts the manager task; the handle is what sessions use.
pub fn start(inputs: manager::Inputs) -> PowerHandle {
    let consoles = Arc::clone(&inputs.consoles);
    let (manager, reports) = manager::Manager::new(inputs);
    let (requests, receiver) = mpsc::channel(16);
    tokio::spawn(manager.run(receiver));
    PowerHandle::new(requests, reports, consoles)
}

/// A fresh console counter for [`manager::Inputs::consoles`].
pub fn console_counter() -> Arc<AtomicU32> {
    Arc::new(AtomicU32::new(0))
}
