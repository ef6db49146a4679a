//! Splitting a typed command line into an argv the way a POSIX shell splits words, without
//! running a shell: quotes and backslashes are honoured, nothing is expanded.
//!
//! - Blanks (spaces, tabs, newlines) separate words; several in a row count as one.
//! - `'…'` keeps everything inside as it is. `"…"` too, except that a backslash before `"`,
//!   `\`, `$` or `` ` `` stands for that character and a backslash before a newline joins
//!   the lines.
//! - Outside quotes, a backslash takes the next character as it is.
//! - Nothing is expanded, so what only a shell acts on is refused rather than passed on as a
//!   surprising literal argument: unquoted operators and redirections (`| & ; < > ( )`), a
//!   `~` that starts a word, and `$` or `` ` `` unless single-quoted or escaped (a shell
//!   expands them inside double quotes too). The message points to the form's Shell box,
//!   which runs the line through `sh -c`. Glob characters (`*`, `?`, `[`) stay as typed, as
//!   a shell leaves them when nothing matches.

use std::fmt;

/// Why a line cannot be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// A quote (`'` or `"`) is not closed.
    UnclosedQuote(char),
    /// The line ends in a backslash that escapes nothing.
    TrailingBackslash,
    /// An unquoted character only a shell can act on.
    NeedsShell(char),
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplitError::UnclosedQuote(quote) => write!(f, "the {quote} quote is not closed"),
            SplitError::TrailingBackslash => f.write_str("the line ends in a lone backslash"),
            SplitError::NeedsShell(c) => write!(
                f,
                "`{c}` needs a shell: tick Shell to run the line through sh -c, or quote it"
            ),
        }
    }
}

/// Characters a shell acts on when they are not quoted.
const SHELL_CHARS: &str = "|&;<>()$`";

/// Splits `line` into words (see the module documentation for the rules).
pub fn split_words(line: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut word = String::new();
    // A word is under way (so that `''` yields an empty word).
    let mut started = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            '\'' => {
                started = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(inner) => word.push(inner),
                        None => return Err(SplitError::UnclosedQuote('\'')),
                    }
                }
            }
            '"' => {
                started = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.peek().copied() {
                            Some(next @ ('"' | '\\' | '$' | '`')) => {
                                chars.next();
                                word.push(next);
                            }
                            Some('\n') => {
                                chars.next();
                            }
                            _ => word.push('\\'),
                        },
                        // Double quotes do not stop a shell from expanding these.
                        Some(c @ ('$' | '`')) => return Err(SplitError::NeedsShell(c)),
                        Some(inner) => word.push(inner),
                        None => return Err(SplitError::UnclosedQuote('"')),
                    }
                }
            }
            '\\' => match chars.next() {
                // A backslash before a newline joins the lines.
                Some('\n') => {}
                Some(next) => {
                    started = true;
                    word.push(next);
                }
                None => return Err(SplitError::TrailingBackslash),
            },
            other if SHELL_CHARS.contains(other) || (other == '~' && !started) => {
                return Err(SplitError::NeedsShell(other));
            }
            other => {
                started = true;
                word.push(other);
            }
        }
    }
    if started {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        split_words(line).unwrap()
    }

    #[test]
    fn blanks_separate_words() {
        assert_eq!(
            words("python  train.py\t--lr 3e-4 "),
            ["python", "train.py", "--lr", "3e-4"]
        );
        assert!(words("").is_empty());
        assert!(words("   \t ").is_empty());
    }

    #[test]
    fn quotes_keep_blanks_and_join_with_neighbours() {
        assert_eq!(words(r#"echo 'a  b' "c d""#), ["echo", "a  b", "c d"]);
        assert_eq!(words(r#"--name="my run"x"#), ["--name=my runx"]);
        assert_eq!(words("a'b'\"c\"d"), ["abcd"]);
        assert_eq!(words("echo '' \"\""), ["echo", "", ""]);
    }

    #[test]
    fn single_quotes_are_literal() {
        assert_eq!(words(r"echo 'a\nb $HOME \'"), ["echo", r"a\nb $HOME \"]);
    }

    #[test]
    fn backslashes_escape() {
        assert_eq!(
            words(r"echo a\ b \$HOME \\"),
            ["echo", "a b", "$HOME", "\\"]
        );
        assert_eq!(words("echo a\\\nb"), ["echo", "ab"]);
        assert_eq!(
            words(r#"echo "say \"hi\" \$x \\ \n""#),
            ["echo", r#"say "hi" $x \ \n"#]
        );
    }

    #[test]
    fn globs_stay_as_typed() {
        assert_eq!(
            words("ls *.py data/[ab]? a~b"),
            ["ls", "*.py", "data/[ab]?", "a~b"]
        );
    }

    #[test]
    fn mistakes_are_refused_with_a_reason() {
        assert_eq!(
            split_words("echo 'open"),
            Err(SplitError::UnclosedQuote('\''))
        );
        assert_eq!(
            split_words("echo \"open"),
            Err(SplitError::UnclosedQuote('"'))
        );
        assert_eq!(split_words("echo \\"), Err(SplitError::TrailingBackslash));
        let message = SplitError::NeedsShell('>').to_string();
        assert!(message.contains("tick Shell"), "{message}");
    }

    #[test]
    fn what_only_a_shell_does_is_refused_unquoted() {
        for (line, c) in [
            ("python a.py | tee out", '|'),
            ("a|b", '|'),
            ("make && make install", '&'),
            ("run > out.log", '>'),
            ("echo $HOME", '$'),
            ("echo `date`", '`'),
            ("ls ~/data", '~'),
            ("(cd x)", '('),
        ] {
            assert_eq!(split_words(line), Err(SplitError::NeedsShell(c)), "{line}");
        }
    }

    #[test]
    fn quoted_shell_characters_are_plain_arguments() {
        assert_eq!(words("grep '|' file"), ["grep", "|", "file"]);
        assert_eq!(words(r"echo \; done"), ["echo", ";", "done"]);
        assert_eq!(
            words(r#"echo "a|b" '$HOME' '~/x'"#),
            ["echo", "a|b", "$HOME", "~/x"]
        );
        assert_eq!(
            split_words(r#"echo "$HOME""#),
            Err(SplitError::NeedsShell('$')),
            "double quotes do not stop expansion"
        );
    }
}
