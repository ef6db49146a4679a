//! End to end: the real `station` binary in a real terminal (a private tmux server), with
//! isolated XDG folders, driven by keys and checked on what the screen shows.
//!
//! The console runs inside `sh -c 'station …; echo station-exited:$?; exec bash'`, so after
//! it quits the pane shows its exit code and a shell in which to check that the terminal is
//! usable again. The `harness` module proves the tmux harness itself against `bash` and
//! `less`, independently of Station.
//!
//! Needs tmux (`scripts/install-test-deps.sh`). `STATION_E2E_TIMEOUT_SECS` raises the
//! timeout of every wait on slow machines.

mod support;

use support::station::{STATION_BIN, StationEnv};
use support::tmux::{Screen, Tmux, TmuxBuilder};

/// The pane size the issue asks for.
const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

/// Printed by the wrapper shell after the console exits, followed by its exit code.
const EXIT_MARK: &str = "station-exited:";

/// Runs the console and then, in the same pane, an interactive shell with a plain prompt.
const WRAPPER: &str = r#""$0" "$@"; echo "station-exited:$?"; exec bash --norc --noprofile"#;

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .expect("read /proc/sys/kernel/hostname")
        .trim()
        .to_owned()
}

/// Starts `station ARGS` in a 120×40 pane with `env`'s folders.
fn start_console(env: &StationEnv, args: &[&str]) -> Tmux {
    TmuxBuilder::new(WIDTH, HEIGHT)
        .envs(env.vars())
        .env("PS1", "$ ")
        .cwd(env.root())
        .spawn(["sh", "-c", WRAPPER, STATION_BIN].iter().chain(args))
}

/// The dashboard is drawn: full screen, with this host's name and the CPU panel.
fn dashboard_shown(host: &str, screen: &Screen) -> bool {
    screen.facts.alternate_screen && screen.contains(host) && screen.contains("CPU")
}

