//! NATS over WebSocket: `ws://` and `wss://` URLs against a WebSocket listener (nats-server
//! 2.10.26's `websocket` block in `it`, the embedded broker's in `embedded`). The client's
//! whole API runs inside WebSocket messages, pools mix `ws://` and `nats://`, `wss://` does TLS
//! as TCP does, and each way an upgrade can fail is a typed error. What only nats-server does
//! (clusters, client certificates on wss) is in `websocket_nats_server.rs`.

use std::io::ErrorKind;
use std::time::Duration;

use bytes::Bytes;
use natskit::{Client, ConnectError, ConnectOptions, Event, HeaderMap, Subscriber};
use natskit_test::pki::Pki;
use natskit_test::{ScriptedServer, Step};

use crate::backend::ws_server;
use crate::reconnect::quick_reconnects;
use crate::support::{client, drain_to_end, next, server, wait_for_event, TestServer, TlsSetup};
use crate::tls::trusting;

/// How a WebSocket test server is set up beyond the defaults.
#[derive(Debug, Clone, Default)]
pub struct WsSetup {
    /// A larger (or smaller) `max_payload`.
    pub max_payload: Option<usize>,
    /// `wss://` with this certificate (and client CA), instead of `ws://`.
    pub tls: Option<TlsSetup>,
    /// The monitoring port is served too.
    pub monitoring: bool,
    /// Clients must send this token (on TCP and WebSocket alike).
    pub token: Option<String>,
}

pub fn ws_url(server: &TestServer) -> String {
    server.ws_url().expect("a WebSocket listener")
}

async fn ws_client(server: &TestServer) -> Client {
    natskit::connect(&ws_url(server))
        .await
        .expect("connect over ws://")
}

pub fn wss_setup(pki: &Pki, client_ca: bool) -> WsSetup {
    WsSetup {
        tls: Some(TlsSetup {
            cert: pki.server.clone(),
            client_ca: client_ca.then(|| pki.ca.clone()),
            handshake_first: false,
        }),
        ..WsSetup::default()
    }
}

/// A message goes from `from` to `to` on `subject`.
pub async fn round_trip(from: &Client, to: &Client, subject: &str) {
    let mut sub = to.subscribe(subject).await.unwrap();
    to.flush().await.unwrap();
    from.publish(subject, "across").await.unwrap();
    assert_eq!(next(&mut sub).await.payload, "across");
}

#[tokio::test]
async fn connects_over_ws_and_messages_cross_to_tcp_clients_both_ways() {
    let server = ws_server(WsSetup::default());
    let ws = ws_client(&server).await;
    // On a WebSocket connection nats-server names its WebSocket listener in INFO.
    assert_eq!(Some(ws.server_info().port), server.ws_port());
    assert_eq!(ws.server_address(), ws_url(&server));
    let tcp = client(&server).await;
    round_trip(&ws, &tcp, "ws.to.tcp").await;
    round_trip(&tcp, &ws, "tcp.to.ws").await;
    round_trip(&ws, &ws, "ws.to.ws").await;
}

#[tokio::test]
async fn ws_clients_authenticate_as_tcp_clients_do() {
    let server = ws_server(WsSetup {
        token: Some("s3cret".into()),
        ..WsSetup::default()
    });
    let url = ws_url(&server);
    let err = natskit::connect(&url).await.unwrap_err();
    crate::auth::assert_authorization_violation(&err);
    let err = ConnectOptions::new()
        .token("wrong")
        .connect(&url)
        .await
        .unwrap_err();
    crate::auth::assert_authorization_violation(&err);
    let ws = ConnectOptions::new()
        .token("s3cret")
        .connect(&url)
        .await
        .expect("the token lets a ws:// client in");
    let tcp = ConnectOptions::new()
        .token("s3cret")
        .connect(&server.url())
        .await
        .expect("and the same token a nats:// one");
    round_trip(&ws, &tcp, "authenticated.ws").await;
}

#[tokio::test]
async fn request_reply_over_ws() {
    let server = ws_server(WsSetup::default());
    let responder = ws_client(&server).await;
    let requester = ws_client(&server).await;
    let mut requests = responder.subscribe("svc.upper").await.unwrap();
    responder.flush().await.unwrap();
    tokio::spawn(async move {
        while let Some(request) = futures_util::StreamExt::next(&mut requests).await {
            let answer = String::from_utf8_lossy(&request.payload).to_uppercase();
            let _ = request.respond(answer).await;
        }
    });
    for word in ["one", "two", "three"] {
        let answer = requester.request("svc.upper", word).await.unwrap();
        assert_eq!(answer.payload, word.to_uppercase());
    }
}

