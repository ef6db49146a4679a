//! The `:` command line: what can be typed and what it means.

use crate::proto::telemetry::ProcessSort;

/// A parsed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Quit,
    Help,
    Redraw,
    /// `:theme` alone (`None`) shows the current theme.
    Theme(Option<String>),
    Sort(ProcessSort),
    /// `:filter` alone (`None`) clears the filter (of the processes, or of the jobs).
    Filter(Option<String>),
    Jobs,
    Dashboard,
    Fleet,
    /// The schedule editor.
    Schedules,
}

/// Commands as the help overlay lists them: (usage, description).
pub const COMMANDS: &[(&str, &str)] = &[
    (":quit  :q", "Quit"),
    (
        ":theme NAME",
        "Switch theme (dark, light, basic, or your own)",
    ),
    (":sort cpu|mem|gpu", "Sort processes"),
    (
        ":filter TEXT",
        "Filter processes or jobs (no TEXT clears it)",
    ),
    (":jobs", "Show the jobs"),
    (":dashboard", "Show the dashboard"),
    (":fleet", "Show the fleet: one row per instance"),
    (":sched", "Edit the power schedules and idle shutdown"),
    (":help", "Show this help"),
    (":redraw", "Redraw the screen"),
];

/// Parses one command line (without the `:`). `Ok(None)` for a blank line; `Err` carries the
/// message for the footer.
pub fn parse(line: &str) -> Result<Option<Command>, String> {
    let line = line.trim();
    let (name, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    let arg = (!rest.is_empty()).then(|| rest.to_owned());
    let command = match name {
        "" => return Ok(None),
        "q" | "q!" | "quit" | "qa" | "qa!" | "exit" => Command::Quit,
        "h" | "help" => Command::Help,
        "redraw" => Command::Redraw,
        "theme" | "colorscheme" => Command::Theme(arg),
        "filter" => Command::Filter(arg),
        "jobs" => Command::Jobs,
        "dashboard" | "dash" => Command::Dashboard,
        "fleet" => Command::Fleet,
        "sched" | "schedules" | "schedule" => Command::Schedules,
        "sort" => {
            let Some(key) = arg else {
                return Err("usage: :sort cpu|mem|gpu".into());
            };
            let sort = ProcessSort::parse(&key)
                .ok_or_else(|| format!("cannot sort by `{key}`: use cpu, mem or gpu"))?;
            Command::Sort(sort)
        }
        other => return Err(format!("unknown command `{other}` (:help lists them)")),
    };
    Ok(Some(command))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse() {
        assert_eq!(parse("q"), Ok(Some(Command::Quit)));
        assert_eq!(parse("  quit "), Ok(Some(Command::Quit)));
        assert_eq!(parse(""), Ok(None));
        assert_eq!(parse("help"), Ok(Some(Command::Help)));
        assert_eq!(
            parse("theme  light"),
            Ok(Some(Command::Theme(Some("light".into()))))
        );
        assert_eq!(parse("theme"), Ok(Some(Command::Theme(None))));
        assert_eq!(
            parse("sort mem"),
            Ok(Some(Command::Sort(ProcessSort::Memory)))
        );
        assert_eq!(parse("jobs"), Ok(Some(Command::Jobs)));
        assert_eq!(parse("dashboard"), Ok(Some(Command::Dashboard)));
        assert_eq!(parse("fleet"), Ok(Some(Command::Fleet)));
        assert_eq!(parse("sched"), Ok(Some(Command::Schedules)));
        assert_eq!(parse("schedules"), Ok(Some(Command::Schedules)));
        assert_eq!(
            parse("filter py torch"),
            Ok(Some(Command::Filter(Some("py torch".into()))))
        );
    }

    #[test]
    fn mistakes_explain_themselves() {
        assert!(parse("sort").unwrap_err().contains("usage"));
        assert!(parse("sort size").unwrap_err().contains("cpu, mem or gpu"));
        assert!(
            parse("frobnicate")
                .unwrap_err()
                .contains("unknown command `frobnicate`")
        );
    }
}
