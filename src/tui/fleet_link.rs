//! The fleet's connections: one task per row, each with its own connection, so a dead, slow
//! or hanging instance never holds up the console or the other rows.
//!
//! A row task connects to its [`Target`] (within the connect timeout of its
//! [`ConnectOptions`]), subscribes to telemetry without a process table
//! (`ProcessQuery { limit: 0, .. }`, no history) and to jobs, and sends the event loop a
//! compact [`RowUpdate`](crate::tui::app::fleet::RowUpdate) whenever what the row shows changes. A failure, a broken connection
//! or an agent that stays silent is reported with its [`LinkProblem`] and tried again after a
//! pause that doubles from [`RowTiming::backoff_first`] up to [`RowTiming::backoff_max`] and
//! starts over after a success. Everything reaches the loop through one bounded channel; the
//! loop only ever takes from it.
//!
//! - [`row`]: the task of one row.
//! - [`summary`]: a sample and the jobs turned into the row's figures.
//!
//! [`LinkProblem`]: crate::client::target::LinkProblem

mod row;
pub mod summary;

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::client::target::{ConnectOptions, Target};
use crate::tui::app::fleet::FleetMsg;

/// Row news queued towards the event loop before the tasks wait for it.
const QUEUE: usize = 256;

/// The timing of every row task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowTiming {
    /// The pause after the first failure.
    pub backoff_first: Duration,
    /// The longest pause between two attempts.
    pub backoff_max: Duration,
    /// A connected agent that sends nothing for this long (and for at least three of its
    /// sampling intervals) is taken for gone: the row says so and connects again.
    pub silence: Duration,
}

impl Default for RowTiming {
    /// 1 s doubling to 30 s; 10 s of silence.
    fn default() -> Self {
        RowTiming {
            backoff_first: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
            silence: Duration::from_secs(10),
        }
    }
}

/// Pauses between attempts: doubling from the first to the longest, reset by a success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    timing: RowTiming,
    next: Duration,
}

impl Backoff {
    pub fn new(timing: RowTiming) -> Backoff {
        Backoff {
            timing,
            next: timing.backoff_first,
        }
    }

    /// The pause to take now; the one after it is twice as long (up to the longest).
    pub fn next_pause(&mut self) -> Duration {
        let pause = self.next;
        self.next = (pause * 2).min(self.timing.backoff_max);
        pause
    }

    /// After a success: the next failure waits the first pause again.
    pub fn reset(&mut self) {
        self.next = self.timing.backoff_first;
    }
}

/// The event loop's side of the fleet: every row task's news, in one queue.
#[derive(Debug)]
pub struct FleetLink {
    pub messages: mpsc::Receiver<FleetMsg>,
    tasks: Vec<JoinHandle<()>>,
}

impl FleetLink {
    /// Starts one task per target; row `i` of the news is `targets[i]`.
    pub fn spawn(
        targets: Vec<(String, Target)>,
        options: ConnectOptions,
        timing: RowTiming,
    ) -> FleetLink {
        let (to_loop, messages) = mpsc::channel(QUEUE);
        let tasks = targets
            .into_iter()
            .enumerate()
            .map(|(index, (name, target))| {
                let task = row::RowTask {
                    index,
                    name,
                    target,
                    options: options.clone(),
                    timing,
                    to_loop: to_loop.clone(),
                };
                tokio::spawn(task.run())
            })
            .collect();
        FleetLink { messages, tasks }
    }
}

impl Drop for FleetLink {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// The next news of `fleet`, or never when there is no fleet: for `tokio::select!`.
pub async fn next(fleet: &mut Option<FleetLink>) -> Option<FleetMsg> {
    match fleet {
        Some(fleet) => fleet.messages.recv().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pause_doubles_up_to_the_longest_and_a_success_starts_it_over() {
        let mut backoff = Backoff::new(RowTiming::default());
        let pauses: Vec<u64> = (0..7).map(|_| backoff.next_pause().as_secs()).collect();
        assert_eq!(pauses, [1, 2, 4, 8, 16, 30, 30]);
        backoff.reset();
        assert_eq!(backoff.next_pause(), Duration::from_secs(1));
    }
}
