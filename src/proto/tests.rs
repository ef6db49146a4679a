//! Protocol tests: every message survives a round trip, and hostile frames get the right
//! answer without harming the reader.

use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

use super::codec::{FrameCodec, FrameError, Rejected, parse_client_frame};
use super::jobs::{JobFilter, JobState, LogStart, LogStream};
use super::message::*;
use super::telemetry::*;

fn host() -> HostInfo {
    HostInfo {
        hostname: "gpu-box".into(),
        os: "Debian GNU/Linux 12 (bookworm)".into(),
        kernel: "6.1.0".into(),
        arch: "x86_64".into(),
        cpu_model: "EPYC".into(),
        logical_cpus: 2,
        boot_time: 1_700_000_000,
    }
}

fn sample() -> Sample {
    Sample {
        seq: 7,
        taken_at_ms: 1_700_000_000_123,
        interval_ms: 1000,
        uptime_secs: 3600,
        load: [0.5, 0.25, 0.125],
        cpu: CpuSample {
            total: 12.5,
            cores: vec![10.0, 15.0],
        },
        memory: MemorySample {
            total: 1 << 34,
            used: 1 << 32,
            available: 3 << 32,
            cached: 1 << 30,
            swap_total: 0,
            swap_used: 0,
        },
        cgroup: Some(CgroupLimits {
            path: "/user.slice".into(),
            memory_max: Some(1 << 33),
            memory_current: None,
            cpu_max_cores: Some(2.0),
        }),
        disks: vec![DiskSample {
            mount: "/".into(),
            device: "/dev/vda".into(),
            fs_type: "ext4".into(),
            total: 1 << 38,
            used: 1 << 35,
            read_bps: Some(0.0),
            write_bps: None,
        }],
        networks: vec![NetworkSample {
            name: "eth0".into(),
            rx_bps: 1024.0,
            tx_bps: 512.0,
            rx_total: 1 << 20,
            tx_total: 1 << 19,
        }],
        processes: ProcessTable {
            total: 100,
            matched: 100,
            rows: vec![ProcessSample {
                pid: 42,
                user: "ana".into(),
                command: "python train.py --lr 3e-4".into(),
                cpu: 398.5,
                rss: 1 << 31,
                gpu_memory: Some(1 << 33),
                kernel_thread: false,
            }],
        },
        gpus: GpuPanel {
            source: GpuSource::Simulated,
            gpus: vec![GpuSample {
                index: 0,
                name: "NVIDIA H200".into(),
                uuid: "GPU-SIMULATED-0".into(),
                simulated: true,
                utilization: Some(99),
                memory_used: Some(1_462_566_912),
                memory_total: Some(150_754_820_096),
                temperature_c: Some(61),
                power_w: Some(651.4),
                power_limit_w: Some(700.0),
                sm_clock_mhz: Some(1980),
                sm_clock_max_mhz: Some(1980),
                fan_percent: None,
                pcie_tx_bps: Some(1_306_000),
                pcie_rx_bps: None,
                processes: vec![GpuProcess {
                    pid: 42,
                    name: Some("python".into()),
                    memory: Some(1 << 33),
                }],
            }],
        },
    }
}

fn encode<T: serde::Serialize>(value: T) -> BytesMut {
    let mut buf = BytesMut::new();
    FrameCodec::new().encode(value, &mut buf).unwrap();
    buf
}

fn decode_server(mut buf: BytesMut) -> ServerMsg {
    let line = FrameCodec::new()
        .decode(&mut buf)
        .unwrap()
        .expect("a whole frame");
    assert!(buf.is_empty(), "exactly one frame");
    serde_json::from_slice(&line).unwrap()
}

