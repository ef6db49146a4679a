//! Choosing the process rows a client asked for: filter, sort and cut, in that order.
//!
//! The agent walks every process once per tick and then serves each subscription the table it
//! asked for through [`select`], so no client ever receives rows it will not show.

use std::cmp::Ordering;

use crate::proto::telemetry::{ProcessQuery, ProcessSample, ProcessSort, ProcessTable};

/// The table `query` asks for out of `all` (every process, in any order).
///
/// Kernel threads are left out unless the query includes them. Rows whose command or user
/// contains the query's filter (case-insensitive; an empty filter keeps all) are sorted by the query's key, largest first, ties by pid ascending; a process
/// whose GPU memory is unknown sorts after every known one. The first `limit` rows are kept.
/// `total` is the instance's process count to report (it may exceed `all.len()` when a walk
/// skipped processes that exited meanwhile).
pub fn select(all: &[ProcessSample], query: &ProcessQuery, total: u32) -> ProcessTable {
    let needle = query.filter.as_deref().map(str::trim).unwrap_or("");
    let matcher = Matcher::new(needle);
    let mut matched: Vec<&ProcessSample> = all
        .iter()
        .filter(|process| query.kernel_threads || !process.kernel_thread)
        .filter(|process| matcher.matches(&process.command) || matcher.matches(&process.user))
        .collect();
    let matched_count = u32::try_from(matched.len()).unwrap_or(u32::MAX);
    let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
    let order = |a: &&ProcessSample, b: &&ProcessSample| compare(query.sort, a, b);
    if limit == 0 {
        matched.clear();
    } else if limit < matched.len() {
        // Only the first `limit` need ordering: partition them out, then sort just those.
        matched.select_nth_unstable_by(limit - 1, order);
        matched.truncate(limit);
    }
    matched.sort_unstable_by(order);
    ProcessTable {
        total,
        matched: matched_count,
        rows: matched.into_iter().cloned().collect(),
    }
}

/// Largest first by `sort`, ties by pid ascending. A total order: CPU compares with
/// `total_cmp`, so even a NaN cannot break the sort.
fn compare(sort: ProcessSort, a: &ProcessSample, b: &ProcessSample) -> Ordering {
    let by_key = match sort {
        ProcessSort::Cpu => b.cpu.total_cmp(&a.cpu),
        ProcessSort::Memory => b.rss.cmp(&a.rss),
        // `Some(_) > None`, so descending puts unknown GPU memory last.
        ProcessSort::GpuMemory => b.gpu_memory.cmp(&a.gpu_memory),
    };
    by_key.then(a.pid.cmp(&b.pid))
}

/// A case-insensitive substring test that does not allocate per row for ASCII filters.
enum Matcher {
    All,
    Ascii(Vec<u8>),
    Unicode(String),
}

impl Matcher {
    fn new(needle: &str) -> Matcher {
        if needle.is_empty() {
            Matcher::All
        } else if needle.is_ascii() {
            Matcher::Ascii(needle.to_ascii_lowercase().into_bytes())
        } else {
            Matcher::Unicode(needle.to_lowercase())
        }
    }

