//! Handshake-first TLS against the embedded broker (nats-server 2.10's `handshake_first`; the
//! 2.9 server the `it` binary runs has none): a `tls_first` client connects, a client that
//! waits for a plain INFO gets nothing and is dropped.

use natskit::ConnectOptions;
use natskit_test::pki::Pki;

use crate::support::{next, server_with, Setup, TlsSetup};
use crate::tls::trusting;

fn tls_first_broker(pki: &Pki, verify: bool) -> crate::support::TestServer {
    server_with(Setup::Tls(TlsSetup {
        cert: pki.server.clone(),
        client_ca: verify.then(|| pki.ca.clone()),
        handshake_first: true,
    }))
}

#[tokio::test]
async fn tls_first_client_talks_to_a_handshake_first_broker() {
    let pki = Pki::new();
    let server = tls_first_broker(&pki, false);
    let client = trusting(&pki)
        .tls_first()
        .connect(&server.url())
        .await
        .unwrap();
    assert!(client.server_info().tls_required);
    let mut sub = client.subscribe("first").await.unwrap();
    client.publish("first", "handshake first").await.unwrap();
    assert_eq!(&next(&mut sub).await.payload[..], b"handshake first");
    client.close().await.unwrap();
}

#[tokio::test]
async fn tls_first_with_client_certificates() {
    let pki = Pki::new();
    let server = tls_first_broker(&pki, true);
    let client = trusting(&pki)
        .tls_first()
        .client_certificate(&pki.client.cert, &pki.client.key)
        .connect(&server.url())
        .await
        .unwrap();
    client.flush().await.unwrap();
    let err = trusting(&pki)
        .tls_first()
        .connect(&server.url())
        .await
        .unwrap_err();
    assert!(
        matches!(err, natskit::ConnectError::ClientCertificateRefused { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_client_waiting_for_plain_info_is_not_served() {
    let pki = Pki::new();
    let server = tls_first_broker(&pki, false);
    // Without tls_first the client waits for an INFO that never comes in plain text.
    let err = ConnectOptions::new()
        .add_root_certificate(&pki.ca)
        .connection_timeout(std::time::Duration::from_millis(300))
        .connect(&server.url())
        .await
        .unwrap_err();
    assert!(
        matches!(err, natskit::ConnectError::TimedOut { .. }),
        "{err:?}"
    );
}
