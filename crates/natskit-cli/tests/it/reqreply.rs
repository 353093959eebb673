//! `natskit req` and `natskit reply`.

use crate::support::{natskit, one_error_line, server, Running};

#[test]
fn req_gets_the_answer_of_reply() {
    let server = server();
    let reply = Running::start(
        &server,
        &["reply", "svc.add", "3", "--count", "1"],
        "Listening on svc.add",
    );
    natskit(&server, &["req", "svc.add", "1 2"])
        .assert()
        .success()
        .stdout("3\n");
    let done = reply.finish();
    assert!(done.status.success(), "{done:?}");
    // The request it answered is shown on its standard error.
    assert!(
        done.stderr
            .contains("[#1] Received on \"svc.add\" (reply \"_INBOX."),
        "{done:?}"
    );
    assert!(done.stderr.contains("\n1 2"), "{done:?}");
}

#[test]
fn reply_echo_returns_payload_and_headers() {
    let server = server();
    let reply = Running::start(
        &server,
        &["reply", "echo", "--echo", "--count", "1"],
        "Listening on",
    );
    natskit(
        &server,
        &["req", "echo", "ping", "-H", "Trace-Id:7", "--timeout", "2s"],
    )
    .assert()
    .success()
    .stdout("Trace-Id: 7\n\nping\n");
    assert!(reply.finish().status.success());
}

#[test]
fn reply_queue_members_each_answer_once() {
    let server = server();
    let a = Running::start(
        &server,
        &["reply", "q.svc", "from a", "-q", "g", "-c", "1"],
        "Listening on q.svc in queue group \"g\"",
    );
    let b = Running::start(
        &server,
        &["reply", "q.svc", "from b", "-q", "g", "-c", "1"],
        "Listening on",
    );
    let mut answers: Vec<String> = (0..2)
        .map(|_| {
            let out = natskit(&server, &["req", "q.svc"]).assert().success();
            String::from_utf8_lossy(&out.get_output().stdout).into_owned()
        })
        .collect();
    answers.sort_unstable();
    assert_eq!(answers, ["from a\n", "from b\n"]);
    assert!(a.finish().status.success());
    assert!(b.finish().status.success());
}

#[test]
fn reply_answers_in_the_nats_cli_queue_group_by_default() {
    let server = server();
    let a = Running::start(
        &server,
        &["reply", "dq.svc", "from a", "-c", "1"],
        "Listening on dq.svc in queue group \"NATS-RPLY-22\"",
    );
    let b = Running::start(
        &server,
        &["reply", "dq.svc", "from b", "-c", "1"],
        "Listening on",
    );
    // Outside a group each would take both requests, answer the first and leave, and the
    // second request would find nobody.
    let mut answers: Vec<String> = (0..2)
        .map(|_| {
            let out = natskit(&server, &["req", "dq.svc"]).assert().success();
            String::from_utf8_lossy(&out.get_output().stdout).into_owned()
        })
        .collect();
    answers.sort_unstable();
    assert_eq!(answers, ["from a\n", "from b\n"]);
    assert!(a.finish().status.success());
    assert!(b.finish().status.success());
}

#[test]
fn req_without_responders_fails_with_one_line() {
    let server = server();
    let out = natskit(&server, &["req", "svc.add", "1 2"])
        .assert()
        .code(1);
    let output = out.get_output();
    assert_eq!(
        one_error_line(output),
        "error: no responders for \"svc.add\""
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn req_times_out_when_nobody_answers() {
    let server = server();
    // A subscriber that never answers: the server has a responder, so no 503 comes back.
    let _silent = Running::start(&server, &["sub", "svc.slow"], "Subscribing on");
    let out = natskit(&server, &["req", "svc.slow", "--timeout", "200ms"])
        .assert()
        .code(1);
    let line = one_error_line(out.get_output());
    assert!(
        line.starts_with("error: request to \"svc.slow\" timed out"),
        "{line}"
    );
}
