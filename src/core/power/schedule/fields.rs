//! The five fields of a cron rule, checked one at a time so that a mistake is reported with
//! the field it is in (`minute field: 61 is out of range 0–59`), and month and weekday names
//! turned into numbers before croner sees the rule.
//!
//! Croner replaces names anywhere in a rule (it would read `jan` in the weekday field as
//! Monday); doing it here, field by field, keeps a name to the field it belongs to.

/// What one field accepts.
struct FieldSpec {
    /// How messages call it.
    name: &'static str,
    min: u32,
    max: u32,
    /// Three-letter names, the first standing for `first_named`.
    names: &'static [&'static str],
    first_named: u32,
    /// Croner's extensions allowed in this field (`L`, `W`, `#`, `?`), passed on as written.
    extensions: &'static str,
}

const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: [FieldSpec; 5] = [
    FieldSpec {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
        first_named: 0,
        extensions: "",
    },
    FieldSpec {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
        first_named: 0,
        extensions: "",
    },
    FieldSpec {
        name: "day-of-month",
        min: 1,
        max: 31,
        names: &[],
        first_named: 0,
        extensions: "LW?",
    },
    FieldSpec {
        name: "month",
        min: 1,
        max: 12,
        names: &MONTH_NAMES,
        first_named: 1,
        extensions: "",
    },
    FieldSpec {
        name: "day-of-week",
        min: 0,
        max: 7,
        names: &WEEKDAY_NAMES,
        first_named: 0,
        extensions: "L#?",
    },
];

/// The field names in order, for messages about the rule as a whole.
pub(super) const FIELD_LIST: &str = "minute hour day-of-month month day-of-week";

/// Checks the five fields of `text` and returns the rule with names as numbers.
pub(super) fn normalize(text: &str) -> Result<String, String> {
    let fields: Vec<&str> = text.split_whitespace().collect();
    if fields.len() != FIELDS.len() {
        let hint = if fields.len() == 6 {
            " (a seconds field is not supported)"
        } else {
            ""
        };
        return Err(format!(
            "a cron rule has 5 fields ({FIELD_LIST}), \"{text}\" has {}{hint}",
            fields.len()
        ));
    }
    let mut normalized = Vec::with_capacity(fields.len());
    for (field, spec) in fields.iter().zip(&FIELDS) {
        let field =
            normalize_field(field, spec).map_err(|e| format!("{} field: {e}", spec.name))?;
        normalized.push(field);
    }
    Ok(normalized.join(" "))
}

fn normalize_field(text: &str, spec: &FieldSpec) -> Result<String, String> {
    // Croner's `+` before the weekdays asks for both day fields to match (AND, not cron's OR).
    let (prefix, body) = match text.strip_prefix('+') {
        Some(body) if spec.extensions.contains('#') => ("+", body),
        _ => ("", text),
    };
    let mut items = Vec::new();
    for item in body.split(',') {
        if item.is_empty() {
            return Err(format!("\"{text}\" has an empty list item"));
        }
        items.push(normalize_item(item, spec)?);
    }
    Ok(format!("{prefix}{}", items.join(",")))
}

fn normalize_item(item: &str, spec: &FieldSpec) -> Result<String, String> {
    let upper = item.to_ascii_uppercase();
    let special = |c: char| "LW#?".contains(c);
    if upper
        .split(|c: char| !c.is_ascii_alphabetic())
        .any(|word| !word.is_empty() && word.chars().all(special))
        || upper.contains(['#', '?'])
    {
        return extension_item(item, &upper, spec);
    }
    let (base, step) = match item.split_once('/') {
        Some((base, step)) => (base, Some(step)),
        None => (item, None),
    };
    let step = step.map(|step| parse_step(item, step, spec)).transpose()?;
    let range = if base == "*" {
        None
    } else if let Some((first, last)) = base.split_once('-') {
        let first = parse_value(first, spec, false)?;
        let last = parse_value(last, spec, true)?;
        if first > last {
            return Err(format!(
                "range \"{base}\" runs backwards ({first} > {last}); split it in two"
            ));
        }
        Some((first, Some(last)))
    } else {
        let value = parse_value(base, spec, false)?;
        if let Some(step) = step {
            return Err(format!(
                "\"{item}\": a step needs * or a range before it, e.g. \"*/{step}\" or \"{value}-{}/{step}\"",
                spec.max
            ));
        }
        Some((value, None))
    };
    let base = match range {
        None => "*".to_owned(),
        Some((value, None)) => value.to_string(),
        Some((first, Some(last))) => format!("{first}-{last}"),
    };
    Ok(match step {
        Some(step) => format!("{base}/{step}"),
        None => base,
    })
}