#[tokio::test]
async fn headers_over_ws() {
    let server = ws_server(WsSetup::default());
    let client = ws_client(&server).await;
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
}

#[tokio::test]
async fn a_one_mebibyte_payload_crosses_intact_both_ways() {
    let server = ws_server(WsSetup {
        max_payload: Some(2 * 1024 * 1024),
        ..WsSetup::default()
    });
    let ws = ws_client(&server).await;
    let tcp = client(&server).await;
    let large = Bytes::from(
        (0..1024 * 1024u32)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>(),
    );
    let mut on_ws = ws.subscribe("big").await.unwrap();
    let mut on_tcp = tcp.subscribe("big").await.unwrap();
    ws.flush().await.unwrap();
    tcp.flush().await.unwrap();
    // Two in a row from each side: message boundaries need not match frame boundaries. The
    // flush makes the server take one side's pair before the other's, so the order is known.
    for sender in [&ws, &tcp] {
        sender.publish("big", large.clone()).await.unwrap();
        sender.publish("big", "small after").await.unwrap();
        sender.flush().await.unwrap();
    }
    for sub in [&mut on_ws, &mut on_tcp] {
        for _ in 0..2 {
            assert_eq!(next(sub).await.payload, large);
            assert_eq!(next(sub).await.payload, "small after");
        }
    }
}

