//! [`PullFlow`] driven by hand: a fake clock (`Instant`s made up here) and arrivals written
//! out, no sockets.

use super::*;

const HB: Duration = Duration::from_secs(5);

fn consume(max_messages: u64, threshold: u64) -> PullFlow {
    PullFlow::new(
        PullLimits {
            max_messages,
            max_bytes: 0,
            threshold,
            expires: Duration::from_secs(30),
            heartbeat: HB,
        },
        Mode::Continuous,
    )
}

fn fetch(batch: u64, expires: Duration, heartbeat: Duration, no_wait: bool) -> PullFlow {
    PullFlow::new(
        PullLimits {
            max_messages: batch,
            max_bytes: 0,
            threshold: 0,
            expires,
            heartbeat,
        },
        Mode::Once { no_wait },
    )
}

fn user(size: u64) -> Incoming {
    Incoming::User { size }
}

fn status(code: u16, description: &str, messages: u64, bytes: u64) -> Incoming {
    Incoming::Status {
        code,
        description: description.into(),
        pending_messages: messages,
        pending_bytes: bytes,
    }
}

fn heartbeat() -> Incoming {
    Incoming::Heartbeat {
        last_consumer: None,
        last_stream: None,
        stalled: None,
    }
}

#[test]
fn consume_fills_the_buffer_then_refills_at_the_threshold() {
    let t0 = Instant::now();
    let mut flow = consume(10, 5);
    let first = flow.poll_request(t0).expect("first pull");
    assert_eq!(
        first,
        PullRequest {
            batch: 10,
            max_bytes: 0,
            expires: Duration::from_secs(30),
            idle_heartbeat: HB,
            no_wait: false
        }
    );
    assert_eq!(flow.poll_request(t0), None, "the buffer is full");
    for _ in 0..4 {
        assert_eq!(flow.on_incoming(t0, &user(10)), Verdict::Deliver);
        assert_eq!(flow.poll_request(t0), None);
    }
    assert_eq!(flow.on_incoming(t0, &user(10)), Verdict::Deliver);
    let refill = flow.poll_request(t0).expect("at the threshold");
    assert_eq!(refill.batch, 5, "asks for what fills the buffer again");
    assert_eq!(flow.pending(), (10, 0));
}

#[test]
fn consume_with_one_message_never_sticks() {
    let t0 = Instant::now();
    let mut flow = consume(1, 0);
    assert_eq!(flow.poll_request(t0).map(|r| r.batch), Some(1));
    assert_eq!(flow.poll_request(t0), None);
    assert_eq!(flow.on_incoming(t0, &user(3)), Verdict::Deliver);
    assert_eq!(flow.poll_request(t0).map(|r| r.batch), Some(1));
}

#[test]
fn consume_by_bytes_asks_for_a_large_batch_and_the_missing_bytes() {
    let t0 = Instant::now();
    let mut flow = PullFlow::new(
        PullLimits {
            max_messages: 0,
            max_bytes: 1000,
            threshold: 500,
            expires: Duration::from_secs(30),
            heartbeat: HB,
        },
        Mode::Continuous,
    );
    let first = flow.poll_request(t0).expect("first pull");
    assert_eq!((first.batch, first.max_bytes), (BATCH_FOR_BYTES, 1000));
    assert_eq!(flow.on_incoming(t0, &user(400)), Verdict::Deliver);
    assert_eq!(flow.poll_request(t0), None, "600 bytes still to come");
    assert_eq!(flow.on_incoming(t0, &user(200)), Verdict::Deliver);
    let refill = flow
        .poll_request(t0)
        .expect("400 left: under the threshold");
    assert_eq!(refill.max_bytes, 600);
}

#[test]
fn a_request_timeout_gives_back_what_it_had_left() {
    let t0 = Instant::now();
    let mut flow = consume(10, 5);
    flow.poll_request(t0);
    assert_eq!(flow.on_incoming(t0, &user(10)), Verdict::Deliver);
    assert_eq!(
        flow.on_incoming(t0, &status(408, "Request Timeout", 9, 0)),
        Verdict::Skip
    );
    assert_eq!(flow.pending(), (0, 0));
    assert_eq!(flow.poll_request(t0).map(|r| r.batch), Some(10));
}

