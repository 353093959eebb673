//! Handshake-first TLS against the embedded broker (nats-server 2.10's `handshake_first`; the
//! 2.9 server the `it` binary runs has none): a `tls_first` client connects, a client that
//! waits for a plain INFO gets nothing and is dropped.

use natskit_test::pki::Pki;

use crate::support::{plain_info_never_comes, server_with, tls_first_client, Setup, TlsSetup};
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
    let client = tls_first_client(&pki, &server.url()).await;
    assert!(client.server_info().tls_required);
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
    plain_info_never_comes(&pki, &server.url()).await;
}
