//! Publishing with acknowledgements: acks, duplicates, expectations, subjects no stream
//! captures, and the retry on "no responders".

use std::time::{Duration, Instant};

use natskit::jetstream::{ApiError, Publish, PublishError, StorageType, StreamConfig};

use crate::support::{start, PATIENCE};

fn memory(name: &str, subjects: &[&str]) -> StreamConfig {
    StreamConfig {
        storage: StorageType::Memory,
        ..StreamConfig::new(name).subjects(subjects.iter().copied())
    }
}

fn api_code<T: std::fmt::Debug>(result: Result<T, PublishError>) -> (u16, u16) {
    match result {
        Err(PublishError::Api(e)) => (e.code, e.err_code),
        other => panic!("expected the stream to refuse, got {other:?}"),
    }
}

#[tokio::test]
async fn acks_name_the_stream_and_sequence() {
    let t = start().await;
    t.js.create_stream(memory("ACKS", &["acks.>"]))
        .await
        .unwrap();
    for seq in 1..=3 {
        let ack = t.js.publish("acks.x", format!("m{seq}")).await.unwrap();
        assert_eq!(
            (ack.stream.as_str(), ack.seq, ack.duplicate),
            ("ACKS", seq, false)
        );
        assert_eq!(ack.domain, None);
    }
    assert_eq!(t.js.stream_info("ACKS").await.unwrap().state.messages, 3);
    t.stop().await;
}

#[tokio::test]
async fn a_message_id_seen_in_the_window_is_a_duplicate() {
    let t = start().await;
    let config = StreamConfig {
        duplicate_window: Duration::from_secs(60),
        ..memory("DEDUP", &["dedup"])
    };
    let created = t.js.create_stream(config).await.unwrap();
    assert_eq!(created.config.duplicate_window, Duration::from_secs(60));

    let first =
        t.js.send_publish("dedup", Publish::new("once").message_id("order-1"))
            .await
            .unwrap();
    let again =
        t.js.send_publish("dedup", Publish::new("once").message_id("order-1"))
            .await
            .unwrap();
    assert!(!first.duplicate);
    assert!(again.duplicate);
    assert_eq!(again.seq, first.seq);
    let other =
        t.js.send_publish("dedup", Publish::new("twice").message_id("order-2"))
            .await
            .unwrap();
    assert_eq!((other.seq, other.duplicate), (2, false));
    assert_eq!(t.js.stream_info("DEDUP").await.unwrap().state.messages, 2);
    t.stop().await;
}

#[tokio::test]
async fn expectations_that_fail_are_typed_api_errors() {
    let t = start().await;
    t.js.create_stream(memory("EXP", &["exp.*"])).await.unwrap();
    let first =
        t.js.send_publish("exp.a", Publish::new("1").message_id("id-1"))
            .await
            .unwrap();
    assert_eq!(first.seq, 1);

    // Last sequence.
    assert_eq!(
        api_code(
            t.js.send_publish("exp.a", Publish::new("2").expected_last_sequence(7))
                .await
        ),
        (400, ApiError::STREAM_WRONG_LAST_SEQUENCE)
    );
    let ok =
        t.js.send_publish("exp.b", Publish::new("2").expected_last_sequence(1))
            .await
            .unwrap();
    assert_eq!(ok.seq, 2);

    // Last sequence on the subject; 0 means "no message on it yet".
    assert_eq!(
        api_code(
            t.js.send_publish("exp.a", Publish::new("3").expected_last_subject_sequence(0))
                .await
        ),
        (400, ApiError::STREAM_WRONG_LAST_SEQUENCE)
    );
    let ok =
        t.js.send_publish("exp.a", Publish::new("3").expected_last_subject_sequence(1))
            .await
            .unwrap();
    assert_eq!(ok.seq, 3);
    t.js.send_publish("exp.c", Publish::new("4").expected_last_subject_sequence(0))
        .await
        .unwrap();

    // Last message id and stream.
    assert_eq!(
        api_code(
            t.js.send_publish("exp.a", Publish::new("5").expected_last_message_id("id-0"))
                .await
        ),
        (400, ApiError::STREAM_WRONG_LAST_MSG_ID)
    );
    assert_eq!(
        api_code(
            t.js.send_publish("exp.a", Publish::new("5").expected_stream("OTHER"))
                .await
        ),
        (400, ApiError::STREAM_NOT_MATCH)
    );
    t.js.send_publish("exp.a", Publish::new("5").expected_stream("EXP"))
        .await
        .unwrap();
    // Nothing refused was stored.
    assert_eq!(t.js.stream_info("EXP").await.unwrap().state.messages, 5);
    t.stop().await;
}

