//! The job channel's books: answers matched to requests, the followed log, losses.

use super::*;
use crate::proto::ErrorCode;
use crate::proto::jobs::{LogStart, LogStream};
use crate::tui::fixtures::jobs as fixture;

/// Sends `outgoing` on a pretend connection whose request ids count from `first`.
fn send(channel: &mut JobChannel, outgoing: Vec<Outgoing>, first: u64) -> Vec<(u64, ClientMsg)> {
    outgoing
        .into_iter()
        .enumerate()
        .map(|(i, (msg, pending))| {
            let id = first + i as u64;
            channel.sent(id, pending);
            (id, msg)
        })
        .collect()
}

fn respond(channel: &mut JobChannel, id: u64, body: Response) -> Outcome {
    channel.take(ServerMsg::Response { id, body }).unwrap()
}

fn follow(follow: u64) -> JobRequest {
    JobRequest::FollowLog {
        follow,
        job: 5,
        stream: LogStream::Stdout,
        start: LogStart::Tail(64),
    }
}

#[test]
fn the_jobs_subscription_answers_and_its_events_reach_the_console() {
    let mut channel = JobChannel::default();
    let subscribe = channel.on_connect();
    let sent = send(&mut channel, subscribe, 1);
    assert_eq!(sent, [(1, ClientMsg::SubscribeJobs { only: Vec::new() })]);
    let outcome = respond(
        &mut channel,
        1,
        Response::JobsSubscribed {
            subscription: 7,
            snapshot: Box::new(fixture::snapshot()),
        },
    );
    assert!(matches!(outcome.to_loop, Some(AgentMsg::Jobs(s)) if s.jobs.len() == 11));
    let update = Event::Jobs(Box::new(crate::proto::jobs::JobsUpdate {
        changed: Vec::new(),
        capacity: None,
    }));
    let outcome = channel
        .take(ServerMsg::Event {
            subscription: 7,
            body: update,
        })
        .unwrap();
    assert!(matches!(outcome.to_loop, Some(AgentMsg::JobsChanged(_))));
    let resync = Event::JobsResync(Box::new(fixture::snapshot()));
    let outcome = channel
        .take(ServerMsg::Event {
            subscription: 7,
            body: resync,
        })
        .unwrap();
    assert!(matches!(outcome.to_loop, Some(AgentMsg::Jobs(_))));
}

#[test]
fn an_agent_without_jobs_refuses_and_the_console_is_told_why() {
    let mut channel = JobChannel::default();
    let subscribe = channel.on_connect();
    send(&mut channel, subscribe, 1);
    let outcome = channel
        .take(ServerMsg::Error {
            id: Some(1),
            code: ErrorCode::UnknownMessage,
            message: "unknown message `subscribe_jobs`".into(),
        })
        .unwrap();
    assert!(matches!(
        outcome.to_loop,
        Some(AgentMsg::JobsUnavailable { reason }) if reason.contains("subscribe_jobs")
    ));
}

#[test]
fn messages_that_are_not_about_jobs_are_given_back() {
    let mut channel = JobChannel::default();
    let pong = ServerMsg::Response {
        id: 3,
        body: Response::Pong,
    };
    assert_eq!(*channel.take(pong.clone()).unwrap_err(), pong);
    let error = ServerMsg::Error {
        id: Some(3),
        code: ErrorCode::BadFrame,
        message: "x".into(),
    };
    assert_eq!(*channel.take(error.clone()).unwrap_err(), error);
}

#[test]
fn submits_and_cancels_are_answered_and_failed() {
    let mut channel = JobChannel::default();
    let spec = fixture::detail_of_train().spec;
    let submit = channel.request(JobRequest::Submit(Box::new(spec.clone())));
    let sent = send(&mut channel, submit, 4);
    assert_eq!(sent, [(4, ClientMsg::SubmitJob { spec })]);
    let job = fixture::jobs().swap_remove(7);
    let outcome = respond(&mut channel, 4, Response::Submitted { job: job.clone() });
    assert!(matches!(
        outcome.to_loop,
        Some(AgentMsg::JobReply(JobReply::Submitted(v))) if *v == job
    ));
    let cancel = channel.request(JobRequest::Cancel(vec![5, 6]));
    let sent = send(&mut channel, cancel, 5);
    assert!(matches!(
        &sent[..],
        [(5, ClientMsg::CancelJobs { ids, force: false, .. })] if *ids == [5, 6]
    ));
    let outcome = channel
        .take(ServerMsg::Error {
            id: Some(5),
            code: ErrorCode::NotFound,
            message: "no job 6".into(),
        })
        .unwrap();
    assert!(matches!(
        outcome.to_loop,
        Some(AgentMsg::JobReply(JobReply::CancelFailed { ids, reason }))
            if ids == [5, 6] && reason == "no job 6"
    ));
}

