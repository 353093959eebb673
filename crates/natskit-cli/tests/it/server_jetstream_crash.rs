//! The crash test of issue 18: natskit server with JetStream (file storage, `sync_interval:
//! always`) is killed with SIGKILL in the middle of a publish flood. After a restart every
//! message it acknowledged is there, in publish order, and a durable consumer goes on from
//! its ack floor. The same steps run on nats-server 2.10 as the reference.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use futures_util::StreamExt;
use natskit::jetstream::{self, ConsumerConfig, Fetch, StreamConfig};
use natskit_test::NatsServer;

const PATIENCE: Duration = Duration::from_secs(10);
/// Messages the consumer acknowledges (with confirmation) before the crash.
const ACKED_BEFORE: u64 = 50;

fn start(binary: &Path) -> NatsServer {
    NatsServer::builder()
        .binary(binary)
        .with_config("jetstream { sync_interval: always }\n")
        .with_args(["-js"])
        .start()
        .unwrap_or_else(|e| panic!("{} starts: {e}", binary.display()))
}

/// Publishes until the server goes; returns each acknowledged message's sequence with its
/// payload (its publish index).
async fn flood(
    js: jetstream::Context,
    stop: tokio::sync::watch::Receiver<bool>,
) -> BTreeMap<u64, u64> {
    let mut acked = BTreeMap::new();
    let mut pending = std::collections::VecDeque::new();
    for i in 0u64.. {
        if *stop.borrow() && i > 0 && pending.is_empty() {
            break;
        }
        match js.publish_async("crash.x", i.to_string()).await {
            Ok(ack) => pending.push_back((i, ack)),
            Err(_) => break,
        }
        // A window of 64: collect the oldest acknowledgement once it is full.
        if pending.len() >= 64 {
            let (index, ack) = pending.pop_front().unwrap();
            match ack.await {
                Ok(ack) => {
                    acked.insert(ack.seq, index);
                }
                Err(_) => break,
            }
        }
    }
    for (index, ack) in pending {
        if let Ok(ack) = ack.await {
            acked.insert(ack.seq, index);
        }
    }
    acked
}

fn crash_and_recover(binary: &Path, confirmed_acks_survive: bool) {
    let mut server = start(binary);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let url = server.url();
    // Before the crash: a stream, a durable consumer that confirms ACKED_BEFORE acks, and a
    // flood running when the server is killed.
    let (acked, flood_task, stop) = runtime.block_on(async {
        let client = natskit::ConnectOptions::new()
            .max_reconnects(Some(0))
            .connect(&url)
            .await
            .unwrap();
        let js = jetstream::new(client.clone());
        js.create_stream(StreamConfig::new("CRASH").subjects(["crash.>"]))
            .await
            .unwrap();
        let consumer = js
            .create_pull_consumer("CRASH", ConsumerConfig::durable("D"))
            .await
            .unwrap();
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let flood_task = tokio::spawn(flood(js.clone(), stopped));
        let mut confirmed = 0;
        while confirmed < ACKED_BEFORE {
            let mut batch = consumer
                .fetch(Fetch::messages(ACKED_BEFORE - confirmed))
                .await
                .unwrap();
            while let Some(message) = tokio::time::timeout(PATIENCE, batch.next()).await.unwrap() {
                message.unwrap().double_ack().await.unwrap();
                confirmed += 1;
            }
        }
        let info = consumer.info().await.unwrap();
        (info.ack_floor.stream_seq, flood_task, stop)
    });
    assert_eq!(
        acked,
        ACKED_BEFORE,
        "{}: the ack floor before the crash",
        binary.display()
    );
    // SIGKILL while the flood goes on.
    server.stop().unwrap();
    let _ = stop.send(true);
    let stored = runtime.block_on(flood_task).unwrap();
    assert!(
        stored.len() as u64 > ACKED_BEFORE,
        "{}: the flood was still running",
        binary.display()
    );
    server.start_again().unwrap();
    let url = server.url();
    runtime.block_on(async {
        let client = natskit::connect(&url).await.unwrap();
        let js = jetstream::new(client.clone());
        // Every acknowledged message is there, and in publish order.
        let mut previous = None;
        for (seq, index) in &stored {
            let message = js.get_message("CRASH", *seq).await.unwrap_or_else(|e| {
                panic!("{}: acknowledged message {seq} lost: {e}", binary.display())
            });
            assert_eq!(
                message.payload,
                index.to_string(),
                "{}: message {seq}",
                binary.display()
            );
            if let Some(previous) = previous {
                assert!(
                    index > previous,
                    "{}: out of order at {seq}",
                    binary.display()
                );
            }
            previous = Some(index);
        }
        // The durable consumer resumes from its ack floor.
        let consumer = js.pull_consumer("CRASH", "D").await.unwrap();
        let info = consumer.info().await.unwrap();
        // natskit server saves a confirmed ack before it confirms it; nats-server 2.10 writes
        // consumer state behind its answers, so a kill may take the last few back.
        let floor = info.ack_floor.stream_seq;
        if confirmed_acks_survive {
            assert_eq!(
                floor,
                ACKED_BEFORE,
                "{}: ack floor after the restart",
                binary.display()
            );
        } else {
            assert!(
                floor <= ACKED_BEFORE,
                "{}: ack floor {floor}",
                binary.display()
            );
        }
        let mut batch = consumer.fetch(Fetch::messages(1)).await.unwrap();
        let next = tokio::time::timeout(PATIENCE, batch.next())
            .await
            .unwrap()
            .expect("a message after the floor")
            .unwrap();
        // natskit server: the message right after the floor. nats-server may hold a few
        // delivered-but-unconfirmed ones back until their ack wait, and go on after them.
        let first = next.info().unwrap().stream_sequence;
        if confirmed_acks_survive {
            assert_eq!(
                first,
                floor + 1,
                "{}: the first message after the restart",
                binary.display()
            );
        } else {
            assert!(
                first > floor,
                "{}: {first} after floor {floor}",
                binary.display()
            );
        }
        client.close().await.unwrap();
    });
    server.stop().unwrap();
}

#[test]
fn a_killed_broker_keeps_every_acknowledged_message_and_its_consumers_ack_floor() {
    let reference =
        natskit_test::binary::newer_nats_server().expect("nats-server 2.10 (make deps)");
    crash_and_recover(&reference, false);
    crash_and_recover(&crate::server_ops::shim(), true);
}
