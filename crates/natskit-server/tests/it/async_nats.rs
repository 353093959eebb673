//! async-nats, a client nobody here wrote, against the embedded broker: pub/sub, wildcards, queue
//! groups, request/reply, headers, no-responders, auto-unsubscribe and reconnecting after the
//! broker restarts on the same port. Every wait is bounded by PATIENCE.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use async_nats::{Client, ConnectOptions, Event, HeaderMap, RequestErrorKind, Subscriber};
use bytes::Bytes;
use futures_util::StreamExt;
use natskit_server::Server;
use tokio::sync::mpsc;

use crate::support::*;

/// `fut`, failing the test with `what` when it takes longer than PATIENCE.
async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(PATIENCE, fut).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {PATIENCE:?} waiting for {what}"),
    }
}

/// An async-nats client of `server` that does not retry in the background.
async fn client(server: &Server) -> Client {
    client_with(server, ConnectOptions::new()).await
}

/// An async-nats client of `server` made with `options`.
async fn client_with(server: &Server, options: ConnectOptions) -> Client {
    within(
        "async-nats to connect",
        options.connect(server.client_url()),
    )
    .await
    .expect("async-nats connects")
}

/// Closes a client the way async-nats does it: unsubscribes everything, flushes, disconnects.
async fn close(client: Client) {
    within("async-nats to drain", client.drain())
        .await
        .expect("drain");
}

