//! TLS: INFO in plain text with `tls_required`, then the handshake (or, handshake-first, the
//! handshake at once and INFO over TLS). The natskit client and async-nats connect with the
//! test CA; an untrusted CA, a missing client certificate under
//! mutual TLS and a plain CONNECT are refused. Certificates are made by rcgen at test time.

use futures_util::StreamExt;
use natskit::ConnectError;
use natskit_server::{Server, ServerBuilder, ServerError};

use crate::support::*;
use natskit_test::pki::Pki;

fn tls_builder(pki: &Pki) -> ServerBuilder {
    Server::builder().tls(&pki.server.cert, &pki.server.key)
}

/// The INFO a raw connection got, as JSON.
fn info_of(raw: &Raw) -> serde_json::Value {
    let text = raw.text();
    let json = text
        .strip_prefix("INFO ")
        .and_then(|rest| rest.split("\r\n").next())
        .unwrap();
    serde_json::from_str(json).unwrap()
}

/// Waits until the broker has no client left (a refused one goes a moment after the client
/// gave up), failing the test after PATIENCE.
async fn no_connections(server: &Server) {
    tokio::time::timeout(PATIENCE, async {
        while server.stats().connections != 0 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the refused connection to go");
}

/// Publishes and receives one message, bounded by PATIENCE.
async fn round_trip(client: &natskit::Client) {
    let mut sub = client.subscribe("over.tls").await.unwrap();
    client.publish("over.tls", "secret").await.unwrap();
    let msg = tokio::time::timeout(PATIENCE, sub.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&msg.payload[..], b"secret");
}

/// Connects async-nats to `server` with `options`, and publishes and receives one message on
/// `subject`, each step bounded by PATIENCE.
async fn async_nats_round_trip(
    options: async_nats::ConnectOptions,
    server: &Server,
    subject: &str,
) {
    let client = tokio::time::timeout(PATIENCE, options.connect(server.client_url()))
        .await
        .unwrap()
        .unwrap();
    let mut sub = client.subscribe(subject.to_owned()).await.unwrap();
    client
        .publish(subject.to_owned(), "hi".into())
        .await
        .unwrap();
    let msg = tokio::time::timeout(PATIENCE, sub.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&msg.payload[..], b"hi");
}

#[tokio::test]
async fn natskit_connects_over_tls_with_the_ca() {
    let pki = Pki::new();
    let server = broker_with(tls_builder(&pki)).await;
    let port = server.addr().port();
    // The server asks for TLS: a nats:// URL upgrades; a tls:// URL insists.
    for url in [
        server.client_url(),
        format!("tls://127.0.0.1:{port}"),
        format!("tls://localhost:{port}"),
    ] {
        let client = natskit::ConnectOptions::new()
            .add_root_certificate(&pki.ca)
            .reconnect(false)
            .connect(&url)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        round_trip(&client).await;
    }
}

#[tokio::test]
async fn an_untrusted_ca_is_refused() {
    let pki = Pki::new();
    let server = broker_with(tls_builder(&pki)).await;
    let err = natskit::ConnectOptions::new()
        .add_root_certificate(&pki.other_ca)
        .reconnect(false)
        .connect(&server.client_url())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectError::CertificateRejected { .. }),
        "{err:?}"
    );
    no_connections(&server).await;
}

#[tokio::test]
async fn mutual_tls_needs_a_client_certificate() {
    let pki = Pki::new();
    let server = broker_with(tls_builder(&pki).tls_verify_clients(&pki.ca)).await;
    let raw = Raw::connect(&server).await;
    let info = info_of(&raw);
    assert_eq!(info["tls_required"], true);
    assert_eq!(info["tls_verify"], true);
    let client = natskit::ConnectOptions::new()
        .add_root_certificate(&pki.ca)
        .client_certificate(&pki.client.cert, &pki.client.key)
        .reconnect(false)
        .connect(&server.client_url())
        .await
        .unwrap();
    round_trip(&client).await;
    let refused = natskit::ConnectOptions::new()
        .add_root_certificate(&pki.ca)
        .reconnect(false)
        .connect(&server.client_url())
        .await;
    assert!(refused.is_err(), "connected without a client certificate");
    // A certificate the broker's CA did not sign is refused too.
    let stranger = Pki::new();
    let refused = natskit::ConnectOptions::new()
        .add_root_certificate(&pki.ca)
        .client_certificate(&stranger.client.cert, &stranger.client.key)
        .reconnect(false)
        .connect(&server.client_url())
        .await;
    assert!(refused.is_err(), "connected with a stranger's certificate");
}

#[tokio::test]
async fn a_plain_connect_is_closed_without_a_word() {
    let pki = Pki::new();
    let server = broker_with(tls_builder(&pki)).await;
    let mut raw = Raw::connect(&server).await;
    let info = info_of(&raw);
    assert_eq!(info["tls_required"], true);
    assert!(info.get("tls_verify").is_none(), "{info}");
    raw.clear();
    raw.send("CONNECT {\"verbose\":false}\r\nPING\r\n").await;
    // nats-server 2.9.10 does the same (checked): the handshake fails, nothing is sent.
    assert_eq!(raw.read_to_end().await, "");
    no_connections(&server).await;
}

#[tokio::test]
async fn async_nats_connects_over_tls() {
    let pki = Pki::new();
    let server = broker_with(tls_builder(&pki)).await;
    let options = async_nats::ConnectOptions::new()
        .add_root_certificates(pki.ca.clone())
        .require_tls(true);
    async_nats_round_trip(options, &server, "over.tls").await;
}

