//! `natskit reply`: `--command`, body and header templates, `--sleep` and `--count`.

use std::time::{Duration, Instant};

use crate::support::{
    error_without_server, natskit, natskit_bare, one_error_line, server, Running,
};

/// Standard output of a successful `natskit req`.
fn answer(server: &natskit_test::NatsServer, args: &[&str]) -> String {
    let out = natskit(server, args).assert().success();
    String::from_utf8_lossy(&out.get_output().stdout).into_owned()
}

#[test]
fn command_gets_subject_tokens_and_the_body_on_stdin() {
    let server = server();
    let reply = Running::start(
        &server,
        &[
            "reply",
            "weather.>",
            "--command",
            r#"printf '%s|%s|%s|' "{{0}}" "{{1}}" "$NATS_REQUEST_SUBJECT"; tr a-z A-Z"#,
            "--count",
            "1",
        ],
        "Listening on weather.>",
    );
    assert_eq!(
        answer(&server, &["req", "weather.london.today", "sunny?"]),
        "weather|london|weather.london.today|SUNNY?\n"
    );
    assert!(reply.finish().status.success());
}

#[test]
fn subject_tokens_cannot_inject_shell_code() {
    let server = server();
    let reply = Running::start(
        &server,
        &["reply", "x.*", "--command", "echo {{1}}", "-c", "1"],
        "Listening on",
    );
    // Were the token pasted into the command, the shell would run `id` here.
    assert_eq!(answer(&server, &["req", "x.$(id);id"]), "$(id);id\n");
    assert!(reply.finish().status.success());
}

#[test]
fn a_failing_command_answers_with_its_error() {
    let server = server();
    let reply = Running::start(
        &server,
        &[
            "reply",
            "job",
            "--command",
            "echo partial; echo 'disk full' >&2; exit 3",
            "-c",
            "1",
        ],
        "Listening on",
    );
    assert_eq!(
        answer(&server, &["req", "job"]),
        "Nats-Service-Error: the command exited with status 3\n\
         Nats-Service-Error-Code: 500\n\ndisk full\n"
    );
    let done = reply.finish();
    assert!(done.status.success(), "{done:?}");
    assert!(
        done.stderr
            .contains("warning: request #1: the command exited with status 3"),
        "{done:?}"
    );
}

#[test]
fn a_missing_token_answers_with_an_error() {
    let server = server();
    let reply = Running::start(
        &server,
        &["reply", "t.>", "--command", "echo {{2}}", "-c", "1"],
        "Listening on",
    );
    assert_eq!(
        answer(&server, &["req", "t.only"]),
        "Nats-Service-Error: the subject \"t.only\" has no token {{2}}\n\
         Nats-Service-Error-Code: 500\n\nthe subject \"t.only\" has no token {{2}}\n"
    );
    assert!(reply.finish().status.success());
}

#[test]
fn body_and_header_templates_take_the_request() {
    let server = server();
    let reply = Running::start(
        &server,
        &[
            "reply",
            "greet.*",
            "hello {{1}} #{{Count}}: {{Request}}",
            "-H",
            "Seq:{{Count}}",
            "--count",
            "2",
        ],
        "Listening on",
    );
    assert_eq!(
        answer(&server, &["req", "greet.joe", "hi"]),
        "Seq: 1\n\nhello joe #1: hi\n"
    );
    assert_eq!(
        answer(&server, &["req", "greet.ann", "yo"]),
        "Seq: 2\n\nhello ann #2: yo\n"
    );
    assert!(reply.finish().status.success());
}

#[test]
fn sleep_pauses_each_answer_a_random_time_up_to_its_value() {
    let server = server();
    let reply = Running::start(
        &server,
        &["reply", "slow", "ok", "--sleep", "400ms", "-c", "5"],
        "Listening on",
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let times: Vec<Duration> = runtime.block_on(async {
        let client = natskit::connect(&server.url()).await.expect("connect");
        let mut times = Vec::new();
        for _ in 0..5 {
            let started = Instant::now();
            let answer = client.request("slow", "").await.expect("an answer");
            times.push(started.elapsed());
            assert_eq!(answer.payload, "ok");
        }
        client.close().await.expect("close");
        times
    });
    // Up to the value (and some slack for a busy machine), and not always the whole of it:
    // five pauses of at least 380ms out of 0-400ms would come once in millions of runs.
    assert!(
        times.iter().all(|t| *t < Duration::from_millis(400 + 600)),
        "{times:?}"
    );
    assert!(
        times.iter().any(|t| *t < Duration::from_millis(380)),
        "{times:?}"
    );
    assert!(reply.finish().status.success());
}

#[test]
fn count_stops_after_n_answers() {
    let server = server();
    let reply = Running::start(
        &server,
        &["reply", "twice", "{{Count}}", "--count", "2"],
        "Listening on",
    );
    assert_eq!(answer(&server, &["req", "twice"]), "1\n");
    assert_eq!(answer(&server, &["req", "twice"]), "2\n");
    let done = reply.finish();
    assert!(done.status.success(), "{done:?}");
    // Gone: the next request has nobody to answer it.
    let out = natskit(&server, &["req", "twice"]).assert().code(1);
    assert_eq!(
        one_error_line(out.get_output()),
        "error: no responders for \"twice\""
    );
}

#[test]
fn bad_templates_fail_before_connecting() {
    for (args, expected) in [
        (
            &["reply", "a", "--command", "echo {{Request}}"][..],
            "error: {{Request}} cannot be used in --command: the command reads the request \
             body on its standard input",
        ),
        (
            &["reply", "a", "--command", "echo {{Nope}}"],
            "error: unknown template word {{Nope}} in --command;",
        ),
        (
            &["reply", "a", "hi {{Nope}}"],
            "error: unknown template word {{Nope}} in the body; use Count, ID, TimeStamp, \
             Time, Unix, UnixNano, Random MIN MAX, Request or a subject token 0, 1, ..",
        ),
    ] {
        let line = error_without_server(args);
        assert!(line.starts_with(expected), "{args:?}: {line}");
    }
}

#[test]
fn body_echo_and_command_exclude_each_other() {
    for args in [
        &["reply", "a", "body", "--command", "true"][..],
        &["reply", "a", "--echo", "--command", "true"],
    ] {
        natskit_bare(args).assert().code(2);
    }
}
