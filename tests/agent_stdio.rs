//! `station agent --stdio`, the bridge SSH sessions will run, tested through a pipe: it starts
//! the agent when needed, relays frames both ways untouched, and exits when its input ends.

#![allow(clippy::unwrap_used)] // a test that cannot set up should panic

mod support;

use support::station::{StationEnv, describe};
use support::wait::process_ended;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

#[test]
fn the_bridge_starts_the_agent_and_relays_frames_both_ways() {
    let station = StationEnv::new();
    assert!(station.agent_pid().is_none());
    let mut bridge = station
        .command(["agent", "--stdio"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the bridge");
    let mut stdin = bridge.stdin.take().unwrap();
    let mut stdout = BufReader::new(bridge.stdout.take().unwrap());
    let hello = serde_json::json!({
        "id": 0, "type": "hello", "protocol_version": station::proto::PROTOCOL_VERSION,
        "station_version": env!("CARGO_PKG_VERSION"), "client": "pipe"
    });
    writeln!(stdin, "{hello}").unwrap();
    writeln!(
        stdin,
        r#"{{"id":1,"type":"status","processes":{{"sort":"cpu","limit":2}}}}"#
    )
    .unwrap();
    writeln!(stdin, r#"{{"id":2,"type":"no_such_thing"}}"#).unwrap();
    stdin.flush().unwrap();

    let mut read = || {
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read from the bridge");
        serde_json::from_str::<serde_json::Value>(&line).expect("JSON from the bridge")
    };
    let ready = read();
    assert_eq!(ready["body"]["kind"], "ready", "{ready}");
    let pid = station.agent_pid().expect("the bridge started the agent");
    assert_eq!(ready["body"]["agent_pid"], pid);
    let status = read();
    assert_eq!(status["id"], 1);
    assert_eq!(status["body"]["kind"], "status", "{status}");
    let unknown = read();
    assert_eq!(unknown["code"], "unknown_message", "{unknown}");

    drop(stdin); // end of input: the bridge half-closes, the agent hangs up, the bridge exits
    let output = bridge.wait_with_output().expect("bridge exit");
    assert!(output.status.success(), "{}", describe(&output));
    assert!(alive(pid), "the agent outlives the bridge");
}

#[test]
fn the_bridge_reports_a_broken_runtime_folder() {
    let station = StationEnv::new();
    // A file where the runtime folder should be: nothing can listen there.
    std::fs::write(station.root().join("runtime/station"), "not a folder").unwrap();
    let output = station
        .command(["agent", "--stdio"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("cannot connect to the agent")
            && String::from_utf8_lossy(&output.stderr).contains("Not a directory"),
        "{}",
        describe(&output)
    );
}

fn alive(pid: i32) -> bool {
    !process_ended(pid)
}