#[test]
fn every_client_message_round_trips() {
    let messages = [
        ClientMsg::Hello {
            protocol_version: 1,
            station_version: "0.1.0".into(),
            client: "cli".into(),
        },
        ClientMsg::Ping,
        ClientMsg::Status {
            processes: ProcessQuery::default(),
        },
        ClientMsg::AgentInfo,
        ClientMsg::SubscribeTelemetry {
            history: false,
            processes: ProcessQuery {
                sort: ProcessSort::GpuMemory,
                limit: 5,
                filter: Some("py".into()),
                kernel_threads: true,
            },
        },
        ClientMsg::Unsubscribe { subscription: 3 },
        ClientMsg::Shutdown,
        ClientMsg::ShowJob { id: 41 },
        ClientMsg::RequeueJob { id: 42 },
        ClientMsg::JobLogs {
            id: 43,
            stream: LogStream::Stderr,
            start: LogStart::Tail(4096),
            follow: true,
        },
        ClientMsg::CancelJobs {
            ids: vec![44, 45],
            force: true,
            grace_secs: Some(3),
        },
        ClientMsg::ListJobs {
            filter: JobFilter {
                all: true,
                states: vec![JobState::Failed],
                limit: Some(5),
            },
        },
        ClientMsg::SubscribeJobs { only: Vec::new() },
        ClientMsg::SubscribeSummary,
    ];
    // Request ids differ from the job ids above, so a job id that took the request id's
    // place on the wire would show.
    for (id, msg) in messages.into_iter().enumerate() {
        let frame = ClientFrame { id: id as u64, msg };
        let mut buf = encode(&frame);
        assert_eq!(buf.last(), Some(&b'\n'));
        let line = FrameCodec::new().decode(&mut buf).unwrap().unwrap();
        assert_eq!(
            parse_client_frame(&line).unwrap(),
            frame,
            "{}",
            String::from_utf8_lossy(&line)
        );
    }
}

#[test]
fn every_server_message_round_trips() {
    let agent = AgentInfo {
        pid: 9,
        station_version: "0.1.0".into(),
        protocol_version: 1,
        started_at: 5,
        socket: "/run/user/0/station/agent.sock".into(),
        log_file: "/root/.local/state/station/agent.log".into(),
        sample_interval_ms: 1000,
        clients: 2,
        simulated_gpus: true,
    };
    let history = History {
        interval_ms: 1000,
        last_seq: 7,
        series: vec![Series {
            key: "cpu".into(),
            points: vec![1.0, 2.5],
        }],
    };
    let messages = [
        ServerMsg::Response {
            id: 0,
            body: Response::Ready(Ready {
                protocol_version: 1,
                station_version: "0.1.0".into(),
                agent_pid: 9,
                host: host(),
            }),
        },
        ServerMsg::Response {
            id: 1,
            body: Response::Pong,
        },
        ServerMsg::Response {
            id: 2,
            body: Response::Status(Box::new(StatusReport {
                host: host(),
                agent: agent.clone(),
                sample: Some(sample()),
                power: Some("active: 2 jobs, 1 SSH session".into()),
            })),
        },
        ServerMsg::Response {
            id: 3,
            body: Response::AgentInfo(agent),
        },
        ServerMsg::Response {
            id: 4,
            body: Response::Subscribed {
                subscription: 1,
                snapshot: Box::new(TelemetrySnapshot {
                    host: host(),
                    latest: Some(sample()),
                    history,
                }),
            },
        },
        ServerMsg::Response {
            id: 5,
            body: Response::Unsubscribed { subscription: 1 },
        },
        ServerMsg::Response {
            id: 6,
            body: Response::ShuttingDown,
        },
        ServerMsg::Error {
            id: Some(7),
            code: ErrorCode::UnknownMessage,
            message: "x".into(),
        },
        ServerMsg::Error {
            id: None,
            code: ErrorCode::FrameTooLarge,
            message: "y".into(),
        },
        ServerMsg::Event {
            subscription: 1,
            body: Event::Telemetry(Box::new(sample())),
        },
        ServerMsg::Event {
            subscription: 0,
            body: Event::Notice {
                level: NoticeLevel::Warning,
                message: "stopping".into(),
            },
        },
    ];
    for msg in messages {
        assert_eq!(decode_server(encode(&msg)), msg);
    }
}

#[test]
fn gpu_sources_round_trip() {
    for source in [
        GpuSource::Nvml {
            driver_version: "580.159.04".into(),
            nvml_version: "13.580".into(),
        },
        GpuSource::Simulated,
        GpuSource::Unavailable {
            reason: "no NVIDIA driver".into(),
        },
        GpuSource::Loading,
    ] {
        let json = serde_json::to_string(&source).unwrap();
        assert_eq!(serde_json::from_str::<GpuSource>(&json).unwrap(), source);
    }
}

