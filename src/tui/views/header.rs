//! The top line: which machine this is (and which fleet instance, when the console drilled
//! into one), how long it has been up, how many jobs run and wait, why it is up (or when it
//! stops) as the agent says, a setup script that runs or failed,
//! whether the agent is answering, and the GPUs (SIMULATED when they are).
//!
//! Uptime has minute resolution and the agent state shows no age while samples are on time,
//! so an idle dashboard does not rewrite the header every second.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::core::units;
use crate::proto::telemetry::GpuSource;
use crate::tui::app::{App, LinkState};
use crate::tui::theme::Role;
use crate::tui::widgets::text::{self, Part, fit_parts};

/// Draws the header line into `area`.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    buf.set_style(area, theme.style(Role::Header));
    let muted = theme.style(Role::TextMuted);
    let mut left = vec![Part::text(9, "station", theme.style(Role::Title))];
    if let Some(name) = app.fleet.on_name() {
        left.push(Part::text(9, format!("▸ {name}"), theme.style(Role::Title)));
    }
    if let Some(host) = &app.host {
        left.push(Part::text(
            10,
            host.hostname.clone(),
            theme.style(Role::TextStrong),
        ));
        left.push(Part::text(4, short_os(&host.os).to_owned(), muted));
        left.push(Part::text(2, host.kernel.clone(), muted));
    }
    if let Some(sample) = &app.sample {
        left.push(Part::text(
            6,
            format!("up {}", units::uptime(sample.uptime_secs)),
            muted,
        ));
    }
    if let Some(summary) = jobs_summary(app) {
        left.push(Part::text(7, summary, theme.style(Role::Text)));
    }
    left.extend(power_parts(app));
    let right = right_parts(app);
    let right_width: usize = right.iter().map(|s| s.width()).sum();
    let room = usize::from(area.width).saturating_sub(right_width + 3);
    let mut spans = vec![Span::raw(" ")];
    spans.extend(fit_parts(left, Span::styled("  ", muted), room));
    let used: usize = spans.iter().map(Span::width).sum();
    let gap = usize::from(area.width).saturating_sub(used + right_width + 1);
    spans.push(Span::raw(" ".repeat(gap)));
    spans.extend(right);
    text::put(buf, area, 0, &Line::from(spans));
}

/// The agent state and the GPU summary, right-aligned and never dropped.
fn right_parts(app: &App) -> Vec<Span<'static>> {
    let theme = &app.theme;
    let mut spans = Vec::new();
    if let Some(sample) = &app.sample {
        let gpus = &sample.gpus;
        let count = gpus.gpus.len();
        let noun = if count == 1 { "GPU" } else { "GPUs" };
        match &gpus.source {
            GpuSource::Simulated => {
                spans.push(Span::styled(
                    format!("{count} {noun} "),
                    theme.style(Role::Text),
                ));
                spans.push(Span::styled("SIMULATED", theme.style(Role::Simulated)));
            }
            GpuSource::Nvml { .. } => {
                spans.push(Span::styled(
                    format!("{count} {noun}"),
                    theme.style(Role::Text),
                ));
            }
            GpuSource::Unavailable { .. } => {
                spans.push(Span::styled("no GPU", theme.style(Role::TextMuted)));
            }
            GpuSource::Loading => {
                spans.push(Span::styled("GPUs…", theme.style(Role::TextMuted)));
            }
        }
        spans.push(Span::raw("  "));
    }
    let (text, role) = match &app.link {
        LinkState::Connecting => ("○ connecting".to_owned(), Role::StateWarn),
        LinkState::Waiting => ("○ waiting".to_owned(), Role::StateWarn),
        LinkState::Live => ("● live".to_owned(), Role::StateOk),
        LinkState::Stale { secs } => (format!("◐ stale {}", units::age(*secs)), Role::StateWarn),
        LinkState::Lost {
            secs: Some(secs), ..
        } => (
            format!("✕ agent lost · {} ago", units::age(*secs)),
            Role::StateError,
        ),
        LinkState::Lost { secs: None, .. } => ("✕ agent lost".to_owned(), Role::StateError),
    };
    spans.push(Span::styled(text, theme.style(role)));
    spans.push(Span::raw(" "));
    spans
}

/// "jobs 2 running · 10 queued", when any job runs or waits.
fn jobs_summary(app: &App) -> Option<String> {
    let (running, queued) = app.jobs.counts();
    match (running, queued) {
        (0, 0) => None,
        (running, 0) => Some(format!("jobs {running} running")),
        (0, queued) => Some(format!("jobs {queued} queued")),
        (running, queued) => Some(format!("jobs {running} running · {queued} queued")),
    }
}

/// Why the machine is up (kept over the kernel version, dropped before the OS name), and the setup
/// scripts that are running or failed (a failure, in the error role, stays long).
fn power_parts(app: &App) -> Vec<Part<'static>> {
    let theme = &app.theme;
    let Some(report) = app.power.as_deref() else {
        return Vec::new();
    };
    let mut parts = Vec::new();
    for (name, script) in [
        ("creation", &report.setup.creation),
        ("startup", &report.setup.startup),
    ] {
        let text = format!("setup: {name} {}", short_state(&script.state));
        if script.failed {
            parts.push(Part::text(8, text, theme.style(Role::StateError)));
        } else if script.state.starts_with("running") {
            parts.push(Part::text(3, text, theme.style(Role::StateWarn)));
        }
    }
    if !report.summary.is_empty() {
        // Above the kernel version: why the machine is up matters more.
        parts.push(Part::text(
            3,
            report.summary.clone(),
            theme.style(Role::Text),
        ));
    }
    parts
}

/// A script's state in fewer words where the header has a shorter form:
/// "failed with exit code 3" → "failed (exit 3)".
fn short_state(state: &str) -> String {
    match state.strip_prefix("failed with exit code ") {
        Some(code) => format!("failed (exit {code})"),
        None => state.to_owned(),
    }
}

/// The OS name without its code name: "Debian GNU/Linux 12 (bookworm)" → "Debian GNU/Linux 12".
fn short_os(os: &str) -> &str {
    os.split_once(" (").map_or(os, |(name, _)| name).trim()
}
