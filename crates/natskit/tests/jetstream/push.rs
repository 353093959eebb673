//! Push consumers against nats-server: flow control answered as messages are read, a deliver
//! group sharing the messages, and missed heartbeats reported.

use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::StreamExt;
use natskit::jetstream::{
    ConsumeError, ConsumerConfig, JetStreamError, PushMessages, StorageType, StreamConfig,
};
use natskit::ConnectOptions;
use natskit_test::FaultProxy;

use crate::support::{start, PATIENCE};

fn memory(name: &str, subject: &str) -> StreamConfig {
    StreamConfig {
        storage: StorageType::Memory,
        ..StreamConfig::new(name).subjects([subject])
    }
}

async fn next_seq(messages: &mut PushMessages) -> u64 {
    loop {
        let item = tokio::time::timeout(PATIENCE, messages.next())
            .await
            .expect("a message in time")
            .expect("the stream goes on");
        match item {
            Ok(msg) => {
                let seq = msg.info().unwrap().stream_sequence;
                msg.ack().await.unwrap();
                return seq;
            }
            Err(warning) => assert!(!warning.is_terminal(), "{warning}"),
        }
    }
}

#[tokio::test]
async fn flow_control_is_answered_so_a_large_backlog_flows_through() {
    let t = start().await;
    t.js.create_stream(memory("FC", "fc.>")).await.unwrap();
    let payload = vec![b'x'; 4096];
    let mut acks = Vec::new();
    for _ in 0..1000 {
        acks.push(t.js.publish_async("fc.x", payload.clone()).await.unwrap());
    }
    for ack in acks {
        ack.await.unwrap();
    }
    let config = ConsumerConfig {
        deliver_subject: t.client.new_inbox(),
        flow_control: true,
        idle_heartbeat: Duration::from_secs(1),
        ..ConsumerConfig::durable("fc")
    };
    let consumer = t.js.create_push_consumer("FC", config).await.unwrap();
    let mut messages = consumer.messages().await.unwrap();
    // 4 MB through a flow control window far smaller: without answers the server would stall.
    for expected in 1..=1000 {
        assert_eq!(next_seq(&mut messages).await, expected);
    }
    t.stop().await;
}

#[tokio::test]
async fn a_deliver_group_shares_the_messages() {
    let t = start().await;
    t.js.create_stream(memory("DG", "dg.>")).await.unwrap();
    // The deliver subject is outside the stream's subjects, or deliveries would be stored.
    let config = ConsumerConfig {
        deliver_subject: "deliver.dg".into(),
        deliver_group: "workers".into(),
        ..ConsumerConfig::durable("dg")
    };
    let consumer = t.js.create_push_consumer("DG", config).await.unwrap();
    let mut a = consumer.messages().await.unwrap();
    let mut b = consumer.messages().await.unwrap();
    t.client.flush().await.unwrap();
    for i in 0..40 {
        t.js.publish(format!("dg.{i}"), "x").await.unwrap();
    }
    let mut seen = BTreeSet::new();
    let (mut from_a, mut from_b) = (0, 0);
    while seen.len() < 40 {
        tokio::select! {
            seq = next_seq(&mut a) => { from_a += 1; assert!(seen.insert(seq), "#{seq} twice"); }
            seq = next_seq(&mut b) => { from_b += 1; assert!(seen.insert(seq), "#{seq} twice"); }
        }
    }
    assert!(from_a > 0 && from_b > 0, "{from_a} and {from_b}");
    t.stop().await;
}

#[tokio::test]
async fn missed_heartbeats_of_a_push_consumer_are_reported() {
    let t = start().await;
    t.js.create_stream(memory("HB", "hb.>")).await.unwrap();
    let proxy = FaultProxy::start(t.server.addr()).unwrap();
    let client = ConnectOptions::new().connect(&proxy.url()).await.unwrap();
    let js = natskit::jetstream::new(client.clone());
    let heartbeat = Duration::from_millis(300);
    let config = ConsumerConfig {
        deliver_subject: client.new_inbox(),
        flow_control: true,
        idle_heartbeat: heartbeat,
        ..ConsumerConfig::durable("hb")
    };
    let consumer = js.create_push_consumer("HB", config).await.unwrap();
    let mut messages = consumer.messages().await.unwrap();
    proxy.black_hole();
    let item = tokio::time::timeout(PATIENCE, messages.next())
        .await
        .expect("a warning in time")
        .expect("the stream goes on");
    assert_eq!(
        item.map(|_| ()),
        Err(ConsumeError::MissedHeartbeats { heartbeat })
    );
    proxy.heal();
    client.close().await.unwrap();
    t.stop().await;
}

#[tokio::test]
async fn push_and_pull_handles_refuse_the_other_kind() {
    let t = start().await;
    t.js.create_stream(memory("K", "k.>")).await.unwrap();
    t.js.create_consumer("K", ConsumerConfig::durable("pull"))
        .await
        .unwrap();
    assert!(matches!(
        t.js.push_consumer("K", "pull").await,
        Err(JetStreamError::InvalidConfig { .. })
    ));
    assert!(matches!(
        t.js.create_push_consumer("K", ConsumerConfig::durable("nope"))
            .await,
        Err(JetStreamError::InvalidConfig { .. })
    ));
    let push = ConsumerConfig {
        deliver_subject: "deliver.k".into(),
        ..ConsumerConfig::durable("push")
    };
    t.js.create_consumer("K", push).await.unwrap();
    assert!(matches!(
        t.js.pull_consumer("K", "push").await,
        Err(JetStreamError::InvalidConfig { .. })
    ));
    t.stop().await;
}