#[test]
fn a_missed_heartbeat_is_reported_after_twice_the_interval_and_pulls_afresh() {
    let t0 = Instant::now();
    let mut flow = consume(10, 5);
    flow.poll_request(t0);
    assert_eq!(flow.poll_timeout(), Some(t0 + 2 * HB));
    // A heartbeat at 9 s moves the deadline.
    let t9 = t0 + Duration::from_secs(9);
    assert_eq!(flow.handle_timeout(t9), None);
    assert_eq!(flow.on_incoming(t9, &heartbeat()), Verdict::Skip);
    assert_eq!(flow.poll_timeout(), Some(t9 + 2 * HB));
    assert_eq!(flow.handle_timeout(t0 + Duration::from_secs(11)), None);
    let late = t9 + 2 * HB;
    assert_eq!(
        flow.handle_timeout(late),
        Some(ConsumeError::MissedHeartbeats { heartbeat: HB })
    );
    assert!(!flow.is_finished(), "a missed heartbeat is not terminal");
    assert_eq!(
        flow.poll_request(late).map(|r| r.batch),
        Some(10),
        "pulls afresh"
    );
    assert_eq!(flow.poll_timeout(), Some(late + 2 * HB));
}

#[test]
fn the_heartbeat_timer_pauses_while_disconnected_and_a_reconnect_pulls_again() {
    let t0 = Instant::now();
    let mut flow = consume(10, 5);
    flow.poll_request(t0);
    flow.disconnected();
    assert_eq!(flow.poll_timeout(), None, "paused");
    let t60 = t0 + Duration::from_secs(60);
    assert_eq!(flow.handle_timeout(t60), None);
    assert_eq!(flow.poll_request(t60), None, "no pulls while disconnected");
    flow.reconnected(t60);
    assert_eq!(flow.poll_request(t60).map(|r| r.batch), Some(10));
    assert_eq!(flow.poll_timeout(), Some(t60 + 2 * HB));
}

#[test]
fn a_deleted_consumer_ends_a_consume_with_its_error() {
    let t0 = Instant::now();
    let mut flow = consume(10, 5);
    flow.poll_request(t0);
    assert_eq!(
        flow.on_incoming(t0, &status(409, "Consumer Deleted", 0, 0)),
        Verdict::End(Some(ConsumeError::ConsumerDeleted))
    );
    assert!(flow.is_finished());
    assert_eq!(flow.poll_request(t0), None);
    assert_eq!(flow.poll_timeout(), None);
}

#[test]
fn statuses_that_no_request_can_pass_end_a_consume() {
    for (code, description, error) in [
        (409, "Consumer is push based", ConsumeError::PushBased),
        (
            409,
            "Exceeded MaxRequestBatch of 5",
            ConsumeError::Refused {
                description: "Exceeded MaxRequestBatch of 5".into(),
            },
        ),
        (
            400,
            "Bad Request",
            ConsumeError::BadRequest {
                description: "Bad Request".into(),
            },
        ),
    ] {
        let t0 = Instant::now();
        let mut flow = consume(10, 5);
        flow.poll_request(t0);
        assert_eq!(
            flow.on_incoming(t0, &status(code, description, 0, 0)),
            Verdict::End(Some(error))
        );
    }
}

#[test]
fn too_many_waiting_warns_and_pauses_the_pulls() {
    let t0 = Instant::now();
    let mut flow = consume(10, 5);
    flow.poll_request(t0);
    assert_eq!(
        flow.on_incoming(t0, &status(409, "Exceeded MaxWaiting", 0, 0)),
        Verdict::Warn(ConsumeError::TooManyWaiting)
    );
    assert_eq!(flow.poll_request(t0), None, "paused");
    assert_eq!(flow.poll_timeout(), Some(t0 + PULL_PAUSE));
    assert_eq!(
        flow.poll_request(t0 + PULL_PAUSE).map(|r| r.batch),
        Some(10)
    );
}

#[test]
fn no_responders_asks_whether_the_consumer_exists() {
    let t0 = Instant::now();
    let mut flow = consume(10, 5);
    flow.poll_request(t0);
    assert_eq!(
        flow.on_incoming(t0, &Incoming::NoResponders),
        Verdict::CheckConsumer
    );
    assert_eq!(flow.consumer_exists(t0, true), None);
    assert_eq!(flow.poll_request(t0), None, "a pause before pulling again");
    assert!(flow.poll_request(t0 + PULL_PAUSE).is_some());
    assert_eq!(
        flow.consumer_exists(t0, false),
        Some(ConsumeError::ConsumerDeleted)
    );
    assert!(flow.is_finished());
}

#[test]
fn a_leadership_change_drops_the_request_and_pulls_again() {
    let t0 = Instant::now();
    let mut flow = consume(10, 5);
    flow.poll_request(t0);
    assert_eq!(
        flow.on_incoming(t0, &status(409, "Leadership Change", 0, 0)),
        Verdict::Skip
    );
    assert_eq!(flow.poll_request(t0).map(|r| r.batch), Some(10));
}