/// The help overlay is open: its title and the description of the quit key.
fn help_shown(screen: &Screen) -> bool {
    screen.contains("Help") && screen.contains("Quit")
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

/// Quits the console with `q`, waits for the wrapper's exit line and checks the code is 0.
#[track_caller]
fn quit_and_expect_success(tmux: &Tmux) -> Screen {
    tmux.send_keys(&["q"]);
    let screen = tmux.wait_until("the console exited and the wrapper printed its code", |s| {
        s.contains(EXIT_MARK) && !s.facts.dead
    });
    assert!(
        screen.contains(&format!("{EXIT_MARK}0")),
        "the console did not exit with code 0:\n{screen}"
    );
    screen
}

/// The terminal works normally again: main screen, cursor shown, no mouse capture, and a
/// shell command typed now runs and prints its answer.
#[track_caller]
fn assert_terminal_usable(tmux: &Tmux, screen: &Screen) {
    let facts = screen.facts;
    assert!(
        !facts.alternate_screen,
        "still on the alternate screen:\n{screen}"
    );
    assert!(
        facts.cursor_visible,
        "the cursor is still hidden:\n{screen}"
    );
    assert!(
        !facts.mouse_reporting,
        "mouse reporting is still on:\n{screen}"
    );
    tmux.type_line("echo ok-$((40+2))");
    tmux.wait_until("the shell after the console answers ok-42", |s| {
        s.contains("ok-42")
    });
}

#[test]
fn console_shows_dashboard_and_help_then_quits_leaving_the_terminal_usable() {
    let env = StationEnv::new();
    let host = host_name();
    let tmux = start_console(&env, &[]);

    let dashboard = wait_for_console(
        &tmux,
        "the dashboard with the host name and the CPU panel",
        |s| dashboard_shown(&host, s),
    );
    assert!(
        !help_shown(&dashboard),
        "the help predicate already holds on the dashboard; make it stricter:\n{dashboard}"
    );

    tmux.send_keys(&["?"]);
    wait_for_console(&tmux, "the help overlay", help_shown);
    tmux.send_keys(&["Escape"]);
    wait_for_console(&tmux, "the help overlay closed, the dashboard back", |s| {
        !help_shown(s) && dashboard_shown(&host, s)
    });

    let screen = quit_and_expect_success(&tmux);
    assert_terminal_usable(&tmux, &screen);

    assert!(
        env.agent_pid().is_some(),
        "the console should have started an agent (pidfile {:?})",
        env.pidfile()
    );
    env.stop_agent();
}

/// The jobs pane is shown: its table's title and the key hint of the submit form.
fn jobs_shown(screen: &Screen) -> bool {
    screen.contains("Jobs") && screen.contains("n new")
}

#[test]
fn console_opens_the_jobs_pane_and_its_form_and_comes_back() {
    let env = StationEnv::new();
    let host = host_name();
    let tmux = start_console(&env, &[]);
    wait_for_console(&tmux, "the dashboard", |s| dashboard_shown(&host, s));

    tmux.send_keys(&["2"]);
    wait_for_console(&tmux, "the jobs pane", jobs_shown);
    tmux.send_keys(&["n"]);
    let form = wait_for_console(&tmux, "the submit form", |s| {
        s.contains("New job") && s.contains("Priority")
    });
    assert!(
        form.contains("the command is empty"),
        "an empty form says what is missing:\n{form}"
    );
    tmux.send_keys(&["Escape"]);
    wait_for_console(&tmux, "the form closed, the jobs pane back", |s| {
        !s.contains("New job") && jobs_shown(s)
    });
    tmux.send_keys(&["1"]);
    wait_for_console(&tmux, "the dashboard back", |s| {
        dashboard_shown(&host, s) && !jobs_shown(s)
    });

    let screen = quit_and_expect_success(&tmux);
    assert_terminal_usable(&tmux, &screen);
    env.stop_agent();
}

#[test]
fn a_job_submitted_from_the_form_runs_and_its_log_opens() {
    let env = StationEnv::new();
    let host = host_name();
    let tmux = start_console(&env, &[]);
    wait_for_console(&tmux, "the dashboard", |s| dashboard_shown(&host, s));
    tmux.send_keys(&["2"]);
    wait_for_console(&tmux, "the jobs pane", jobs_shown);
    tmux.send_keys(&["n"]);
    wait_for_console(&tmux, "the submit form", |s| s.contains("New job"));
    tmux.send_text("echo from-the-form");
    wait_for_console(&tmux, "the command typed and accepted", |s| {
        s.contains("from-the-form") && s.contains("ready to submit")
    });
    tmux.send_keys(&["Enter"]);
    wait_for_console(&tmux, "the job listed as succeeded", |s| {
        !s.contains("New job")
            && s.lines()
                .any(|line| line.contains("echo from-the-form") && line.contains("succeeded"))
    });
    tmux.send_keys(&["Enter"]);
    wait_for_console(&tmux, "the job's log", |s| {
        s.contains("Log job")
            && s.lines().any(|line| {
                line.trim_matches(|c: char| c == '┃' || c.is_whitespace()) == "from-the-form"
            })
    });
    tmux.send_keys(&["Escape"]);
    wait_for_console(&tmux, "the jobs pane back", jobs_shown);
    let screen = quit_and_expect_success(&tmux);
    assert_terminal_usable(&tmux, &screen);
    env.stop_agent();
}

#[test]
fn console_with_simulated_gpus_labels_them() {
    let env = StationEnv::new();
    let host = host_name();
    let tmux = start_console(&env, &["--simulate-gpus", "2"]);

    wait_for_console(
        &tmux,
        "the dashboard with simulated GPUs labelled SIMULATED",
        |s| dashboard_shown(&host, s) && s.contains("SIMULATED"),
    );

    let screen = quit_and_expect_success(&tmux);
    assert_terminal_usable(&tmux, &screen);
    env.stop_agent();
}

/// The harness itself, proven against programs other than Station.
mod harness {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::time::Duration;

    use super::support::tmux::TmuxBuilder;
    use super::support::wait;

    fn shell() -> super::Tmux {
        let tmux = TmuxBuilder::new(80, 24).env("PS1", "prompt$ ").spawn([
            "bash",
            "--norc",
            "--noprofile",
        ]);
        tmux.wait_until("the bash prompt", |s| s.contains("prompt$"));
        tmux
    }

    #[test]
    fn pane_has_the_size_term_and_only_the_environment_given() {
        let script = r#"echo "term=$TERM foo=$FOO home=${HOME-unset}"; exec sleep 1000"#;
        let tmux = TmuxBuilder::new(100, 30)
            .env("FOO", "bar")
            .spawn(["sh", "-c", script]);
        let screen = tmux.wait_until("the program printed", |s| s.contains("term="));
        assert!(
            screen.contains("term=xterm-256color foo=bar home=unset"),
            "{screen}"
        );
        assert_eq!((screen.facts.width, screen.facts.height), (100, 30));
        assert_eq!(screen.lines().count(), 30, "{screen}");
    }

    #[test]
    fn exit_status_of_an_ended_program_is_kept() {
        let tmux = TmuxBuilder::new(80, 24).spawn(["sh", "-c", "echo last-words; exit 3"]);
        let screen = tmux.wait_until("the program's exit status", |s| {
            s.facts.exit_status.is_some()
        });
        assert_eq!(screen.facts.exit_status, Some(3), "{screen}");
        assert!(screen.facts.dead, "{screen}");
        assert!(screen.text.starts_with("last-words\n"), "{screen}");
    }

    #[test]
    fn sees_a_program_enter_and_leave_the_alternate_screen() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("page.txt");
        std::fs::write(&file, "harness-page-line\n".repeat(100)).expect("write page");
        let tmux = shell();
        assert!(!tmux.facts().alternate_screen);

        tmux.type_line(&format!("less {}", file.display()));
        tmux.wait_until("less showing the page on the alternate screen", |s| {
            s.facts.alternate_screen && s.contains("harness-page-line")
        });
        tmux.send_keys(&["q"]);
        let screen = tmux.wait_until("less gone, main screen back", |s| !s.facts.alternate_screen);
        assert!(screen.facts.cursor_visible, "{screen}");

        tmux.type_line("echo ok-$((40+2))");
        tmux.wait_until("the shell answers ok-42", |s| s.contains("ok-42"));
    }

    #[test]
    fn sees_the_cursor_hidden_and_shown() {
        let tmux = shell();
        tmux.type_line("printf '\\033[?25l'");
        tmux.wait_until("cursor hidden", |s| !s.facts.cursor_visible);
        tmux.type_line("printf '\\033[?25h'");
        tmux.wait_until("cursor shown", |s| s.facts.cursor_visible);
    }

    #[test]
    fn a_timed_out_wait_names_its_condition_and_shows_the_screen() {
        let tmux = shell();
        tmux.type_line("echo visible-$((6*7))");
        tmux.wait_until("the echo", |s| s.contains("visible-42"));
        let failure = catch_unwind(AssertUnwindSafe(|| {
            tmux.wait_until_within(
                "a condition that never holds",
                Duration::from_millis(100),
                |_| false,
            )
        }))
        .expect_err("the wait should have failed");
        let message = failure
            .downcast_ref::<String>()
            .expect("a formatted panic message");
        assert!(
            message.contains("a condition that never holds"),
            "{message}"
        );
        assert!(message.contains("visible-42"), "{message}");
    }

    #[test]
    fn drop_kills_the_server_and_programs_that_ignore_hangup() {
        let script = "trap '' HUP; sleep 1000 & echo \"child=$!\"; wait";
        let tmux = TmuxBuilder::new(80, 24).spawn(["sh", "-c", script]);
        let screen = tmux.wait_until("the program printed its child", |s| s.contains("child="));
        let child: i32 = screen
            .lines()
            .find_map(|l| l.trim().strip_prefix("child="))
            .and_then(|pid| pid.parse().ok())
            .expect("the child's pid on screen");
        let pane = tmux.pane_pid();
        let socket = tmux.socket().to_owned();
        drop(tmux);
        assert!(wait::process_ended(pane), "pane program {pane} survived");
        assert!(wait::process_ended(child), "its child {child} survived");
        assert!(!socket.exists(), "the server's folder was not removed");
    }
}

/// A broken `config.toml` is reported before the screen is taken, with its location; Enter
/// goes on with the defaults, for the console and for the agent it starts alike.
#[test]
fn broken_config_is_reported_first_and_enter_goes_on_with_defaults() {
    let env = StationEnv::new();
    let config = env.root().join("config/station");
    std::fs::create_dir_all(&config).expect("config folder");
    std::fs::write(
        config.join("config.toml"),
        "[agent]\nsample_interval_ms = 10\n",
    )
    .expect("write config.toml");
    let host = host_name();
    let tmux = start_console(&env, &[]);

    let report = tmux.wait_until("the located error and the question", |s| {
        s.contains("Press Enter to continue") || s.contains(EXIT_MARK)
    });
    assert!(
        report.contains("config.toml:2:22") && !report.facts.alternate_screen,
        "the problem is shown on the normal screen with its line and column:\n{report}"
    );

    tmux.send_keys(&["Enter"]);
    wait_for_console(&tmux, "the dashboard after going on with defaults", |s| {
        dashboard_shown(&host, s)
    });
    let screen = quit_and_expect_success(&tmux);
    assert_terminal_usable(&tmux, &screen);
    env.stop_agent();
}
