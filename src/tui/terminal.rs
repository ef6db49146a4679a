//! Taking the terminal and giving it back on every way out: normal quit, error, panic and
//! signals (the event loop turns SIGTERM, SIGHUP and SIGINT into a normal quit).
//!
//! Each frame reaches the terminal as one write wrapped in synchronized-output escapes
//! (DEC mode 2026), so terminals that support it never show half a frame and the others
//! ignore the two short sequences. A frame with no changed cell writes nothing at all.

use std::io::{self, Stdout, Write};
use std::sync::Once;

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// Begin and end of a synchronized update.
const SYNC_BEGIN: &[u8] = b"\x1b[?2026h";
const SYNC_END: &[u8] = b"\x1b[?2026l";

/// Buffers everything written and sends it on in one write per flush.
#[derive(Debug)]
pub struct FrameWriter<W: Write = Stdout> {
    out: W,
    pending: Vec<u8>,
}

impl<W: Write> FrameWriter<W> {
    pub fn new(out: W) -> FrameWriter<W> {
        FrameWriter {
            out,
            pending: Vec::with_capacity(16 * 1024),
        }
    }
}

impl<W: Write> Write for FrameWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let mut frame = Vec::with_capacity(self.pending.len() + SYNC_BEGIN.len() + SYNC_END.len());
        frame.extend_from_slice(SYNC_BEGIN);
        frame.append(&mut self.pending);
        frame.extend_from_slice(SYNC_END);
        self.out.write_all(&frame)?;
        self.out.flush()
    }
}

/// The terminal the console draws on.
pub type Tui = Terminal<CrosstermBackend<FrameWriter>>;

/// Holds the terminal in raw mode on the alternate screen; dropping it gives it back.
pub struct TerminalGuard {
    pub terminal: Tui,
}

impl TerminalGuard {
    /// Enters raw mode and the alternate screen, and makes sure a panic restores them first.
    pub fn enter() -> io::Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode()?;
        let entered = execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableBracketedPaste,
            cursor::Hide
        );
        if let Err(error) = entered {
            restore();
            return Err(error);
        }
        match Terminal::new(CrosstermBackend::new(FrameWriter::new(io::stdout()))) {
            Ok(terminal) => Ok(TerminalGuard { terminal }),
            Err(error) => {
                restore();
                Err(error)
            }
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Gives the terminal back, stops the process as Ctrl-Z would, and takes the terminal again
/// once the shell resumes it (`fg`). The caller repaints everything afterwards.
pub fn suspend() -> io::Result<()> {
    restore();
    nix::sys::signal::raise(nix::sys::signal::Signal::SIGTSTP).map_err(io::Error::from)?;
    // Execution continues here after SIGCONT.
    enable_raw_mode()?;
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableBracketedPaste,
        cursor::Hide
    )
}

/// Gives the terminal back: normal screen, cooked mode, visible cursor. Safe to call more
/// than once; errors are ignored because there is nowhere left to report them.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
}

/// Restores the terminal before the default panic message is printed, so the message lands
/// on the normal screen where it can be read.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_wrapped_and_empty_flushes_write_nothing() {
        let mut writer = FrameWriter::new(Vec::new());
        writer.flush().unwrap();
        assert!(writer.out.is_empty());
        writer.write_all(b"abc").unwrap();
        writer.write_all(b"def").unwrap();
        assert!(writer.out.is_empty(), "nothing leaves before the flush");
        writer.flush().unwrap();
        assert_eq!(writer.out, b"\x1b[?2026habcdef\x1b[?2026l");
        writer.flush().unwrap();
        assert_eq!(writer.out.len(), 6 + 16);
    }
}
