//! End to end: the fleet view in the real binary, in a real terminal (a private tmux
//! server). The inventory names two "instances" on this machine through the test/dev-only
//! `host = "unix:PATH"` socket targets: `alpha`, a second agent with simulated GPUs, and
//! `beta`, a socket nobody listens on. The console opens on the fleet, drills into `alpha`,
//! comes back with the rows still live, and returns to this machine. Then the same over SSH:
//! an instance behind a real sshd on loopback, its row up and its dashboard drilled into.
//!
//! Needs tmux (`scripts/install-test-deps.sh`). `STATION_E2E_TIMEOUT_SECS` raises the
//! timeout of every wait on slow machines.
#![allow(clippy::unwrap_used)]

mod support;

use support::ssh_world::{ALIAS, SshWorld};
use support::station::{STATION_BIN, StationEnv};
use support::tmux::{Screen, Tmux, TmuxBuilder};

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;
/// Printed by the wrapper shell after the console exits, followed by its exit code.
const EXIT_MARK: &str = "station-exited:";
const WRAPPER: &str = r#""$0" "$@"; echo "station-exited:$?"; exec bash --norc --noprofile"#;

fn start_console(env: &StationEnv) -> Tmux {
    console_builder(env).spawn(["sh", "-c", WRAPPER, STATION_BIN])
}

fn console_builder(env: &StationEnv) -> TmuxBuilder {
    TmuxBuilder::new(WIDTH, HEIGHT)
        .envs(env.vars())
        .env("PS1", "$ ")
        .cwd(env.root())
}

/// Waits until `shown` holds, failing at once (with the screen) if the console exits first.
#[track_caller]
fn wait_for_console(tmux: &Tmux, what: &str, shown: impl Fn(&Screen) -> bool) -> Screen {
    let screen = tmux.wait_until(what, |s| shown(s) || s.contains(EXIT_MARK));
    assert!(
        !screen.contains(EXIT_MARK),
        "the console exited instead of showing {what}:\n{screen}"
    );
    screen
}

/// A table row that names `name` and contains every one of `parts`.
fn row_shows(screen: &Screen, name: &str, parts: &[&str]) -> bool {
    screen.lines().any(|line| {
        let cells = line.trim_start_matches(['┃', '│', ' ', '›']);
        cells.starts_with(&format!("{name} ")) && parts.iter().all(|p| line.contains(p))
    })
}

/// The fleet as it settles: this machine and `alpha` up, `beta` unreachable.
fn fleet_settled(screen: &Screen) -> bool {
    screen.contains("Fleet")
        && row_shows(screen, "local", &["● up"])
        && row_shows(screen, "alpha", &["● up", "2×", "SIMULATED"])
        && row_shows(screen, "beta", &["✕ unreachable", "not running"])
}

/// The dashboard of `alpha`: its name in the header, the CPU panel, its simulated GPUs, live.
fn alpha_dashboard(screen: &Screen) -> bool {
    let header = screen.lines().next().unwrap_or_default();
    header.contains("▸ alpha")
        && header.contains("2 GPUs SIMULATED")
        && header.contains("● live")
        && screen.contains("CPU")
}

#[test]
fn the_console_opens_on_the_fleet_drills_into_an_instance_and_comes_back() {
    let console = StationEnv::new();
    let alpha = StationEnv::new();
    alpha.start_agent(&["--simulate-gpus", "2"]);
    let nowhere = console.root().join("nowhere.sock");
    std::fs::create_dir_all(console.config_dir()).unwrap();
    let inventory = format!(
        "[[instance]]\nname = \"alpha\"\nhost = \"unix:{}\"\ntags = [\"sim\"]\n\n\
         [[instance]]\nname = \"beta\"\nhost = \"unix:{}\"\n",
        alpha.socket().display(),
        nowhere.display()
    );
    std::fs::write(console.config_dir().join("instances.toml"), inventory).unwrap();

    let tmux = start_console(&console);
    wait_for_console(
        &tmux,
        "the fleet with its three rows settled",
        fleet_settled,
    );

    tmux.send_keys(&["j", "Enter"]);
    wait_for_console(&tmux, "alpha's dashboard", alpha_dashboard);

    tmux.send_keys(&["0"]);
    let fleet = wait_for_console(&tmux, "the fleet again, still live", |s| {
        fleet_settled(s) && s.contains("on alpha")
    });
    assert!(
        fleet.lines().any(|l| l.contains("›alpha")),
        "the selection stayed on alpha:\n{fleet}"
    );

    tmux.send_keys(&["k", "Enter"]);
    wait_for_console(&tmux, "this machine's dashboard", |s| {
        let header = s.lines().next().unwrap_or_default();
        !header.contains('▸') && header.contains("● live") && s.contains("CPU")
    });

    tmux.send_keys(&["q"]);
    let screen = tmux.wait_until("the console exited", |s| s.contains(EXIT_MARK));
    assert!(
        screen.contains(&format!("{EXIT_MARK}0")),
        "the console did not exit with code 0:\n{screen}"
    );
    assert!(!screen.facts.alternate_screen, "{screen}");
    console.stop_agent();
    alpha.stop_agent();
}

