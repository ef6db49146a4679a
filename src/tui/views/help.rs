//! The help overlay, built from the live keymap (so a user's bindings show as they are) and
//! the command list.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use crate::proto::STATION_VERSION;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::app::command::COMMANDS;
use crate::tui::keymap::{Keymap, Section};
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::text;

/// Widest the overlay gets.
const MAX_WIDTH: u16 = 84;
/// Width of the keys column.
const KEYS: usize = 22;

/// One line of help content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpLine {
    Heading(String),
    Entry { keys: String, desc: String },
    Blank,
}

/// The help content: per section, the bindings grouped by what they do, then the commands.
pub fn lines(keymap: &Keymap) -> Vec<HelpLine> {
    let mut out = Vec::new();
    for section in Section::ALL {
        let mut groups: Vec<(Action, String, Vec<String>)> = Vec::new();
        for binding in keymap.section(section) {
            match groups
                .iter_mut()
                .find(|(action, desc, _)| *action == binding.action && *desc == binding.desc)
            {
                Some((_, _, keys)) => keys.push(binding.keys.to_string()),
                None => groups.push((
                    binding.action,
                    binding.desc.clone(),
                    vec![binding.keys.to_string()],
                )),
            }
        }
        if groups.is_empty() {
            continue;
        }
        out.push(HelpLine::Heading(section.title().to_owned()));
        out.extend(groups.into_iter().map(|(_, desc, keys)| HelpLine::Entry {
            keys: keys.join(" "),
            desc,
        }));
        out.push(HelpLine::Blank);
    }
    out.push(HelpLine::Heading("Commands".into()));
    out.extend(COMMANDS.iter().map(|(usage, desc)| HelpLine::Entry {
        keys: (*usage).to_owned(),
        desc: (*desc).to_owned(),
    }));
    out
}

/// The overlay's frame within the screen `area`.
fn frame_area(area: Rect) -> Rect {
    let width = area.width.saturating_sub(4).min(MAX_WIDTH);
    let height = area.height.saturating_sub(2);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + 1,
        width,
        height,
    }
}

/// Content rows visible at once.
pub fn page(area: Rect) -> usize {
    usize::from(frame_area(area).height.saturating_sub(2)).max(1)
}

/// The largest useful scroll offset.
pub fn max_scroll(keymap: &Keymap, area: Rect) -> usize {
    lines(keymap).len().saturating_sub(page(area))
}

/// Draws the overlay over `area`, scrolled down `scroll` lines.
pub fn render(app: &App, scroll: usize, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let outer = frame_area(area);
    if outer.is_empty() {
        return;
    }
    Clear.render(outer, buf);
    buf.set_style(outer, theme.style(Role::Popup));
    let content = lines(&app.keymap);
    let scroll = scroll.min(content.len().saturating_sub(page(area)));
    let more = content.len() > scroll + page(area);
    let mut title = vec![
        Span::styled(" Help ", theme.style(Role::Title)),
        Span::styled(
            format!("· station {STATION_VERSION} "),
            theme.style(Role::TextMuted),
        ),
    ];
    if more || scroll > 0 {
        let shown = format!(
            "· {}/{} ",
            (scroll + page(area)).min(content.len()),
            content.len()
        );
        title.push(Span::styled(shown, theme.style(Role::TextMuted)));
    }
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::BorderFocused))
        .title(Line::from(title));
    let inner = block.inner(outer);
    block.render(outer, buf);
    for (row, line) in content
        .iter()
        .skip(scroll)
        .take(usize::from(inner.height))
        .enumerate()
    {
        text::put(
            buf,
            inner,
            row as u16,
            &render_line(theme, line, inner.width),
        );
    }
}

fn render_line(theme: &Theme, line: &HelpLine, width: u16) -> Line<'static> {
    match line {
        HelpLine::Heading(text) => Line::styled(format!(" {text}"), theme.style(Role::HelpSection)),
        HelpLine::Blank => Line::default(),
        HelpLine::Entry { keys, desc } => {
            let desc_width = usize::from(width).saturating_sub(KEYS + 4);
            Line::from(vec![
                Span::raw("   "),
                Span::styled(text::left(keys, KEYS), theme.style(Role::HelpKey)),
                Span::raw(" "),
                Span::styled(text::truncate(desc, desc_width), theme.style(Role::Text)),
            ])
        }
    }
}
