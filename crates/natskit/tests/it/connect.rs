//! Connecting: URL forms, server lists, credentials, and each way it can fail.

use std::time::Duration;

use natskit::{ConnectError, ConnectOptions, Event, ServerAddr};

use crate::support::{server, server_with, wait_for_event, Setup};

#[tokio::test]
async fn connects_and_reads_server_info() {
    let server = server();
    let client = ConnectOptions::new()
        .name("it-test")
        .connect(&server.url())
        .await
        .unwrap();
    let info = client.server_info();
    assert!(info.headers, "nats-server 2.x supports headers");
    assert_eq!(info.proto, 1);
    assert!(!info.server_id.is_empty());
    assert_eq!(
        client.server_address(),
        format!("nats://127.0.0.1:{}", server.port())
    );
}

#[tokio::test]
async fn url_forms_without_scheme_are_accepted() {
    let server = server();
    let bare = format!("127.0.0.1:{}", server.port());
    natskit::connect(&bare)
        .await
        .unwrap()
        .close()
        .await
        .unwrap();
    let spaced = format!(" nats://127.0.0.1:{} ", server.port());
    natskit::connect(&spaced)
        .await
        .unwrap()
        .close()
        .await
        .unwrap();
}

#[tokio::test]
async fn first_reachable_server_of_a_list_is_used() {
    let server = server();
    let dead = natskit_test::port::free_port().unwrap();
    let urls = format!(
        "nats://127.0.0.1:{dead}, nats://127.0.0.1:{}",
        server.port()
    );
    let client = natskit::connect(&urls).await.unwrap();
    assert_eq!(
        client.server_address(),
        format!("nats://127.0.0.1:{}", server.port())
    );
}

#[tokio::test]
async fn refused_connection_names_the_address_and_cause() {
    let port = natskit_test::port::free_port().unwrap();
    let err = natskit::connect(&format!("nats://127.0.0.1:{port}"))
        .await
        .unwrap_err();
    let ConnectError::Io { address, source } = &err else {
        panic!("expected Io, got {err:?}")
    };
    assert_eq!(address, &format!("127.0.0.1:{port}"));
    assert_eq!(source.kind(), std::io::ErrorKind::ConnectionRefused);
    assert!(
        err.to_string()
            .starts_with(&format!("could not connect to 127.0.0.1:{port}: ")),
        "{err}"
    );
}

