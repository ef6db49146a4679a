//! One row of the `jobs` table to a [`StoredJob`] and back: states as text, GPU lists as
//! `"0,2"`, unsigned numbers as SQLite's signed integers.

use rusqlite::Row;

use super::StoredJob;
use crate::proto::jobs::{JobSpec, JobState};

/// Reads one row selected with [`super::COLUMNS`]; the inner error describes a row the store
/// cannot make sense of (an unknown state, a spec that is not valid JSON).
pub fn job_from_row(row: &Row<'_>) -> rusqlite::Result<Result<StoredJob, String>> {
    let id: i64 = row.get(0)?;
    let state: String = row.get(1)?;
    let gpus: String = row.get(9)?;
    let spec: String = row.get(16)?;
    let decoded = (|| {
        let state = parse_state(&state)?;
        let gpus = decode_gpus(&gpus).ok_or_else(|| format!("job {id}: bad GPU list {gpus:?}"))?;
        let spec: JobSpec = serde_json::from_str(&spec)
            .map_err(|e| format!("job {id}: its stored spec cannot be read: {e}"))?;
        Ok::<_, String>((state, gpus, spec))
    })();
    let (state, gpus, spec) = match decoded {
        Ok(parts) => parts,
        Err(reason) => return Ok(Err(reason)),
    };
    Ok(Ok(StoredJob {
        id: from_sql_u64(id),
        spec,
        state,
        submitted_at_ms: from_sql_u64(row.get(3)?),
        started_at_ms: row.get::<_, Option<i64>>(4)?.map(from_sql_u64),
        ended_at_ms: row.get::<_, Option<i64>>(5)?.map(from_sql_u64),
        exit_code: row.get(6)?,
        signal: row.get(7)?,
        reason: row.get(8)?,
        gpus,
        shim_pid: row.get(10)?,
        master_port: row.get(11)?,
        logs_truncated: row.get(12)?,
        cancel_requested: row.get(13)?,
        kill_deadline_ms: row.get::<_, Option<i64>>(14)?.map(from_sql_u64),
        runs: row.get(15)?,
    }))
}

pub fn parse_state(text: &str) -> Result<JobState, String> {
    JobState::parse(text).ok_or_else(|| format!("unknown job state {text:?} in the database"))
}

/// `[0, 2]` → `"0,2"`.
pub fn encode_gpus(gpus: &[u32]) -> String {
    let mut text = String::new();
    for (i, gpu) in gpus.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&gpu.to_string());
    }
    text
}

/// `"0,2"` → `[0, 2]`; `""` → `[]`.
pub fn decode_gpus(text: &str) -> Option<Vec<u32>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split(',').map(|part| part.parse().ok()).collect()
}

/// SQLite integers are signed; ids and times never come near `i64::MAX`.
pub fn to_sql_u64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

pub fn from_sql_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}
