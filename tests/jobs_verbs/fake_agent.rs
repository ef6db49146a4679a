//! A scripted stand-in for the agent: it listens on an isolated instance's socket, accepts
//! one connection, answers `hello` itself and every other request from a script.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::thread::JoinHandle;

use station::proto::telemetry::HostInfo;
use station::proto::{
    ClientMsg, PROTOCOL_VERSION, Ready, Response, STATION_VERSION, ServerMsg, parse_client_frame,
};

use crate::support::station::StationEnv;
use crate::support::wait;

/// What the fake agent sends back for one request (responses and events, in order).
pub type Script = Box<dyn FnMut(u64, &ClientMsg) -> Vec<ServerMsg> + Send>;

/// Serves one connection on `env`'s socket with `script`; joins to the requests it got.
pub fn fake_agent(env: &StationEnv, mut script: Script) -> JoinHandle<Vec<ClientMsg>> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(env.runtime_dir())
        .unwrap();
    let listener = UnixListener::bind(env.socket()).unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        // A verb that never connects fails its test's assertions instead of hanging it.
        let Ok((stream, _)) = wait::poll(wait::default_timeout(), || listener.accept().ok()) else {
            return Vec::new();
        };
        stream.set_nonblocking(false).unwrap();
        stream
            .set_read_timeout(Some(wait::default_timeout()))
            .unwrap();
        let mut writer = stream.try_clone().unwrap();
        let mut received = Vec::new();
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            let frame = parse_client_frame(line.as_bytes()).unwrap();
            let replies = match &frame.msg {
                ClientMsg::Hello { .. } => vec![ready(frame.id)],
                msg => script(frame.id, msg),
            };
            received.push(frame.msg);
            if !send(&mut writer, &replies) {
                break;
            }
        }
        received
    })
}

/// Writes `msgs`; false once the client has gone.
fn send(writer: &mut UnixStream, msgs: &[ServerMsg]) -> bool {
    msgs.iter().all(|msg| {
        let mut line = serde_json::to_vec(msg).unwrap();
        line.push(b'\n');
        writer.write_all(&line).is_ok()
    })
}

fn ready(id: u64) -> ServerMsg {
    let host = HostInfo {
        hostname: "fake".into(),
        os: "Linux".into(),
        kernel: "6".into(),
        arch: "x86_64".into(),
        cpu_model: "cpu".into(),
        logical_cpus: 2,
        boot_time: 0,
    };
    let ready = Ready {
        protocol_version: PROTOCOL_VERSION,
        station_version: STATION_VERSION.into(),
        agent_pid: std::process::id(),
        host,
    };
    respond(id, Response::Ready(ready))
}

pub fn respond(id: u64, body: Response) -> ServerMsg {
    ServerMsg::Response { id, body }
}
