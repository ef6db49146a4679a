//! How verbs print: errors with their whole context chain on stderr, JSON on stdout.

use std::io::Write;

use serde::Serialize;

/// Prints `error: outer: inner: cause` on stderr, the way every verb reports failure.
pub fn print_error(error: &anyhow::Error) {
    let chain: Vec<String> = error.chain().map(ToString::to_string).collect();
    eprintln!("station: error: {}", chain.join(": "));
}

/// Prints `value` as pretty JSON on stdout, followed by a newline.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, value)?;
    writeln!(stdout)?;
    Ok(())
}