#[tokio::test]
async fn in_process_connections_stay_plain() {
    let pki = Pki::new();
    let server = broker_with(tls_builder(&pki)).await;
    let broker = server.in_process();
    let client = natskit::ConnectOptions::new()
        .connector(natskit::Connector::new(move |_| {
            let broker = broker.clone();
            async move { broker.connect() }
        }))
        .connect("nats://in-process")
        .await
        .unwrap();
    round_trip(&client).await;
}

#[tokio::test]
async fn unusable_tls_files_stop_the_start() {
    let pki = Pki::new();
    let missing = Server::builder()
        .port(0)
        .tls("/nonexistent/server.pem", &pki.server.key)
        .start()
        .await
        .unwrap_err();
    assert!(matches!(missing, ServerError::Tls { .. }), "{missing}");
    // The certificate file given as the key.
    let no_key = Server::builder()
        .port(0)
        .tls(&pki.server.cert, &pki.server.cert)
        .start()
        .await
        .unwrap_err();
    assert!(no_key.to_string().contains("private key"), "{no_key}");
    let no_cert = Server::builder()
        .port(0)
        .tls_verify_clients(&pki.ca)
        .start()
        .await
        .unwrap_err();
    assert!(matches!(no_cert, ServerError::Tls { .. }), "{no_cert}");
}

#[tokio::test]
async fn a_client_that_never_starts_the_handshake_is_timed_out() {
    let pki = Pki::new();
    let server =
        broker_with(tls_builder(&pki).auth_timeout(std::time::Duration::from_millis(200))).await;
    let mut raw = Raw::connect(&server).await;
    raw.clear();
    assert_eq!(raw.read_to_end().await, "");
    no_connections(&server).await;
}

#[tokio::test]
async fn async_nats_connects_tls_first_to_a_handshake_first_broker() {
    let pki = Pki::new();
    let server = broker_with(tls_builder(&pki).tls_handshake_first()).await;
    let options = async_nats::ConnectOptions::new()
        .add_root_certificates(pki.ca.clone())
        .tls_first();
    async_nats_round_trip(options, &server, "first.tls").await;
}

#[tokio::test]
async fn a_handshake_first_broker_sends_nothing_in_plain_text() {
    let pki = Pki::new();
    let server = broker_with(
        tls_builder(&pki)
            .tls_handshake_first()
            .auth_timeout(std::time::Duration::from_millis(200)),
    )
    .await;
    // A plain client waits for INFO; none comes, and the broker drops it after the timeout.
    use tokio::io::AsyncReadExt;
    let mut plain = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let mut got = Vec::new();
    tokio::time::timeout(PATIENCE, plain.read_to_end(&mut got))
        .await
        .expect("the broker closes the connection")
        .ok();
    assert_eq!(String::from_utf8_lossy(&got), "");
    no_connections(&server).await;
}

/// `verify_and_map`, side by side with nats-server 2.10.26 from the same file: the client
/// certificate (DNS name and subject `client.natskit.test`) logs the client in as the user
/// its DNS name names, or else the user its subject names, with that user's permissions; a
/// certificate naming no user is refused.
#[tokio::test]
async fn verify_and_map_logs_the_certificate_in_as_its_user() {
    let pki = Pki::new();
    let tls = format!(
        "tls {{\n  cert_file: {:?}\n  key_file: {:?}\n  ca_file: {:?}\n  verify_and_map: true\n}}\n",
        pki.server.cert, pki.server.key, pki.ca
    );
    let by_san = "authorization { users: [\n  {user: \"client.natskit.test\", permissions: {publish: \"allowed.>\"}}\n  {user: other, password: x}\n] }\n";
    let by_subject = "authorization { users: [ {user: \"CN=client.natskit.test\"} ] }\n";
    let nobody = "authorization { users: [ {user: \"CN=someone.else\"} ] }\n";
    let client = || {
        natskit::ConnectOptions::new()
            .add_root_certificate(&pki.ca)
            .client_certificate(&pki.client.cert, &pki.client.key)
            .reconnect(false)
    };
    for (users, outcome) in [
        (by_san, "permissions"),
        (by_subject, "in"),
        (nobody, "refused"),
    ] {
        let config = format!("{tls}{users}");
        let nats = natskit_test::NatsServer::builder()
            .binary(natskit_test::binary::newer_nats_server().unwrap())
            .with_config(&config)
            .start()
            .unwrap();
        let (builder, _) = natskit_server::config::settings_from_str(&config, "map.conf").unwrap();
        let ours = broker_with(builder).await;
        for url in [nats.url(), ours.client_url()] {
            match outcome {
                "refused" => {
                    let err = client().connect(&url).await.unwrap_err();
                    assert!(
                        err.to_string().contains("Authorization Violation"),
                        "{url}: {err}"
                    );
                }
                _ => {
                    let c = client().connect(&url).await.unwrap();
                    let mut errors = c.events();
                    c.publish("other", "x").await.unwrap();
                    c.flush().await.unwrap();
                    if outcome == "permissions" {
                        let text = loop {
                            match tokio::time::timeout(PATIENCE, errors.next()).await {
                                Ok(Some(natskit::Event::ServerError(text))) => break text,
                                Ok(Some(_)) => {}
                                other => panic!("{url}: no -ERR, {other:?}"),
                            }
                        };
                        assert!(text.contains("Publish to \"other\""), "{url}: {text}");
                    } else {
                        round_trip(&c).await;
                    }
                }
            }
        }
        ours.shutdown().await;
    }
}