#[test]
fn fetch_sends_one_request_and_ends_with_its_batch() {
    let t0 = Instant::now();
    let mut flow = fetch(2, Duration::from_secs(1), Duration::ZERO, false);
    let request = flow.poll_request(t0).expect("the request");
    assert_eq!((request.batch, request.no_wait), (2, false));
    assert_eq!(flow.poll_request(t0), None, "only one");
    assert_eq!(flow.on_incoming(t0, &user(1)), Verdict::Deliver);
    assert!(!flow.is_finished());
    assert_eq!(flow.on_incoming(t0, &user(1)), Verdict::Deliver);
    assert!(flow.is_finished());
}

#[test]
fn fetch_ends_quietly_on_no_messages_and_timeout() {
    let t0 = Instant::now();
    for end in [
        status(404, "No Messages", 0, 0),
        status(408, "Request Timeout", 5, 0),
    ] {
        let mut flow = fetch(5, Duration::from_secs(1), Duration::ZERO, true);
        assert!(flow.poll_request(t0).expect("request").no_wait);
        assert_eq!(flow.on_incoming(t0, &end), Verdict::End(None));
    }
}

#[test]
fn fetch_ends_at_its_own_deadline_if_the_server_is_silent() {
    let t0 = Instant::now();
    let mut flow = fetch(5, Duration::from_secs(10), Duration::ZERO, false);
    flow.poll_request(t0);
    let end = t0 + Duration::from_secs(11);
    assert_eq!(flow.poll_timeout(), Some(end));
    assert_eq!(flow.handle_timeout(end - Duration::from_millis(1)), None);
    assert!(!flow.is_finished());
    assert_eq!(flow.handle_timeout(end), None);
    assert!(flow.is_finished());
}

#[test]
fn fetch_with_heartbeats_ends_with_the_missed_heartbeat() {
    let t0 = Instant::now();
    let mut flow = fetch(5, Duration::from_secs(60), HB, false);
    flow.poll_request(t0);
    assert_eq!(
        flow.handle_timeout(t0 + 2 * HB),
        Some(ConsumeError::MissedHeartbeats { heartbeat: HB })
    );
    assert!(flow.is_finished());
}

#[test]
fn fetch_by_bytes_ends_when_the_bytes_are_in() {
    let t0 = Instant::now();
    let mut flow = PullFlow::new(
        PullLimits {
            max_messages: BATCH_FOR_BYTES,
            max_bytes: 100,
            threshold: 0,
            expires: Duration::from_secs(5),
            heartbeat: Duration::ZERO,
        },
        Mode::Once { no_wait: false },
    );
    let request = flow.poll_request(t0).expect("request");
    assert_eq!(request.max_bytes, 100);
    flow.on_incoming(t0, &user(60));
    assert!(!flow.is_finished());
    flow.on_incoming(t0, &user(40));
    assert!(flow.is_finished());
}

#[test]
fn a_stopped_consume_delivers_what_it_asked_for_then_finishes() {
    let t0 = Instant::now();
    let mut flow = consume(3, 1);
    flow.poll_request(t0);
    flow.on_incoming(t0, &user(1));
    flow.stop();
    assert_eq!(flow.poll_request(t0), None, "no more pulls");
    assert_eq!(flow.on_incoming(t0, &user(1)), Verdict::Deliver);
    assert!(!flow.is_finished());
    assert_eq!(flow.on_incoming(t0, &user(1)), Verdict::Deliver);
    assert!(flow.is_finished());
}

#[test]
fn the_request_body_is_what_the_server_reads() {
    let body = PullRequest {
        batch: 10,
        max_bytes: 0,
        expires: Duration::from_secs(30),
        idle_heartbeat: HB,
        no_wait: false,
    };
    assert_eq!(
        serde_json::to_string(&body).expect("serializes"),
        r#"{"batch":10,"expires":30000000000,"idle_heartbeat":5000000000}"#
    );
}

#[test]
fn a_request_that_could_not_be_sent_is_taken_back_and_the_next_waits() {
    let t0 = Instant::now();
    let mut flow = consume(10, 5);
    let request = flow.poll_request(t0).expect("request");
    flow.request_failed(t0, &request);
    assert_eq!(flow.pending(), (0, 0));
    assert_eq!(flow.poll_request(t0), None, "not at once");
    assert_eq!(flow.poll_timeout(), Some(t0 + PULL_PAUSE));
    assert_eq!(flow.handle_timeout(t0 + PULL_PAUSE), None);
    assert!(flow.poll_request(t0 + PULL_PAUSE).is_some());
}
