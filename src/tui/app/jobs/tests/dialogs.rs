//! The log view, the cancel confirmation and the submit form through `update`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::super::*;
use super::Harness;
use crate::proto::jobs::{CancelAction, CancelOutcome, LogStart, LogStream};
use crate::tui::app::{AgentMsg, JobReply, JobRequest, Msg, View};
use crate::tui::fixtures;
use crate::tui::fixtures::jobs::{chunk, job};

#[test]
fn the_log_view_follows_one_log_and_lets_go_of_it() {
    let mut h = Harness::new(80, 24);
    assert!(h.key(KeyCode::Enter));
    let logs = h.app.jobs.logs.as_ref().unwrap();
    let follow = logs.follow_id;
    assert_eq!((logs.job, logs.stream), (5, LogStream::Stdout));
    assert_eq!(
        h.requests(),
        [JobRequest::FollowLog {
            follow,
            job: 5,
            stream: LogStream::Stdout,
            start: LogStart::Tail(logs::TAIL_BYTES),
        }]
    );
    let text = fixtures::jobs::train_log();
    assert!(h.agent(AgentMsg::Log {
        follow,
        chunk: chunk(1000, &text),
    }));
    assert!(
        !h.agent(AgentMsg::Log {
            follow: follow + 100,
            chunk: chunk(9000, "stale\n"),
        }),
        "chunks of another follow are dropped"
    );
    let page = crate::tui::layout::JobsLayout::compute(h.app.area).log_rows();
    let logs = h.app.jobs.logs.as_ref().unwrap();
    assert_eq!(logs.lines().len(), 41);
    assert_eq!(logs.scroll, 41 - page, "following the end");
    h.press('k');
    assert!(!h.app.jobs.logs.as_ref().unwrap().follow);
    h.press('F');
    let logs = h.app.jobs.logs.as_ref().unwrap();
    assert!(logs.follow);
    assert_eq!(logs.scroll, 41 - page);
    h.press('s');
    let logs = h.app.jobs.logs.as_ref().unwrap();
    assert_eq!(logs.stream, LogStream::Stderr);
    assert!(logs.lines().is_empty());
    let requests = h.requests();
    assert!(
        matches!(requests[..], [JobRequest::FollowLog { follow: f, stream: LogStream::Stderr, .. }] if f != follow),
        "{requests:?}"
    );
    h.key(KeyCode::Esc);
    assert!(h.app.jobs.logs.is_none());
    assert_eq!(h.requests(), [JobRequest::StopLog]);
    assert_eq!(h.app.view, View::Jobs, "Esc closes only the log");
}

#[test]
fn a_reconnection_resumes_the_log_where_it_stopped() {
    let mut h = Harness::new(80, 24);
    h.key(KeyCode::Enter);
    let follow = h.app.jobs.logs.as_ref().unwrap().follow_id;
    h.agent(AgentMsg::Log {
        follow,
        chunk: chunk(500, "one\ntwo\n"),
    });
    h.requests();
    h.agent(AgentMsg::Lost {
        reason: "connection reset".into(),
    });
    h.agent(AgentMsg::Connected(Box::new(fixtures::connected(4))));
    let requests = h.requests();
    let [
        JobRequest::FollowLog {
            follow: again,
            job: 5,
            start,
            ..
        },
    ] = requests[..]
    else {
        panic!("{requests:?}");
    };
    assert_ne!(again, follow);
    assert_eq!(start, LogStart::Offset(508));
    assert!(h.agent(AgentMsg::Log {
        follow: again,
        chunk: chunk(508, "three\n"),
    }));
    let lines: Vec<&str> = h
        .app
        .jobs
        .logs
        .as_ref()
        .unwrap()
        .lines()
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(lines, ["one", "two", "three"]);
}

