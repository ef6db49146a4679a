//! The protocol against a real agent: the handshake, hostile frames, and isolation between
//! clients.

#![allow(clippy::unwrap_used)] // a test that cannot set up should panic

mod support;

use support::conn::Conn;
use support::station::StationEnv;

use serde_json::json;

fn error_code(frame: &serde_json::Value) -> &str {
    assert_eq!(frame["type"], "error", "expected an error, got {frame}");
    frame["code"].as_str().unwrap_or_default()
}

#[test]
fn requests_before_hello_are_refused_and_the_connection_stays_usable() {
    let station = StationEnv::new();
    station.start_agent(&[]);
    let mut conn = station.connect();
    conn.send(json!({"id": 1, "type": "ping"}));
    let reply = conn.recv_reply();
    assert_eq!(error_code(&reply), "not_ready");
    assert_eq!(reply["id"], 1);
    assert!(
        reply["message"]
            .as_str()
            .unwrap()
            .contains("say hello first")
    );
    let ready = conn.hello();
    assert_eq!(ready["body"]["station_version"], env!("CARGO_PKG_VERSION"));
    assert!(
        ready["body"]["host"]["hostname"]
            .as_str()
            .is_some_and(|h| !h.is_empty())
    );
}

#[test]
fn malformed_unknown_and_truncated_frames_get_errors_and_the_connection_survives() {
    let station = StationEnv::new();
    station.start_agent(&[]);
    let mut conn = station.connect();
    conn.hello();

    conn.send_raw(b"{this is not json\n").unwrap();
    let reply = conn.recv_reply();
    assert_eq!(error_code(&reply), "bad_frame");
    assert!(reply.get("id").is_none());

    conn.send(json!({"id": 7, "type": "format_disk", "device": "/dev/sda"}));
    let reply = conn.recv_reply();
    assert_eq!(error_code(&reply), "unknown_message");
    assert_eq!(reply["id"], 7);

    conn.send(json!({"id": 8, "type": "unsubscribe", "subscription": "all"}));
    assert_eq!(error_code(&conn.recv_reply()), "bad_frame");

    conn.send(json!({"id": 9, "type": "unsubscribe", "subscription": 12345}));
    let reply = conn.recv_reply();
    assert_eq!(error_code(&reply), "not_found");

    conn.send(json!({"id": 10, "type": "ping"}));
    let pong = conn.recv_reply();
    assert_eq!(pong["id"], 10);
    assert_eq!(pong["body"]["kind"], "pong");

    // A frame cut off by the client hanging up closes only that connection.
    conn.send_raw(br#"{"id": 11, "type": "pi"#).unwrap();
    drop(conn);
    let mut next = station.connect();
    next.hello();
}

#[test]
fn protocol_mismatch_is_refused_with_the_fix() {
    let station = StationEnv::new();
    let pid = station.start_agent(&[]);
    let mut conn = station.connect();
    conn.send(json!({"id": 0, "type": "hello", "protocol_version": 999, "station_version": "9.9.9", "client": "future"}));
    let reply = conn.recv_reply();
    assert_eq!(error_code(&reply), "version_mismatch");
    let message = reply["message"].as_str().unwrap();
    assert!(message.contains("station agent stop"), "{message}");
    assert!(message.contains(&format!("pid {pid}")), "{message}");
    assert!(message.contains("9.9.9"), "{message}");
}

#[test]
fn an_oversize_frame_closes_only_its_own_connection() {
    let station = StationEnv::new();
    station.start_agent(&[]);

    let mut watcher = station.connect();
    watcher.hello();
    watcher.send(
        json!({"id": 1, "type": "subscribe_telemetry", "processes": {"sort": "cpu", "limit": 5}}),
    );
    let subscribed = watcher.recv_reply();
    assert_eq!(subscribed["body"]["kind"], "subscribed", "{subscribed}");

    let mut hostile = station.connect();
    hostile.hello();
    let chunk = vec![b'x'; 64 * 1024];
    let mut sent = 0;
    // Keep sending past the limit; the agent reads at most the limit and then hangs up, so a
    // write may fail with a broken pipe, which is the point.
    while sent < 5 * 1024 * 1024 {
        if hostile.send_raw(&chunk).is_err() {
            break;
        }
        sent += chunk.len();
    }
    let reply = hostile.recv().expect("an error frame before the close");
    assert_eq!(error_code(&reply), "frame_too_large");
    assert!(hostile.recv().is_none(), "then the connection is closed");

    // The other client keeps receiving telemetry, and new clients are served.
    let first = next_seq(&mut watcher);
    let second = next_seq(&mut watcher);
    assert!(
        second > first,
        "telemetry keeps flowing: {first} then {second}"
    );
    let mut newcomer = station.connect();
    newcomer.hello();
}

fn next_seq(conn: &mut Conn) -> u64 {
    loop {
        let frame = conn.recv().expect("telemetry event");
        if frame["type"] == "event" && frame["body"]["kind"] == "telemetry" {
            return frame["body"]["seq"].as_u64().expect("seq");
        }
    }
}

#[test]
fn telemetry_subscription_starts_with_history_and_respects_the_process_query() {
    let station = StationEnv::new();
    station.start_agent(&["--simulate-gpus", "2"]);
    let mut conn = station.connect();
    conn.hello();
    // Subscribing hands over the history: wait for two more samples, then subscribe again
    // (which replaces the process query) and find them in the history.
    conn.send(
        json!({"id": 1, "type": "subscribe_telemetry", "processes": {"sort": "cpu", "limit": 1}}),
    );
    assert_eq!(conn.recv_reply()["body"]["kind"], "subscribed");
    next_seq(&mut conn);
    next_seq(&mut conn);
    conn.send(json!({"id": 2, "type": "subscribe_telemetry", "processes": {"sort": "memory", "limit": 4}}));
    let reply = conn.recv_reply();
    let series = reply["body"]["snapshot"]["history"]["series"]
        .as_array()
        .cloned()
        .expect("series");
    let cpu = series
        .iter()
        .find(|s| s["key"] == "cpu")
        .expect("cpu history");
    assert!(
        cpu["points"].as_array().unwrap().len() >= 2,
        "history is filled: {cpu}"
    );
    assert!(
        series.iter().any(|s| s["key"] == "gpu.1.util"),
        "GPU history for the simulated GPUs"
    );
    assert_eq!(
        reply["body"]["snapshot"]["host"]["hostname"],
        conn_hostname()
    );

    let event = loop {
        let frame = conn.recv().expect("event");
        if frame["type"] == "event" {
            break frame;
        }
    };
    assert_eq!(event["subscription"], reply["body"]["subscription"]);
    let sample = &event["body"];
    assert_eq!(sample["gpus"]["source"]["kind"], "simulated");
    assert_eq!(sample["gpus"]["gpus"][0]["simulated"], true);
    let rows = sample["processes"]["rows"].as_array().unwrap();
    assert!(!rows.is_empty() && rows.len() <= 4, "{rows:?}");
    let rss: Vec<u64> = rows.iter().map(|r| r["rss"].as_u64().unwrap()).collect();
    assert!(
        rss.windows(2).all(|w| w[0] >= w[1]),
        "sorted by memory: {rss:?}"
    );

    // A client that holds the history already can change its query without it.
    conn.send(
        json!({"id": 3, "type": "subscribe_telemetry", "history": false,
        "processes": {"sort": "cpu", "limit": 2}}),
    );
    let light = conn.recv_reply();
    let snapshot = &light["body"]["snapshot"];
    assert_eq!(
        snapshot["history"]["series"].as_array().map(Vec::len),
        Some(0),
        "{light}"
    );
    let rows = snapshot["latest"]["processes"]["rows"]
        .as_array()
        .expect("rows in the new order");
    assert!(rows.len() <= 2, "{rows:?}");

    conn.send(
        json!({"id": 1000, "type": "unsubscribe", "subscription": light["body"]["subscription"]}),
    );
    assert_eq!(conn.recv_reply()["body"]["kind"], "unsubscribed");
}

fn conn_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_owned()
}