#[test]
fn a_lost_connection_fails_what_was_not_answered() {
    let mut channel = JobChannel::default();
    let subscribe = channel.on_connect();
    send(&mut channel, subscribe, 1);
    let spec = fixture::detail_of_train().spec;
    let submit = channel.request(JobRequest::Submit(Box::new(spec)));
    send(&mut channel, submit, 2);
    let show = channel.request(JobRequest::Show(5));
    send(&mut channel, show, 3);
    let told = channel.on_lost();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(matches!(
        &told[0],
        AgentMsg::JobReply(JobReply::SubmitFailed { reason }) if reason.contains("broke")
    ));
    assert!(channel.on_lost().is_empty(), "each is told once");
    let offline = channel.offline(JobRequest::Cancel(vec![1]));
    assert!(matches!(
        offline,
        Some(AgentMsg::JobReply(JobReply::CancelFailed { .. }))
    ));
    assert!(channel.offline(follow(1)).is_none());
}

#[test]
fn one_log_is_followed_and_the_others_are_let_go() {
    let mut channel = JobChannel::default();
    let first = channel.request(follow(1));
    let sent = send(&mut channel, first, 10);
    assert!(matches!(
        &sent[..],
        [(
            10,
            ClientMsg::JobLogs {
                id: 5,
                follow: true,
                start: LogStart::Tail(64),
                ..
            }
        )]
    ));
    // Switched to another stream before the first answer came.
    let second = channel.request(follow(2));
    let sent = send(&mut channel, second, 11);
    assert_eq!(sent.len(), 1, "nothing to unsubscribe yet: {sent:?}");
    let log = |subscription, offset| Response::Log {
        subscription: Some(subscription),
        chunk: fixture::chunk(offset, "x\n"),
        size: offset + 2,
    };
    let outcome = respond(&mut channel, 10, log(30, 0));
    assert!(
        outcome.to_loop.is_none(),
        "the old follow's answer is not shown"
    );
    assert_eq!(
        outcome.send,
        [(
            ClientMsg::Unsubscribe { subscription: 30 },
            Pending::Unsubscribe
        )]
    );
    let outcome = respond(&mut channel, 11, log(31, 0));
    assert!(matches!(
        outcome.to_loop,
        Some(AgentMsg::Log { follow: 2, .. })
    ));
    let event = |subscription| ServerMsg::Event {
        subscription,
        body: Event::Log(fixture::chunk(2, "y\n")),
    };
    let outcome = channel.take(event(31)).unwrap();
    assert!(matches!(
        outcome.to_loop,
        Some(AgentMsg::Log { follow: 2, .. })
    ));
    let outcome = channel.take(event(30)).unwrap();
    assert!(outcome.to_loop.is_none(), "a late event of the old follow");
    let stop = channel.request(JobRequest::StopLog);
    assert_eq!(
        stop,
        [(
            ClientMsg::Unsubscribe { subscription: 31 },
            Pending::Unsubscribe
        )]
    );
    assert!(channel.request(JobRequest::StopLog).is_empty());
}

#[test]
fn a_log_answered_without_a_subscription_is_read_on() {
    let mut channel = JobChannel::default();
    let first = channel.request(follow(1));
    send(&mut channel, first, 1);
    let outcome = respond(
        &mut channel,
        1,
        Response::Log {
            subscription: None,
            chunk: fixture::chunk(0, "abc"),
            size: 10,
        },
    );
    assert!(matches!(
        outcome.to_loop,
        Some(AgentMsg::Log { follow: 1, .. })
    ));
    assert!(matches!(
        &outcome.send[..],
        [(
            ClientMsg::JobLogs {
                start: LogStart::Offset(3),
                follow: true,
                ..
            },
            Pending::Logs { follow: 1 }
        )]
    ));
    send(&mut channel, outcome.send, 2);
    let outcome = channel
        .take(ServerMsg::Error {
            id: Some(2),
            code: ErrorCode::NotFound,
            message: "no job 5".into(),
        })
        .unwrap();
    assert!(matches!(
        outcome.to_loop,
        Some(AgentMsg::LogFailed { follow: 1, reason }) if reason == "no job 5"
    ));
}
