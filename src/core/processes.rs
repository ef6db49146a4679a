//! TEMP stub (not committed)
use crate::proto::telemetry::{ProcessQuery, ProcessSample, ProcessTable};
pub fn select(all: &[ProcessSample], query: &ProcessQuery, total: u32) -> ProcessTable {
    ProcessTable {
        total,
        matched: total,
        rows: all.iter().take(query.limit as usize).cloned().collect(),
    }
}