#[test]
fn cancel_asks_first_and_reports_the_answer() {
    let mut h = Harness::new(80, 24);
    assert!(h.press('x'));
    let confirm = h.app.jobs.confirm.clone().unwrap();
    assert_eq!(
        (confirm.id, confirm.label.as_str(), confirm.running),
        (5, "train", true)
    );
    assert!(h.press('n'));
    assert!(h.app.jobs.confirm.is_none());
    assert!(h.requests().is_empty(), "no is no");
    h.press('d');
    h.press('j');
    assert!(h.app.jobs.confirm.is_none(), "any other key answers no");
    assert_eq!(h.selected(), Some(5), "and does nothing else");
    assert!(h.requests().is_empty());
    h.press('x');
    h.press('y');
    assert_eq!(h.requests(), [JobRequest::Cancel(vec![5])]);
    h.agent(AgentMsg::JobReply(JobReply::Cancelled(vec![
        CancelOutcome {
            id: 5,
            action: CancelAction::Terminating { grace_secs: 10 },
        },
    ])));
    let message = h.app.message.clone().unwrap().text;
    assert!(
        message.contains("SIGTERM") && message.contains("10 s"),
        "{message}"
    );
    h.agent(AgentMsg::JobReply(JobReply::CancelFailed {
        ids: vec![5],
        reason: "no job 5".into(),
    }));
    assert_eq!(
        h.app.message.clone().unwrap().text,
        "cannot cancel job 5: no job 5"
    );
    h.press('g');
    h.press('g');
    h.press('x');
    assert!(h.app.jobs.confirm.is_none(), "job 1 has ended");
    assert!(
        h.app
            .message
            .clone()
            .unwrap()
            .text
            .contains("already ended")
    );
}

#[test]
fn the_form_checks_as_it_is_typed_and_submits_once() {
    let mut h = Harness::new(80, 24);
    assert!(h.press('n'));
    let problem = |h: &Harness| h.app.jobs.form.as_ref().unwrap().problem.clone();
    assert_eq!(problem(&h).unwrap().field, Some(Field::Command));
    h.type_text("python eval.py --quick");
    assert_eq!(problem(&h), None);
    assert!(!h.app.quit, "q and other global keys are typed, not obeyed");
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.type_text("quick eval");
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.key(KeyCode::Backspace);
    h.press('9');
    assert_eq!(
        problem(&h).unwrap().message,
        "asks for 9 GPUs; the instance has 4"
    );
    h.key(KeyCode::Enter);
    assert!(h.requests().is_empty(), "a form with a problem is not sent");
    h.key(KeyCode::Backspace);
    h.press('1');
    h.key(KeyCode::Enter);
    let requests = h.requests();
    let [JobRequest::Submit(spec)] = &requests[..] else {
        panic!("{requests:?}");
    };
    assert_eq!(spec.name.as_deref(), Some("quick eval"));
    assert_eq!(spec.gpus.count(), 1);
    assert_eq!(spec.cwd, "/home/ana/llm");
    assert!(h.app.jobs.form.as_ref().unwrap().submitting);
    h.key(KeyCode::Enter);
    assert!(
        h.requests().is_empty(),
        "Enter while submitting sends nothing more"
    );
    h.agent(AgentMsg::JobReply(JobReply::SubmitFailed {
        reason: "the working folder is gone".into(),
    }));
    let form = h.app.jobs.form.as_ref().unwrap();
    assert!(!form.submitting);
    assert_eq!(form.refused.as_deref(), Some("the working folder is gone"));
    h.key(KeyCode::Enter);
    assert_eq!(h.requests().len(), 1);
    let submitted = job(12, Some("quick eval"), "python eval.py --quick", 1, 1, 0);
    h.agent(AgentMsg::JobReply(JobReply::Submitted(Box::new(submitted))));
    assert!(h.app.jobs.form.is_none());
    assert_eq!(h.selected(), Some(12));
    assert_eq!(
        h.app.message.clone().unwrap().text,
        "job 12 (quick eval) submitted"
    );
}

#[test]
fn the_form_closes_with_escape_and_ctrl_c_still_quits() {
    let mut h = Harness::new(80, 24);
    h.press('n');
    h.type_text("true");
    h.key(KeyCode::Esc);
    assert!(h.app.jobs.form.is_none());
    assert!(h.requests().is_empty());
    h.press('n');
    h.send(Msg::Key(KeyEvent::new(
        KeyCode::Char('t'),
        KeyModifiers::CONTROL,
    )));
    assert!(h.app.jobs.form.as_ref().unwrap().shell);
    h.send(Msg::Paste("make all && make test".into()));
    assert_eq!(h.app.jobs.form.as_ref().unwrap().problem, None);
    h.send(Msg::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(h.app.quit);
}
