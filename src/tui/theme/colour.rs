//! Colour and modifier names as written in theme files.
//!
//! | written | means |
//! | --- | --- |
//! | `"#rrggbb"`, `"#rgb"` | a 24-bit colour |
//! | `"black"`, `"red"`, `"green"`, `"yellow"`, `"blue"`, `"magenta"`, `"cyan"`, `"white"` | ANSI colours 0–7 |
//! | `"bright-black"` … `"bright-white"` | ANSI colours 8–15 |
//! | `"0"` … `"255"` (or the integer) | an entry of the 256-colour table |
//! | `"default"` | the terminal's own foreground or background |
//!
//! Modifiers: `bold`, `dim`, `italic`, `underlined`, `slow-blink`, `rapid-blink`, `reversed`,
//! `hidden`, `crossed-out`.

use ratatui::style::{Color, Modifier};

/// The ANSI names, in palette order (index = ANSI number).
const ANSI: [(&str, Color); 16] = [
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("white", Color::Gray),
    ("bright-black", Color::DarkGray),
    ("bright-red", Color::LightRed),
    ("bright-green", Color::LightGreen),
    ("bright-yellow", Color::LightYellow),
    ("bright-blue", Color::LightBlue),
    ("bright-magenta", Color::LightMagenta),
    ("bright-cyan", Color::LightCyan),
    ("bright-white", Color::White),
];

const MODIFIERS: [(&str, Modifier); 9] = [
    ("bold", Modifier::BOLD),
    ("dim", Modifier::DIM),
    ("italic", Modifier::ITALIC),
    ("underlined", Modifier::UNDERLINED),
    ("slow-blink", Modifier::SLOW_BLINK),
    ("rapid-blink", Modifier::RAPID_BLINK),
    ("reversed", Modifier::REVERSED),
    ("hidden", Modifier::HIDDEN),
    ("crossed-out", Modifier::CROSSED_OUT),
];

/// What a colour may be, for messages about a bad one.
pub const COLOUR_FORMS: &str = "expected \"#rrggbb\", an ANSI name such as \"red\" or \"bright-blue\", \"0\"–\"255\", \"default\", or a palette name";

/// Parses a literal colour (not a palette name).
pub fn parse_colour(text: &str) -> Option<Color> {
    if let Some(hex) = text.strip_prefix('#') {
        return parse_hex(hex);
    }
    if text == "default" {
        return Some(Color::Reset);
    }
    if let Some((_, colour)) = ANSI.iter().find(|(name, _)| *name == text) {
        return Some(*colour);
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse::<u8>().ok().map(Color::Indexed);
    }
    None
}

/// An integer written where a colour is expected: an entry of the 256-colour table.
pub fn indexed(value: i64) -> Option<Color> {
    u8::try_from(value).ok().map(Color::Indexed)
}

fn parse_hex(hex: &str) -> Option<Color> {
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |s: &str| u8::from_str_radix(s, 16).ok();
    match hex.len() {
        6 => Some(Color::Rgb(
            channel(&hex[0..2])?,
            channel(&hex[2..4])?,
            channel(&hex[4..6])?,
        )),
        3 => {
            let short = |i: usize| channel(&hex[i..=i]).map(|v| v * 17);
            Some(Color::Rgb(short(0)?, short(1)?, short(2)?))
        }
        _ => None,
    }
}

/// Parses one modifier name.
pub fn parse_modifier(text: &str) -> Option<Modifier> {
    MODIFIERS
        .iter()
        .find(|(name, _)| *name == text)
        .map(|(_, modifier)| *modifier)
}

/// The modifier names, for messages.
pub fn modifier_names() -> String {
    MODIFIERS
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `colour` is one of the 16 ANSI colours (or the terminal default): what the `basic`
/// theme is limited to.
#[cfg(test)]
pub fn is_ansi16(colour: Color) -> bool {
    colour == Color::Reset || ANSI.iter().any(|(_, c)| *c == colour)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_written_form_parses() {
        assert_eq!(parse_colour("#1a2B3c"), Some(Color::Rgb(0x1a, 0x2b, 0x3c)));
        assert_eq!(parse_colour("#f80"), Some(Color::Rgb(0xff, 0x88, 0x00)));
        assert_eq!(parse_colour("red"), Some(Color::Red));
        assert_eq!(parse_colour("white"), Some(Color::Gray));
        assert_eq!(parse_colour("bright-black"), Some(Color::DarkGray));
        assert_eq!(parse_colour("bright-white"), Some(Color::White));
        assert_eq!(parse_colour("123"), Some(Color::Indexed(123)));
        assert_eq!(parse_colour("default"), Some(Color::Reset));
        assert_eq!(indexed(255), Some(Color::Indexed(255)));
    }

    #[test]
    fn bad_colours_are_refused() {
        for bad in [
            "",
            "#12345",
            "#gggggg",
            "256",
            "-1",
            "Red",
            "light-red",
            "#1234567",
        ] {
            assert_eq!(parse_colour(bad), None, "{bad:?}");
        }
        assert_eq!(indexed(256), None);
        assert_eq!(indexed(-3), None);
    }

    #[test]
    fn modifiers_parse_by_name() {
        assert_eq!(parse_modifier("bold"), Some(Modifier::BOLD));
        assert_eq!(parse_modifier("crossed-out"), Some(Modifier::CROSSED_OUT));
        assert_eq!(parse_modifier("blink"), None);
    }

    #[test]
    fn ansi16_excludes_rgb_and_indexed() {
        assert!(is_ansi16(Color::LightBlue));
        assert!(is_ansi16(Color::Reset));
        assert!(!is_ansi16(Color::Rgb(1, 2, 3)));
        assert!(!is_ansi16(Color::Indexed(7)));
    }
}
