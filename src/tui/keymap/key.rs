//! One key press and sequences of them, written the way keymap files write them.
//!
//! A single printable character stands for itself (`q`, `?`, `G`, `:`); everything else goes
//! in angle brackets with optional modifiers: `<C-c>`, `<S-Tab>`, `<A-x>`, `<Up>`, `<PageDown>`,
//! `<Esc>`, `<Space>`, `<F5>`, `<lt>` (a literal `<`). A sequence is keys separated by spaces:
//! `"g g"`.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One key press with its modifiers, normalised so that a key event and a keymap string that
/// mean the same key compare equal: characters carry their case, not a shift flag, and
/// `BackTab` is `Shift+Tab`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyName,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// The key itself, without modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyName {
    Char(char),
    Up,
    Down,
    Left,
    Right,
    Tab,
    Enter,
    Esc,
    Backspace,
    Delete,
    Insert,
    Home,
    End,
    PageUp,
    PageDown,
    F(u8),
}

const NAMED: [(&str, KeyName); 15] = [
    ("Up", KeyName::Up),
    ("Down", KeyName::Down),
    ("Left", KeyName::Left),
    ("Right", KeyName::Right),
    ("Tab", KeyName::Tab),
    ("Enter", KeyName::Enter),
    ("Esc", KeyName::Esc),
    ("Backspace", KeyName::Backspace),
    ("Delete", KeyName::Delete),
    ("Insert", KeyName::Insert),
    ("Home", KeyName::Home),
    ("End", KeyName::End),
    ("PageUp", KeyName::PageUp),
    ("PageDown", KeyName::PageDown),
    ("Space", KeyName::Char(' ')),
];

impl Key {
    /// A plain key with no modifiers.
    pub const fn plain(code: KeyName) -> Key {
        Key {
            code,
            ctrl: false,
            alt: false,
            shift: false,
        }
    }

    /// The normalised form of a terminal key event; `None` for keys keymaps cannot name
    /// (media keys, lone modifiers, …).
    pub fn from_event(event: &KeyEvent) -> Option<Key> {
        let mods = event.modifiers;
        let mut shift = mods.contains(KeyModifiers::SHIFT);
        let code = match event.code {
            KeyCode::Char(c) => {
                shift = false;
                KeyName::Char(c)
            }
            KeyCode::BackTab => {
                shift = true;
                KeyName::Tab
            }
            KeyCode::Up => KeyName::Up,
            KeyCode::Down => KeyName::Down,
            KeyCode::Left => KeyName::Left,
            KeyCode::Right => KeyName::Right,
            KeyCode::Tab => KeyName::Tab,
            KeyCode::Enter => KeyName::Enter,
            KeyCode::Esc => KeyName::Esc,
            KeyCode::Backspace => KeyName::Backspace,
            KeyCode::Delete => KeyName::Delete,
            KeyCode::Insert => KeyName::Insert,
            KeyCode::Home => KeyName::Home,
            KeyCode::End => KeyName::End,
            KeyCode::PageUp => KeyName::PageUp,
            KeyCode::PageDown => KeyName::PageDown,
            KeyCode::F(n) => KeyName::F(n),
            _ => return None,
        };
        Some(Key {
            code,
            ctrl: mods.contains(KeyModifiers::CONTROL),
            alt: mods.contains(KeyModifiers::ALT),
            shift,
        })
    }

    /// Parses one key: `q`, `<C-c>`, `<S-Tab>`, `<lt>`.
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut chars = text.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            if c.is_control() || c == ' ' {
                return Err(format!("write {c:?} by its name in angle brackets"));
            }
            return Ok(Key::plain(KeyName::Char(c)));
        }
        let inner = text
            .strip_prefix('<')
            .and_then(|rest| rest.strip_suffix('>'))
            .filter(|inner| !inner.is_empty())
            .ok_or_else(|| {
                format!("`{text}` is not a key: write one character, or a name like <C-c> or <Up>")
            })?;
        let mut key = Key::plain(KeyName::Char(' '));
        let mut rest = inner;
        // Modifiers are one letter and a dash; a final "-" alone is the minus key.
        while rest.len() > 2 && rest.as_bytes()[1] == b'-' {
            match rest.as_bytes()[0] {
                b'C' => key.ctrl = true,
                b'A' | b'M' => key.alt = true,
                b'S' => key.shift = true,
                other => {
                    return Err(format!(
                        "unknown modifier `{}-` in `{text}` (use C-, A- or S-)",
                        other as char
                    ));
                }
            }
            rest = &rest[2..];
        }
        key.code =
            parse_name(rest).ok_or_else(|| format!("unknown key name `{rest}` in `{text}`"))?;
        if let KeyName::Char(c) = key.code
            && key.shift
        {
            return Err(format!(
                "`{text}`: Shift is part of the character; write `{}` rather than <S-{c}>",
                c.to_uppercase()
            ));
        }
        Ok(key)
    }
}

