//! Faults a real server never makes, played by the scripted fake server: the client reports
//! them clearly and never panics or hangs.

use std::time::Duration;

use natskit::{ConnectError, ConnectOptions, Event, FlushError, HeaderMap, PublishError};
use natskit_test::{ScriptedServer, Step};

use crate::support::{drain_to_end, next, wait_for_event};

/// The handshake followed by `then`.
fn after_handshake(then: impl IntoIterator<Item = Step>) -> ScriptedServer {
    ScriptedServer::start(Step::handshake().into_iter().chain(then)).expect("scripted server")
}

fn received_text(server: &ScriptedServer) -> String {
    server
        .received()
        .iter()
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect()
}

#[tokio::test]
async fn server_ping_is_answered_with_pong() {
    let server = after_handshake([
        Step::send("PING\r\n"),
        Step::read_until("PONG\r\n"),
        Step::Hang,
    ]);
    let _client = natskit::connect(&server.url()).await.unwrap();
    tokio::task::spawn_blocking(move || server.join_timeout(Duration::from_secs(10)))
        .await
        .unwrap()
        .expect("the client answered PING");
}

#[tokio::test]
async fn server_without_headers_support() {
    let info = "INFO {\"server_id\":\"FAKE\",\"version\":\"2.1.0\",\"proto\":1,\"headers\":false,\"max_payload\":1048576}\r\n";
    let server = ScriptedServer::start([
        Step::send(info),
        Step::expect_line("CONNECT "),
        Step::expect_line("PING"),
        Step::send("PONG\r\n"),
        Step::Hang,
    ])
    .unwrap();
    let client = natskit::connect(&server.url()).await.unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("A", "1").unwrap();
    let err = client
        .publish_with_headers("x", None, &headers, "y")
        .await
        .unwrap_err();
    assert_eq!(err, PublishError::HeadersNotSupported);
    assert_eq!(err.to_string(), "the server does not support headers");
    // no_responders needs headers, so neither is asked for.
    let sent = received_text(&server);
    assert!(
        sent.contains("\"headers\":false") && sent.contains("\"no_responders\":false"),
        "{sent}"
    );
}

#[tokio::test]
async fn server_error_is_reported_as_an_event() {
    let server = after_handshake([
        Step::expect_line("SUB restricted 1"),
        Step::send("-ERR 'Permissions Violation for Subscription to \"restricted\"'\r\n"),
        Step::Hang,
    ]);
    let client = natskit::connect(&server.url()).await.unwrap();
    let mut events = client.events();
    let _sub = client.subscribe("restricted").await.unwrap();
    let event = wait_for_event(&mut events, |e| matches!(e, Event::ServerError(_))).await;
    assert_eq!(
        event,
        Event::ServerError("Permissions Violation for Subscription to \"restricted\"".into())
    );
}

#[tokio::test]
async fn unknown_operation_from_the_server_is_a_protocol_error() {
    let server = after_handshake([Step::send("BOGUS stuff\r\n"), Step::Hang]);
    let client = natskit::connect(&server.url()).await.unwrap();
    let mut events = client.events();
    let event = wait_for_event(&mut events, |e| matches!(e, Event::Disconnected { .. })).await;
    assert_eq!(
        event,
        Event::Disconnected {
            reason: "protocol error: unknown protocol operation \"BOGUS stuff\"".into()
        }
    );
}

#[tokio::test]
async fn a_message_whose_subject_is_not_utf8_is_dropped_and_the_connection_kept() {
    let server = after_handshake([
        Step::expect_line("SUB a 1"),
        Step::send(b"MSG \xff\xfe 1 2\r\nhi\r\nMSG a 1 2\r\nok\r\n"),
        Step::Hang,
    ]);
    let client = ConnectOptions::new()
        .reconnect(false)
        .connect(&server.url())
        .await
        .unwrap();
    let mut events = client.events();
    let mut sub = client.subscribe("a").await.unwrap();
    let event = wait_for_event(&mut events, |e| {
        matches!(
            e,
            Event::MalformedMessage { .. } | Event::Disconnected { .. }
        )
    })
    .await;
    assert_eq!(
        event,
        Event::MalformedMessage {
            sid: sub.sid(),
            subject: Some("a".into()),
            reason: "subject is not valid UTF-8".into()
        }
    );
    assert_eq!(next(&mut sub).await.payload, "ok");
    assert_eq!(client.statistics().reconnects, 0, "the connection was kept");
}