/// An item with croner's extensions (`L`, `W`, `nth#`, `?`): names become numbers, the rest
/// is croner's to check.
fn extension_item(item: &str, upper: &str, spec: &FieldSpec) -> Result<String, String> {
    if let Some(c) = upper.chars().find(|c| "LW#?".contains(*c))
        && !spec.extensions.contains(c)
    {
        return Err(format!(
            "\"{item}\": '{c}' is not allowed in the {} field",
            spec.name
        ));
    }
    let mut out = String::with_capacity(item.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| -> Result<(), String> {
        if !word.is_empty() {
            if word.chars().all(|c| "LW".contains(c)) {
                out.push_str(word);
            } else {
                out.push_str(&parse_value(word, spec, false)?.to_string());
            }
            word.clear();
        }
        Ok(())
    };
    for c in upper.chars() {
        if c.is_ascii_alphabetic() {
            word.push(c);
        } else {
            flush(&mut word, &mut out)?;
            out.push(c);
        }
    }
    flush(&mut word, &mut out)?;
    Ok(out)
}

fn parse_step(item: &str, step: &str, spec: &FieldSpec) -> Result<u32, String> {
    if step.contains('/') {
        return Err(format!("\"{item}\" has more than one /"));
    }
    let number = step
        .parse::<u32>()
        .map_err(|_| format!("step \"{step}\" in \"{item}\" is not a number"))?;
    if number == 0 || number > spec.max {
        return Err(format!(
            "step {step} in \"{item}\" is out of range 1–{}",
            spec.max
        ));
    }
    Ok(number)
}

/// A number or a name in this field; `range_end` reads Sunday as 7 so that `fri-sun` works.
fn parse_value(token: &str, spec: &FieldSpec, range_end: bool) -> Result<u32, String> {
    if token.is_empty() {
        return Err("a range needs a value on each side of '-'".to_owned());
    }
    if token.chars().all(|c| c.is_ascii_digit()) {
        return token
            .parse::<u32>()
            .ok()
            .filter(|n| (spec.min..=spec.max).contains(n))
            .ok_or_else(|| format!("{token} is out of range {}–{}", spec.min, spec.max));
    }
    if !token.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(format!("\"{token}\" is not a number"));
    }
    if spec.names.is_empty() {
        return Err(format!(
            "\"{token}\" is not a number (names are allowed only for months and weekdays)"
        ));
    }
    let upper = token.to_ascii_uppercase();
    let Some(index) = spec.names.iter().position(|name| *name == upper) else {
        return Err(format!(
            "unknown name \"{token}\" (write {}–{} or a number)",
            spec.names[0].to_ascii_lowercase(),
            spec.names[spec.names.len() - 1].to_ascii_lowercase()
        ));
    };
    let value = spec.first_named + index as u32;
    Ok(if range_end && value == 0 && spec.max == 7 {
        7
    } else {
        value
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_numbers_in_their_own_field() {
        assert_eq!(normalize("0 19 * * mon-fri").unwrap(), "0 19 * * 1-5");
        assert_eq!(normalize("0 0 1 jan,Jul *").unwrap(), "0 0 1 1,7 *");
        assert_eq!(normalize("0 0 * * fri-sun").unwrap(), "0 0 * * 5-7");
        assert_eq!(normalize("*/15 8-18/2 * * *").unwrap(), "*/15 8-18/2 * * *");
        assert_eq!(normalize("0 0 L * fri#2").unwrap(), "0 0 L * 5#2");
    }

    #[test]
    fn mistakes_name_their_field() {
        for (rule, expected) in [
            ("61 * * * *", "minute field: 61 is out of range 0–59"),
            ("0 24 * * *", "hour field: 24 is out of range 0–23"),
            ("0 0 0 * *", "day-of-month field: 0 is out of range 1–31"),
            ("0 0 * 13 *", "month field: 13 is out of range 1–12"),
            ("0 0 * * 8", "day-of-week field: 8 is out of range 0–7"),
            ("0 0 * * jan", "day-of-week field: unknown name \"jan\""),
            (
                "0 0 * foo *",
                "month field: unknown name \"foo\" (write jan–dec",
            ),
            (
                "x * * * *",
                "minute field: \"x\" is not a number (names are allowed",
            ),
            ("0 5-2 * * *", "hour field: range \"5-2\" runs backwards"),
            (
                "*/0 * * * *",
                "minute field: step 0 in \"*/0\" is out of range 1–59",
            ),
            (
                "5/15 * * * *",
                "minute field: \"5/15\": a step needs * or a range",
            ),
            (
                "1,,2 * * * *",
                "minute field: \"1,,2\" has an empty list item",
            ),
            (
                "0 L * * *",
                "hour field: \"L\": 'L' is not allowed in the hour field",
            ),
            ("* * * *", "a cron rule has 5 fields"),
            ("0 * * * * *", "(a seconds field is not supported)"),
        ] {
            let error = normalize(rule).unwrap_err();
            assert!(
                error.starts_with(expected) || error.contains(expected),
                "{rule}: {error}"
            );
        }
    }
}