#[tokio::test]
async fn all_servers_failing_keeps_the_last_error() {
    let (a, b) = (
        natskit_test::port::free_port().unwrap(),
        natskit_test::port::free_port().unwrap(),
    );
    let err = natskit::connect(&format!("127.0.0.1:{a},127.0.0.1:{b}"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConnectError::NoServers { last } if matches!(**last, ConnectError::Io { .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn invalid_urls_are_refused_with_the_reason() {
    for (url, reason) in [
        (
            "http://127.0.0.1:4222",
            "the scheme must be nats, tls, ws or wss",
        ),
        (
            "nats://127.0.0.1:notaport",
            "the port must be a number from 1 to 65535",
        ),
        (
            "nats://127.0.0.1:70000",
            "the port must be a number from 1 to 65535",
        ),
        ("nats://:4222", "the host is missing"),
        ("", "no server address given"),
    ] {
        let err = natskit::connect(url).await.unwrap_err();
        assert!(
            matches!(&err, ConnectError::InvalidUrl { reason: r, .. } if *r == reason),
            "{url:?}: {err:?}"
        );
    }
}

#[test]
fn url_credentials_are_parsed_and_never_shown() {
    let addr: ServerAddr = "nats://alice:s3cret@host:4333".parse().unwrap();
    assert_eq!(
        (addr.user(), addr.password()),
        (Some("alice"), Some("s3cret"))
    );
    assert!(!format!("{addr} {addr:?}").contains("s3cret"));
    let token: ServerAddr = "nats://t0ken@host".parse().unwrap();
    assert_eq!((token.token(), token.port()), (Some("t0ken"), 4222));
    assert!(!format!("{token} {token:?}").contains("t0ken"));
    let err = "nats://u:pw@host:x".parse::<ServerAddr>().unwrap_err();
    assert!(!err.to_string().contains("pw"), "{err}");
}

#[tokio::test]
async fn user_and_password_from_options_or_url() {
    let server = server_with(Setup::User("alice", "s3cret"));
    let port = server.port();
    ConnectOptions::new()
        .user_and_password("alice", "s3cret")
        .connect(&server.url())
        .await
        .unwrap();
    natskit::connect(&format!("nats://alice:s3cret@127.0.0.1:{port}"))
        .await
        .unwrap();
    let err = natskit::connect(&format!("nats://alice:wrong@127.0.0.1:{port}"))
        .await
        .unwrap_err();
    let ConnectError::Refused { message, .. } = &err else {
        panic!("expected Refused, got {err:?}")
    };
    assert_eq!(message, "Authorization Violation");
    assert!(!err.to_string().contains("wrong"));
    let err = natskit::connect(&server.url()).await.unwrap_err();
    assert!(
        matches!(err, ConnectError::Refused { .. }),
        "no credentials: {err:?}"
    );
}

#[tokio::test]
async fn token_from_options_or_url() {
    let server = server_with(Setup::Token("t0ken"));
    let port = server.port();
    ConnectOptions::new()
        .token("t0ken")
        .connect(&server.url())
        .await
        .unwrap();
    natskit::connect(&format!("nats://t0ken@127.0.0.1:{port}"))
        .await
        .unwrap();
    let err = natskit::connect(&format!("nats://nope@127.0.0.1:{port}"))
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectError::Refused { .. }), "{err:?}");
}

#[tokio::test]
async fn first_events_reader_sees_everything_since_connect() {
    let server = server();
    let client = natskit::connect(&server.url()).await.unwrap();
    client.close().await.unwrap();
    // Made after the close, the first reader still sees the whole story, in order.
    let mut events = client.events();
    let connected = wait_for_event(&mut events, |_| true).await;
    assert_eq!(
        connected,
        Event::Connected {
            server: client.server_address().to_owned()
        }
    );
    let closed = wait_for_event(&mut events, |_| true).await;
    assert!(matches!(closed, Event::Closed { .. }), "{closed:?}");
}

#[tokio::test]
async fn connection_timeout_applies_to_the_handshake() {
    // A listener that accepts and never speaks: no INFO ever comes.
    let silent = natskit_test::port::bind_fresh().unwrap();
    let port = silent.local_addr().unwrap().port();
    let started = std::time::Instant::now();
    let err = ConnectOptions::new()
        .connection_timeout(Duration::from_millis(300))
        .connect(&format!("127.0.0.1:{port}"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectError::TimedOut { timeout, .. } if timeout == Duration::from_millis(300)),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn verbose_mode_acknowledgements_are_handled() {
    let server = server();
    let client = ConnectOptions::new()
        .verbose(true)
        .connect(&server.url())
        .await
        .unwrap();
    let mut sub = client.subscribe("verbose").await.unwrap();
    client.publish("verbose", "ok?").await.unwrap();
    let msg = crate::support::next(&mut sub).await;
    assert_eq!(msg.payload, "ok?");
    client.flush().await.unwrap();
}

#[tokio::test]
async fn nats_url_is_the_default_then_localhost() {
    // The only test of this binary that touches NATS_URL.
    let server = server();
    std::env::set_var("NATS_URL", server.url());
    assert_eq!(natskit::default_urls(), server.url());
    let client = ConnectOptions::new().connect_default().await.unwrap();
    assert_eq!(client.server_address(), server.url());
    std::env::set_var("NATS_URL", " ");
    assert_eq!(natskit::default_urls(), "nats://127.0.0.1:4222");
    std::env::remove_var("NATS_URL");
    assert_eq!(natskit::default_urls(), natskit::DEFAULT_URL);
}

#[tokio::test]
async fn servers_lists_the_server_as_soon_as_connect_returns() {
    let server = server();
    let client = natskit::connect(&server.url()).await.unwrap();
    // Filled before `connect` returns, not later by the connection task.
    assert_eq!(client.servers(), [server.url()]);
}
