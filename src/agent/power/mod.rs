//! The agent's side of power: reading what the pure logic in `core::power` needs from the
//! machine.
//!
//! - [`utmp`]: login sessions (SSH and local terminals) from the utmp file.

pub mod utmp;
