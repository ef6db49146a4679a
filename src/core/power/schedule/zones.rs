//! IANA time zone names: looking one up (with a suggestion when it is misspelt), listing them
//! all, and matching what someone types against them for completion.
//!
//! The names and rules come from the time zone database bundled into the binary (jiff's
//! `tzdb-bundle-always`), so a schedule fires at the same instants on every machine,
//! whatever tzdata it has installed.

use std::sync::OnceLock;

use jiff::tz::{self, TimeZone};

/// Every zone name in the bundled database, sorted.
pub fn zone_names() -> Vec<&'static str> {
    all_names().iter().map(String::as_str).collect()
}

fn all_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: Vec<String> = tz::db()
            .available()
            .map(|name| name.as_str().to_owned())
            .collect();
        names.sort();
        names.dedup();
        names
    })
}

/// The zone called `name` (exactly, or differing only in case) and its name as the database
/// spells it; otherwise a message with the closest name, if one is close.
pub fn find_zone(name: &str) -> Result<(TimeZone, &'static str), String> {
    let trimmed = name.trim();
    let known = all_names()
        .iter()
        .find(|known| known.as_str() == trimmed)
        .or_else(|| {
            all_names()
                .iter()
                .find(|known| known.eq_ignore_ascii_case(trimmed))
        });
    if let Some(known) = known
        && let Ok(zone) = TimeZone::get(known)
    {
        return Ok((zone, known.as_str()));
    }
    Err(match closest_name(trimmed) {
        Some(suggestion) => format!("unknown time zone \"{name}\"; did you mean {suggestion}?"),
        None => format!(
            "unknown time zone \"{name}\"; write an IANA name such as Europe/Berlin, \
             America/New_York or UTC"
        ),
    })
}

/// The name nearest to a misspelt one: a small edit distance, else the best fuzzy match.
fn closest_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    let allowed = (lower.chars().count() / 4).clamp(1, 3);
    let by_distance = all_names()
        .iter()
        .map(|known| (edit_distance(&lower, &known.to_ascii_lowercase()), known))
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, known)| (*distance, known.len()))
        .map(|(_, known)| known.as_str());
    by_distance.or_else(|| {
        fuzzy_zones(name, 1)
            .into_iter()
            .next()
            .filter(|(_, score)| *score >= name.chars().count() as i32 * GOOD_MATCH_PER_CHAR)
            .map(|(known, _)| known)
    })
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// Points for each query character found in a name.
const MATCH: i32 = 16;
/// Extra for a character that starts a word (`Europe/Berlin`: `E`, `B`; `New_York`: `N`, `Y`).
const WORD_START: i32 = 12;
/// Extra for a character right after the previous match.
const CONSECUTIVE: i32 = 8;
/// Lost for each name character skipped between two matches.
const GAP: i32 = 1;
/// Extra when the query is the whole name or the whole city part.
const EXACT: i32 = 1000;
/// A fuzzy match scoring this much per query character is a fair suggestion for a typo.
const GOOD_MATCH_PER_CHAR: i32 = MATCH + CONSECUTIVE;