fn parse_name(name: &str) -> Option<KeyName> {
    let mut chars = name.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return (!c.is_control()).then_some(KeyName::Char(c));
    }
    if name == "lt" {
        return Some(KeyName::Char('<'));
    }
    if let Some(n) = name.strip_prefix('F').and_then(|n| n.parse::<u8>().ok()) {
        return (1..=24).contains(&n).then_some(KeyName::F(n));
    }
    NAMED
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(name))
        .map(|(_, key)| *key)
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.code {
            KeyName::Char('<') => "lt".to_owned(),
            KeyName::Char(' ') => "Space".to_owned(),
            KeyName::Char(c) => c.to_string(),
            KeyName::F(n) => format!("F{n}"),
            named => NAMED
                .iter()
                .find(|(_, key)| *key == named)
                .map_or_else(String::new, |(text, _)| (*text).to_owned()),
        };
        let bracketed = self.ctrl
            || self.alt
            || self.shift
            || !matches!(self.code, KeyName::Char(c) if c != ' ' && c != '<');
        if !bracketed {
            return f.write_str(&name);
        }
        f.write_str("<")?;
        for (on, prefix) in [(self.ctrl, "C-"), (self.alt, "A-"), (self.shift, "S-")] {
            if on {
                f.write_str(prefix)?;
            }
        }
        write!(f, "{name}>")
    }
}

/// A sequence of keys, like `g g`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeySeq(pub Vec<Key>);

impl KeySeq {
    /// Parses keys separated by single spaces.
    pub fn parse(text: &str) -> Result<KeySeq, String> {
        if text.trim().is_empty() {
            return Err("empty key".into());
        }
        text.split_whitespace()
            .map(Key::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(KeySeq)
    }

    /// True when `self` is a strict prefix of `other`, or the other way round.
    pub fn conflicts_with(&self, other: &KeySeq) -> bool {
        let n = self.0.len().min(other.0.len());
        self.0.len() != other.0.len() && self.0[..n] == other.0[..n]
    }

    /// Whether the sequence starts with a key that types a character (no Ctrl, no Alt), so
    /// that a text field would take it as text.
    pub fn starts_with_text(&self) -> bool {
        self.0
            .first()
            .is_some_and(|key| matches!(key.code, KeyName::Char(_)) && !key.ctrl && !key.alt)
    }
}

impl fmt::Display for KeySeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, key) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{key}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn strings_and_events_meet() {
        let cases = [
            ("q", event(KeyCode::Char('q'), KeyModifiers::NONE)),
            ("G", event(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            ("?", event(KeyCode::Char('?'), KeyModifiers::SHIFT)),
            ("<C-c>", event(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            ("<S-Tab>", event(KeyCode::BackTab, KeyModifiers::SHIFT)),
            ("<S-Tab>", event(KeyCode::BackTab, KeyModifiers::NONE)),
            ("<Up>", event(KeyCode::Up, KeyModifiers::NONE)),
            ("<pagedown>", event(KeyCode::PageDown, KeyModifiers::NONE)),
            ("<Space>", event(KeyCode::Char(' '), KeyModifiers::NONE)),
            ("<A-x>", event(KeyCode::Char('x'), KeyModifiers::ALT)),
            ("<F5>", event(KeyCode::F(5), KeyModifiers::NONE)),
            ("<lt>", event(KeyCode::Char('<'), KeyModifiers::NONE)),
            ("<C-->", event(KeyCode::Char('-'), KeyModifiers::CONTROL)),
        ];
        for (text, ev) in cases {
            assert_eq!(
                Key::parse(text),
                Ok(Key::from_event(&ev).unwrap()),
                "{text}"
            );
        }
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "q", "G", "<C-c>", "<S-Tab>", "<Up>", "<Space>", "<lt>", "<F12>", "<A-C-x>",
        ] {
            let key = Key::parse(text).unwrap();
            assert_eq!(Key::parse(&key.to_string()), Ok(key), "{text}");
        }
        assert_eq!(Key::parse("<A-C-x>").unwrap().to_string(), "<C-A-x>");
        assert_eq!(Key::parse("<Space>").unwrap().to_string(), "<Space>");
        assert_eq!(KeySeq::parse("g  g").unwrap().to_string(), "g g");
    }

    #[test]
    fn bad_keys_say_why() {
        for (text, needle) in [
            ("", "empty"),
            ("<>", "not a key"),
            ("ab", "not a key"),
            ("<Upp>", "unknown key name"),
            ("<X-a>", "unknown modifier"),
            ("<S-a>", "`A` rather than"),
            ("<F30>", "unknown key name"),
        ] {
            let error = KeySeq::parse(text).unwrap_err();
            assert!(error.contains(needle), "{text}: {error}");
        }
    }

    #[test]
    fn prefixes_conflict() {
        let g = KeySeq::parse("g").unwrap();
        let gg = KeySeq::parse("g g").unwrap();
        let gh = KeySeq::parse("g h").unwrap();
        assert!(g.conflicts_with(&gg) && gg.conflicts_with(&g));
        assert!(!gg.conflicts_with(&gh));
        assert!(!gg.conflicts_with(&gg));
    }
}