/// A broken `instances.toml` is reported before the screen is taken, with its location;
/// Enter goes on with this machine alone.
#[test]
fn a_broken_inventory_is_reported_first_and_enter_goes_on_without_it() {
    let console = StationEnv::new();
    std::fs::create_dir_all(console.config_dir()).unwrap();
    std::fs::write(
        console.config_dir().join("instances.toml"),
        "[[instance]]\nname = \"gpu1\"\nport = 0\n",
    )
    .unwrap();
    let tmux = start_console(&console);
    let report = tmux.wait_until("the located error and the question", |s| {
        s.contains("Press Enter to continue") || s.contains(EXIT_MARK)
    });
    assert!(
        report.contains("instances.toml:3:8") && !report.facts.alternate_screen,
        "the problem is shown on the normal screen with its line and column:\n{report}"
    );
    tmux.send_keys(&["Enter"]);
    wait_for_console(&tmux, "the dashboard of this machine", |s| {
        s.facts.alternate_screen && s.contains("CPU") && !s.contains("Fleet")
    });
    tmux.send_keys(&["0"]);
    wait_for_console(&tmux, "the fleet of this machine alone", |s| {
        row_shows(s, "local", &["● up"]) && s.contains("no instances yet")
    });
    tmux.send_keys(&["q"]);
    tmux.wait_until("the console exited", |s| s.contains(EXIT_MARK));
    console.stop_agent();
}

/// A trusted instance over SSH: its row goes up and `Enter` shows its dashboard.
#[test]
fn an_instance_over_ssh_is_up_in_the_fleet_and_its_dashboard_opens() {
    let world = SshWorld::new();
    world.write_default_config();
    world.trust_server();
    std::fs::create_dir_all(world.local.config_dir()).unwrap();
    std::fs::write(
        world.local.config_dir().join("instances.toml"),
        format!("[[instance]]\nname = \"remote\"\nhost = \"{ALIAS}\"\ntags = [\"ssh\"]\n"),
    )
    .unwrap();
    let tmux = console_builder(&world.local)
        .env("STATION_REMOTE_COMMAND", world.remote_command())
        .spawn(["sh", "-c", WRAPPER, STATION_BIN]);
    wait_for_console(&tmux, "the remote row up", |s| {
        row_shows(s, "local", &["● up"]) && row_shows(s, "remote", &["● up"])
    });
    tmux.send_keys(&["j", "Enter"]);
    wait_for_console(&tmux, "the remote dashboard", |s| {
        let header = s.lines().next().unwrap_or_default();
        header.contains("▸ remote") && header.contains("● live") && s.contains("CPU")
    });
    tmux.send_keys(&["q"]);
    let screen = tmux.wait_until("the console exited", |s| s.contains(EXIT_MARK));
    assert!(screen.contains(&format!("{EXIT_MARK}0")), "{screen}");
    assert!(
        world.remote.agent_pid().is_some(),
        "the remote agent was started through SSH"
    );
    world.local.stop_agent();
}