/// Zone names that contain the query's characters in order (case-insensitive; a space or `_`
/// in the query matches a space, `_`, `-` or `/`), best first, at most `limit`. Word starts
/// and runs of consecutive characters score higher, so "berl" ranks Europe/Berlin first and
/// "ny" or "new y" ranks America/New_York high. An empty query lists names alphabetically.
pub fn fuzzy_zones(query: &str, limit: usize) -> Vec<(&'static str, i32)> {
    let query: Vec<char> = query
        .trim()
        .chars()
        .map(|c| match c {
            '_' => ' ',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    let mut scored: Vec<(&'static str, i32)> = all_names()
        .iter()
        .filter_map(|name| Some((name.as_str(), fuzzy_score(&query, name)?)))
        .collect();
    scored.sort_by(|(a, score_a), (b, score_b)| {
        score_b
            .cmp(score_a)
            .then(a.len().cmp(&b.len()))
            .then(a.cmp(b))
    });
    scored.truncate(limit);
    scored
}

/// The best alignment of `query` as a subsequence of `name`, or `None` when it is not one.
fn fuzzy_score(query: &[char], name: &str) -> Option<i32> {
    let chars: Vec<char> = name.chars().collect();
    if query.is_empty() {
        return Some(0);
    }
    if query.len() > chars.len() {
        return None;
    }
    let is_separator = |c: char| matches!(c, '/' | '_' | '-' | ' ');
    let lower: Vec<char> = chars.iter().map(|c| c.to_ascii_lowercase()).collect();
    let matches = |q: char, j: usize| {
        if q == ' ' || q == '/' || q == '-' {
            is_separator(lower[j])
        } else {
            q == lower[j]
        }
    };
    let word_start = |j: usize| {
        j == 0
            || is_separator(chars[j - 1])
            || (chars[j].is_ascii_uppercase() && chars[j - 1].is_ascii_lowercase())
    };
    // previous[j]: the best score with the previous query character matched at position j.
    let mut previous: Vec<Option<i32>> = Vec::new();
    for (i, q) in query.iter().enumerate() {
        let mut current = vec![None; chars.len()];
        // The best match of the previous character at k <= j - 2, less the gap up to j.
        let mut after_gap: Option<i32> = None;
        for j in 0..chars.len() {
            if i > 0 && j >= 2 {
                after_gap = after_gap.max(previous[j - 2]).map(|s| s - GAP);
            }
            if !matches(*q, j) {
                continue;
            }
            let bonus = MATCH + if word_start(j) { WORD_START } else { 0 };
            current[j] = if i == 0 {
                Some(bonus)
            } else {
                let next_to = (j >= 1)
                    .then(|| previous[j - 1])
                    .flatten()
                    .map(|s| s + CONSECUTIVE);
                next_to.max(after_gap).map(|s| s + bonus)
            };
        }
        previous = current;
    }
    let score = previous.into_iter().flatten().max()?;
    let text: String = query.iter().collect();
    let spaced: String = lower
        .iter()
        .map(|c| if *c == '_' { ' ' } else { *c })
        .collect();
    let city = spaced.rsplit('/').next().unwrap_or_default();
    Some(if spaced == text || city == text {
        score + EXACT
    } else {
        score
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sorted_and_include_the_common_zones() {
        let names = zone_names();
        assert!(names.len() > 300, "{}", names.len());
        assert!(names.windows(2).all(|pair| pair[0] < pair[1]));
        for zone in ["Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata"] {
            assert!(names.contains(&zone), "{zone}");
        }
    }

    #[test]
    fn lookups_accept_any_case_and_suggest_on_typos() {
        assert_eq!(find_zone("Europe/Berlin").unwrap().1, "Europe/Berlin");
        assert_eq!(find_zone("europe/berlin").unwrap().1, "Europe/Berlin");
        assert_eq!(
            find_zone("Europe/Berln").unwrap_err(),
            "unknown time zone \"Europe/Berln\"; did you mean Europe/Berlin?"
        );
        assert_eq!(
            find_zone("America/NewYork").unwrap_err(),
            "unknown time zone \"America/NewYork\"; did you mean America/New_York?"
        );
        let error = find_zone("Mars/Olympus_Mons").unwrap_err();
        assert!(error.contains("write an IANA name"), "{error}");
        assert!(find_zone("+02:00").is_err());
    }

    #[test]
    fn fuzzy_ranks_word_starts_first() {
        assert_eq!(fuzzy_zones("berl", 5)[0].0, "Europe/Berlin");
        for query in ["ny", "new y", "New_York", "newyork"] {
            let ranked: Vec<&str> = fuzzy_zones(query, 3).into_iter().map(|(n, _)| n).collect();
            assert!(ranked.contains(&"America/New_York"), "{query}: {ranked:?}");
        }
        assert_eq!(fuzzy_zones("utc", 1)[0].0, "UTC");
        assert_eq!(fuzzy_zones("tokyo", 1)[0].0, "Asia/Tokyo");
        assert!(fuzzy_zones("qqqqqq", 5).is_empty());
        assert_eq!(fuzzy_zones("", 2).len(), 2);
    }

    #[test]
    fn edit_distance_counts_single_changes() {
        assert_eq!(edit_distance("berln", "berlin"), 1);
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("", "ab"), 2);
    }
}
