//! The process table on the console's side: the agent sorts, filters and cuts, and the
//! console applies the same order and filter to the rows it holds so that a new sort key or
//! filter shows at once, before the next sample arrives.

use std::cmp::Ordering;

use crate::proto::telemetry::{ProcessSample, ProcessSort};

/// Rows asked for beyond those visible, so scrolling a little needs no new query.
const SLACK_ROWS: usize = 16;
/// The most rows the console ever asks for.
pub const MAX_ROWS: u32 = 4096;

/// Sorts `rows` the way the agent does: largest first, ties by pid. CPU is compared as
/// shown (one decimal), so rows that read the same keep a steady order.
pub fn sort(rows: &mut [ProcessSample], by: ProcessSort) {
    rows.sort_by(|a, b| compare(b, a, by).then(a.pid.cmp(&b.pid)));
}

/// CPU in tenths of a percent, as the table shows it.
fn shown_cpu(row: &ProcessSample) -> i64 {
    (f64::from(row.cpu) * 10.0).round() as i64
}

fn compare(a: &ProcessSample, b: &ProcessSample, by: ProcessSort) -> Ordering {
    match by {
        ProcessSort::Cpu => shown_cpu(a).cmp(&shown_cpu(b)),
        ProcessSort::Memory => a.rss.cmp(&b.rss),
        ProcessSort::GpuMemory => a.gpu_memory.unwrap_or(0).cmp(&b.gpu_memory.unwrap_or(0)),
    }
}

/// Whether `row` passes `filter` (case-insensitive, in the command or the user).
pub fn matches(row: &ProcessSample, filter: Option<&str>) -> bool {
    let Some(filter) = filter.filter(|f| !f.is_empty()) else {
        return true;
    };
    let needle = filter.to_lowercase();
    row.command.to_lowercase().contains(&needle) || row.user.to_lowercase().contains(&needle)
}

/// How many rows to ask the agent for: the visible page and the selection, plus some slack,
/// rounded up so that small changes do not send a new query.
pub fn limit_for(page: usize, selected: usize) -> u32 {
    let wanted = page.max(selected + 1) + SLACK_ROWS;
    u32::try_from(wanted.div_ceil(8) * 8)
        .unwrap_or(MAX_ROWS)
        .min(MAX_ROWS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pid: u32, cpu: f32, rss: u64, gpu: Option<u64>, command: &str) -> ProcessSample {
        ProcessSample {
            pid,
            user: "ana".into(),
            command: command.into(),
            cpu,
            rss,
            gpu_memory: gpu,
            kernel_thread: false,
        }
    }

    #[test]
    fn sorts_descending_with_pid_ties() {
        let mut rows = vec![
            row(3, 1.0, 30, None, "a"),
            row(1, 5.0, 10, Some(7), "b"),
            row(2, 1.0, 20, Some(9), "c"),
        ];
        sort(&mut rows, ProcessSort::Cpu);
        assert_eq!(rows.iter().map(|r| r.pid).collect::<Vec<_>>(), [1, 2, 3]);
        rows[1].cpu = 0.96;
        rows[2].cpu = 1.04;
        sort(&mut rows, ProcessSort::Cpu);
        assert_eq!(
            rows.iter().map(|r| r.pid).collect::<Vec<_>>(),
            [1, 2, 3],
            "1.0 and 1.0 as shown: by pid"
        );
        sort(&mut rows, ProcessSort::Memory);
        assert_eq!(rows.iter().map(|r| r.pid).collect::<Vec<_>>(), [3, 2, 1]);
        sort(&mut rows, ProcessSort::GpuMemory);
        assert_eq!(rows.iter().map(|r| r.pid).collect::<Vec<_>>(), [2, 1, 3]);
    }

    #[test]
    fn filter_is_case_insensitive_on_command_and_user() {
        let r = row(1, 0.0, 0, None, "python Train.py");
        assert!(matches(&r, Some("train")));
        assert!(matches(&r, Some("ANA")));
        assert!(matches(&r, Some("")));
        assert!(matches(&r, None));
        assert!(!matches(&r, Some("torch")));
    }

    #[test]
    fn limits_cover_the_page_and_the_selection() {
        assert_eq!(limit_for(7, 0), 24);
        assert_eq!(limit_for(8, 0), 24);
        assert_eq!(limit_for(9, 0), 32);
        assert_eq!(limit_for(7, 40), 64);
        assert_eq!(limit_for(100_000, 0), MAX_ROWS);
    }
}