#[tokio::test]
async fn many_small_messages_arrive_in_order() {
    let server = ws_server(WsSetup::default());
    let subscriber = ws_client(&server).await;
    let publisher = ws_client(&server).await;
    let mut sub = subscriber.subscribe("seq").await.unwrap();
    subscriber.flush().await.unwrap();
    for i in 0..10_000u32 {
        publisher.publish("seq", i.to_string()).await.unwrap();
    }
    publisher.flush().await.unwrap();
    for i in 0..10_000u32 {
        assert_eq!(next(&mut sub).await.payload, i.to_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flush_and_drain_over_ws_deliver_everything_then_close() {
    let server = ws_server(WsSetup::default());
    let receiver = ws_client(&server).await;
    let sender = ws_client(&server).await;
    let mut sub = receiver.subscribe("drain.ws").await.unwrap();
    receiver.flush().await.unwrap();
    assert!(receiver.rtt().await.unwrap() < Duration::from_secs(5));
    for i in 0..5_000u32 {
        sender.publish("drain.ws", i.to_string()).await.unwrap();
    }
    sender.flush().await.unwrap();
    receiver.drain().await.unwrap();
    assert!(receiver.is_closed());
    let got: Vec<String> = drain_to_end(&mut sub)
        .await
        .iter()
        .map(|m| String::from_utf8_lossy(&m.payload).into_owned())
        .collect();
    assert_eq!(got, (0..5_000).map(|i| i.to_string()).collect::<Vec<_>>());
    sender.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mixed_pool_fails_over_from_ws_to_nats_and_back() {
    let mut ws_side = ws_server(WsSetup::default());
    let mut tcp_side = server();
    let pool = format!("{},{}", ws_url(&ws_side), tcp_side.url());
    let client = quick_reconnects()
        .no_randomize()
        .connect(&pool)
        .await
        .unwrap();
    let mut events = client.events();
    assert_eq!(client.server_address(), ws_url(&ws_side));
    let mut sub = client.subscribe("mixed").await.unwrap();
    echo(&client, &mut sub, "over ws").await;

    ws_side.stop().unwrap();
    let reconnected = |e: &Event| matches!(e, Event::Reconnected { .. });
    let Event::Reconnected { server } = wait_for_event(&mut events, reconnected).await else {
        unreachable!()
    };
    assert_eq!(server, tcp_side.url(), "each URL keeps its scheme");
    echo(&client, &mut sub, "over tcp").await;

    ws_side.start_again().unwrap();
    tcp_side.stop().unwrap();
    let Event::Reconnected { server } = wait_for_event(&mut events, reconnected).await else {
        unreachable!()
    };
    assert_eq!(server, ws_url(&ws_side));
    echo(&client, &mut sub, "over ws again").await;
}

/// `client` receives what it publishes on the subject of `sub`.
async fn echo(client: &Client, sub: &mut Subscriber, text: &'static str) {
    client.publish(sub.subject(), text).await.unwrap();
    assert_eq!(next(sub).await.payload, text);
}

#[tokio::test]
async fn wss_with_the_test_ca() {
    let pki = Pki::new();
    let server = ws_server(wss_setup(&pki, false));
    let url = ws_url(&server);
    assert!(url.starts_with("wss://"));
    let client = trusting(&pki).connect(&url).await.unwrap();
    round_trip(&client, &client, "secure").await;
    // The same listener by name: the certificate is for localhost too.
    let by_name = url.replace("127.0.0.1", "localhost");
    let client = trusting(&pki).connect(&by_name).await.unwrap();
    round_trip(&client, &client, "secure.by.name").await;
}

#[tokio::test]
async fn wss_refuses_an_untrusted_certificate() {
    let pki = Pki::new();
    let server = ws_server(wss_setup(&pki, false));
    let err = ConnectOptions::new()
        .add_root_certificate(&pki.other_ca)
        .connect(&ws_url(&server))
        .await
        .unwrap_err();
    let ConnectError::CertificateRejected { reason, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(reason.contains("not signed by a trusted CA"), "{reason}");
}

#[tokio::test]
async fn wss_on_a_plain_ws_listener_fails_in_tls() {
    let server = ws_server(WsSetup::default());
    let url = ws_url(&server).replace("ws://", "wss://");
    let err = natskit::connect(&url).await.unwrap_err();
    // nats-server answers the TLS hello with an HTTP 400 (a TLS error here), the broker
    // closes the connection (end of file in the TLS handshake).
    assert!(
        matches!(err, ConnectError::Tls { .. } | ConnectError::Io { .. }),
        "{err:?}"
    );
    assert!(err.to_string().to_lowercase().contains("tls"), "{err}");
}

#[tokio::test]
async fn ws_on_an_http_server_is_refused_with_its_status() {
    let server = ws_server(WsSetup {
        monitoring: true,
        ..WsSetup::default()
    });
    let monitor = server.monitor_port().unwrap();
    let err = natskit::connect(&format!("ws://127.0.0.1:{monitor}/nats"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectError::WebSocketRefused { status: 404, .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("HTTP 404 Not Found") && message.contains("WebSocket listener"),
        "{message}"
    );
    // Its root, a page of links on both, is no upgrade either.
    let err = natskit::connect(&format!("ws://127.0.0.1:{monitor}"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectError::WebSocketRefused { status: 200, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn ws_on_a_nats_tcp_port_says_to_use_nats_urls_for_it() {
    let server = server();
    let url = server.url().replace("nats://", "ws://");
    let err = natskit::connect(&url).await.unwrap_err();
    let ConnectError::WebSocket { reason, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(reason.contains("use nats:// for it"), "{reason}");
}

#[tokio::test]
async fn ws_on_a_peer_that_answers_no_http_says_so() {
    let peer = ScriptedServer::start([
        Step::read_until("\r\n\r\n"),
        Step::send("SSH-2.0-OpenSSH_9.2\r\n"),
        Step::Close,
    ])
    .unwrap();
    let err = natskit::connect(&format!("ws://127.0.0.1:{}", peer.port()))
        .await
        .unwrap_err();
    let ConnectError::WebSocket { reason, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(reason.contains("not HTTP"), "{reason}");
}

#[tokio::test]
async fn ws_to_a_closed_port_is_refused() {
    let port = natskit_test::port::free_port().unwrap();
    let err = natskit::connect(&format!("ws://127.0.0.1:{port}"))
        .await
        .unwrap_err();
    let ConnectError::Io { source, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(source.kind(), ErrorKind::ConnectionRefused);
}

#[tokio::test]
async fn a_silent_peer_times_the_upgrade_out() {
    // A fault no real server makes: it accepts and never answers the upgrade.
    let silent = ScriptedServer::start([Step::read_until("\r\n\r\n"), Step::Hang]).unwrap();
    let timeout = Duration::from_millis(300);
    let err = ConnectOptions::new()
        .connection_timeout(timeout)
        .connect(&format!("ws://127.0.0.1:{}", silent.port()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConnectError::TimedOut { timeout: t, .. } if *t == timeout),
        "{err:?}"
    );
    // What it got was an HTTP upgrade request.
    silent.join().unwrap();
    let received = silent.received().concat();
    assert!(received.starts_with(b"GET / HTTP/1.1\r\n"), "{received:?}");
}
