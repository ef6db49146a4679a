//! The table of jobs: id, name, state, CPUs, GPUs, GPU memory, runtime, exit and the reason
//! a job waits or ended as it did. The name and reason columns take what the width leaves.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::core::units;
use crate::proto::jobs::{GpuRequest, JobState, JobView};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::app::jobs::{self, JobsState};
use crate::tui::keymap::Context;
use crate::tui::layout::Chrome;
use crate::tui::theme::{Role, Theme};
use crate::tui::views::frame;
use crate::tui::widgets::{table, text};

const STATE: usize = 9;
const CPU: usize = 3;
const GPU: usize = 5;
const VRAM: usize = 5;
const TIME: usize = 6;
const EXIT: usize = 7;

/// Column widths for a table `width` cells wide whose largest id is `max_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Columns {
    id: usize,
    name: usize,
    reason: usize,
}

impl Columns {
    fn new(width: u16, max_id: u64) -> Columns {
        let id = max_id.to_string().len().max(2);
        // Marker, id and the fixed columns with the blanks between them.
        let fixed = 1 + id + 1 + 1 + STATE + 1 + CPU + 1 + GPU + 1 + VRAM + 1 + TIME + 2 + EXIT + 1;
        let rest = usize::from(width).saturating_sub(fixed);
        let name = (rest * 3 / 8).clamp(8, 32).min(rest);
        Columns {
            id,
            name,
            reason: rest - name,
        }
    }
}

/// The theme role of a job state.
pub fn state_role(state: JobState) -> Role {
    match state {
        JobState::Queued => Role::JobQueued,
        JobState::Running => Role::JobRunning,
        JobState::Succeeded => Role::JobSucceeded,
        JobState::Failed => Role::JobFailed,
        JobState::Cancelled => Role::JobCancelled,
    }
}

/// Draws the table panel into `rect`.
pub fn render(app: &App, rect: Rect, chrome: Chrome, buf: &mut Buffer) {
    let theme = &app.theme;
    let state = &app.jobs;
    let visible = state.visible();
    let title = frame::title(theme, "Jobs", details(state, visible.len()));
    let focused = state.logs.is_none();
    let inner = frame::panel(buf, theme, chrome, rect, title, focused);
    let max_id = state.jobs.last().map_or(0, |job| job.id);
    let columns = Columns::new(inner.width, max_id);
    text::put(buf, inner, 0, &header(theme, columns));
    let body = table::body(inner, true);
    if let Some(empty) = empty_text(app, visible.is_empty()) {
        let line = Line::styled(
            text::truncate(&empty, usize::from(body.width)),
            theme.style(Role::TextMuted),
        );
        text::put(buf, body, 0, &line);
        return;
    }
    let rows = visible
        .iter()
        .map(|job| row(theme, job, state.now_ms, columns));
    table::render_rows(theme, body, rows, state.list, true, buf);
}

/// "12 · 2 running · 3 queued", or how many match the filter.
fn details(state: &JobsState, shown: usize) -> Option<String> {
    if !state.loaded {
        return None;
    }
    let total = state.jobs.len();
    if let Some(filter) = &state.filter {
        return Some(format!("{shown} of {total} match “{filter}”"));
    }
    let (running, queued) = state.counts();
    Some(format!("{total} · {running} running · {queued} queued"))
}

/// What the table says instead of rows, when it has none.
fn empty_text(app: &App, empty: bool) -> Option<String> {
    let state = &app.jobs;
    if let Some(reason) = &state.unavailable {
        return Some(format!(" jobs are not available: {reason}"));
    }
    if !state.loaded {
        return Some(" waiting for the agent's jobs…".into());
    }
    if !empty {
        return None;
    }
    if let Some(filter) = &state.filter {
        return Some(format!(" no job matches “{filter}”"));
    }
    let key = app.keymap.key_for(Context::Jobs, Action::JobNew);
    Some(match key {
        Some(key) => {
            format!(" no jobs yet: {key} submits one, or `station submit -- CMD` from a shell")
        }
        None => " no jobs yet: `station submit -- CMD` from a shell adds one".into(),
    })
}

