//! TLS with certificates made at test time: trust, host names, mutual TLS, `tls://` URLs,
//! required TLS, reconnects; against nats-server (`it`) and the embedded broker (`embedded`).
//! TLS-first against an in-test rustls server here (nats-server 2.9 has no `handshake_first`);
//! the embedded broker's handshake-first is tested in tls_first_embedded.rs.

use std::sync::Arc;
use std::time::Duration;

use natskit::rustls;
use natskit::rustls::pki_types::pem::PemObject;
use natskit::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use natskit::{ConnectError, ConnectOptions, Event, ReconnectDelay};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{server_with, wait_for_event, Setup, TestServer, TlsSetup, PATIENCE};
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

/// A one-connection NATS server that starts TLS before INFO, as `handshake_first` servers do.
async fn tls_first_server(pki: &Pki) -> (u16, tokio::task::JoinHandle<()>) {
    let certs = CertificateDer::pem_file_iter(&pki.server.cert)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(&pki.server.key).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    // A fresh port: not one of a server another test stopped for a moment.
    let listener = natskit_test::port::bind_fresh().unwrap();
    listener.set_nonblocking(true).unwrap();
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut tls = acceptor.accept(tcp).await.unwrap();
        let info = r#"INFO {"server_id":"tlsfirst","version":"2.10.0","proto":1,"host":"127.0.0.1","port":4222,"max_payload":1048576,"headers":true,"tls_required":true}"#;
        tls.write_all(format!("{info}\r\n").as_bytes())
            .await
            .unwrap();
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        // Answer every PING until the client goes away.
        loop {
            let n = match tls.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let before = seen.windows(6).filter(|w| w == b"PING\r\n").count();
            seen.extend_from_slice(&buf[..n]);
            let after = seen.windows(6).filter(|w| w == b"PING\r\n").count();
            for _ in before..after {
                tls.write_all(b"PONG\r\n").await.unwrap();
            }
        }
    });
    (port, task)
}

#[tokio::test]
async fn tls_first_handshakes_before_info() {
    let pki = Pki::new();
    let (port, server) = tls_first_server(&pki).await;
    let client = trusting(&pki)
        .tls_first()
        .connect(&format!("tls://127.0.0.1:{port}"))
        .await
        .unwrap();
    assert_eq!(client.server_info().server_id, "tlsfirst");
    client.flush().await.unwrap();
    client.close().await.unwrap();
    tokio::time::timeout(PATIENCE, server)
        .await
        .unwrap()
        .unwrap();
}
