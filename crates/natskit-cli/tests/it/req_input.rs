//! `natskit req` as the `nats` CLI's: the body from standard input, templates in the subject,
//! body and headers, `--count` requests; and `pub --quiet` and `--force-stdin`.

use crate::support::{error_without_server, natskit, server, sub_receiving, Running};

#[test]
fn req_takes_its_body_from_piped_input() {
    let server = server();
    let reply = Running::start(
        &server,
        &["reply", "echo", "--echo", "-c", "2"],
        "Listening on",
    );
    natskit(&server, &["req", "echo"])
        .write_stdin("from a pipe\n")
        .assert()
        .success()
        .stdout("from a pipe\n");
    // Given, the body argument wins; piped input is left unread.
    natskit(&server, &["req", "echo", "given"])
        .write_stdin("unread")
        .assert()
        .success()
        .stdout("given\n");
    assert!(reply.finish().status.success());
}

#[test]
fn req_fills_templates_for_each_of_count_requests() {
    let server = server();
    let reply = Running::start(
        &server,
        &["reply", "tq.*", "{{1}}:{{Request}}", "-c", "3"],
        "Listening on",
    );
    let out = natskit(
        &server,
        &["req", "tq.{{Count}}", "n={{Count}}", "--count", "3"],
    )
    .assert()
    .success();
    let output = out.get_output();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "1:n=1\n2:n=2\n3:n=3\n"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    for n in 1..=3 {
        assert!(stderr.contains(&format!("[#{n}] Received in ")), "{stderr}");
    }
    assert!(reply.finish().status.success());

    // --no-templates sends braces as they are.
    let reply = Running::start(
        &server,
        &["reply", "raw", "--echo", "-c", "1"],
        "Listening on",
    );
    natskit(&server, &["req", "raw", "{{Count}}", "--no-templates"])
        .assert()
        .success()
        .stdout("{{Count}}\n");
    assert!(reply.finish().status.success());
}

#[test]
fn req_count_stops_at_the_first_request_without_an_answer() {
    let server = server();
    let reply = Running::start(&server, &["reply", "once", "ok", "-c", "1"], "Listening on");
    let out = natskit(&server, &["req", "once", "--count", "3"])
        .assert()
        .code(1);
    let output = out.get_output();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "ok\n");
    assert!(
        String::from_utf8_lossy(&output.stderr).ends_with("error: no responders for \"once\"\n"),
        "{output:?}"
    );
    assert!(reply.finish().status.success());
}

#[test]
fn req_and_pub_input_mistakes_are_caught_before_connecting() {
    let line = error_without_server(&["req", "x", "{{Nope}}"]);
    assert!(line.starts_with("error: unknown template word"), "{line}");
    let line = error_without_server(&["req", "bad subject", "x"]);
    assert!(line.contains("subject"), "{line}");
    for args in [
        &["req", "x", "body", "--force-stdin"][..],
        &["pub", "x", "body", "--force-stdin"],
    ] {
        let out = natskit(&server(), args).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains("cannot be used with"), "{args:?}: {stderr}");
    }
}

#[test]
fn pub_quiet_says_nothing_and_force_stdin_reads_input() {
    let server = server();
    let done = sub_receiving(&server, &["sub", "q", "-c", "2", "--raw"], || {
        natskit(&server, &["pub", "q", "hush", "-q"])
            .assert()
            .success()
            .stderr("");
        natskit(&server, &["pub", "q", "--force-stdin", "--quiet"])
            .write_stdin("piped")
            .assert()
            .success()
            .stderr("");
    });
    assert_eq!(done.stdout, "hush\npiped\n");
}
