//! One GPU: as a one- or two-line row in the compact layout, or as a box with gauges,
//! readings, processes and history charts.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Widget};

use crate::core::history::{HistoryBook, keys};
use crate::core::units;
use crate::proto::telemetry::GpuSample;
use crate::tui::layout::padded;
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::chart::HistoryChart;
use crate::tui::widgets::meter::{Meter, Thresholds, gauge_line};
use crate::tui::widgets::table::MARKER;
use crate::tui::widgets::text::{self, Part, fit_parts};

/// The label every simulated GPU carries.
pub const SIMULATED: &str = "SIMULATED";

/// Widest GPU name in the compact row.
const NAME: usize = 22;

fn percent_of(used: Option<u64>, total: Option<u64>) -> Option<f64> {
    match (used, total) {
        (Some(used), Some(total)) if total > 0 => Some(used as f64 / total as f64),
        _ => None,
    }
}

fn memory_text(gpu: &GpuSample) -> String {
    match (gpu.memory_used, gpu.memory_total) {
        (Some(used), Some(total)) => format!("{}/{}", units::bytes(used), units::bytes(total)),
        _ => units::NOT_AVAILABLE.to_owned(),
    }
}

fn util_text(gpu: &GpuSample) -> String {
    units::with_unit(gpu.utilization, "%")
}

fn power_text(gpu: &GpuSample) -> String {
    let watts = |w: Option<f32>| w.map(|w| format!("{w:.0}"));
    match (watts(gpu.power_w), watts(gpu.power_limit_w)) {
        (Some(draw), Some(limit)) => format!("{draw}W/{limit}W"),
        (draw, _) => units::with_unit(draw, "W"),
    }
}

/// The readings of a GPU, each a part that can be left out of a short line.
struct Readings {
    temperature: Part<'static>,
    power: Part<'static>,
    clock: Part<'static>,
    fan: Part<'static>,
    pcie: Part<'static>,
}

impl Readings {
    fn of(theme: &Theme, gpu: &GpuSample) -> Readings {
        let value = theme.style(Role::Text);
        let muted = theme.style(Role::TextMuted);
        let labelled = |priority, label: &str, text: String| {
            Part::new(
                priority,
                vec![
                    Span::styled(format!("{label} "), muted),
                    Span::styled(text, value),
                ],
            )
        };
        let pcie = format!(
            "rx {} tx {}",
            units::opt_rate(gpu.pcie_rx_bps.map(|v| v as f64)),
            units::opt_rate(gpu.pcie_tx_bps.map(|v| v as f64))
        );
        // A value says what it is by its unit; "n/a" needs a label.
        let reading = |priority, label: &str, text: String| {
            if text == units::NOT_AVAILABLE {
                labelled(priority, label, text)
            } else {
                Part::text(priority, text, value)
            }
        };
        Readings {
            temperature: reading(9, "temp", units::with_unit(gpu.temperature_c, "°C")),
            power: reading(8, "power", power_text(gpu)),
            clock: labelled(7, "sm", units::with_unit(gpu.sm_clock_mhz, "MHz")),
            fan: labelled(6, "fan", units::with_unit(gpu.fan_percent, "%")),
            pcie: labelled(5, "pcie", pcie),
        }
    }

    fn all(self) -> Vec<Part<'static>> {
        vec![
            self.temperature,
            self.power,
            self.clock,
            self.fan,
            self.pcie,
        ]
    }
}

fn process_parts(theme: &Theme, gpu: &GpuSample) -> Vec<Part<'static>> {
    gpu.processes
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let name = p.name.clone().unwrap_or_else(|| p.pid.to_string());
            Part::new(
                4u8.saturating_sub(i as u8),
                vec![
                    Span::styled(name, theme.style(Role::Text)),
                    Span::styled(
                        format!(" {}", units::opt_bytes(p.memory)),
                        theme.style(Role::TextMuted),
                    ),
                ],
            )
        })
        .collect()
}

