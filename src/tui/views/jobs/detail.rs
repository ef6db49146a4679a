//! The detail panel of the selected job: its command, folder, times, resources and GPU
//! memory, how it ended or why it waits, and (once the agent has sent the job in full) its
//! dependencies and log files. The command wraps onto the rows the other lines leave.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::core::units;
use crate::proto::jobs::{GpuRequest, JobDetail, JobState, JobView};
use crate::tui::app::App;
use crate::tui::app::jobs::{self, JobsState};
use crate::tui::layout::Chrome;
use crate::tui::theme::{Role, Theme};
use crate::tui::views::frame;
use crate::tui::views::jobs::table::{index_list, reason, state_role};
use crate::tui::widgets::text;

/// Width of the label column.
const LABEL: usize = 9;

/// Draws the detail panel into `rect`.
pub fn render(app: &App, rect: Rect, chrome: Chrome, buf: &mut Buffer) {
    let theme = &app.theme;
    let state = &app.jobs;
    let Some(job) = state.selected() else {
        let title = frame::title(theme, "Job", None);
        frame::panel(buf, theme, chrome, rect, title, false);
        return;
    };
    let mut title = frame::title(theme, "Job", Some(job.id.to_string()));
    if let Some(name) = &job.name {
        title.push(Span::styled(
            format!(" {name}"),
            theme.style(Role::TextStrong),
        ));
    }
    title.push(Span::styled(" · ", theme.style(Role::TextMuted)));
    title.push(Span::styled(
        job.state.as_str(),
        theme.style(state_role(job.state)),
    ));
    let inner = frame::panel(buf, theme, chrome, rect, title, false);
    let value_width = usize::from(inner.width).saturating_sub(LABEL + 2);
    let mut fields = vec![("command", job.command.clone(), theme.style(Role::Text))];
    fields.extend(other_fields(theme, state, job, state.details.get(&job.id)));
    let rows = usize::from(inner.height);
    let wrapped: Vec<Vec<String>> = fields
        .iter()
        .map(|(_, value, _)| wrap(value, value_width, usize::MAX))
        .collect();
    let all_rows: usize = wrapped.iter().map(Vec::len).sum();
    let pieces = if all_rows <= rows {
        wrapped
    } else {
        // Short of room: one row each, and the command gets what the others leave.
        let command_rows = rows.saturating_sub(fields.len() - 1).max(1);
        fields
            .iter()
            .enumerate()
            .map(|(i, (_, value, _))| {
                let budget = if i == 0 { command_rows } else { 1 };
                wrap(value, value_width, budget)
            })
            .collect()
    };
    let mut lines = Vec::new();
    for ((label, _, style), pieces) in fields.iter().zip(pieces) {
        for (i, piece) in pieces.into_iter().enumerate() {
            let label = if i == 0 { *label } else { "" };
            lines.push(line(theme, label, vec![Span::styled(piece, *style)]));
        }
    }
    for (y, line) in lines.iter().take(rows).enumerate() {
        text::put(buf, inner, y as u16, line);
    }
}

fn line<'a>(theme: &Theme, label: &str, value: Vec<Span<'a>>) -> Line<'a> {
    let mut spans = vec![Span::styled(
        format!(" {}", text::left(label, LABEL)),
        theme.style(Role::TextMuted),
    )];
    spans.push(Span::raw(" "));
    spans.extend(value);
    Line::from(spans)
}

/// The fields below the command, most important first: (label, value, style).
fn other_fields(
    theme: &Theme,
    state: &JobsState,
    job: &JobView,
    detail: Option<&JobDetail>,
) -> Vec<(&'static str, String, Style)> {
    let text_style = theme.style(Role::Text);
    let muted = theme.style(Role::TextMuted);
    let mut out = Vec::new();
    if let Some(detail) = detail {
        out.push(("folder", detail.spec.cwd.clone(), text_style));
    }
    out.push(("times", times(job, state.now_ms), text_style));
    out.push(("uses", resources(job), text_style));
    if let Some((label, text, role)) = outcome(job) {
        out.push((label, text, theme.style(role)));
    }
    if let Some(detail) = detail {
        if !detail.spec.after.is_empty() {
            let ids: Vec<String> = detail
                .spec
                .after
                .iter()
                .map(|id| format!("job {id}"))
                .collect();
            out.push(("after", ids.join(", "), text_style));
        }
        if detail.runs > 1 {
            out.push(("runs", format!("started {} times", detail.runs), text_style));
        }
        out.push(("stdout", detail.stdout_path.clone(), muted));
        out.push(("stderr", detail.stderr_path.clone(), muted));
    }
    out
}

