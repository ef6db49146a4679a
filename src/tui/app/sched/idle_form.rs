//! The idle shutdown form: enabled, how long everything must be quiet (`after`), and the CPU,
//! GPU and GPU memory thresholds, checked as they are typed with the bounds the agent uses.
//!
//! Only what changed is sent, so keys the user left out of agent.toml stay out of it.

use std::ops::RangeInclusive;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent};

use super::field;
use crate::config::duration;
use crate::config::power::{MAX_GPU_MEMORY_MIB, PowerBounds};
use crate::proto::power::{IdleEdit, IdleView};

/// One field of the form, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdleField {
    Enabled,
    After,
    Cpu,
    Gpu,
    GpuMemory,
}

impl IdleField {
    pub const ALL: [IdleField; 5] = [
        IdleField::Enabled,
        IdleField::After,
        IdleField::Cpu,
        IdleField::Gpu,
        IdleField::GpuMemory,
    ];

    pub fn label(self) -> &'static str {
        match self {
            IdleField::Enabled => "Enabled",
            IdleField::After => "After",
            IdleField::Cpu => "CPU %",
            IdleField::Gpu => "GPU %",
            IdleField::GpuMemory => "GPU memory",
        }
    }

    /// What the field means, shown beside it.
    pub fn hint(self) -> &'static str {
        match self {
            IdleField::Enabled => "stop the machine when nothing uses it",
            IdleField::After => "quiet this long before stopping",
            IdleField::Cpu => "whole-machine CPU use at or below this is quiet",
            IdleField::Gpu => "GPU use at or below this is quiet",
            IdleField::GpuMemory => "MiB; GPU memory in use above this is active",
        }
    }

    /// The field `step` places after this one, wrapping around.
    pub fn step(self, step: isize) -> IdleField {
        let all = IdleField::ALL;
        let at = all.iter().position(|f| *f == self).unwrap_or(0) as isize;
        all[(at + step).rem_euclid(all.len() as isize) as usize]
    }
}

/// A problem that stops the form from being saved, and its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdleProblem {
    pub field: IdleField,
    pub message: String,
}

/// The form's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdleForm {
    /// The settings the form started from.
    pub original: IdleView,
    pub enabled: bool,
    pub after: String,
    pub cpu: String,
    pub gpu: String,
    pub gpu_memory: String,
    pub field: IdleField,
    /// What `after` may be (the agent's bounds).
    pub after_bounds: RangeInclusive<Duration>,
    /// The first problem; `None` when the form can be saved.
    pub problem: Option<IdleProblem>,
}

impl IdleForm {
    /// A form holding `idle`, checked against the bounds agents use.
    pub fn new(idle: &IdleView) -> IdleForm {
        IdleForm::with_bounds(idle, PowerBounds::from_env().idle_after)
    }

    pub fn with_bounds(idle: &IdleView, after_bounds: RangeInclusive<Duration>) -> IdleForm {
        let mut form = IdleForm {
            original: idle.clone(),
            enabled: idle.enabled,
            after: duration::format(Duration::from_secs(idle.after_secs)),
            cpu: idle.cpu_percent.to_string(),
            gpu: idle.gpu_percent.to_string(),
            gpu_memory: idle.gpu_memory_mib.to_string(),
            field: IdleField::Enabled,
            after_bounds,
            problem: None,
        };
        form.recheck();
        form
    }

    /// The text of `field` (`None` for the Enabled toggle).
    pub fn text(&self, field: IdleField) -> Option<&str> {
        match field {
            IdleField::Enabled => None,
            IdleField::After => Some(&self.after),
            IdleField::Cpu => Some(&self.cpu),
            IdleField::Gpu => Some(&self.gpu),
            IdleField::GpuMemory => Some(&self.gpu_memory),
        }
    }

    fn text_mut(&mut self) -> Option<&mut String> {
        match self.field {
            IdleField::Enabled => None,
            IdleField::After => Some(&mut self.after),
            IdleField::Cpu => Some(&mut self.cpu),
            IdleField::Gpu => Some(&mut self.gpu),
            IdleField::GpuMemory => Some(&mut self.gpu_memory),
        }
    }

    /// A key the keymap did not take: typing, or Space and ←/→ on the toggle.
    pub fn key(&mut self, event: &KeyEvent) -> bool {
        let toggle = matches!(
            event.code,
            KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right
        );
        let changed = if self.field == IdleField::Enabled {
            if toggle {
                self.enabled = !self.enabled;
            }
            toggle
        } else {
            self.text_mut().is_some_and(|text| field::edit(text, event))
        };
        if changed {
            self.recheck();
        }
        changed
    }

    /// Pastes into the focused text field.
    pub fn paste(&mut self, text: &str) -> bool {
        let changed = self
            .text_mut()
            .is_some_and(|value| field::paste(value, text));
        if changed {
            self.recheck();
        }
        changed
    }

    pub fn recheck(&mut self) {
        self.problem = self.check().err();
    }

    /// The change the form describes (only the values that differ from what it started
    /// from; empty when nothing does), or the first problem.
    pub fn check(&self) -> Result<IdleEdit, IdleProblem> {
        let problem = |field, message: String| IdleProblem { field, message };
        let after = duration::parse(&self.after)
            .map_err(|e| problem(IdleField::After, e.to_string()))
            .and_then(|after| {
                duration::check_bounds("after", after, self.after_bounds.clone())
                    .map_err(|m| problem(IdleField::After, m))
            })?;
        let number = |field: IdleField, text: &str, max: u32| {
            text.trim()
                .parse::<u32>()
                .ok()
                .filter(|value| *value <= max)
                .ok_or_else(|| {
                    problem(
                        field,
                        format!("{} must be a whole number from 0 to {max}", field.label()),
                    )
                })
        };
        let cpu = number(IdleField::Cpu, &self.cpu, 100)?;
        let gpu = number(IdleField::Gpu, &self.gpu, 100)?;
        let gpu_memory = number(IdleField::GpuMemory, &self.gpu_memory, MAX_GPU_MEMORY_MIB)?;
        let original = &self.original;
        let changed = |new: u32, old: u32| (new != old).then_some(i64::from(new));
        Ok(IdleEdit {
            enabled: (self.enabled != original.enabled).then_some(self.enabled),
            after: (after.as_secs() != original.after_secs).then(|| self.after.trim().to_owned()),
            cpu_percent: changed(cpu, u32::from(original.cpu_percent)),
            gpu_percent: changed(gpu, u32::from(original.gpu_percent)),
            gpu_memory_mib: changed(gpu_memory, original.gpu_memory_mib),
        })
    }
}

/// Whether `idle` shows every value `edit` sets.
pub fn idle_applied(edit: &IdleEdit, idle: &IdleView) -> bool {
    let after = edit.after.as_deref().map(duration::parse);
    edit.enabled.is_none_or(|enabled| enabled == idle.enabled)
        && after.is_none_or(|after| after.is_ok_and(|a| a.as_secs() == idle.after_secs))
        && edit
            .cpu_percent
            .is_none_or(|v| v == i64::from(idle.cpu_percent))
        && edit
            .gpu_percent
            .is_none_or(|v| v == i64::from(idle.gpu_percent))
        && edit
            .gpu_memory_mib
            .is_none_or(|v| v == i64::from(idle.gpu_memory_mib))
}
