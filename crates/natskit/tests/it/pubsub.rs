//! Publish and subscribe: plain, wildcards, reply subjects, headers, echo, unsubscribe.

use bytes::Bytes;
use natskit::HeaderMap;

use crate::support::{client, drain_to_end, next, server};

#[tokio::test]
async fn published_message_reaches_subscriber() {
    let server = server();
    let client = client(&server).await;
    let mut sub = client.subscribe("happy").await.unwrap();
    client.publish("happy", "I am happy").await.unwrap();
    let msg = next(&mut sub).await;
    assert_eq!(msg.subject, "happy");
    assert_eq!(msg.payload, "I am happy");
    assert_eq!(msg.reply, None);
    assert_eq!(msg.headers, None);
}

#[tokio::test]
async fn messages_arrive_in_publish_order_across_connections() {
    let server = server();
    let subscriber = client(&server).await;
    let publisher = client(&server).await;
    let mut sub = subscriber.subscribe("seq").await.unwrap();
    subscriber.flush().await.unwrap();
    for i in 0..1000u32 {
        publisher
            .publish("seq", Bytes::from(i.to_be_bytes().to_vec()))
            .await
            .unwrap();
    }
    for i in 0..1000u32 {
        assert_eq!(
            next(&mut sub).await.payload,
            Bytes::from(i.to_be_bytes().to_vec())
        );
    }
}

#[tokio::test]
async fn wildcards_match_one_token_or_the_rest() {
    let server = server();
    let client = client(&server).await;
    let mut star = client.subscribe("room.*.temp").await.unwrap();
    let mut rest = client.subscribe("room.>").await.unwrap();
    client.publish("room.kitchen.temp", "21").await.unwrap();
    client
        .publish("room.kitchen.light.level", "80")
        .await
        .unwrap();
    assert_eq!(next(&mut star).await.subject, "room.kitchen.temp");
    assert_eq!(next(&mut rest).await.subject, "room.kitchen.temp");
    assert_eq!(next(&mut rest).await.subject, "room.kitchen.light.level");
    // `*` did not match the four-token subject: the next thing it sees is this marker.
    client.publish("room.marker.temp", "").await.unwrap();
    assert_eq!(next(&mut star).await.subject, "room.marker.temp");
}

#[tokio::test]
async fn reply_subject_is_delivered() {
    let server = server();
    let client = client(&server).await;
    let mut sub = client.subscribe("ask").await.unwrap();
    client
        .publish_with_reply("ask", "answers.here", "q")
        .await
        .unwrap();
    assert_eq!(next(&mut sub).await.reply.as_deref(), Some("answers.here"));
}

#[tokio::test]
async fn headers_round_trip_with_repeats_and_order() {
    let server = server();
    let client = client(&server).await;
    let mut sub = client.subscribe("hdr").await.unwrap();
    let mut headers = HeaderMap::new();
    headers.append("Trace-Id", "abc").unwrap();
    headers.append("Hop", "one").unwrap();
    headers.append("Hop", "two").unwrap();
    client
        .publish_with_headers("hdr", None, &headers, "body")
        .await
        .unwrap();
    let msg = next(&mut sub).await;
    assert_eq!(msg.headers.as_ref(), Some(&headers));
    assert_eq!(msg.payload, "body");
    assert_eq!(msg.status, None);
}

#[tokio::test]
async fn empty_and_large_payloads() {
    let server = server();
    let client = client(&server).await;
    let mut sub = client.subscribe("sizes").await.unwrap();
    let large = Bytes::from(
        (0..1_000_000u32)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>(),
    );
    client.publish("sizes", Bytes::new()).await.unwrap();
    client.publish("sizes", large.clone()).await.unwrap();
    assert!(next(&mut sub).await.payload.is_empty());
    assert_eq!(next(&mut sub).await.payload, large);
}

/// Large messages are copied into buffers the connection uses again once a message is
/// dropped: messages still held must keep their bytes while later ones arrive.
#[tokio::test]
async fn large_messages_held_and_dropped_keep_their_bytes() {
    let server = server();
    let subscriber = client(&server).await;
    let publisher = client(&server).await;
    let mut sub = subscriber.subscribe("large").await.unwrap();
    subscriber.flush().await.unwrap();
    let payload = |i: u32| {
        Bytes::from(
            (0..200_000u32)
                .map(|j| ((i * 7 + j) % 251) as u8)
                .collect::<Vec<u8>>(),
        )
    };
    for i in 0..120u32 {
        publisher.publish("large", payload(i)).await.unwrap();
    }
    publisher.flush().await.unwrap();
    // Every third message is held to the end; the others are dropped as they come, so their
    // buffers serve the messages after them.
    let mut held = Vec::new();
    for i in 0..120u32 {
        let msg = next(&mut sub).await;
        assert_eq!(msg.payload, payload(i), "message {i} as it came");
        if i % 3 == 0 {
            held.push((i, msg));
        }
    }
    for (i, msg) in held {
        assert_eq!(
            msg.payload,
            payload(i),
            "message {i}, held while 119 others came"
        );
    }
}

