//! `station agent install-service`: write the unit, then (unless `--no-enable`) turn on
//! lingering where needed, reload systemd, enable the unit, stop an agent that runs outside
//! systemd, and (re)start the unit, so that a reinstall runs the new executable.

use std::fs;
use std::process::ExitCode;

use anyhow::Context;

use super::scope::{Manager, Target, UnitKind};
use super::steps::Step;
use super::unit::{WRITTEN_BY, exec_word, system_unit, user_unit};
use super::{
    InstallArgs, print_indented, report_failure, run_step, stop_agent_outside_systemd, target,
    write_unit,
};
use crate::agent::lifecycle::running_pid;

/// Writes, enables and starts the unit; see the module documentation.
pub fn install(args: &InstallArgs) -> anyhow::Result<ExitCode> {
    let target = match target(args.user.as_deref(), args.unit_dir.as_deref()) {
        Ok(target) => target,
        Err(code) => return Ok(code),
    };
    let exe = std::env::current_exe().context("cannot find the station executable")?;
    if !exe.is_file() {
        anyhow::bail!(
            "{} is gone (replaced while it ran?): run the installed station again",
            exe.display()
        );
    }
    let exec = exec_word(&exe)
        .map_err(|why| anyhow::anyhow!("cannot name the station executable in a unit: {why}"))?;
    let body = match &target.kind {
        UnitKind::User { environment } => user_unit(&exec, environment),
        UnitKind::System { uid } => system_unit(&exec, &target.user, *uid),
    };
    let text = format!("{WRITTEN_BY}{body}");
    let path = target.unit_path();
    let replacing = fs::symlink_metadata(&path).is_ok();
    write_unit(&path, &text)?;
    let replaced = if replacing {
        " (replacing the unit that was there)"
    } else {
        ""
    };
    println!("wrote {}{replaced}:\n", path.display());
    print_indented(&text);
    println!();

    let linger = target.manager == Manager::System || args.linger;
    let by_hand = steps_by_hand(&target, linger);
    if args.no_enable {
        println!("not run (--no-enable); to start the agent with systemd, run:");
        for step in &by_hand {
            println!("    {}", step.line());
        }
        if let Some(pid) = running_pid(&target.pidfile) {
            println!(
                "An agent runs now (pid {pid}): stop it first (station agent stop), so that \
                 systemd can start its own."
            );
        }
        print_boot_note(&target, linger);
        return Ok(ExitCode::SUCCESS);
    }

    let unit = target.unit_name.as_str();
    let mut steps = Vec::new();
    if linger {
        steps.push(Step::enable_linger(&target.user));
    }
    steps.push(Step::systemctl(target.manager, &["daemon-reload"]));
    steps.push(Step::systemctl(target.manager, &["enable", unit]));
    for step in &steps {
        if let Err(error) = run_step(step) {
            let state = "the unit is written, but systemd has not taken it up";
            report_failure(&error, target.manager, state, &by_hand);
            return Ok(ExitCode::FAILURE);
        }
    }
    let outside = running_pid(&target.pidfile).filter(|pid| !runs_under_unit(*pid, unit));
    if outside.is_some()
        && let Some(pid) = stop_agent_outside_systemd(&target.pidfile)
            .context("the unit is written and enabled")?
    {
        println!(
            "stopped the agent that ran outside systemd (pid {pid}), so that systemd runs it \
             from now on; its jobs keep running"
        );
    }
    let restart = Step::systemctl(target.manager, &["restart", unit]);
    if let Err(error) = run_step(&restart) {
        let state = "the unit is written and enabled, but the agent was not started";
        report_failure(&error, target.manager, state, &[restart]);
        return Ok(ExitCode::FAILURE);
    }
    println!("{unit} is enabled and running.");
    print_boot_note(&target, linger);
    Ok(ExitCode::SUCCESS)
}

/// What to run by hand to do what install would have done.
fn steps_by_hand(target: &Target, linger: bool) -> Vec<Step> {
    let mut steps = Vec::new();
    if linger {
        steps.push(Step::enable_linger(&target.user));
    }
    steps.push(Step::systemctl(target.manager, &["daemon-reload"]));
    steps.push(Step::systemctl(
        target.manager,
        &["enable", "--now", &target.unit_name],
    ));
    steps
}

/// When the agent starts, and how to make it start at boot.
fn print_boot_note(target: &Target, linger: bool) {
    let user = &target.user;
    match (target.manager, linger) {
        (Manager::System, _) => println!(
            "The agent starts at boot and runs as {user}; lingering keeps {user}'s runtime \
             folder (and the agent's socket) from boot to shutdown."
        ),
        (Manager::User, true) => {
            println!("The agent starts at boot: lingering is on for {user}.");
        }
        (Manager::User, false) => println!(
            "The agent starts with your systemd user manager, at your first login. To start it \
             at boot without a login, run:\n    loginctl enable-linger {user}\n(or install \
             again with --linger)"
        ),
    }
}

/// Whether `pid` runs in the unit's cgroup (it is the service's own agent).
fn runs_under_unit(pid: u32, unit: &str) -> bool {
    fs::read_to_string(format!("/proc/{pid}/cgroup")).is_ok_and(|groups| {
        groups
            .lines()
            .any(|line| line.ends_with(&format!("/{unit}")))
    })
}
