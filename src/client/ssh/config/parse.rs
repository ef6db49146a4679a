//! Reading config files into blocks: lines, quoting, `Host`, `Match`, `Include`.

use std::path::{Path, PathBuf};

use super::{
    Block, ConfigFiles, MAX_INCLUDE_DEPTH, ParseState, Setting, SshConfig, SshConfigError,
    wildcard_match,
};

impl SshConfig {
    pub(super) fn read_file(
        &mut self,
        path: &Path,
        home: &Path,
        files: &dyn ConfigFiles,
        depth: usize,
        state: &mut ParseState,
    ) -> Result<(), SshConfigError> {
        let error = |line: usize, message: String| SshConfigError {
            path: path.to_owned(),
            line,
            message,
        };
        let text = match files.read(path) {
            Ok(Some(text)) => text,
            Ok(None) => return Ok(()),
            Err(e) => return Err(error(0, format!("cannot read: {e}"))),
        };
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let Some((keyword, args)) = split_line(raw).map_err(|m| error(line, m))? else {
                continue;
            };
            match keyword.as_str() {
                "host" => {
                    state.in_skipped_match = false;
                    if args.is_empty() {
                        return Err(error(line, "Host needs at least one pattern".into()));
                    }
                    self.blocks.push(Block {
                        patterns: Some(args),
                        settings: Vec::new(),
                    });
                }
                "match" => {
                    let all = args.len() == 1 && args[0].eq_ignore_ascii_case("all");
                    state.in_skipped_match = !all;
                    if all {
                        self.blocks.push(Block {
                            patterns: None,
                            settings: Vec::new(),
                        });
                    } else {
                        self.skipped.push(format!("{}:{line}", path.display()));
                    }
                }
                _ if state.in_skipped_match => {}
                "include" => {
                    if depth >= MAX_INCLUDE_DEPTH {
                        return Err(error(line, "Include nested too deeply (a loop?)".into()));
                    }
                    for pattern in &args {
                        for included in expand_include(pattern, home, files)
                            .map_err(|e| error(line, format!("Include {pattern}: {e}")))?
                        {
                            self.read_file(&included, home, files, depth + 1, state)?;
                        }
                    }
                }
                _ => {
                    if args.is_empty() {
                        return Err(error(line, format!("{keyword} needs a value")));
                    }
                    if let Some(block) = self.blocks.last_mut() {
                        block.settings.push(Setting {
                            keyword,
                            args,
                            path: path.to_owned(),
                            line,
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

/// Splits a line into its lowercased keyword and its arguments; `None` for blank lines and
/// comments.
pub(super) fn split_line(raw: &str) -> Result<Option<(String, Vec<String>)>, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(None);
    }
    let end = trimmed
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(trimmed.len());
    let keyword = trimmed[..end].to_ascii_lowercase();
    let mut rest = trimmed[end..].trim_start();
    if let Some(after) = rest.strip_prefix('=') {
        rest = after.trim_start();
    }
    Ok(Some((keyword, split_args(rest)?)))
}

/// Whitespace-separated words, double quotes grouping, `#` outside quotes ending the line.
fn split_args(text: &str) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            '#' if !quoted => break,
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    args.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            c => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if quoted {
        return Err("unterminated quote".into());
    }
    if in_word {
        args.push(current);
    }
    Ok(args)
}

/// The files an `Include` argument names: `~` expanded, relative paths under `~/.ssh`,
/// wildcards allowed in the last part (matches in name order).
fn expand_include(
    pattern: &str,
    home: &Path,
    files: &dyn ConfigFiles,
) -> std::io::Result<Vec<PathBuf>> {
    let path = if let Some(rest) = pattern.strip_prefix("~/") {
        home.join(rest)
    } else if pattern.starts_with('/') {
        PathBuf::from(pattern)
    } else {
        home.join(".ssh").join(pattern)
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !name.contains(['*', '?']) {
        return Ok(vec![path]);
    }
    let dir = path.parent().unwrap_or(Path::new("/"));
    let mut names: Vec<String> = files
        .list(dir)?
        .into_iter()
        .filter(|candidate| wildcard_match(&name, candidate))
        .collect();
    names.sort();
    Ok(names.into_iter().map(|n| dir.join(n)).collect())
}