/// Waits until the broker holds `n` subscriptions: a SUB sent by one client has been processed
/// before another client publishes (async-nats's flush only writes out, it is no round trip).
async fn subscriptions(server: &Server, n: u64) {
    within("the broker to register the subscriptions", async {
        while server.stats().subscriptions != n {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
}

/// Waits until the broker's counters show `in_msgs` messages taken in and `out_msgs` delivered
/// (a batch's counters are added just after its deliveries are handed to the writers, so a client
/// can see a message a moment before the broker counts it).
async fn counted(server: &Server, in_msgs: u64, out_msgs: u64) {
    let reached = tokio::time::timeout(PATIENCE, async {
        loop {
            let stats = server.stats();
            if (stats.in_msgs, stats.out_msgs) == (in_msgs, out_msgs) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(
        reached.is_ok(),
        "expected {in_msgs} messages in and {out_msgs} out, the broker counted {:?}",
        server.stats()
    );
}

/// The next message of `sub`, failing the test when none comes or the stream ends.
async fn next(sub: &mut Subscriber, what: &str) -> async_nats::Message {
    within(what, sub.next())
        .await
        .unwrap_or_else(|| panic!("{what}: the subscription ended"))
}

#[tokio::test]
async fn publish_and_subscribe_deliver_exact_payloads_in_order() {
    let server = broker().await;
    let subscriber = client(&server).await;
    let publisher = client(&server).await;
    let mut sub = subscriber.subscribe("greet.joe").await.unwrap();
    subscriptions(&server, 1).await;

    let big: Bytes = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let sent: Vec<Bytes> = vec![
        Bytes::from_static(b"hello"),
        Bytes::new(),
        Bytes::from_static(b"line\r\nbreak and \x00 nul"),
        big,
        Bytes::from_static(b"last"),
    ];
    for payload in &sent {
        publisher
            .publish("greet.joe", payload.clone())
            .await
            .unwrap();
    }
    // Another subject: nobody listens to it.
    publisher
        .publish("greet.ann", "not for joe".into())
        .await
        .unwrap();
    publisher.flush().await.unwrap();

    for (i, payload) in sent.iter().enumerate() {
        let msg = next(&mut sub, &format!("message {i}")).await;
        assert_eq!(msg.subject.as_str(), "greet.joe");
        assert_eq!(msg.payload, *payload, "message {i}");
        assert!(msg.headers.is_none());
        assert!(msg.reply.is_none());
    }
    // Everything published was taken in; only the five for joe went out.
    counted(&server, 6, 5).await;

    close(publisher).await;
    close(subscriber).await;
    server.shutdown().await;
}

#[tokio::test]
async fn wildcards_star_and_greater_than_match_as_nats_server_does() {
    let server = broker().await;
    let subscriber = client(&server).await;
    let publisher = client(&server).await;
    let published = ["a", "a.b", "a.b.c", "x.b", "a.x.c", "ab.b", "a.b.c.d"];
    let expected: BTreeMap<&str, Vec<&str>> = [
        ("*", vec!["a"]),
        ("a.*", vec!["a.b"]),
        ("a.>", vec!["a.b", "a.b.c", "a.x.c", "a.b.c.d"]),
        ("*.b", vec!["a.b", "x.b", "ab.b"]),
        ("a.*.c", vec!["a.b.c", "a.x.c"]),
        (">", published.to_vec()),
        ("*.*.>", vec!["a.b.c", "a.x.c", "a.b.c.d"]),
    ]
    .into_iter()
    .collect();
    let mut subs = Vec::new();
    for pattern in expected.keys() {
        subs.push(subscriber.subscribe(format!("w.{pattern}")).await.unwrap());
    }
    subscriptions(&server, expected.len() as u64).await;

    // "w" itself and a sibling prefix match none of them.
    publisher.publish("w", "w itself".into()).await.unwrap();
    publisher.publish("wx.a", "sibling".into()).await.unwrap();
    for (i, tail) in published.iter().enumerate() {
        publisher
            .publish(format!("w.{tail}"), format!("{tail}#{i}").into())
            .await
            .unwrap();
    }
    publisher.flush().await.unwrap();

    let mut delivered = 0;
    for ((pattern, tails), sub) in expected.iter().zip(&mut subs) {
        let mut got = Vec::new();
        for _ in tails {
            let msg = next(sub, &format!("a message on w.{pattern}")).await;
            let tail = msg.subject.as_str().strip_prefix("w.").unwrap().to_string();
            assert!(
                msg.payload.starts_with(format!("{tail}#").as_bytes()),
                "{tail}: {:?}",
                msg.payload
            );
            got.push(tail);
        }
        assert_eq!(got, *tails, "subscription w.{pattern}");
        delivered += tails.len() as u64;
    }
    // Nothing more went out than what the subscriptions expected.
    counted(&server, published.len() as u64 + 2, delivered).await;

    close(publisher).await;
    close(subscriber).await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_queue_group_hands_each_message_to_exactly_one_member() {
    const MEMBERS: usize = 4;
    const MESSAGES: usize = 100;
    let server = broker().await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut members = Vec::new();
    let mut readers = Vec::new();
    for member in 0..MEMBERS {
        let c = client(&server).await;
        let mut sub = c
            .queue_subscribe("jobs", "workers".to_string())
            .await
            .unwrap();
        let tx = tx.clone();
        readers.push(tokio::spawn(async move {
            while let Some(msg) = sub.next().await {
                if tx.send((member, msg.payload)).is_err() {
                    break;
                }
            }
        }));
        members.push(c);
    }
    drop(tx);
    subscriptions(&server, MEMBERS as u64).await;

    let publisher = client(&server).await;
    for i in 0..MESSAGES {
        publisher
            .publish("jobs", format!("job-{i}").into())
            .await
            .unwrap();
    }
    publisher.flush().await.unwrap();

    let mut per_member = [0usize; MEMBERS];
    let mut payloads = Vec::new();
    for _ in 0..MESSAGES {
        let (member, payload) = within("a queue member to get a job", rx.recv())
            .await
            .expect("a reader ended early");
        per_member[member] += 1;
        payloads.push(String::from_utf8(payload.to_vec()).unwrap());
    }
    payloads.sort();
    let mut sent: Vec<String> = (0..MESSAGES).map(|i| format!("job-{i}")).collect();
    sent.sort();
    assert_eq!(payloads, sent, "every job exactly once");
    assert_eq!(per_member.iter().sum::<usize>(), MESSAGES);
    assert!(
        per_member.iter().all(|&n| n > 0),
        "every member gets some: {per_member:?}"
    );
    // Each message went out once, to one member.
    counted(&server, MESSAGES as u64, MESSAGES as u64).await;

    close(publisher).await;
    for c in members {
        close(c).await;
    }
    for reader in readers {
        within("a queue reader to end", reader).await.unwrap();
    }
    assert!(rx.recv().await.is_none(), "no more jobs after the drain");
    server.shutdown().await;
}

#[tokio::test]
async fn requests_get_the_responders_replies() {
    let server = broker().await;
    let responder = client(&server).await;
    let mut service = responder.subscribe("svc.echo").await.unwrap();
    let answering = responder.clone();
    let task = tokio::spawn(async move {
        let mut answered = 0;
        while let Some(msg) = service.next().await {
            let reply = msg.reply.expect("a request carries a reply subject");
            let mut answer = b"echo:".to_vec();
            answer.extend_from_slice(&msg.payload);
            answering.publish(reply, answer.into()).await.unwrap();
            answered += 1;
        }
        answered
    });
    subscriptions(&server, 1).await;

    let requester = client(&server).await;
    for i in 0..10 {
        let reply = within(
            "a reply",
            requester.request("svc.echo", format!("ping-{i}").into()),
        )
        .await
        .unwrap();
        assert_eq!(reply.payload, format!("echo:ping-{i}").as_bytes());
    }
    // Concurrent requests share async-nats's response subscription; each gets its own answer.
    let replies = within(
        "20 concurrent replies",
        futures_util::future::join_all(
            (0..20).map(|i| requester.request("svc.echo", format!("par-{i}").into())),
        ),
    )
    .await;
    for (i, reply) in replies.into_iter().enumerate() {
        assert_eq!(reply.unwrap().payload, format!("echo:par-{i}").as_bytes());
    }

    close(requester).await;
    close(responder).await;
    assert_eq!(within("the responder to end", task).await.unwrap(), 30);
    server.shutdown().await;
}

#[tokio::test]
async fn multi_valued_headers_arrive_intact() {
    let server = broker().await;
    let subscriber = client(&server).await;
    let publisher = client(&server).await;
    let mut sub = subscriber.subscribe("with.headers").await.unwrap();
    subscriptions(&server, 1).await;

    let mut headers = HeaderMap::new();
    headers.append("X-Multi", "one");
    headers.append("X-Multi", "two");
    headers.insert("X-Single", "solo");
    headers.insert("X-Colon", "a:b: c");
    publisher
        .publish_with_headers("with.headers", headers, "body".into())
        .await
        .unwrap();
    let mut only = HeaderMap::new();
    only.insert("X-Only", "header");
    publisher
        .publish_with_headers("with.headers", only, Bytes::new())
        .await
        .unwrap();
    publisher.flush().await.unwrap();

    let msg = next(&mut sub, "the message with headers").await;
    assert_eq!(&msg.payload[..], b"body");
    let got = msg.headers.expect("headers");
    let multi: Vec<&str> = got.get_all("X-Multi").map(|v| v.as_str()).collect();
    assert_eq!(multi, ["one", "two"]);
    let single: Vec<&str> = got.get_all("X-Single").map(|v| v.as_str()).collect();
    assert_eq!(single, ["solo"]);
    assert_eq!(got.get("X-Colon").map(|v| v.as_str()), Some("a:b: c"));
    assert!(msg.status.is_none());

    let msg = next(&mut sub, "the message with only a header").await;
    assert!(msg.payload.is_empty());
    let got = msg.headers.expect("headers");
    assert_eq!(got.get("X-Only").map(|v| v.as_str()), Some("header"));
    assert!(got.get("X-Multi").is_none());

    close(publisher).await;
    close(subscriber).await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_request_nobody_listens_to_fails_with_no_responders_at_once() {
    let server = broker().await;
    // A request timeout far beyond the bound below: a timeout cannot pass for no-responders.
    let requester = client_with(
        &server,
        ConnectOptions::new().request_timeout(Some(Duration::from_secs(60))),
    )
    .await;
    for attempt in 0..3 {
        let started = Instant::now();
        let err = within(
            "the no-responders status",
            requester.request("nobody.home", "anyone?".into()),
        )
        .await
        .expect_err("nobody answers");
        assert_eq!(err.kind(), RequestErrorKind::NoResponders, "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "attempt {attempt} took {:?}",
            started.elapsed()
        );
    }

    // With a responder there is an answer; once it is gone, no-responders again.
    let responder = client(&server).await;
    let mut service = responder.subscribe("nobody.home").await.unwrap();
    let answering = responder.clone();
    let task = tokio::spawn(async move {
        if let Some(msg) = service.next().await {
            let reply = msg.reply.unwrap();
            answering.publish(reply, "here".into()).await.unwrap();
        }
        service.unsubscribe().await.unwrap();
    });
    // The requester's response subscription plus the responder's.
    subscriptions(&server, 2).await;
    let reply = within(
        "a reply",
        requester.request("nobody.home", "anyone?".into()),
    )
    .await
    .unwrap();
    assert_eq!(&reply.payload[..], b"here");
    within("the responder to unsubscribe", task).await.unwrap();
    subscriptions(&server, 1).await;
    let err = within(
        "the no-responders status",
        requester.request("nobody.home", "anyone?".into()),
    )
    .await
    .expect_err("nobody answers any more");
    assert_eq!(err.kind(), RequestErrorKind::NoResponders, "{err}");

    close(responder).await;
    close(requester).await;
    server.shutdown().await;
}

#[tokio::test]
async fn unsubscribe_after_n_delivers_exactly_n_then_ends_the_stream() {
    let server = broker().await;
    let c = client(&server).await;
    let mut sub = c.subscribe("counted").await.unwrap();
    sub.unsubscribe_after(3).await.unwrap();
    // One connection: the broker sees SUB, UNSUB 3 and the PUBs in this order.
    for i in 0..6 {
        c.publish("counted", format!("m{i}").into()).await.unwrap();
    }
    c.flush().await.unwrap();

    let got: Vec<Bytes> = within("the stream to end", sub.map(|m| m.payload).collect()).await;
    assert_eq!(got, ["m0", "m1", "m2"]);
    // The broker dropped the interest itself and sent no more than 3.
    subscriptions(&server, 0).await;
    counted(&server, 6, 3).await;

    close(c).await;
    server.shutdown().await;
}

/// Waits for `wanted` among async-nats's events.
async fn event(events: &mut mpsc::UnboundedReceiver<Event>, wanted: Event) {
    within(&format!("the async-nats event {wanted}"), async {
        loop {
            match events.recv().await {
                Some(e) if e == wanted => return,
                Some(_) => continue,
                None => panic!("the event channel closed before {wanted}"),
            }
        }
    })
    .await;
}

#[tokio::test]
async fn a_subscription_survives_a_broker_restart_on_the_same_port() {
    let server = broker().await;
    let port = server.addr().port();
    let (tx, mut events) = mpsc::unbounded_channel();
    let subscriber = client_with(
        &server,
        ConnectOptions::new()
            .reconnect_delay_callback(|_| Duration::from_millis(50))
            .event_callback(move |e| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send(e);
                }
            }),
    )
    .await;
    let mut sub = subscriber.subscribe("survives").await.unwrap();
    subscriptions(&server, 1).await;
    let before = client(&server).await;
    before.publish("survives", "before".into()).await.unwrap();
    before.flush().await.unwrap();
    assert_eq!(
        &next(&mut sub, "the message before").await.payload[..],
        b"before"
    );
    close(before).await;

    server.shutdown().await;
    event(&mut events, Event::Disconnected).await;
    let server = restart_on(port)
        .await
        .unwrap_or_else(|e| panic!("restarting on port {port}: {e}"));
    assert_eq!(server.addr().port(), port);
    event(&mut events, Event::Connected).await;
    assert_eq!(
        subscriber.connection_state(),
        async_nats::connection::State::Connected
    );
    // async-nats subscribes again after reconnecting; the new broker must know before we publish.
    subscriptions(&server, 1).await;

    let after = client(&server).await;
    for i in 0..5 {
        after
            .publish("survives", format!("after-{i}").into())
            .await
            .unwrap();
    }
    after.flush().await.unwrap();
    for i in 0..5 {
        let msg = next(&mut sub, "a message after the restart").await;
        assert_eq!(msg.payload, format!("after-{i}").as_bytes());
    }
    assert!(
        subscriber
            .statistics()
            .connects
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 2
    );

    close(after).await;
    close(subscriber).await;
    server.shutdown().await;
}
