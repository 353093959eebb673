//! `natskit pub` and `natskit sub`.

use crate::support::{natskit, natskit_bare, server, sub_receiving, Running};

#[test]
fn pub_reaches_a_waiting_sub() {
    let server = server();
    let done = sub_receiving(&server, &["sub", "greet.*", "--count", "1"], || {
        natskit(
            &server,
            &["pub", "greet.joe", "hello", "--reply", "answers.here"],
        )
        .assert()
        .success()
        .stderr("Published 5 bytes to \"greet.joe\"\n");
    });
    assert_eq!(
        done.stdout,
        "[#1] Received on \"greet.joe\" (reply \"answers.here\")\nhello\n\n"
    );
    assert!(done.stderr.contains("Subscribing on greet.*"), "{done:?}");
}

#[test]
fn sub_shows_headers() {
    let server = server();
    let done = sub_receiving(&server, &["sub", "orders", "-c", "1"], || {
        natskit(
            &server,
            &[
                "pub",
                "orders",
                "one",
                "-H",
                "Trace-Id:42",
                "-H",
                "Kind: new order",
            ],
        )
        .assert()
        .success();
    });
    assert_eq!(
        done.stdout,
        "[#1] Received on \"orders\"\nTrace-Id: 42\nKind: new order\n\none\n\n"
    );
}

#[test]
fn pub_reads_the_body_from_stdin_and_honours_nats_url() {
    let server = server();
    let done = sub_receiving(&server, &["sub", "in", "--count", "1", "--raw"], || {
        // No --server: the URL comes from NATS_URL.
        natskit_bare(&["pub", "in"])
            .env("NATS_URL", server.url())
            .write_stdin("from stdin\nsecond line")
            .assert()
            .success();
    });
    assert_eq!(done.stdout, "from stdin\nsecond line\n");
}

#[test]
fn pub_count_publishes_n_times() {
    let server = server();
    let done = sub_receiving(&server, &["sub", "tick", "--count", "3", "--raw"], || {
        natskit(&server, &["pub", "tick", "beat", "--count", "3"])
            .assert()
            .success()
            .stderr("Published 3 messages of 4 bytes to \"tick\"\n");
    });
    assert_eq!(done.stdout, "beat\nbeat\nbeat\n");
}

#[test]
fn sub_counts_across_several_subjects() {
    let server = server();
    let sub = Running::start(
        &server,
        &["sub", "left", "right", "--count", "2", "--raw"],
        "Subscribing on left, right",
    );
    natskit(&server, &["pub", "left", "L"]).assert().success();
    natskit(&server, &["pub", "right", "R"]).assert().success();
    let done = sub.finish();
    assert!(done.status.success(), "{done:?}");
    let mut lines: Vec<_> = done.stdout.lines().collect();
    lines.sort_unstable();
    assert_eq!(lines, ["L", "R"]);
}

#[test]
fn queue_members_share_the_messages() {
    let server = server();
    // Each member leaves the group after 3 messages, so with a working queue group the six
    // messages split 3 + 3 with none seen twice; without one, both would see messages 1 to 3.
    let args = ["sub", "work", "--queue", "workers", "--count", "3", "--raw"];
    let first = Running::start(
        &server,
        &args,
        "Subscribing on work in queue group \"workers\"",
    );
    let second = Running::start(&server, &args, "Subscribing on work in queue group");
    for i in 1..=6 {
        natskit(&server, &["pub", "work", &format!("job {i}")])
            .assert()
            .success();
    }
    let (first, second) = (first.finish(), second.finish());
    assert!(
        first.status.success() && second.status.success(),
        "{first:?} {second:?}"
    );
    assert_eq!(first.stdout.lines().count(), 3, "{first:?}");
    let mut all: Vec<_> = first.stdout.lines().chain(second.stdout.lines()).collect();
    all.sort_unstable();
    assert_eq!(all, ["job 1", "job 2", "job 3", "job 4", "job 5", "job 6"]);
}