/// The compact form: `lines` (1 or 2) rows in `area`.
pub fn render_row(
    theme: &Theme,
    gpu: &GpuSample,
    selected: bool,
    lines: u16,
    area: Rect,
    buf: &mut Buffer,
) {
    let width = usize::from(area.width);
    let muted = theme.style(Role::TextMuted);
    let mut head = vec![
        if selected {
            Span::styled(MARKER, theme.style(Role::Selection))
        } else {
            Span::raw(" ")
        },
        Span::styled(format!("{} ", gpu.index), theme.style(Role::TextStrong)),
    ];
    // The name gets up to NAME cells and the two bars share the rest equally.
    let prefix = 2 + gpu.index.to_string().len();
    let sim = if gpu.simulated {
        SIMULATED.len() + 1
    } else {
        0
    };
    let memory_value = memory_text(gpu);
    let labels = " util ".len() + " 100%".len() + "  mem ".len() + 1 + memory_value.len();
    let room = width.saturating_sub(prefix + sim + labels);
    let bar = (room.saturating_sub(NAME) / 2).clamp(4, 16);
    let name_width = room.saturating_sub(2 * bar).clamp(4, NAME);
    let bar = bar as u16;
    head.push(Span::styled(
        text::left(&gpu.name, name_width),
        theme.style(Role::Text),
    ));
    if gpu.simulated {
        head.push(Span::styled(
            format!(" {SIMULATED}"),
            theme.style(Role::Simulated),
        ));
    }
    head.push(Span::styled(" util ", muted));
    let util = gpu.utilization.map(|u| f64::from(u) / 100.0);
    head.extend(Meter::new(theme, util, Thresholds::LOAD).spans(bar));
    head.push(Span::styled(
        format!(" {:>4}", util_text(gpu)),
        theme.style(Role::Text),
    ));
    head.push(Span::styled("  mem ", muted));
    let memory = percent_of(gpu.memory_used, gpu.memory_total);
    head.extend(Meter::new(theme, memory, Thresholds::CAPACITY).spans(bar));
    head.push(Span::styled(
        format!(" {memory_value}"),
        theme.style(Role::Text),
    ));
    let used: usize = head.iter().map(Span::width).sum();
    if lines == 1 {
        let rest = fit_parts(
            Readings::of(theme, gpu).all(),
            Span::raw("  "),
            width.saturating_sub(used + 2),
        );
        head.push(Span::raw("  "));
        head.extend(rest);
    }
    text::put(buf, area, 0, &Line::from(head));
    if lines >= 2 {
        let mut parts = Readings::of(theme, gpu).all();
        parts.extend(process_parts(theme, gpu));
        let mut second = vec![Span::raw("   ")];
        second.extend(fit_parts(parts, Span::raw("  "), width.saturating_sub(3)));
        text::put(buf, area, 1, &Line::from(second));
    }
}

