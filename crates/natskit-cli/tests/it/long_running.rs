//! `sub` and `reply` as long-running commands: they tell of disconnects and reconnects on
//! standard error while the server is stopped and started again, drain at Ctrl-C (SIGINT) or
//! SIGTERM and exit 0, and stop at once at a second Ctrl-C.

use std::time::{Duration, Instant};

use crate::support::{natskit, server, Running};

/// How soon "at once" is: far below the 30s a drain may wait for an absent server.
const AT_ONCE: Duration = Duration::from_secs(5);

#[test]
fn sub_tells_of_a_disconnect_and_the_reconnect() {
    let mut server = server();
    let mut sub = Running::start(
        &server,
        &["sub", "up", "--count", "1", "--raw"],
        "Subscribing on",
    );
    server.stop().expect("stop nats-server");
    sub.wait_for_stderr("disconnected from ");
    server.start_again().expect("start nats-server again");
    sub.wait_for_stderr("reconnected to ");
    let address = server.url();
    let lines = sub.stderr_seen().to_vec();
    let disconnected = lines
        .iter()
        .find(|line| line.starts_with("disconnected from "))
        .expect("a disconnect line");
    assert!(
        disconnected.starts_with(&format!("disconnected from {address}: "))
            && disconnected.ends_with("; reconnecting"),
        "{lines:?}"
    );
    assert_eq!(
        lines.last().expect("a line"),
        &format!("reconnected to {address}")
    );
    // Subscribed again: a message published now arrives.
    natskit(&server, &["pub", "up", "back"]).assert().success();
    let done = sub.finish();
    assert!(done.status.success(), "{done:?}");
    assert_eq!(done.stdout, "back\n");
}

#[test]
fn reply_tells_of_a_disconnect_and_the_reconnect() {
    let mut server = server();
    let mut reply = Running::start(&server, &["reply", "svc", "ok", "-c", "1"], "Listening on");
    server.stop().expect("stop nats-server");
    reply.wait_for_stderr("disconnected from ");
    server.start_again().expect("start nats-server again");
    reply.wait_for_stderr("reconnected to ");
    natskit(&server, &["req", "svc"])
        .assert()
        .success()
        .stdout("ok\n");
    assert!(reply.finish().status.success());
}

#[test]
fn sub_drains_at_ctrl_c_and_exits_0() {
    let server = server();
    let mut sub = Running::start(&server, &["sub", "many", "--raw"], "Subscribing on");
    // Published (the server has them all) before the signal: every one must be printed,
    // though most are still on their way to the subscriber when it comes.
    natskit(&server, &["pub", "many", "{{Count}}", "--count", "20000"])
        .assert()
        .success();
    sub.interrupt();
    sub.wait_for_stderr("Draining");
    let done = sub.finish();
    assert!(done.status.success(), "{}", done.stderr);
    let lines: Vec<&str> = done.stdout.lines().collect();
    assert_eq!(lines.len(), 20000, "{}", done.stderr);
    assert_eq!(lines.last(), Some(&"20000"));
}

#[test]
fn a_second_ctrl_c_stops_at_once() {
    let mut server = server();
    let mut sub = Running::start(&server, &["sub", "x"], "Subscribing on");
    // With the server gone the drain would wait for it (up to 30s).
    server.stop().expect("stop nats-server");
    sub.wait_for_stderr("disconnected from ");
    sub.interrupt();
    sub.wait_for_stderr("Draining");
    let asked = Instant::now();
    sub.interrupt();
    let done = sub.finish();
    assert!(asked.elapsed() < AT_ONCE, "{:?}", asked.elapsed());
    assert_eq!(done.status.code(), Some(130), "{done:?}");
    assert!(
        done.stderr.ends_with("Stopped without draining"),
        "{done:?}"
    );
}

#[test]
fn reply_drains_at_sigterm_answering_the_requests_on_their_way() {
    let server = server();
    let mut reply = Running::start(
        &server,
        &["reply", "work", "--command", "sleep 0.3; echo done"],
        "Listening on",
    );
    let url = server.url();
    // Three requests at once: one is being answered when the signal comes, two wait.
    let asking = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let client = natskit::connect(&url).await.expect("connect");
            let ask = |_| async {
                let request = natskit::Request::new("").timeout(Duration::from_secs(10));
                client.send_request("work", request).await
            };
            let answers = futures_util::future::join_all((0..3).map(ask)).await;
            client.close().await.expect("close");
            answers
                .into_iter()
                .map(|answer| answer.map(|m| m.payload))
                .collect::<Vec<_>>()
        })
    });
    reply.wait_for_stderr("[#1] Received");
    reply.terminate();
    let answers = asking.join().expect("the asking thread");
    for answer in &answers {
        assert_eq!(
            answer.as_ref().ok().map(|p| &p[..]),
            Some(&b"done\n"[..]),
            "{answers:?}"
        );
    }
    let done = reply.finish();
    assert!(done.status.success(), "{done:?}");
    assert!(done.stderr.contains("Draining"), "{done:?}");
}