    fn matches(&self, haystack: &str) -> bool {
        match self {
            Matcher::All => true,
            Matcher::Ascii(needle) => haystack
                .as_bytes()
                .windows(needle.len())
                .any(|window| window.eq_ignore_ascii_case(needle)),
            Matcher::Unicode(needle) => haystack.to_lowercase().contains(needle.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn process(
        pid: u32,
        user: &str,
        command: &str,
        cpu: f32,
        rss: u64,
        gpu: Option<u64>,
    ) -> ProcessSample {
        ProcessSample {
            pid,
            user: user.to_owned(),
            command: command.to_owned(),
            cpu,
            rss,
            gpu_memory: gpu,
            kernel_thread: false,
        }
    }

    fn sample() -> Vec<ProcessSample> {
        vec![
            process(
                30,
                "alice",
                "python3 train.py --lr 0.1",
                350.0,
                8_000,
                Some(40_000),
            ),
            process(4, "root", "[kworker/0:1]", 0.0, 0, None),
            process(12, "bob", "vim notes.md", 1.5, 9_000, None),
            process(7, "alice", "PYTHON3 eval.py", 99.0, 1_000, Some(2_000)),
            process(21, "root", "/usr/sbin/sshd -D", 1.5, 2_000, None),
            process(5, "Zoë", "bash", 0.0, 500, Some(2_000)),
        ]
    }

    fn query(sort: ProcessSort, limit: u32, filter: Option<&str>) -> ProcessQuery {
        ProcessQuery {
            sort,
            limit,
            filter: filter.map(str::to_owned),
            kernel_threads: false,
        }
    }

    #[test]
    fn kernel_threads_are_left_out_unless_asked_for() {
        let mut kworker = process(2, "root", "[kworker/0:1]", 9.0, 0, None);
        kworker.kernel_thread = true;
        let all = [kworker, process(1, "ana", "python", 1.0, 5, None)];
        let hidden = select(&all, &query(ProcessSort::Cpu, 10, None), 2);
        assert_eq!(hidden.rows.iter().map(|r| r.pid).collect::<Vec<_>>(), [1]);
        assert_eq!((hidden.total, hidden.matched), (2, 1));
        let shown = select(
            &all,
            &ProcessQuery {
                kernel_threads: true,
                ..query(ProcessSort::Cpu, 10, None)
            },
            2,
        );
        assert_eq!(shown.rows.iter().map(|r| r.pid).collect::<Vec<_>>(), [2, 1]);
    }

    fn pids(table: &ProcessTable) -> Vec<u32> {
        table.rows.iter().map(|p| p.pid).collect()
    }

    #[test]
    fn by_cpu_with_ties_by_pid() {
        let table = select(&sample(), &query(ProcessSort::Cpu, 50, None), 6);
        assert_eq!(pids(&table), vec![30, 7, 12, 21, 4, 5]);
        assert_eq!(table.total, 6);
        assert_eq!(table.matched, 6);
    }

    #[test]
    fn by_memory() {
        let table = select(&sample(), &query(ProcessSort::Memory, 50, None), 6);
        assert_eq!(pids(&table), vec![12, 30, 21, 7, 5, 4]);
    }

    #[test]
    fn by_gpu_memory_unknown_last() {
        let table = select(&sample(), &query(ProcessSort::GpuMemory, 50, None), 6);
        assert_eq!(pids(&table), vec![30, 5, 7, 4, 12, 21]);
    }

    #[test]
    fn cut_to_limit_keeps_the_top() {
        for (limit, expected) in [
            (1, vec![30]),
            (2, vec![30, 7]),
            (3, vec![30, 7, 12]),
            (4, vec![30, 7, 12, 21]),
            (6, vec![30, 7, 12, 21, 4, 5]),
            (100, vec![30, 7, 12, 21, 4, 5]),
        ] {
            let table = select(&sample(), &query(ProcessSort::Cpu, limit, None), 6);
            assert_eq!(pids(&table), expected, "limit {limit}");
            assert_eq!(table.matched, 6);
        }
    }

    #[test]
    fn limit_zero_asks_for_no_rows() {
        let table = select(&sample(), &query(ProcessSort::Cpu, 0, Some("alice")), 6);
        assert!(table.rows.is_empty());
        assert_eq!(table.matched, 2);
        assert_eq!(table.total, 6);
    }

    #[test]
    fn filter_is_case_insensitive_on_command_and_user() {
        let by_command = select(&sample(), &query(ProcessSort::Cpu, 50, Some("python3")), 6);
        assert_eq!(pids(&by_command), vec![30, 7]);
        let by_user = select(&sample(), &query(ProcessSort::Cpu, 50, Some("ROOT")), 6);
        assert_eq!(pids(&by_user), vec![21, 4]);
        assert_eq!(by_user.matched, 2);
        let unicode = select(&sample(), &query(ProcessSort::Cpu, 50, Some("ZOË")), 6);
        assert_eq!(pids(&unicode), vec![5]);
        let partial = select(
            &sample(),
            &query(ProcessSort::Cpu, 50, Some("Kworker/0")),
            6,
        );
        assert_eq!(pids(&partial), vec![4]);
    }

    #[test]
    fn empty_or_blank_filter_keeps_everything() {
        for filter in [None, Some(""), Some("   ")] {
            let table = select(&sample(), &query(ProcessSort::Cpu, 50, filter), 6);
            assert_eq!(table.matched, 6, "{filter:?}");
        }
    }

    #[test]
    fn filter_that_matches_nothing() {
        let table = select(
            &sample(),
            &query(ProcessSort::Cpu, 50, Some("no-such-thing")),
            9,
        );
        assert!(table.rows.is_empty());
        assert_eq!(table.matched, 0);
        assert_eq!(table.total, 9);
        // A filter longer than every field is fine too.
        let long = "x".repeat(200);
        assert_eq!(
            select(&sample(), &query(ProcessSort::Cpu, 5, Some(&long)), 6).matched,
            0
        );
    }

    #[test]
    fn filter_then_cut() {
        let table = select(&sample(), &query(ProcessSort::Memory, 1, Some("alice")), 6);
        assert_eq!(pids(&table), vec![30]);
        assert_eq!(table.matched, 2);
    }

    #[test]
    fn no_processes() {
        let table = select(&[], &query(ProcessSort::GpuMemory, 10, None), 0);
        assert_eq!(table, ProcessTable::default());
    }

    #[test]
    fn nan_cpu_does_not_break_the_order() {
        let mut all = sample();
        all[2].cpu = f32::NAN;
        let table = select(&all, &query(ProcessSort::Cpu, 3, None), 6);
        assert_eq!(table.rows.len(), 3);
        let again = select(&all, &query(ProcessSort::Cpu, 3, None), 6);
        assert_eq!(pids(&table), pids(&again));
    }

    #[test]
    fn top_k_matches_a_full_sort_on_many_rows() {
        // Deterministic pseudo-random rows with many ties.
        let mut state = 0x1234_5678_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let all: Vec<ProcessSample> = (0..500)
            .map(|pid| {
                let gpu = (next() % 3 == 0).then(|| next() % 4);
                process(pid, "u", "c", (next() % 10) as f32, next() % 5, gpu)
            })
            .collect();
        for sort in ProcessSort::ALL {
            let mut expected = all.clone();
            expected.sort_by(|a, b| compare(sort, a, b));
            for limit in [1, 7, 50, 499, 500, 501] {
                let table = select(&all, &query(sort, limit, None), 500);
                let want: Vec<u32> = expected
                    .iter()
                    .take(limit as usize)
                    .map(|p| p.pid)
                    .collect();
                assert_eq!(pids(&table), want, "{sort:?} {limit}");
            }
        }
    }
}
