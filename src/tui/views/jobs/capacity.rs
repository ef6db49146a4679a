//! The capacity line: CPU slots in use, who holds each GPU (free, a job, reserved for a
//! waiting job, or a process outside Station), and SIMULATED when the GPUs are. When every
//! GPU does not fit, they are counted by holder instead.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::proto::jobs::{GpuHolder, GpuSlot, JobCapacity};
use crate::tui::app::App;
use crate::tui::theme::{Role, Theme};
use crate::tui::views::gpu_card::SIMULATED;
use crate::tui::widgets::text;

/// Draws the capacity line into `area`.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let Some(capacity) = &app.jobs.capacity else {
        return;
    };
    let width = usize::from(area.width);
    let simulated = capacity.simulated_gpus && !capacity.gpus.is_empty();
    let tail_width = if simulated { SIMULATED.len() + 3 } else { 1 };
    let room = width.saturating_sub(tail_width);
    let mut spans = cpu_spans(theme, capacity);
    let each = gpu_spans(theme, capacity, false);
    let gpus = if spans_width(&spans) + spans_width(&each) <= room {
        each
    } else {
        gpu_spans(theme, capacity, true)
    };
    spans.extend(gpus);
    if simulated {
        let used = spans_width(&spans);
        spans.push(Span::raw(
            " ".repeat(width.saturating_sub(used + SIMULATED.len() + 1)),
        ));
        spans.push(Span::styled(SIMULATED, theme.style(Role::Simulated)));
    }
    text::put(buf, area, 0, &Line::from(spans));
}

fn spans_width(spans: &[Span<'_>]) -> usize {
    spans.iter().map(Span::width).sum()
}

fn cpu_spans(theme: &Theme, capacity: &JobCapacity) -> Vec<Span<'static>> {
    vec![
        Span::styled(" CPU slots ", theme.style(Role::TextMuted)),
        Span::styled(
            format!("{}/{}", capacity.cpu_slots_used, capacity.cpu_slots),
            theme.style(Role::TextStrong),
        ),
    ]
}

/// Each GPU and its holder, or (`counted`) how many GPUs each kind of holder has.
fn gpu_spans(theme: &Theme, capacity: &JobCapacity, counted: bool) -> Vec<Span<'static>> {
    let muted = theme.style(Role::TextMuted);
    if capacity.gpus.is_empty() {
        let text = match &capacity.gpus_unavailable {
            Some(why) => format!("  no GPUs: {why}"),
            None => "  no GPUs".into(),
        };
        return vec![Span::styled(text, muted)];
    }
    let mut spans = vec![Span::styled("  GPUs ", muted)];
    if counted {
        let mut counts: Vec<(Role, &str, usize)> = vec![
            (Role::StateOk, "free", 0),
            (Role::JobRunning, "in jobs", 0),
            (Role::JobQueued, "reserved", 0),
            (Role::StateWarn, "foreign", 0),
        ];
        for slot in &capacity.gpus {
            let at = match slot.holder {
                GpuHolder::Free => 0,
                GpuHolder::Job(_) => 1,
                GpuHolder::Reserved(_) => 2,
                GpuHolder::Foreign => 3,
            };
            counts[at].2 += 1;
        }
        let mut first = true;
        for (role, label, count) in counts.into_iter().filter(|(_, _, n)| *n > 0) {
            if !first {
                spans.push(Span::styled(" · ", muted));
            }
            first = false;
            spans.push(Span::styled(format!("{count} {label}"), theme.style(role)));
        }
        return spans;
    }
    for (i, slot) in capacity.gpus.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(", ", muted));
        }
        spans.push(Span::styled(
            format!("{} ", slot.index),
            theme.style(Role::TextStrong),
        ));
        let (text, role) = holder(slot);
        spans.push(Span::styled(text, theme.style(role)));
    }
    spans
}

/// Who holds a GPU, in words, and the role that colours it.
pub fn holder(slot: &GpuSlot) -> (String, Role) {
    match slot.holder {
        GpuHolder::Free => ("free".into(), Role::StateOk),
        GpuHolder::Job(id) => (format!("job {id}"), Role::JobRunning),
        GpuHolder::Reserved(id) => (format!("reserved for {id}"), Role::JobQueued),
        GpuHolder::Foreign => ("foreign".into(), Role::StateWarn),
    }
}
