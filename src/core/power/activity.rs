//! One observation of what keeps the machine busy, and the verdict on it: the list of
//! [`ActivityReason`]s under an [`IdlePolicy`]'s thresholds. An empty list means quiet.

use serde::{Deserialize, Serialize};

use super::policy::IdlePolicy;
use crate::core::units;
use crate::proto::telemetry::GpuSample;

const MIB: u64 = 1024 * 1024;

/// What the agent saw at one moment. Every count is what exists right now, not a rate.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Activity {
    /// Jobs in the running state.
    pub running_jobs: u32,
    /// Consoles attached to this agent.
    pub consoles: u32,
    /// Terminal panes open in those consoles.
    pub console_terminals: u32,
    /// utmp login sessions with a remote host (SSH).
    pub ssh_sessions: u32,
    /// utmp login sessions without a remote host (a local console or terminal).
    pub local_logins: u32,
    /// One entry per GPU; `None` when the instance has no GPU readings.
    pub gpus: Option<Vec<GpuActivity>>,
    /// Whole-machine CPU use, 0–100.
    pub cpu_percent: f32,
}

/// One GPU's share of an observation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuActivity {
    pub index: u32,
    /// Busy share, 0–100; 0 when the driver does not say.
    pub util_percent: u32,
    /// Memory held by processes, MiB (the driver's own reservation is not counted).
    pub process_memory_mib: u64,
}

impl GpuActivity {
    /// Reads one GPU of a telemetry sample. Process memory is the sum over the GPU's
    /// processes; when a process is listed without a size (some drivers and containers hide
    /// it), the whole used memory is taken instead, so an unknown size keeps the machine up
    /// rather than letting it stop under a running program.
    pub fn from_sample(gpu: &GpuSample) -> Self {
        let sizes: Option<u64> = gpu.processes.iter().map(|process| process.memory).sum();
        let bytes = match sizes {
            Some(total) => total,
            None => gpu.memory_used.unwrap_or(0),
        };
        Self {
            index: gpu.index,
            util_percent: gpu.utilization.unwrap_or(0),
            process_memory_mib: bytes / MIB,
        }
    }
}

/// One thing that keeps the machine from being idle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActivityReason {
    Jobs {
        count: u32,
    },
    Consoles {
        count: u32,
        terminals: u32,
    },
    Logins {
        ssh: u32,
        local: u32,
    },
    GpuBusy {
        index: u32,
        util_percent: u32,
    },
    GpuMemory {
        index: u32,
        used_mib: u64,
        threshold_mib: u64,
    },
    Cpu {
        percent: f32,
        threshold: f32,
    },
}

impl Activity {
    /// What keeps the machine active under `policy`'s thresholds, in a fixed order: jobs,
    /// consoles, logins, GPUs (by index), CPU. Use is active when strictly above a threshold.
    pub fn reasons(&self, policy: &IdlePolicy) -> Vec<ActivityReason> {
        let mut reasons = Vec::new();
        if self.running_jobs > 0 {
            reasons.push(ActivityReason::Jobs {
                count: self.running_jobs,
            });
        }
        if self.consoles > 0 {
            reasons.push(ActivityReason::Consoles {
                count: self.consoles,
                terminals: self.console_terminals,
            });
        }
        if self.ssh_sessions + self.local_logins > 0 {
            reasons.push(ActivityReason::Logins {
                ssh: self.ssh_sessions,
                local: self.local_logins,
            });
        }
        let mut gpus: Vec<&GpuActivity> = self.gpus.iter().flatten().collect();
        gpus.sort_by_key(|gpu| gpu.index);
        for gpu in gpus {
            if gpu.util_percent as f32 > policy.gpu_percent {
                reasons.push(ActivityReason::GpuBusy {
                    index: gpu.index,
                    util_percent: gpu.util_percent,
                });
            } else if gpu.process_memory_mib > policy.gpu_memory_mib {
                reasons.push(ActivityReason::GpuMemory {
                    index: gpu.index,
                    used_mib: gpu.process_memory_mib,
                    threshold_mib: policy.gpu_memory_mib,
                });
            }
        }
        if self.cpu_percent > policy.cpu_percent {
            reasons.push(ActivityReason::Cpu {
                percent: self.cpu_percent,
                threshold: policy.cpu_percent,
            });
        }
        reasons
    }
}