fn header(theme: &Theme, c: Columns) -> Line<'static> {
    let text = format!(
        " {} {} {} {} {} {} {}  {} {}",
        text::right("ID", c.id),
        text::left("NAME", c.name),
        text::left("STATE", STATE),
        text::right("CPU", CPU),
        text::left("GPU", GPU),
        text::right("VRAM", VRAM),
        text::right("TIME", TIME),
        text::left("EXIT", EXIT),
        text::left("REASON", c.reason),
    );
    Line::styled(text, theme.style(Role::TableHeader))
}

fn row(theme: &Theme, job: &JobView, now_ms: u64, c: Columns) -> Line<'static> {
    let style = theme.style(Role::Text);
    let muted = theme.style(Role::TextMuted);
    let (gpus, gpus_style) = gpu_text(job);
    let vram = job.gpu_memory.map_or_else(|| "-".to_owned(), units::bytes);
    let runtime = jobs::runtime_ms(job, now_ms).map_or_else(|| "-".to_owned(), jobs::duration);
    let exit = jobs::exit_text(job).unwrap_or_else(|| "-".to_owned());
    let exit_style = if job.state == JobState::Failed {
        theme.style(Role::JobFailed)
    } else {
        style
    };
    Line::from(vec![
        Span::styled(text::right(&job.id.to_string(), c.id), muted),
        Span::raw(" "),
        Span::styled(
            text::left(job.name.as_deref().unwrap_or(&job.command), c.name),
            style,
        ),
        Span::raw(" "),
        Span::styled(
            text::left(job.state.as_str(), STATE),
            theme.style(state_role(job.state)),
        ),
        Span::raw(" "),
        Span::styled(text::right(&job.cpus.to_string(), CPU), style),
        Span::raw(" "),
        Span::styled(text::left(&gpus, GPU), theme.style(gpus_style)),
        Span::raw(" "),
        Span::styled(text::right(&vram, VRAM), style),
        Span::raw(" "),
        Span::styled(text::right(&runtime, TIME), style),
        Span::raw("  "),
        Span::styled(text::left(&exit, EXIT), exit_style),
        Span::raw(" "),
        Span::styled(text::truncate(&reason(job), c.reason), muted),
    ])
}

/// The GPUs a job holds ("0-3", "0,2"), else what it asks for, muted ("×2"); "-" for none.
fn gpu_text(job: &JobView) -> (String, Role) {
    if !job.gpus.is_empty() {
        return (index_list(&job.gpus), Role::Text);
    }
    match &job.gpus_requested {
        GpuRequest::Count(0) => ("-".into(), Role::Text),
        GpuRequest::Count(n) => (format!("×{n}"), Role::TextMuted),
        GpuRequest::Ids(ids) => (index_list(ids), Role::TextMuted),
    }
}

/// GPU indices with runs written as ranges: [0, 1, 2, 5] is "0-2,5".
pub fn index_list(indices: &[u32]) -> String {
    let mut sorted = indices.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut at = 0;
    while at < sorted.len() {
        let start = sorted[at];
        let mut end = start;
        while at + 1 < sorted.len() && sorted[at + 1] == end + 1 {
            at += 1;
            end += 1;
        }
        parts.push(match end - start {
            0 => start.to_string(),
            1 => format!("{start},{end}"),
            _ => format!("{start}-{end}"),
        });
        at += 1;
    }
    parts.join(",")
}

/// Why a job waits or ended as it did, or what is happening to it.
pub fn reason(job: &JobView) -> String {
    let mut parts = Vec::new();
    if job.cancel_requested && !job.state.is_terminal() {
        parts.push("cancelling…".to_owned());
    }
    if let Some(reason) = &job.reason {
        parts.push(reason.clone());
    }
    if job.logs_truncated {
        parts.push("logs truncated".to_owned());
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpu_indices_read_as_ranges() {
        assert_eq!(index_list(&[0]), "0");
        assert_eq!(index_list(&[1, 0]), "0,1");
        assert_eq!(index_list(&[0, 1, 2, 3]), "0-3");
        assert_eq!(index_list(&[0, 2, 3, 4, 7]), "0,2-4,7");
        assert_eq!(index_list(&[]), "");
    }

    #[test]
    fn name_and_reason_share_what_the_width_leaves() {
        assert_eq!(
            Columns::new(80, 12),
            Columns {
                id: 2,
                name: 12,
                reason: 21
            }
        );
        let wide = Columns::new(226, 12345);
        assert_eq!((wide.id, wide.name), (5, 32));
        assert_eq!(Columns::new(30, 1).name + Columns::new(30, 1).reason, 0);
    }
}
