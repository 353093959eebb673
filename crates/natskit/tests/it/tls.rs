//! TLS with certificates made at test time: trust, host names, mutual TLS, `tls://` URLs,
//! required TLS, reconnects; against nats-server (`it`) and the embedded broker (`embedded`).
//! TLS-first: tls_first.rs (nats-server 2.10) and tests/embedded/tls_first_embedded.rs.

use std::time::Duration;

use natskit::{ConnectError, ConnectOptions, Event, ReconnectDelay};

use crate::support::{server_with, wait_for_event, Setup, TestServer, TlsSetup};
use natskit_test::pki::{Pair, Pki};

/// A server requiring TLS with `cert`; `verify`: clients need a certificate from the test CA.
pub fn tls_server(pki: &Pki, cert: &Pair, verify: bool) -> TestServer {
    server_with(Setup::Tls(TlsSetup {
        cert: cert.clone(),
        client_ca: verify.then(|| pki.ca.clone()),
        handshake_first: false,
    }))
}

/// Options trusting the test CA.
pub fn trusting(pki: &Pki) -> ConnectOptions {
    ConnectOptions::new().add_root_certificate(&pki.ca)
}

#[tokio::test]
async fn connects_with_a_ca_file_when_the_server_requires_tls() {
    let pki = Pki::new();
    let server = tls_server(&pki, &pki.server, false);
    let client = trusting(&pki).connect(&server.url()).await.unwrap();
    assert!(client.server_info().tls_required);
    client.flush().await.unwrap();
    let mut sub = client.subscribe("tls.echo").await.unwrap();
    client.publish("tls.echo", "over tls").await.unwrap();
    let message = crate::support::next(&mut sub).await;
    assert_eq!(&message.payload[..], b"over tls");
    client.close().await.unwrap();
}

#[tokio::test]
async fn tls_url_and_localhost_name_connect() {
    let pki = Pki::new();
    let server = tls_server(&pki, &pki.server, false);
    let url = format!("tls://localhost:{}", server.port());
    let client = trusting(&pki).connect(&url).await.unwrap();
    client.flush().await.unwrap();
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused() {
    let pki = Pki::new();
    let server = tls_server(&pki, &pki.server, false);
    // The default roots (webpki-roots), then a CA that signed nothing here.
    for options in [
        ConnectOptions::new(),
        ConnectOptions::new().add_root_certificate(&pki.other_ca),
    ] {
        let err = options.connect(&server.url()).await.unwrap_err();
        let ConnectError::CertificateRejected {
            reason,
            server_name,
            ..
        } = &err
        else {
            panic!("expected CertificateRejected, got {err:?}")
        };
        assert_eq!(server_name, "127.0.0.1");
        assert!(reason.contains("trusted CA"), "{err}");
    }
}

#[tokio::test]
async fn a_certificate_for_another_host_is_refused() {
    let pki = Pki::new();
    let server = tls_server(&pki, &pki.wrong_name, false);
    let err = trusting(&pki).connect(&server.url()).await.unwrap_err();
    let ConnectError::CertificateRejected { reason, .. } = &err else {
        panic!("expected CertificateRejected, got {err:?}")
    };
    assert!(
        reason.contains("not valid for the name \"127.0.0.1\""),
        "{err}"
    );
}

#[tokio::test]
async fn mutual_tls_needs_a_valid_client_certificate() {
    let pki = Pki::new();
    let server = tls_server(&pki, &pki.server, true);
    let client = trusting(&pki)
        .client_certificate(&pki.client.cert, &pki.client.key)
        .connect(&server.url())
        .await
        .unwrap();
    client.flush().await.unwrap();

    let err = trusting(&pki).connect(&server.url()).await.unwrap_err();
    assert!(
        matches!(err, ConnectError::ClientCertificateRefused { .. }),
        "without a client certificate: {err:?}"
    );
}

#[tokio::test]
async fn required_tls_refuses_a_plain_server() {
    let server = crate::support::server();
    let port = server.port();
    let err = ConnectOptions::new()
        .require_tls(true)
        .connect(&server.url())
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectError::TlsNotOffered { .. }), "{err:?}");
    let err = natskit::connect(&format!("tls://127.0.0.1:{port}"))
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectError::TlsNotOffered { .. }), "{err:?}");
}

#[tokio::test]
async fn missing_tls_files_fail_at_connect() {
    let err = ConnectOptions::new()
        .add_root_certificate("/nonexistent/ca.pem")
        .connect("nats://127.0.0.1:1")
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectError::TlsConfig { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_use_tls_too() {
    let pki = Pki::new();
    let mut server = tls_server(&pki, &pki.server, true);
    let client = trusting(&pki)
        .client_certificate(&pki.client.cert, &pki.client.key)
        .reconnect_delay(ReconnectDelay::custom(|_| Duration::from_millis(20)))
        .connect(&server.url())
        .await
        .unwrap();
    let mut events = client.events();
    server.stop().unwrap();
    wait_for_event(&mut events, |e| matches!(e, Event::Disconnected { .. })).await;
    server.start_again().unwrap();
    wait_for_event(&mut events, |e| matches!(e, Event::Reconnected { .. })).await;
    client.flush().await.unwrap();
}
