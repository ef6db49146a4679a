//! The closed set of semantic style roles a theme assigns.
//!
//! Views ask for a role ("a focused border", "a gauge in the warning range"), never for a
//! colour, so every theme restyles the whole console.

/// One semantic style. The TOML name of each role is given by [`Role::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Ordinary text.
    Text,
    /// Secondary text: labels, units, hints.
    TextMuted,
    /// Emphasised values.
    TextStrong,
    /// The one-line header bar.
    Header,
    /// The one-line footer: key hints and messages.
    StatusBar,
    /// Panel titles.
    Title,
    /// Panel borders.
    Border,
    /// The border of the panel that has the keyboard focus.
    BorderFocused,
    /// Column headings of tables.
    TableHeader,
    /// The selected row of the focused table.
    Selection,
    /// Gauge fill below the warning threshold.
    GaugeOk,
    /// Gauge fill in the warning range.
    GaugeWarn,
    /// Gauge fill in the critical range.
    GaugeCrit,
    /// The unfilled part of a gauge.
    GaugeTrack,
    ChartCpu,
    ChartMemory,
    ChartSwap,
    ChartNetRx,
    ChartNetTx,
    ChartDiskRead,
    ChartDiskWrite,
    ChartGpuUtil,
    ChartGpuMemory,
    /// The SIMULATED label on simulated GPUs.
    Simulated,
    /// Healthy state ("live").
    StateOk,
    /// Degraded state (stale samples, n/a fields).
    StateWarn,
    /// Failed state (agent lost).
    StateError,
    /// Keys in the help overlay and key hints.
    HelpKey,
    /// Section headings in the help overlay.
    HelpSection,
    /// The `:` command line and filter input.
    CommandLine,
    /// Popups and overlays (help) background.
    Popup,
    /// A job waiting in the queue.
    JobQueued,
    /// A running job.
    JobRunning,
    /// A job that exited with code 0.
    JobSucceeded,
    /// A job that exited with another code, was killed by a signal, or could not start.
    JobFailed,
    /// A job that was cancelled.
    JobCancelled,
    /// A fleet instance that is connected.
    FleetUp,
    /// A fleet instance being connected to.
    FleetConnecting,
    /// A fleet instance that does not answer (it may come back on its own).
    FleetUnreachable,
    /// A fleet instance that refused us: authentication, host key, or another error that
    /// needs the user.
    FleetFailed,
}

impl Role {
    /// Every role, in declaration order.
    pub const ALL: [Role; 40] = [
        Role::Text,
        Role::TextMuted,
        Role::TextStrong,
        Role::Header,
        Role::StatusBar,
        Role::Title,
        Role::Border,
        Role::BorderFocused,
        Role::TableHeader,
        Role::Selection,
        Role::GaugeOk,
        Role::GaugeWarn,
        Role::GaugeCrit,
        Role::GaugeTrack,
        Role::ChartCpu,
        Role::ChartMemory,
        Role::ChartSwap,
        Role::ChartNetRx,
        Role::ChartNetTx,
        Role::ChartDiskRead,
        Role::ChartDiskWrite,
        Role::ChartGpuUtil,
        Role::ChartGpuMemory,
        Role::Simulated,
        Role::StateOk,
        Role::StateWarn,
        Role::StateError,
        Role::HelpKey,
        Role::HelpSection,
        Role::CommandLine,
        Role::Popup,
        Role::JobQueued,
        Role::JobRunning,
        Role::JobSucceeded,
        Role::JobFailed,
        Role::JobCancelled,
        Role::FleetUp,
        Role::FleetConnecting,
        Role::FleetUnreachable,
        Role::FleetFailed,
    ];

    /// The role's key in theme files, e.g. `"border.focused"`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Text => "text",
            Role::TextMuted => "text.muted",
            Role::TextStrong => "text.strong",
            Role::Header => "header",
            Role::StatusBar => "status-bar",
            Role::Title => "title",
            Role::Border => "border",
            Role::BorderFocused => "border.focused",
            Role::TableHeader => "table.header",
            Role::Selection => "selection",
            Role::GaugeOk => "gauge.ok",
            Role::GaugeWarn => "gauge.warn",
            Role::GaugeCrit => "gauge.crit",
            Role::GaugeTrack => "gauge.track",
            Role::ChartCpu => "chart.cpu",
            Role::ChartMemory => "chart.memory",
            Role::ChartSwap => "chart.swap",
            Role::ChartNetRx => "chart.net-rx",
            Role::ChartNetTx => "chart.net-tx",
            Role::ChartDiskRead => "chart.disk-read",
            Role::ChartDiskWrite => "chart.disk-write",
            Role::ChartGpuUtil => "chart.gpu-util",
            Role::ChartGpuMemory => "chart.gpu-memory",
            Role::Simulated => "label.simulated",
            Role::StateOk => "state.ok",
            Role::StateWarn => "state.warn",
            Role::StateError => "state.error",
            Role::HelpKey => "help.key",
            Role::HelpSection => "help.section",
            Role::CommandLine => "command-line",
            Role::Popup => "popup",
            Role::JobQueued => "job.queued",
            Role::JobRunning => "job.running",
            Role::JobSucceeded => "job.succeeded",
            Role::JobFailed => "job.failed",
            Role::JobCancelled => "job.cancelled",
            Role::FleetUp => "fleet.up",
            Role::FleetConnecting => "fleet.connecting",
            Role::FleetUnreachable => "fleet.unreachable",
            Role::FleetFailed => "fleet.failed",
        }
    }

    /// The role with TOML name `name`.
    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.name() == name)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_role_once_in_order() {
        for (i, role) in Role::ALL.iter().enumerate() {
            assert_eq!(role.index(), i, "{role:?} out of order");
            assert_eq!(Role::from_name(role.name()), Some(*role));
        }
    }
}