#[tokio::test]
async fn a_subject_no_stream_captures_fails_quickly_after_the_retries() {
    let t = start().await;
    t.js.create_stream(memory("SOME", &["some"])).await.unwrap();
    let js = t.js.clone().with_timeout(Duration::from_secs(5));

    let started = Instant::now();
    let err = js.publish("nobody.stores.this", "x").await.unwrap_err();
    let took = started.elapsed();
    assert_eq!(
        err,
        PublishError::NoStream {
            subject: "nobody.stores.this".into(),
            attempts: 3
        }
    );
    // 100 ms + 200 ms of backoff, far from the 5 s timeout.
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");

    let no_retry = js
        .clone()
        .with_publish_retries(0, Duration::from_millis(100));
    let started = Instant::now();
    let err = no_retry
        .publish("nobody.stores.this", "x")
        .await
        .unwrap_err();
    assert!(
        matches!(err, PublishError::NoStream { attempts: 1, .. }),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    t.stop().await;
}

#[tokio::test]
async fn a_publish_retried_on_no_responders_lands_once_a_stream_captures_the_subject() {
    let t = start().await;
    // A client of its own, so its counters show the publish's attempts and nothing else.
    let publisher = natskit::connect(&t.server.url()).await.unwrap();
    // Up to 12 retries, 10 ms doubling: about 40 s at most, far more than the test needs.
    let patient = natskit::jetstream::new(publisher.clone())
        .with_publish_retries(12, Duration::from_millis(10));
    let publishing = tokio::spawn(async move { patient.publish("late.1", "x").await });

    // Two sends mean the first was answered "no responders" and retried.
    let mut sent = publisher.statistics().out_messages;
    let deadline = Instant::now() + PATIENCE;
    while sent < 2 {
        assert!(Instant::now() < deadline, "no retry within {PATIENCE:?}");
        tokio::task::yield_now().await;
        sent = publisher.statistics().out_messages;
    }
    t.js.create_stream(memory("LATE", &["late.*"]))
        .await
        .unwrap();
    let ack = tokio::time::timeout(PATIENCE * 5, publishing)
        .await
        .expect("an answer within the retries")
        .unwrap()
        .unwrap();
    assert_eq!((ack.stream.as_str(), ack.seq), ("LATE", 1));
    assert_eq!(t.js.stream_info("LATE").await.unwrap().state.messages, 1);
    publisher.close().await.unwrap();
    t.stop().await;
}

#[tokio::test]
async fn a_message_ttl_is_refused_before_sending_on_a_server_older_than_2_11() {
    use natskit::jetstream::{Publish, PublishError};
    let t = crate::support::start().await;
    t.js.create_stream(natskit::jetstream::StreamConfig::new("TTL").subjects(["ttl"]))
        .await
        .unwrap();
    assert_eq!(t.js.api_level().await.unwrap(), 0, "2.10 has no API level");
    let short = Publish::new("x").ttl(std::time::Duration::from_millis(500));
    assert!(matches!(
        t.js.send_publish("ttl", short).await,
        Err(PublishError::InvalidTtl(_))
    ));
    let ttl = Publish::new("x").ttl(std::time::Duration::from_secs(60));
    let e = t.js.send_publish("ttl", ttl.clone()).await.unwrap_err();
    assert_eq!(
        e,
        PublishError::Unsupported {
            feature: "a per-message TTL (Nats-TTL)",
            needs: 1,
            server: 0
        }
    );
    assert!(e.to_string().contains("nats-server 2.11"), "{e}");
    assert!(matches!(
        t.js.send_publish_async("ttl", ttl).await,
        Err(PublishError::Unsupported { .. })
    ));
    assert_eq!(
        t.js.stream_info("TTL").await.unwrap().state.messages,
        0,
        "nothing sent"
    );
    t.stop().await;
}