#[tokio::test]
async fn half_frame_then_close_ends_the_subscription_cleanly() {
    let server = after_handshake([
        Step::expect_line("SUB a 1"),
        Step::send("MSG a 1 10\r\nhal"),
        Step::Close,
    ]);
    // Without reconnecting, so that the subscription ends with the connection.
    let client = ConnectOptions::new()
        .reconnect(false)
        .connect(&server.url())
        .await
        .unwrap();
    let mut events = client.events();
    let mut sub = client.subscribe("a").await.unwrap();
    wait_for_event(&mut events, |e| matches!(e, Event::Disconnected { .. })).await;
    assert!(
        drain_to_end(&mut sub).await.is_empty(),
        "a half message is never delivered"
    );
    wait_for_event(&mut events, |e| matches!(e, Event::Closed { .. })).await;
    assert!(client.is_closed());
}

#[tokio::test]
async fn silent_server_makes_a_stale_connection() {
    let server = after_handshake([Step::Hang]);
    let client = ConnectOptions::new()
        .ping_interval(Duration::from_millis(100))
        .max_pings_outstanding(2)
        .connect(&server.url())
        .await
        .unwrap();
    let mut events = client.events();
    let started = std::time::Instant::now();
    let event = wait_for_event(&mut events, |e| matches!(e, Event::Disconnected { .. })).await;
    assert_eq!(
        event,
        Event::Disconnected {
            reason: "stale connection: the server did not answer PING".into()
        }
    );
    // Two unanswered PINGs, then the third tick declares it stale: about 300 ms.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(
        received_text(&server).matches("PING").count() >= 3,
        "keepalive PINGs were sent"
    );
}

#[tokio::test]
async fn flush_times_out_when_the_server_does_not_answer() {
    let server = after_handshake([Step::Hang]);
    let client = ConnectOptions::new()
        .flush_timeout(Duration::from_millis(200))
        .connect(&server.url())
        .await
        .unwrap();
    assert_eq!(
        client.flush().await.unwrap_err(),
        FlushError::TimedOut(Duration::from_millis(200))
    );
}

#[tokio::test]
async fn a_peer_that_is_not_a_nats_server_is_refused_clearly() {
    let server =
        ScriptedServer::start([Step::send("HTTP/1.1 400 Bad Request\r\n\r\n"), Step::Close])
            .unwrap();
    let err = natskit::connect(&server.url()).await.unwrap_err();
    assert!(
        matches!(
            &err,
            ConnectError::Protocol {
                source: natskit_proto::ProtoError::UnknownOperation { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("protocol error from 127.0.0.1:"),
        "{err}"
    );
}

#[tokio::test]
async fn connection_closed_during_handshake_is_an_io_error() {
    let server = ScriptedServer::start([Step::SendInfo, Step::Close]).unwrap();
    let err = natskit::connect(&server.url()).await.unwrap_err();
    assert!(matches!(&err, ConnectError::Io { .. }), "{err:?}");
}

#[tokio::test]
async fn tls_required_in_info_starts_a_tls_handshake() {
    let info =
        "INFO {\"server_id\":\"FAKE\",\"proto\":1,\"headers\":true,\"tls_required\":true}\r\n";
    // 0x16 0x03: a TLS handshake record, the ClientHello; then the peer goes away.
    let server = ScriptedServer::start([
        Step::send(info),
        Step::read_until([0x16, 0x03]),
        Step::Close,
    ])
    .unwrap();
    let err = natskit::connect(&server.url()).await.unwrap_err();
    server.join().unwrap();
    assert!(
        matches!(&err, ConnectError::Io { .. } | ConnectError::Tls { .. }),
        "{err:?}"
    );
    assert!(!server.received()[0].starts_with(b"CONNECT"));
}

#[tokio::test]
async fn lame_duck_mode_is_reported() {
    let server = after_handshake([
        Step::send("INFO {\"server_id\":\"FAKE\",\"proto\":1,\"headers\":true,\"ldm\":true}\r\n"),
        Step::Hang,
    ]);
    let client = natskit::connect(&server.url()).await.unwrap();
    let mut events = client.events();
    wait_for_event(&mut events, |e| *e == Event::LameDuckMode).await;
    assert!(client.server_info().lame_duck_mode);
}

#[tokio::test]
async fn info_update_changes_the_limits_publishes_are_checked_against() {
    let server = after_handshake([
        Step::send(
            "INFO {\"server_id\":\"FAKE\",\"proto\":1,\"headers\":true,\"max_payload\":8}\r\n",
        ),
        Step::Hang,
    ]);
    let client = natskit::connect(&server.url()).await.unwrap();
    // The update is applied by the time a later PING would be answered; wait for it to show.
    tokio::time::timeout(crate::support::PATIENCE, async {
        while client.server_info().max_payload != 8 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("INFO update applied");
    let err = client.publish("x", "123456789").await.unwrap_err();
    assert_eq!(
        err,
        PublishError::TooLarge {
            size: 9,
            max_payload: 8
        }
    );
}
