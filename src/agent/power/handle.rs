//! How sessions talk to the power manager: requests with a reply channel, the newest report
//! on a `watch` (what power subscriptions follow), and the count of attached consoles (an
//! activity source).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use tokio::sync::{mpsc, oneshot, watch};

use crate::proto::power::{PowerLogEntry, PowerReport, SettingsEdit};

/// A reply to one request.
pub type Reply<T> = oneshot::Sender<T>;

/// What a session can ask.
#[derive(Debug)]
pub enum PowerRequest {
    /// The report as of now.
    Report(Reply<Arc<PowerReport>>),
    /// Postpone the announced stop.
    Snooze {
        who: String,
        reply: Reply<Result<Arc<PowerReport>, String>>,
    },
    /// The newest log entries.
    Events {
        limit: usize,
        reply: Reply<Vec<PowerLogEntry>>,
    },
    /// Change agent.toml; refused with the reason when the result would be invalid.
    Edit {
        edit: SettingsEdit,
        reply: Reply<Result<Arc<PowerReport>, String>>,
    },
    /// Read agent.toml again.
    Reload(Reply<Result<Arc<PowerReport>, String>>),
    /// Run the stop command now (by hand); `Ok` carries the command.
    StopNow {
        who: String,
        force: bool,
        reply: Reply<Result<String, String>>,
    },
}

/// The sessions' side of the power manager.
#[derive(Debug, Clone)]
pub struct PowerHandle {
    requests: mpsc::Sender<PowerRequest>,
    reports: watch::Receiver<Arc<PowerReport>>,
    consoles: Arc<AtomicU32>,
}

/// Said when the manager is gone (the agent is stopping).
const GONE: &str = "the power manager has stopped";

impl PowerHandle {
    pub fn new(
        requests: mpsc::Sender<PowerRequest>,
        reports: watch::Receiver<Arc<PowerReport>>,
        consoles: Arc<AtomicU32>,
    ) -> PowerHandle {
        PowerHandle {
            requests,
            reports,
            consoles,
        }
    }

    /// Follows the published report (it changes when its summary, banner, settings or setup
    /// state do).
    pub fn subscribe(&self) -> watch::Receiver<Arc<PowerReport>> {
        self.reports.clone()
    }

    /// Counts an attached console until the guard drops.
    pub fn console_attached(&self) -> ConsoleAttached {
        self.consoles.fetch_add(1, Ordering::Relaxed);
        ConsoleAttached(Arc::clone(&self.consoles))
    }

    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> PowerRequest) -> Result<T, String> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(make(reply))
            .await
            .map_err(|_| GONE.to_owned())?;
        answer.await.map_err(|_| GONE.to_owned())
    }

    pub async fn report(&self) -> Result<Arc<PowerReport>, String> {
        self.ask(PowerRequest::Report).await
    }

    pub async fn snooze(&self, who: String) -> Result<Arc<PowerReport>, String> {
        self.ask(|reply| PowerRequest::Snooze { who, reply })
            .await?
    }

    pub async fn events(&self, limit: usize) -> Result<Vec<PowerLogEntry>, String> {
        self.ask(|reply| PowerRequest::Events { limit, reply })
            .await
    }

    pub async fn edit(&self, edit: SettingsEdit) -> Result<Arc<PowerReport>, String> {
        self.ask(|reply| PowerRequest::Edit { edit, reply }).await?
    }

    pub async fn reload(&self) -> Result<Arc<PowerReport>, String> {
        self.ask(PowerRequest::Reload).await?
    }

    pub async fn stop_now(&self, who: String, force: bool) -> Result<String, String> {
        self.ask(|reply| PowerRequest::StopNow { who, force, reply })
            .await?
    }
}

/// One attached console, counted while alive.
#[derive(Debug)]
pub struct ConsoleAttached(Arc<AtomicU32>);

impl Drop for ConsoleAttached {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