/// The detailed form: a box with gauges and readings on the left, history on the right.
pub fn render_box(
    theme: &Theme,
    history: &HistoryBook,
    gpu: &GpuSample,
    highlighted: bool,
    area: Rect,
    buf: &mut Buffer,
) {
    let border = theme.style(if highlighted {
        Role::BorderFocused
    } else {
        Role::Border
    });
    let mut title = vec![
        Span::styled(" ", border),
        Span::styled(format!("GPU {}", gpu.index), theme.style(Role::Title)),
        Span::styled(format!(" {}", gpu.name), theme.style(Role::TextMuted)),
    ];
    if gpu.simulated {
        title.push(Span::styled(" ", border));
        title.push(Span::styled(SIMULATED, theme.style(Role::Simulated)));
    }
    title.push(Span::styled(" ", border));
    let block = Block::bordered()
        .border_type(if highlighted {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(border)
        .title(Line::from(title));
    let inner = padded(block.inner(area));
    block.render(area, buf);
    if inner.is_empty() {
        return;
    }
    let left_width = if inner.width >= 50 {
        (inner.width / 2).clamp(34, 52)
    } else {
        inner.width
    };
    let left = Rect {
        width: left_width,
        ..inner
    };
    let util = gpu.utilization.map(|u| f64::from(u) / 100.0);
    let memory = percent_of(gpu.memory_used, gpu.memory_total);
    let mut lines = vec![
        gauge_line(
            Meter::new(theme, util, Thresholds::LOAD),
            "util",
            util_text(gpu),
            left.width,
            24,
        ),
        gauge_line(
            Meter::new(theme, memory, Thresholds::CAPACITY),
            "mem ",
            memory_text(gpu),
            left.width,
            24,
        ),
    ];
    let r = Readings::of(theme, gpu);
    let width = usize::from(left.width);
    let separator = || Span::raw("  ");
    lines.push(Line::from(fit_parts(
        vec![r.temperature, r.power, r.clock],
        separator(),
        width,
    )));
    lines.push(Line::from(fit_parts(
        vec![r.fan, r.pcie],
        separator(),
        width,
    )));
    let room = usize::from(inner.height).saturating_sub(lines.len());
    lines.extend(process_lines(theme, gpu, room, width));
    for (row, line) in lines.iter().enumerate() {
        text::put(buf, left, row as u16, line);
    }
    if inner.width > left_width + 8 {
        let chart = Rect {
            x: left.right() + 2,
            width: inner.width - left_width - 2,
            ..inner
        };
        let top = Rect {
            height: chart.height.div_ceil(2),
            ..chart
        };
        let bottom = Rect {
            y: top.bottom(),
            height: chart.height - top.height,
            ..chart
        };
        for (label, key, role, rect) in [
            ("util", keys::gpu_util(gpu.index), Role::ChartGpuUtil, top),
            (
                "mem",
                keys::gpu_memory(gpu.index),
                Role::ChartGpuMemory,
                bottom,
            ),
        ] {
            // A label on the left says which chart is which, colour or not.
            let label_area = Rect { height: 1, ..rect };
            text::put(
                buf,
                label_area,
                0,
                &Line::styled(label, theme.style(Role::TextMuted)),
            );
            let plot = Rect {
                x: rect.x + 5,
                width: rect.width.saturating_sub(5),
                ..rect
            };
            if let Some(ring) = history.get(&key) {
                let values: Vec<f32> = ring.last(HistoryChart::capacity(plot.width)).collect();
                HistoryChart::new(&values, 100.0, theme.style(role))
                    .newest_seq(history.last_seq())
                    .render(plot, buf);
            }
        }
    }
}

/// The GPU's processes in `room` lines: one per line, the last saying how many more there
/// are; or all on one line when there is a single line.
fn process_lines(theme: &Theme, gpu: &GpuSample, room: usize, width: usize) -> Vec<Line<'static>> {
    let muted = theme.style(Role::TextMuted);
    if room == 0 {
        return Vec::new();
    }
    if gpu.processes.is_empty() {
        return vec![Line::styled("no processes", muted)];
    }
    if room == 1 {
        let spans = fit_parts(process_parts(theme, gpu), Span::styled(", ", muted), width);
        return vec![Line::from(spans)];
    }
    let shown = if gpu.processes.len() > room {
        room - 1
    } else {
        gpu.processes.len()
    };
    let name_width = width.saturating_sub(8 + 7).max(4);
    let mut lines: Vec<Line<'static>> = gpu.processes[..shown]
        .iter()
        .map(|p| {
            let name = p.name.clone().unwrap_or_default();
            Line::from(vec![
                Span::styled(format!("{:>7} ", p.pid), muted),
                Span::styled(text::left(&name, name_width), theme.style(Role::Text)),
                Span::styled(
                    text::right(&units::opt_bytes(p.memory), 7),
                    theme.style(Role::Text),
                ),
            ])
        })
        .collect();
    if shown < gpu.processes.len() {
        lines.push(Line::styled(
            format!("+{} more", gpu.processes.len() - shown),
            muted,
        ));
    }
    lines
}
