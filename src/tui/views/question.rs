//! The dialog of an SSH question (host key, passphrase, install), centred over the screen.
//! A passphrase being typed leaves no trace: no stars, no count.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::tui::app::App;
use crate::tui::app::question::QuestionKind;
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::form::popup;
use crate::tui::widgets::text;

/// Widest the dialog gets.
const MAX_WIDTH: u16 = 76;

/// Draws the open question, if any, over `area`.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(question) = &app.questions.open else {
        return;
    };
    let theme = &app.theme;
    let width = area.width.saturating_sub(4).min(MAX_WIDTH);
    let text_width = usize::from(width.saturating_sub(4)).max(10);
    let (title, body, keys) = content(&question.kind);
    let mut lines: Vec<Line<'static>> = Vec::new();
    for (role, paragraph) in body {
        if paragraph.is_empty() {
            lines.push(Line::default());
            continue;
        }
        for row in wrap(&paragraph, text_width) {
            lines.push(Line::styled(row, theme.style(role)));
        }
    }
    lines.push(Line::default());
    lines.push(keys_line(theme, keys));
    let height = (lines.len() as u16 + 2).min(area.height);
    let outer = Rect {
        x: area.x + (area.width.saturating_sub(width)) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    };
    let Some(inner) = popup(theme, outer, &format!(" {title} "), buf) else {
        return;
    };
    let inner = Rect {
        x: inner.x + 1,
        width: inner.width.saturating_sub(2),
        ..inner
    };
    for (row, line) in lines.iter().take(usize::from(inner.height)).enumerate() {
        text::put(buf, inner, row as u16, line);
    }
}

type Paragraphs = Vec<(Role, String)>;

/// The title, the paragraphs (with their roles) and the keys of a question.
fn content(
    kind: &QuestionKind,
) -> (
    &'static str,
    Paragraphs,
    &'static [(&'static str, &'static str)],
) {
    match kind {
        QuestionKind::HostKey {
            host,
            key,
            known_hosts,
        } => (
            "Unknown host key",
            vec![
                (
                    Role::Text,
                    format!("The authenticity of {host} cannot be established."),
                ),
                (Role::Text, String::new()),
                (Role::TextStrong, key.clone()),
                (Role::Text, String::new()),
                (
                    Role::TextMuted,
                    format!(
                        "Check the fingerprint with the host's administrator. Yes records it \
                         in {known_hosts}."
                    ),
                ),
            ],
            &[("y", "trust and connect"), ("n Esc", "refuse")],
        ),
        QuestionKind::Passphrase { host, key, attempt } => {
            let mut body = Vec::new();
            if *attempt > 1 {
                body.push((Role::StateError, "Wrong passphrase; try again.".to_owned()));
            }
            body.push((
                Role::Text,
                format!("Connecting to {host} with the key {key}, which is encrypted."),
            ));
            body.push((Role::Text, String::new()));
            body.push((
                Role::TextMuted,
                "Type its passphrase (not shown, never stored) and press Enter.".to_owned(),
            ));
            (
                "Key passphrase",
                body,
                &[("Enter", "unlock"), ("Esc", "skip this key")],
            )
        }
        QuestionKind::Install { host, offer } => (
            "Install station",
            vec![
                (Role::Text, offer.clone()),
                (Role::Text, String::new()),
                (
                    Role::TextMuted,
                    format!(
                        "The binary is checked to start on {host} before it is used; \
                         other versions there are removed."
                    ),
                ),
            ],
            &[("y", "install"), ("n Esc", "not now")],
        ),
    }
}

fn keys_line(theme: &Theme, keys: &[(&str, &str)]) -> Line<'static> {
    let mut spans = Vec::new();
    for (key, what) in keys {
        if !spans.is_empty() {
            spans.push(Span::raw("   "));
        }
        spans.push(Span::styled((*key).to_owned(), theme.style(Role::HelpKey)));
        spans.push(Span::styled(format!(" {what}"), Style::default()));
    }
    Line::from(spans)
}

/// Words of `paragraph` in rows of at most `width` cells; a word longer than a row (a path,
/// a fingerprint) is cut across rows.
fn wrap(paragraph: &str, width: usize) -> Vec<String> {
    let mut rows = Vec::new();
    let mut row = String::new();
    for word in paragraph.split_whitespace() {
        let mut word = word.to_owned();
        loop {
            let needed = text::width(&word) + usize::from(!row.is_empty());
            if text::width(&row) + needed <= width {
                if !row.is_empty() {
                    row.push(' ');
                }
                row.push_str(&word);
                break;
            }
            if row.is_empty() {
                let head: String = word.chars().take(width).collect();
                word = word.chars().skip(width).collect();
                rows.push(head);
                if word.is_empty() {
                    break;
                }
            } else {
                rows.push(std::mem::take(&mut row));
            }
        }
    }
    if !row.is_empty() {
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_wrap_and_long_words_are_cut() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a abcdefgh", 4), ["a", "abcd", "efgh"]);
    }
}
