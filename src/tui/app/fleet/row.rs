//! One row of the fleet view, and the news its connection task sends about it.

use crate::client::target::{LinkProblem, Target};

/// What a row's task reports: which row, and what changed.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetMsg {
    /// The row's index in [`super::FleetState::rows`].
    pub row: usize,
    pub update: RowUpdate,
}

/// A row's connection as its task sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum RowUpdate {
    /// The first connection attempt has started.
    Connecting,
    /// Connected and subscribed: the newest figures (sent only when they changed).
    Up(RowStats),
    /// Not connected, and why; the task tries again after a pause that grows with each
    /// failure.
    Down(LinkProblem),
}

/// What a row says about its connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowState {
    /// Not watched yet: the fleet tasks start when the fleet view is first shown.
    Idle,
    Connecting,
    Up,
    Down(LinkProblem),
}

/// An instance's figures, as compact as the row shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowStats {
    /// The name the agent's machine gives itself.
    pub hostname: String,
    /// Busy share of all cores, 0–100.
    pub cpu: u8,
    /// Memory used (total less available), 0–100.
    pub memory: u8,
    /// `None` when the instance has no GPU readings (no driver, or not yet loaded).
    pub gpus: Option<GpuSummary>,
    /// `None` until the jobs snapshot arrives, and on an agent without a job runner.
    pub jobs: Option<JobCounts>,
    /// Whole minutes, so the row changes once a minute at most.
    pub uptime_secs: u64,
}

/// Every GPU of an instance in one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GpuSummary {
    pub count: u32,
    /// Made-up GPUs (`--simulate-gpus`): the row says SIMULATED.
    pub simulated: bool,
    /// Mean utilisation of the GPUs that report one, 0–100.
    pub utilization: Option<u8>,
    /// Summed over the GPUs that report memory, bytes.
    pub memory_used: u64,
    pub memory_total: u64,
}

/// Jobs running and waiting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobCounts {
    pub running: u32,
    pub queued: u32,
}

/// One instance of the fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetRow {
    /// The inventory name ("local" for this machine).
    pub name: String,
    pub tags: Vec<String>,
    pub target: Target,
    pub state: RowState,
    /// The newest figures while up; cleared when the connection is down.
    pub stats: Option<RowStats>,
}

impl FleetRow {
    pub fn new(name: impl Into<String>, tags: Vec<String>, target: Target) -> FleetRow {
        FleetRow {
            name: name.into(),
            tags,
            target,
            state: RowState::Idle,
            stats: None,
        }
    }

    /// Applies `update`; false when the row looks the same as before.
    pub fn apply(&mut self, update: RowUpdate) -> bool {
        let (state, stats) = match update {
            RowUpdate::Connecting => (RowState::Connecting, None),
            RowUpdate::Up(stats) => (RowState::Up, Some(stats)),
            RowUpdate::Down(problem) => (RowState::Down(problem), None),
        };
        let changed = state != self.state || stats != self.stats;
        self.state = state;
        self.stats = stats;
        changed
    }

    /// Whether `filter` (lower case) is part of the name or of a tag.
    pub fn matches(&self, filter: &str) -> bool {
        self.name.to_lowercase().contains(filter)
            || self.tags.iter().any(|t| t.to_lowercase().contains(filter))
    }
}
