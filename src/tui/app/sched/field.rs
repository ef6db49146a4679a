//! Editing one line of text in a form field: typing, pasting, and the editing keys the
//! command line has too (Backspace, Ctrl-U clears, Ctrl-W deletes a word).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Longest text a field keeps.
pub const MAX_FIELD: usize = 256;

/// Applies an editing key to `text`; true when the text changed.
pub fn edit(text: &mut String, event: &KeyEvent) -> bool {
    let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
    let alt = event.modifiers.contains(KeyModifiers::ALT);
    match event.code {
        KeyCode::Backspace => text.pop().is_some(),
        KeyCode::Char('u') if ctrl => {
            let changed = !text.is_empty();
            text.clear();
            changed
        }
        KeyCode::Char('w') if ctrl => {
            let kept = text.trim_end().rfind(' ').map_or(0, |i| i + 1);
            let changed = kept != text.len();
            text.truncate(kept);
            changed
        }
        KeyCode::Char(c) if !ctrl && !alt => type_char(text, c),
        _ => false,
    }
}

/// Adds `c` unless it is a control character or the field is full.
pub fn type_char(text: &mut String, c: char) -> bool {
    if c.is_control() || text.len() + c.len_utf8() > MAX_FIELD {
        return false;
    }
    text.push(c);
    true
}

/// Adds pasted text, line breaks and tabs as spaces, control characters left out.
pub fn paste(text: &mut String, pasted: &str) -> bool {
    let before = text.len();
    for c in pasted.chars() {
        let c = if c == '\n' || c == '\t' { ' ' } else { c };
        type_char(text, c);
    }
    text.len() != before
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn editing_keys_work_like_the_command_line() {
        let mut text = String::new();
        for c in "0 19 * * 1-5".chars() {
            assert!(edit(&mut text, &key(KeyCode::Char(c), KeyModifiers::NONE)));
        }
        assert!(edit(
            &mut text,
            &key(KeyCode::Backspace, KeyModifiers::NONE)
        ));
        assert_eq!(text, "0 19 * * 1-");
        assert!(edit(
            &mut text,
            &key(KeyCode::Char('w'), KeyModifiers::CONTROL)
        ));
        assert_eq!(text, "0 19 * * ");
        assert!(edit(
            &mut text,
            &key(KeyCode::Char('u'), KeyModifiers::CONTROL)
        ));
        assert!(!edit(
            &mut text,
            &key(KeyCode::Char('u'), KeyModifiers::CONTROL)
        ));
        assert!(!edit(
            &mut text,
            &key(KeyCode::Char('x'), KeyModifiers::ALT)
        ));
        assert!(paste(&mut text, "0 8\t* *\n1"));
        assert_eq!(text, "0 8 * * 1");
        let mut full = "x".repeat(MAX_FIELD);
        assert!(!type_char(&mut full, 'y'));
    }
}