impl std::fmt::Display for ActivityReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            ActivityReason::Jobs { count } => f.write_str(&counted(count, "job", "jobs")),
            ActivityReason::Consoles { count, terminals } => {
                f.write_str(&counted(count, "console", "consoles"))?;
                if terminals > 0 {
                    write!(f, " ({})", counted(terminals, "terminal", "terminals"))?;
                }
                Ok(())
            }
            ActivityReason::Logins { ssh, local } => {
                let parts: Vec<String> = [
                    (ssh > 0).then(|| counted(ssh, "SSH session", "SSH sessions")),
                    (local > 0).then(|| counted(local, "local login", "local logins")),
                ]
                .into_iter()
                .flatten()
                .collect();
                f.write_str(&parts.join(", "))
            }
            ActivityReason::GpuBusy {
                index,
                util_percent,
            } => write!(f, "GPU {index} at {util_percent}%"),
            ActivityReason::GpuMemory {
                index,
                used_mib,
                threshold_mib,
            } => write!(
                f,
                "GPU {index} memory {} in use (threshold {})",
                units::bytes(used_mib.saturating_mul(MIB)),
                units::bytes(threshold_mib.saturating_mul(MIB))
            ),
            ActivityReason::Cpu { percent, threshold } => {
                write!(f, "CPU at {percent:.0}% (threshold {threshold:.0}%)")
            }
        }
    }
}

/// "active: 2 jobs, 1 SSH session"; "quiet" for no reasons. With several busy GPUs the
/// busiest stands for them all ("3 GPUs busy, GPU 2 at 87%"), and a GPU already named busy
/// is not named again for its memory.
pub fn describe(reasons: &[ActivityReason]) -> String {
    if reasons.is_empty() {
        return "quiet".into();
    }
    let busy: Vec<(u32, u32)> = reasons
        .iter()
        .filter_map(|reason| match *reason {
            ActivityReason::GpuBusy {
                index,
                util_percent,
            } => Some((index, util_percent)),
            _ => None,
        })
        .collect();
    let holding: Vec<&ActivityReason> = reasons
        .iter()
        .filter(|reason| matches!(reason, ActivityReason::GpuMemory { .. }))
        .collect();
    let mut parts = Vec::new();
    let mut gpus_done = false;
    for reason in reasons {
        match reason {
            ActivityReason::GpuBusy { .. } | ActivityReason::GpuMemory { .. } => {
                if !gpus_done {
                    gpus_done = true;
                    parts.extend(describe_gpus(&busy, &holding));
                }
            }
            other => parts.push(other.to_string()),
        }
    }
    format!("active: {}", parts.join(", "))
}

fn describe_gpus(busy: &[(u32, u32)], holding: &[&ActivityReason]) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(&(index, util)) = busy
        .iter()
        .max_by_key(|(index, util)| (*util, u32::MAX - index))
    {
        parts.push(match busy.len() {
            1 => format!("GPU {index} at {util}%"),
            n => format!("{n} GPUs busy, GPU {index} at {util}%"),
        });
    }
    let fullest = holding.iter().max_by_key(|reason| match reason {
        ActivityReason::GpuMemory { used_mib, .. } => *used_mib,
        _ => 0,
    });
    if let Some(fullest) = fullest {
        parts.push(match holding.len() {
            1 => fullest.to_string(),
            n => format!("{n} GPUs with memory in use, {fullest}"),
        });
    }
    parts
}

fn counted(count: u32, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

#[cfg(test)]
mod tests;