#[test]
fn station_connect_asks_about_an_unknown_host_then_opens_its_dashboard() {
    let world = SshWorld::new();
    world.write_default_config();
    // The host is not known yet: `connect` asks on the terminal before taking the screen.
    // Started here, so the fleet's `local` row does not autostart one the test could miss.
    world.local.start_agent(&[]);
    let tmux = console_builder(&world.local)
        .env("STATION_REMOTE_COMMAND", world.remote_command())
        .spawn(["sh", "-c", WRAPPER, STATION_BIN, "connect", ALIAS]);
    wait_for_console(&tmux, "the host-key question", |s| {
        s.contains("can't be established") && s.contains("(yes/no")
    });
    tmux.type_line("yes");
    wait_for_console(&tmux, "the remote dashboard", |s| {
        let header = s.lines().next().unwrap_or_default();
        header.contains(&format!("▸ {ALIAS}")) && header.contains("● live") && s.contains("CPU")
    });
    tmux.send_keys(&["q"]);
    let screen = tmux.wait_until("the console exited", |s| s.contains(EXIT_MARK));
    assert!(screen.contains(&format!("{EXIT_MARK}0")), "{screen}");
    let known = std::fs::read_to_string(world.known_hosts()).unwrap();
    assert_eq!(
        known,
        world.sshd.known_hosts_line(),
        "the yes recorded the key"
    );
    assert!(
        world.remote.agent_pid().is_some(),
        "the remote agent was started through SSH"
    );
    world.local.stop_agent();
}

#[test]
fn drilling_into_an_unknown_host_asks_in_a_dialog_and_a_yes_records_the_key() {
    let world = SshWorld::new();
    world.write_default_config();
    std::fs::create_dir_all(world.local.config_dir()).unwrap();
    std::fs::write(
        world.local.config_dir().join("instances.toml"),
        format!("[[instance]]\nname = \"remote\"\nhost = \"{ALIAS}\"\n"),
    )
    .unwrap();
    // Started here, so the fleet's `local` row does not autostart one the test could miss.
    world.local.start_agent(&[]);
    let tmux = console_builder(&world.local)
        .env("STATION_REMOTE_COMMAND", world.remote_command())
        .spawn(["sh", "-c", WRAPPER, STATION_BIN]);
    // The background row has nobody to ask: it says so.
    wait_for_console(&tmux, "the remote row with an unknown key", |s| {
        row_shows(s, "remote", &["? unknown key"])
    });
    tmux.send_keys(&["j", "Enter"]);
    let fingerprint = support::sshd::fingerprint(&world.sshd.host_public_key());
    wait_for_console(&tmux, "the host-key dialog", |s| {
        s.contains("Unknown host key") && s.contains(&fingerprint)
    });
    tmux.send_keys(&["y"]);
    wait_for_console(&tmux, "the remote dashboard", |s| {
        let header = s.lines().next().unwrap_or_default();
        header.contains("▸ remote") && header.contains("● live") && s.contains("CPU")
    });
    let known = std::fs::read_to_string(world.known_hosts()).unwrap();
    assert_eq!(
        known,
        world.sshd.known_hosts_line(),
        "the yes recorded the key"
    );
    tmux.send_keys(&["q"]);
    let screen = tmux.wait_until("the console exited", |s| s.contains(EXIT_MARK));
    assert!(screen.contains(&format!("{EXIT_MARK}0")), "{screen}");
    world.local.stop_agent();
}

#[test]
fn drilling_into_a_host_without_station_offers_the_install_in_a_dialog() {
    let world = SshWorld::without_station(None);
    world.write_default_config();
    world.trust_server();
    std::fs::create_dir_all(world.local.config_dir()).unwrap();
    std::fs::write(
        world.local.config_dir().join("instances.toml"),
        format!("[[instance]]\nname = \"bare\"\nhost = \"{ALIAS}\"\n"),
    )
    .unwrap();
    // Started here, so the fleet's `local` row does not autostart one the test could miss.
    world.local.start_agent(&[]);
    let tmux = console_builder(&world.local).spawn(["sh", "-c", WRAPPER, STATION_BIN]);
    wait_for_console(&tmux, "the row without station", |s| {
        row_shows(s, "bare", &["no station"])
    });
    tmux.send_keys(&["j", "Enter"]);
    wait_for_console(&tmux, "the install dialog", |s| {
        s.contains("Install station") && s.contains("station is not installed on")
    });
    tmux.send_keys(&["y"]);
    wait_for_console(&tmux, "the installed instance's dashboard", |s| {
        let header = s.lines().next().unwrap_or_default();
        header.contains("▸ bare") && header.contains("● live") && s.contains("CPU")
    });
    assert!(world.installed_binary().exists());
    tmux.send_keys(&["q"]);
    let screen = tmux.wait_until("the console exited", |s| s.contains(EXIT_MARK));
    assert!(screen.contains(&format!("{EXIT_MARK}0")), "{screen}");
    world.local.stop_agent();
}