#[tokio::test]
async fn echo_off_does_not_deliver_own_messages() {
    let server = server();
    let quiet = natskit::ConnectOptions::new()
        .echo(false)
        .connect(&server.url())
        .await
        .unwrap();
    let other = client(&server).await;
    let mut own = quiet.subscribe("echo").await.unwrap();
    let mut theirs = other.subscribe("echo").await.unwrap();
    quiet.flush().await.unwrap();
    other.flush().await.unwrap();
    quiet.publish("echo", "from quiet").await.unwrap();
    // Once the server has answered quiet's PING, it has routed "from quiet" already.
    quiet.flush().await.unwrap();
    other.publish("echo", "from other").await.unwrap();
    assert_eq!(next(&mut theirs).await.payload, "from quiet");
    // The first thing `quiet` receives is the other client's message, not its own.
    assert_eq!(next(&mut own).await.payload, "from other");
}

#[tokio::test]
async fn unsubscribe_ends_the_stream() {
    let server = server();
    let client = client(&server).await;
    let mut sub = client.subscribe("bye").await.unwrap();
    client.publish("bye", "1").await.unwrap();
    client.flush().await.unwrap();
    assert_eq!(next(&mut sub).await.payload, "1");
    sub.unsubscribe();
    client.publish("bye", "2").await.unwrap();
    assert!(
        drain_to_end(&mut sub).await.is_empty(),
        "nothing after unsubscribe"
    );
}

#[tokio::test]
async fn unsubscribe_after_n_ends_after_exactly_n() {
    let server = server();
    let client = client(&server).await;
    let mut sub = client.subscribe("count").await.unwrap();
    sub.unsubscribe_after(3);
    for i in 1..=5 {
        client.publish("count", i.to_string()).await.unwrap();
    }
    let got: Vec<_> = drain_to_end(&mut sub)
        .await
        .into_iter()
        .map(|m| m.payload)
        .collect();
    assert_eq!(got, ["1", "2", "3"]);
}

#[tokio::test]
async fn unsubscribe_after_already_reached_ends_at_once() {
    let server = server();
    let client = client(&server).await;
    let mut sub = client.subscribe("count2").await.unwrap();
    client.publish("count2", "a").await.unwrap();
    client.publish("count2", "b").await.unwrap();
    client.flush().await.unwrap();
    assert_eq!(next(&mut sub).await.payload, "a");
    assert_eq!(next(&mut sub).await.payload, "b");
    sub.unsubscribe_after(2);
    client.publish("count2", "c").await.unwrap();
    assert!(drain_to_end(&mut sub).await.is_empty());
}

#[tokio::test]
async fn dropping_a_subscriber_unsubscribes_on_the_server() {
    let server = server();
    let client = client(&server).await;
    let sub = client.subscribe("gone").await.unwrap();
    client.flush().await.unwrap();
    drop(sub);
    // With no subscriber left the server answers a request with "no responders".
    let err = client.request("gone", "anyone?").await.unwrap_err();
    assert!(
        matches!(err, natskit::RequestError::NoResponders { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn statistics_count_messages_and_bytes() {
    let server = server();
    let client = client(&server).await;
    let mut sub = client.subscribe("stats").await.unwrap();
    client.publish("stats", "12345").await.unwrap();
    client.publish("stats", "678").await.unwrap();
    next(&mut sub).await;
    next(&mut sub).await;
    let stats = client.statistics();
    assert_eq!((stats.out_messages, stats.out_bytes), (2, 8));
    assert_eq!((stats.in_messages, stats.in_bytes), (2, 8));
}

#[tokio::test]
async fn client_is_usable_from_many_tasks_at_once() {
    let server = server();
    let client = client(&server).await;
    let mut sub = client.subscribe("many.*").await.unwrap();
    client.flush().await.unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let client = client.clone();
            tokio::spawn(async move {
                for i in 0..500 {
                    client
                        .publish(format!("many.{t}"), format!("{i}"))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let mut per_task = [0usize; 8];
    for _ in 0..4000 {
        let msg = next(&mut sub).await;
        let t: usize = msg.subject.rsplit('.').next().unwrap().parse().unwrap();
        // Per publisher, order is kept.
        assert_eq!(msg.payload, per_task[t].to_string());
        per_task[t] += 1;
    }
    assert_eq!(per_task, [500; 8]);
}

/// A publisher lets its worker go once per 256 KiB of output, before it queues anything: a
/// publish dropped while it waits for that turn is never sent, and every other one is.
#[tokio::test]
async fn a_publish_dropped_while_it_lets_its_worker_go_is_not_sent() {
    let server = server();
    let client = client(&server).await;
    let mut sub = client.subscribe("turns").await.unwrap();
    client.flush().await.unwrap();
    let payload = Bytes::from(vec![b'x'; 1024]);
    let (mut sent, mut dropped) = (Vec::new(), Vec::new());
    for i in 0..1200u32 {
        let mut message = payload.to_vec();
        message[..4].copy_from_slice(&i.to_be_bytes());
        let publish = client.publish("turns", message);
        tokio::pin!(publish);
        // One poll each, without letting the (single-threaded) runtime run the connection
        // task in between: the output grows until a turn is due.
        match futures_util::poll!(publish.as_mut()) {
            std::task::Poll::Ready(done) => {
                done.unwrap();
                sent.push(i);
            }
            std::task::Poll::Pending => dropped.push(i),
        }
    }
    assert!(
        (4..=5).contains(&dropped.len()),
        "1.2 MiB of output owes its worker a turn every 256 KiB, dropped {dropped:?}"
    );
    client.publish("turns", "end").await.unwrap();
    client.flush().await.unwrap();
    let mut received = Vec::new();
    loop {
        let msg = next(&mut sub).await;
        if msg.payload == "end" {
            break;
        }
        received.push(u32::from_be_bytes(msg.payload[..4].try_into().unwrap()));
    }
    assert_eq!(received, sent);
}
