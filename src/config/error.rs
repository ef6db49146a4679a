//! Problems in a user's configuration files, located to the line and column.
//!
//! Every problem names the file, the 1-based line and column, what is wrong, and shows the
//! offending line with a caret under it, the way compilers do:
//!
//! ```text
//! error: /home/ana/.config/station/config.toml:3:22: sample_interval_ms must be between 250 and 60000, got 10
//!   |
//! 3 | sample_interval_ms = 10
//!   |                      ^^
//! ```

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// How bad a problem is: an error means the file was not used; a warning means one value was
/// ignored and the rest of the file was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub severity: Severity,
    pub path: PathBuf,
    /// 1-based; 0 when the problem is about the whole file (e.g. it cannot be read).
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The offending source line and the span of the problem within it.
    snippet: Option<(String, Range<usize>)>,
}

impl ConfigProblem {
    /// A problem at a byte span of `source`.
    pub fn at_span(
        severity: Severity,
        path: &Path,
        source: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        let message = message.into();
        let Some(span) = span else {
            return ConfigProblem::whole_file(severity, path, message);
        };
        let start = span.start.min(source.len());
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let line_text = source[line_start..line_end].trim_end_matches('\r');
        let line = source[..start].matches('\n').count() + 1;
        let column = source[line_start..start].chars().count() + 1;
        let caret_start = column - 1;
        let caret_len = source[start..span.end.clamp(start, line_end)]
            .chars()
            .count()
            .max(1);
        ConfigProblem {
            severity,
            path: path.to_owned(),
            line,
            column,
            message,
            snippet: Some((line_text.to_owned(), caret_start..caret_start + caret_len)),
        }
    }

    /// A problem with no position: unreadable file, missing include, …
    pub fn whole_file(severity: Severity, path: &Path, message: impl Into<String>) -> Self {
        ConfigProblem {
            severity,
            path: path.to_owned(),
            line: 0,
            column: 0,
            message: message.into(),
            snippet: None,
        }
    }

    /// A TOML parse or shape error, located by the span the parser reports.
    pub fn from_toml(path: &Path, source: &str, error: &toml::de::Error) -> Self {
        ConfigProblem::at_span(
            Severity::Error,
            path,
            source,
            error.span(),
            error.message().trim_end().replace('\n', "; "),
        )
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `path:line:column` (or just the path for whole-file problems).
    pub fn location(&self) -> String {
        if self.line == 0 {
            self.path.display().to_string()
        } else {
            format!("{}:{}:{}", self.path.display(), self.line, self.column)
        }
    }
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{label}: {}: {}", self.location(), self.message)?;
        if let Some((text, carets)) = &self.snippet {
            let number = self.line.to_string();
            let pad = " ".repeat(number.len());
            write!(
                f,
                "\n{pad} |\n{number} | {text}\n{pad} | {}{}",
                " ".repeat(carets.start),
                "^".repeat(carets.len())
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigProblem {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_line_and_column_with_a_caret() {
        let source = "theme = \"dark\"\n[agent]\nsample_interval_ms = 10\n";
        let start = source.find("10").unwrap();
        let problem = ConfigProblem::at_span(
            Severity::Error,
            Path::new("/c/config.toml"),
            source,
            Some(start..start + 2),
            "too small",
        );
        assert_eq!(problem.location(), "/c/config.toml:3:22");
        assert_eq!(
            problem.to_string(),
            "error: /c/config.toml:3:22: too small\n  |\n3 | sample_interval_ms = 10\n  |                      ^^"
        );
    }

    #[test]
    fn whole_file_problems_have_no_position() {
        let problem =
            ConfigProblem::whole_file(Severity::Warning, Path::new("/c/x.toml"), "unreadable");
        assert_eq!(problem.to_string(), "warning: /c/x.toml: unreadable");
    }
}
