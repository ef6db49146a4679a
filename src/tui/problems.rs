//! Reporting problems in user files before the console takes the screen.
//!
//! Every problem is printed to stderr with its location and snippet, then, on a terminal, the
//! user chooses: any key goes on with the defaults for what could not be used, `q`, `Esc` or
//! `Ctrl-C` quits. Without a terminal there is nobody to ask, so the caller exits with code 2.

use std::io::{self, IsTerminal, Write};

use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::terminal;

use crate::config::ConfigProblem;

/// What the user is asked after the problems are listed.
pub const PROMPT: &str = "Press Enter to continue with defaults, or q to quit";

/// Prints `problems` to stderr. Returns `Ok(true)` to go on (no problems, or the user pressed a
/// key to continue with defaults) and `Ok(false)` to exit with code 2.
pub fn confirm_problems(problems: &[ConfigProblem]) -> anyhow::Result<bool> {
    if problems.is_empty() {
        return Ok(true);
    }
    let mut stderr = io::stderr().lock();
    stderr.write_all(report(problems).as_bytes())?;
    stderr.flush()?;
    if !(io::stdin().is_terminal() && stderr.is_terminal()) {
        return Ok(false);
    }
    write!(stderr, "{PROMPT} ")?;
    stderr.flush()?;
    let key = wait_for_key()?;
    writeln!(stderr)?;
    Ok(!is_quit(&key))
}

/// The problems as printed: each one with its snippet, a blank line between them, and a
/// count at the end.
pub fn report(problems: &[ConfigProblem]) -> String {
    let mut text = String::new();
    for problem in problems {
        text.push_str(&problem.to_string());
        text.push_str("\n\n");
    }
    let errors = problems.iter().filter(|p| p.is_error()).count();
    let warnings = problems.len() - errors;
    text.push_str(&format!(
        "station: {} and {} in the configuration\n",
        plural(errors, "error"),
        plural(warnings, "warning")
    ));
    text
}

/// Whether `key` means "quit" rather than "continue".
pub fn is_quit(key: &KeyEvent) -> bool {
    match key.code {
        KeyCode::Char('q' | 'Q') | KeyCode::Esc => true,
        KeyCode::Char('c') => key.modifiers.contains(KeyModifiers::CONTROL),
        _ => false,
    }
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// Reads one key press in raw mode; cooked mode is restored on every path.
fn wait_for_key() -> io::Result<KeyEvent> {
    let _raw = RawMode::enable()?;
    loop {
        if let Event::Key(key) = event::read()?
            && key.kind != KeyEventKind::Release
        {
            return Ok(key);
        }
    }
}

/// Raw mode for as long as it lives.
struct RawMode;

impl RawMode {
    fn enable() -> io::Result<RawMode> {
        terminal::enable_raw_mode()?;
        Ok(RawMode)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // Nothing better to do if the terminal refuses; the error would hide the original one.
        let _ = terminal::disable_raw_mode();
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::Severity;

    #[test]
    fn report_lists_every_problem_and_counts_them() {
        let source = "[agent]\nsample_interval_ms = 10\n";
        let problems = [
            ConfigProblem::at_span(
                Severity::Error,
                Path::new("/c/config.toml"),
                source,
                Some(29..31),
                "too small",
            ),
            ConfigProblem::whole_file(Severity::Warning, Path::new("/c/t.toml"), "odd"),
        ];
        assert_eq!(
            report(&problems),
            "error: /c/config.toml:2:22: too small\n  |\n2 | sample_interval_ms = 10\n  |                      ^^\n\n\
             warning: /c/t.toml: odd\n\n\
             station: 1 error and 1 warning in the configuration\n"
        );
    }

    #[test]
    fn no_problems_goes_on_without_asking() {
        assert!(confirm_problems(&[]).unwrap());
    }

    #[test]
    fn counts_are_pluralised() {
        let problem = ConfigProblem::whole_file(Severity::Warning, Path::new("/t"), "x");
        assert!(
            report(&[problem.clone(), problem])
                .ends_with("0 errors and 2 warnings in the configuration\n")
        );
    }

    #[test]
    fn q_escape_and_ctrl_c_quit_anything_else_continues() {
        let key = |code, modifiers| KeyEvent::new(code, modifiers);
        assert!(is_quit(&key(KeyCode::Char('q'), KeyModifiers::NONE)));
        assert!(is_quit(&key(KeyCode::Esc, KeyModifiers::NONE)));
        assert!(is_quit(&key(KeyCode::Char('c'), KeyModifiers::CONTROL)));
        assert!(!is_quit(&key(KeyCode::Char('c'), KeyModifiers::NONE)));
        assert!(!is_quit(&key(KeyCode::Enter, KeyModifiers::NONE)));
        assert!(!is_quit(&key(KeyCode::Char(' '), KeyModifiers::NONE)));
    }
}
