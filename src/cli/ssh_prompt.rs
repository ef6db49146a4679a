//! The verbs' answers to the SSH transport's questions, asked on the terminal the way OpenSSH
//! asks them: the host-key question with its fingerprint (`yes`, `no`, or the fingerprint
//! itself), a key's passphrase read without echo, and whether to install Station on a host
//! that lacks it (with the upload's progress). Both use `/dev/tty`, and only when
//! stdin is a terminal; otherwise nobody is asked, and the transport refuses with a message
//! that says how to accept the host.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::Path;

use nix::sys::termios::{LocalFlags, SetArg, Termios, tcgetattr, tcsetattr};

use crate::client::ssh::install::InstallOffer;
use crate::client::ssh::{Endpoint, Prompt, PromptFuture, UnknownHostKey};

/// Asks on the controlling terminal.
#[derive(Debug, Clone, Copy)]
pub struct TerminalPrompt {
    interactive: bool,
}

impl TerminalPrompt {
    /// Interactive when stdin is a terminal and `/dev/tty` can be opened.
    pub fn new() -> TerminalPrompt {
        TerminalPrompt {
            interactive: std::io::stdin().is_terminal() && open_tty().is_ok(),
        }
    }
}

impl Default for TerminalPrompt {
    fn default() -> Self {
        TerminalPrompt::new()
    }
}

fn open_tty() -> std::io::Result<File> {
    OpenOptions::new().read(true).write(true).open("/dev/tty")
}

impl Prompt for TerminalPrompt {
    fn interactive(&self) -> bool {
        self.interactive
    }

    fn confirm_host_key<'a>(&'a self, key: &'a UnknownHostKey) -> PromptFuture<'a, bool> {
        let key = key.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || ask_host_key(&key).unwrap_or(false))
                .await
                .unwrap_or(false)
        })
    }

    fn passphrase<'a>(
        &'a self,
        _host: &'a Endpoint,
        path: &'a Path,
        attempt: u32,
    ) -> PromptFuture<'a, Option<String>> {
        let question = if attempt == 1 {
            format!("Enter passphrase for key '{}': ", path.display())
        } else {
            format!("Bad passphrase, try again for '{}': ", path.display())
        };
        Box::pin(async move {
            tokio::task::spawn_blocking(move || read_hidden(&question).ok().flatten())
                .await
                .ok()
                .flatten()
        })
    }

    fn confirm_install<'a>(&'a self, offer: &'a InstallOffer) -> PromptFuture<'a, bool> {
        let question = format!("{offer} (yes/no) ");
        Box::pin(async move {
            tokio::task::spawn_blocking(move || ask_yes_no(&question).unwrap_or(false))
                .await
                .unwrap_or(false)
        })
    }

    fn report(&self, host: &Endpoint, step: &str) {
        eprintln!("{}: {step}", host.alias);
    }

    fn progress(&self, host: &Endpoint, sent: u64, total: u64) {
        if std::io::stderr().is_terminal() && total > 0 {
            let percent = sent.saturating_mul(100) / total;
            eprint!(
                "\r{}: {:.1} of {:.1} MB ({percent}%)",
                host.alias,
                sent as f64 / 1e6,
                total as f64 / 1e6
            );
            if sent >= total {
                eprintln!();
            }
        }
    }
}

/// Asks `question` until the answer is `yes` or `no`; end of input is a no.
fn ask_yes_no(question: &str) -> std::io::Result<bool> {
    let mut tty = open_tty()?;
    write!(tty, "{question}")?;
    tty.flush()?;
    let mut reader = BufReader::new(tty.try_clone()?);
    loop {
        let mut answer = String::new();
        if reader.read_line(&mut answer)? == 0 {
            return Ok(false);
        }
        match answer.trim().to_ascii_lowercase().as_str() {
            "yes" | "y" => return Ok(true),
            "no" | "n" | "" => return Ok(false),
            _ => {
                write!(tty, "Please type 'yes' or 'no': ")?;
                tty.flush()?;
            }
        }
    }
}

/// OpenSSH's question; `true` for `yes` or the fingerprint typed back.
fn ask_host_key(key: &UnknownHostKey) -> std::io::Result<bool> {
    let mut tty = open_tty()?;
    let host = &key.host;
    let name = if host.alias == host.host {
        host.known_hosts_name()
    } else {
        format!("{} ({})", host.alias, host.known_hosts_name())
    };
    write!(
        tty,
        "The authenticity of host '{name}' can't be established.\n\
         {} key fingerprint is {}.\n\
         Are you sure you want to continue connecting (yes/no/[fingerprint])? ",
        key.key.key_type, key.key.sha256
    )?;
    tty.flush()?;
    let mut reader = BufReader::new(tty.try_clone()?);
    loop {
        let mut answer = String::new();
        if reader.read_line(&mut answer)? == 0 {
            return Ok(false);
        }
        let answer = answer.trim();
        if answer.eq_ignore_ascii_case("yes") || answer == key.key.sha256 {
            writeln!(
                tty,
                "Adding '{}' ({}) to {}.",
                host.known_hosts_name(),
                key.key.key_type,
                key.known_hosts.display()
            )?;
            return Ok(true);
        }
        if answer.eq_ignore_ascii_case("no") {
            return Ok(false);
        }
        write!(tty, "Please type 'yes', 'no' or the fingerprint: ")?;
        tty.flush()?;
    }
}

/// Restores the terminal's settings when dropped, whatever happened meanwhile.
struct EchoOff<'a> {
    tty: &'a File,
    saved: Termios,
}

impl Drop for EchoOff<'_> {
    fn drop(&mut self) {
        let _ = tcsetattr(self.tty, SetArg::TCSANOW, &self.saved);
    }
}

/// Shows `question` and reads a line with echo off; `None` for an empty line (skip the key,
/// as OpenSSH does) or end of input.
fn read_hidden(question: &str) -> std::io::Result<Option<String>> {
    let mut tty = open_tty()?;
    tty.write_all(question.as_bytes())?;
    tty.flush()?;
    let saved = tcgetattr(&tty)?;
    let mut silent = saved.clone();
    silent.local_flags.remove(LocalFlags::ECHO);
    silent.local_flags.insert(LocalFlags::ECHONL);
    tcsetattr(&tty, SetArg::TCSAFLUSH, &silent)?;
    let guard = EchoOff { tty: &tty, saved };
    let mut line = String::new();
    let read = BufReader::new(guard.tty).read_line(&mut line);
    drop(guard);
    read?;
    let line = line.trim_end_matches(['\n', '\r']);
    Ok((!line.is_empty()).then(|| line.to_owned()))
}