#[test]
fn frames_split_across_reads_and_batched_in_one_read() {
    let mut codec = FrameCodec::new();
    let mut buf = BytesMut::from(&b"{\"id\":1,\"ty"[..]);
    assert!(codec.decode(&mut buf).unwrap().is_none());
    buf.extend_from_slice(b"pe\":\"ping\"}\r\n{\"id\":2,\"type\":\"ping\"}\n");
    let first = codec.decode(&mut buf).unwrap().unwrap();
    let second = codec.decode(&mut buf).unwrap().unwrap();
    assert_eq!(
        parse_client_frame(&first).unwrap(),
        ClientFrame {
            id: 1,
            msg: ClientMsg::Ping
        }
    );
    assert_eq!(
        parse_client_frame(&second).unwrap(),
        ClientFrame {
            id: 2,
            msg: ClientMsg::Ping
        }
    );
    assert!(codec.decode(&mut buf).unwrap().is_none());
}

#[test]
fn oversize_frame_fails_as_soon_as_the_limit_is_passed() {
    let mut codec = FrameCodec::with_max_len(64);
    let mut buf = BytesMut::from(&[b'x'; 64][..]);
    assert!(
        codec.decode(&mut buf).unwrap().is_none(),
        "64 bytes without newline may still end"
    );
    buf.extend_from_slice(b"x");
    assert!(matches!(
        codec.decode(&mut buf),
        Err(FrameError::TooLarge { limit: 64 })
    ));
    let mut with_newline = BytesMut::from(format!("{}\n", "y".repeat(65)).as_str());
    assert!(matches!(
        FrameCodec::with_max_len(64).decode(&mut with_newline),
        Err(FrameError::TooLarge { .. })
    ));
}

#[test]
fn truncated_frame_at_eof_is_an_error_but_trailing_whitespace_is_not() {
    let mut buf = BytesMut::from(&b"{\"id\":1,\"type\":\"pi"[..]);
    assert!(matches!(
        FrameCodec::new().decode_eof(&mut buf),
        Err(FrameError::Truncated { len: 18 })
    ));
    let mut blank = BytesMut::from(&b" \n"[..]);
    let mut codec = FrameCodec::new();
    assert_eq!(&codec.decode_eof(&mut blank).unwrap().unwrap()[..], b" ");
    assert!(codec.decode_eof(&mut blank).unwrap().is_none());
}

#[test]
fn encoding_refuses_frames_over_the_limit() {
    let mut buf = BytesMut::new();
    let result = FrameCodec::with_max_len(10).encode(&"a string longer than ten", &mut buf);
    assert!(matches!(result, Err(FrameError::TooLarge { limit: 10 })));
    assert!(buf.is_empty(), "nothing half-written");
}

fn rejected(line: &str) -> Rejected {
    parse_client_frame(line.as_bytes()).expect_err(line)
}

#[test]
fn hostile_frames_are_rejected_with_the_right_code() {
    let bad_json = rejected("{\"id\":1,");
    assert_eq!((bad_json.id, bad_json.code), (None, ErrorCode::BadFrame));
    assert!(
        bad_json.message.starts_with("not valid JSON"),
        "{}",
        bad_json.message
    );

    let not_object = rejected("[1,2,3]");
    assert_eq!(not_object.code, ErrorCode::BadFrame);

    let unknown = rejected(r#"{"id":4,"type":"format_disk"}"#);
    assert_eq!(
        (unknown.id, unknown.code),
        (Some(4), ErrorCode::UnknownMessage)
    );
    assert_eq!(unknown.message, "unknown message type \"format_disk\"");

    let no_type = rejected(r#"{"id":5}"#);
    assert_eq!((no_type.id, no_type.code), (Some(5), ErrorCode::BadFrame));

    let no_id = rejected(r#"{"type":"ping"}"#);
    assert_eq!((no_id.id, no_id.code), (None, ErrorCode::BadFrame));

    let wrong_shape = rejected(r#"{"id":6,"type":"unsubscribe","subscription":"three"}"#);
    assert_eq!(
        (wrong_shape.id, wrong_shape.code),
        (Some(6), ErrorCode::BadFrame)
    );
    assert!(
        wrong_shape.message.contains("malformed \"unsubscribe\""),
        "{}",
        wrong_shape.message
    );

    let binary = parse_client_frame(&[0xff, 0xfe, 0x00]).expect_err("binary");
    assert_eq!(binary.code, ErrorCode::BadFrame);
}
