//! `station agent uninstall-service`: disable and stop the unit (unless `--no-disable`),
//! remove the file and the links enabling left in `*.wants/`, and reload systemd.
//!
//! No unit at the path is exit code 1 with a message saying so (and where a unit of the
//! other kind is, when there is one): nothing was removed, as `systemctl disable` reports for
//! a unit it does not know. Scripts that want "removed or absent" can ignore the code.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::scope::{Manager, Target};
use super::steps::Step;
use super::unit::{USER_UNIT_NAME, system_unit_name};
use super::{UninstallArgs, report_failure, run_step, target};

/// Disables and removes the unit; see the module documentation.
pub fn uninstall(args: &UninstallArgs) -> anyhow::Result<ExitCode> {
    let target = match target(args.user.as_deref(), args.unit_dir.as_deref()) {
        Ok(target) => target,
        Err(code) => return Ok(code),
    };
    let path = target.unit_path();
    match fs::symlink_metadata(&path) {
        Ok(_) => {}
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            eprintln!(
                "station: error: there is no unit at {}: nothing to remove",
                path.display()
            );
            if let Some(hint) = other_unit_hint(&target) {
                eprintln!("station: {hint}");
            }
            return Ok(ExitCode::FAILURE);
        }
        Err(error) => anyhow::bail!("cannot read {}: {error}", path.display()),
    }
    let unit = target.unit_name.as_str();
    let mut failure = None;
    if !args.no_disable {
        let disable = Step::systemctl(target.manager, &["disable", "--now", unit]);
        if let Err(error) = run_step(&disable) {
            failure = Some(error);
        }
    }
    fs::remove_file(&path).map_err(|e| anyhow::anyhow!("cannot remove {}: {e}", path.display()))?;
    println!("removed {}", path.display());
    for link in enabling_links(&target.unit_dir, unit) {
        match fs::remove_file(&link) {
            Ok(()) => println!("removed {}", link.display()),
            Err(error) => eprintln!("station: cannot remove {}: {error}", link.display()),
        }
    }
    let afterwards = [
        Step::systemctl(target.manager, &["stop", unit]),
        Step::systemctl(target.manager, &["daemon-reload"]),
    ];
    if args.no_disable {
        println!(
            "not run (--no-disable); to stop the agent systemd runs and forget the unit, run:"
        );
        for step in &afterwards {
            println!("    {}", step.line());
        }
    } else if failure.is_none()
        && let Err(error) = run_step(&afterwards[1])
    {
        failure = Some(error);
    }
    if let Some(error) = failure {
        let state = "the unit is removed, but systemd was not told; the agent it ran may \
                     still run (station agent stop stops it)";
        report_failure(&error, target.manager, state, &afterwards);
        return Ok(ExitCode::FAILURE);
    }
    if target.manager == Manager::System {
        println!(
            "Lingering stays on for {user} (loginctl disable-linger {user} turns it off).",
            user = target.user
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Links to `unit` in the `*.wants/` and `*.requires/` folders of `unit_dir`, which
/// `systemctl enable` makes and `disable` removes.
fn enabling_links(unit_dir: &Path, unit: &str) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(unit_dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|dir| {
            dir.extension()
                .is_some_and(|ext| ext == "wants" || ext == "requires")
        })
        .map(|dir| dir.join(unit))
        .filter(|link| fs::symlink_metadata(link).is_ok_and(|meta| meta.file_type().is_symlink()))
        .collect()
}

/// Where the unit of the other kind would be, when one is there.
fn other_unit_hint(target: &Target) -> Option<String> {
    let user = &target.user;
    match target.manager {
        Manager::User => {
            let system = Path::new("/etc/systemd/system").join(system_unit_name(user));
            system.exists().then(|| {
                format!(
                    "a system unit runs your agent: {} (sudo station agent uninstall-service \
                     --user {user} removes it)",
                    system.display()
                )
            })
        }
        Manager::System => {
            let home = nix::unistd::User::from_name(user).ok().flatten()?.dir;
            let unit = home.join(".config/systemd/user").join(USER_UNIT_NAME);
            unit.exists().then(|| {
                format!(
                    "{user} has a user unit: {} (they remove it with station agent \
                     uninstall-service)",
                    unit.display()
                )
            })
        }
    }
}