/// "submitted 5m00s ago · started 4m12s ago", "ran 12m03s · ended 2h10m ago", …
fn times(job: &JobView, now_ms: u64) -> String {
    let ago = |at: u64| format!("{} ago", jobs::duration(now_ms.saturating_sub(at)));
    let submitted = format!("submitted {}", ago(job.submitted_at_ms));
    match (job.state, job.started_at_ms, job.ended_at_ms) {
        (JobState::Queued, ..) => format!("{submitted} · waiting"),
        (JobState::Running, Some(started), _) => format!(
            "running for {} · {submitted}",
            jobs::duration(now_ms.saturating_sub(started)),
        ),
        (_, Some(started), Some(ended)) => format!(
            "ran {} · ended {} · {submitted}",
            jobs::duration(ended.saturating_sub(started)),
            ago(ended)
        ),
        (_, None, Some(ended)) => format!("never started · ended {} · {submitted}", ago(ended)),
        _ => submitted,
    }
}

/// "4 CPUs · GPUs 0,1 · 61G GPU memory · priority 0"; what a queued job asks for.
fn resources(job: &JobView) -> String {
    let cpus = if job.cpus == 1 {
        "1 CPU".to_owned()
    } else {
        format!("{} CPUs", job.cpus)
    };
    let gpus = if job.gpus.is_empty() {
        match &job.gpus_requested {
            GpuRequest::Count(0) => "no GPU".to_owned(),
            GpuRequest::Count(1) => "asks for 1 GPU".to_owned(),
            GpuRequest::Count(n) => format!("asks for {n} GPUs"),
            GpuRequest::Ids(ids) => format!("asks for GPU {}", index_list(ids)),
        }
    } else {
        let noun = if job.gpus.len() == 1 { "GPU" } else { "GPUs" };
        format!("{noun} {}", index_list(&job.gpus))
    };
    let mut parts = vec![cpus, gpus];
    if let Some(memory) = job.gpu_memory {
        parts.push(format!("{} GPU memory", units::bytes(memory)));
    }
    parts.push(format!("priority {}", job.priority));
    parts.join(" · ")
}

/// How the job ended, or why it waits: (label, text, role).
fn outcome(job: &JobView) -> Option<(&'static str, String, Role)> {
    let why = reason(job);
    let ended = match (job.exit_code, job.signal) {
        (Some(code), _) => Some(format!("exit code {code}")),
        (None, Some(signal)) => Some(format!("killed by {}", jobs::signal_name(signal))),
        (None, None) => None,
    };
    let role = state_role(job.state);
    match (job.state, ended) {
        (JobState::Queued, _) if !why.is_empty() => Some(("waits", why, Role::JobQueued)),
        (_, Some(ended)) if why.is_empty() => Some(("ended", ended, role)),
        (_, Some(ended)) => Some(("ended", format!("{ended} · {why}"), role)),
        (_, None) if !why.is_empty() => Some(("why", why, Role::Text)),
        _ => None,
    }
}

/// `text` in pieces of at most `width` cells, broken after a blank where there is one, at
/// most `rows` of them, the last ending in "…" when something was left out.
fn wrap(text: &str, width: usize, rows: usize) -> Vec<String> {
    if width == 0 || rows == 0 {
        return vec![String::new()];
    }
    let mut pieces = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if text::width(rest) <= width {
            pieces.push(rest.to_owned());
            break;
        }
        if pieces.len() + 1 == rows {
            pieces.push(text::truncate(rest, width));
            break;
        }
        // The longest start of `rest` that fits, and the last blank in it.
        let mut fits = 0;
        let mut blank = None;
        let mut used = 0;
        for (at, c) in rest.char_indices() {
            let w = text::width(&rest[at..at + c.len_utf8()]);
            if used + w > width {
                break;
            }
            used += w;
            fits = at + c.len_utf8();
            if c == ' ' {
                blank = Some(fits);
            }
        }
        let cut = blank
            .filter(|at| *at > 1)
            .unwrap_or(fits)
            .max(rest.chars().next().map_or(1, char::len_utf8));
        pieces.push(rest[..cut].trim_end().to_owned());
        rest = &rest[cut..];
    }
    if pieces.is_empty() {
        pieces.push(String::new());
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_wrap_into_the_rows_given() {
        assert_eq!(wrap("abcdefgh", 3, 5), ["abc", "def", "gh"]);
        assert_eq!(wrap("abcdefgh", 3, 2), ["abc", "de…"]);
        assert_eq!(wrap("abc", 3, 1), ["abc"]);
        assert_eq!(wrap("", 3, 2), [""]);
        assert_eq!(wrap("日本語", 4, 3), ["日本", "語"]);
        assert_eq!(
            wrap("python train.py --lr 3", 12, 9),
            ["python", "train.py", "--lr 3"]
        );
        assert_eq!(
            wrap("a /very/long/path", 8, 9),
            ["a", "/very/lo", "ng/path"]
        );
    }
}
