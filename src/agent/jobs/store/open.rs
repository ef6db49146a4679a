//! Opening the job database: the checks that make Station refuse a file rather than start
//! with an empty queue, the connection settings, and the schema under `PRAGMA user_version`.
//!
//! In order: the file opens read-write (a read-only open is refused); its header says it is
//! an SQLite database; a database with no schema version holds no tables of anyone else; the
//! schema version is not newer than this Station's; `PRAGMA quick_check(1)` finds no damage;
//! WAL mode is on; and a write transaction (`BEGIN IMMEDIATE`, the migrations, the schema
//! version written back) commits, which proves the file, its folder and the disk accept
//! writes. Every refusal names the file, says why, and what to do.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, TransactionBehavior};

use super::StoreError;

/// The schema version this Station writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 1;

/// How long a statement waits for a lock another process holds (the `sqlite3` shell, say).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Room for every statement the store prepares, so none is ever re-prepared.
const STATEMENT_CACHE: usize = 32;

/// Schema changes, one per version: `MIGRATIONS[n]` takes version `n` to `n + 1`.
const MIGRATIONS: [&str; 1] = ["
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        state TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        submitted_at_ms INTEGER NOT NULL,
        started_at_ms INTEGER,
        ended_at_ms INTEGER,
        exit_code INTEGER,
        signal INTEGER,
        reason TEXT,
        gpus TEXT NOT NULL DEFAULT '',
        shim_pid INTEGER,
        master_port INTEGER,
        logs_truncated INTEGER NOT NULL DEFAULT 0,
        cancel_requested INTEGER NOT NULL DEFAULT 0,
        kill_deadline_ms INTEGER,
        runs INTEGER NOT NULL DEFAULT 0,
        spec TEXT NOT NULL
    );
    CREATE INDEX jobs_by_state ON jobs (state, id);
"];

/// What the user is told to do with a file Station cannot read as its job database.
const MOVE_AWAY: &str =
    "move it away to start with an empty queue (its jobs are then forgotten); nothing was changed";

/// Opens `path`, checks it, brings its schema up to date and returns the connection.
pub fn open_checked(path: &Path) -> Result<Connection, StoreError> {
    let refuse = |reason: String| StoreError {
        path: path.to_owned(),
        reason,
    };
    let mut conn = Connection::open(path).map_err(|e| refuse(explain(&e, "cannot open it")))?;
    if conn.is_readonly("main").unwrap_or(true) {
        return Err(refuse(format!(
            "cannot write it (it opens read-only); {WRITE_HELP}"
        )));
    }
    configure(&conn).map_err(|e| refuse(explain(&e, "cannot read it")))?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|e| refuse(explain(&e, "cannot read it")))?;
    if version > SCHEMA_VERSION {
        return Err(refuse(format!(
            "it was written by a newer Station (schema version {version}; this Station knows \
             {SCHEMA_VERSION}): run the newer Station, or {MOVE_AWAY}"
        )));
    }
    if version == 0 {
        let foreign_tables: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'",
                [],
                |row| row.get(0),
            )
            .map_err(|e| refuse(explain(&e, "cannot read it")))?;
        if foreign_tables > 0 {
            return Err(refuse(format!(
                "it is an SQLite database but not Station's (it has other tables and no Station \
                 schema version): {MOVE_AWAY}"
            )));
        }
    } else {
        quick_check(&conn).map_err(refuse)?;
    }
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0))
        .map_err(|e| refuse(explain(&e, "cannot switch it to WAL mode")))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(refuse(format!(
            "cannot switch it to WAL mode (it stays in {mode} mode); {WRITE_HELP}"
        )));
    }
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(|e| refuse(explain(&e, "cannot set it up")))?;
    migrate(&mut conn, version).map_err(|e| refuse(explain(&e, "cannot write it")))?;
    Ok(conn)
}

/// What to check when the store cannot write.
const WRITE_HELP: &str = "check the owner and permissions of the file and its folder, and \
     the free disk space; nothing was changed";

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

/// Fails with a reason when `PRAGMA quick_check(1)` finds anything wrong.
fn quick_check(conn: &Connection) -> Result<(), String> {
    let verdict: String = conn
        .query_row("PRAGMA quick_check(1)", [], |row| row.get(0))
        .map_err(|e| explain(&e, "cannot check it"))?;
    if verdict == "ok" {
        Ok(())
    } else {
        let verdict = verdict
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with("***"))
            .collect::<Vec<_>>()
            .join("; ");
        Err(format!("it is corrupt ({verdict}): {MOVE_AWAY}"))
    }
}

/// Applies the missing migrations and writes the schema version, in one write transaction
/// that also proves the database can be written.
fn migrate(conn: &mut Connection, from_version: i64) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let first = usize::try_from(from_version).unwrap_or(0);
    for sql in MIGRATIONS.iter().skip(first) {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()
}

/// Turns an SQLite error at open into a reason a person can act on.
fn explain(error: &rusqlite::Error, doing: &str) -> String {
    match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            format!("it is not a Station job database or it is corrupt ({error}): {MOVE_AWAY}")
        }
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => format!(
            "{doing}: another process holds it locked ({error}); stop whatever else uses it \
             (another Station agent?); nothing was changed"
        ),
        Some(ErrorCode::ReadOnly) => format!("cannot write it ({error}); {WRITE_HELP}"),
        Some(
            ErrorCode::CannotOpen
            | ErrorCode::PermissionDenied
            | ErrorCode::DiskFull
            | ErrorCode::SystemIoFailure,
        ) => format!("{doing} ({error}); {WRITE_HELP}"),
        _ => format!("{doing}: {error}; nothing was changed"),
    }
}
