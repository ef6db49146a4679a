//! A raw protocol connection to an agent: JSON lines over its Unix socket, the way any
//! client speaks them, so tests can also send what no well-behaved client would.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;

use serde_json::Value;

use super::wait;

/// A line-oriented JSON connection, as any client would speak it.
pub struct Conn {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl Conn {
    pub fn open(socket: &Path) -> Conn {
        let stream = UnixStream::connect(socket).expect("connect to the agent");
        stream
            .set_read_timeout(Some(wait::default_timeout()))
            .expect("timeout");
        Conn {
            writer: stream.try_clone().expect("clone"),
            reader: BufReader::new(stream),
        }
    }

    pub fn send_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.writer.write_all(bytes)
    }

    pub fn send(&mut self, frame: Value) {
        let mut line = serde_json::to_vec(&frame).expect("json");
        line.push(b'\n');
        self.send_raw(&line).expect("send");
    }

    /// The next frame, or `None` at end of stream.
    pub fn recv(&mut self) -> Option<Value> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) => None,
            Ok(_) => Some(serde_json::from_str(&line).expect("agent sent JSON")),
            Err(e) => panic!("reading from the agent: {e}"),
        }
    }

    /// Reads frames until one that is not a telemetry event.
    pub fn recv_reply(&mut self) -> Value {
        loop {
            let frame = self.recv().expect("a reply before EOF");
            if frame["type"] != "event" {
                return frame;
            }
        }
    }

    pub fn hello(&mut self) -> Value {
        self.send(serde_json::json!({
            "id": 0, "type": "hello", "protocol_version": station::proto::PROTOCOL_VERSION,
            "station_version": env!("CARGO_PKG_VERSION"), "client": "test"
        }));
        let ready = self.recv_reply();
        assert_eq!(ready["body"]["kind"], "ready", "{ready}");
        ready
    }
}
