//! TLS-first (`handshake_first`) against nats-server 2.10, the release that brought it (the
//! Debian package's 2.9 has none; `make deps` installs 2.10 into the nats-py virtualenv). The
//! embedded broker's handshake-first is tested in tests/embedded/tls_first_embedded.rs.

use natskit_test::pki::Pki;
use natskit_test::NatsServer;

use crate::support::{plain_info_never_comes, tls_first_client};

fn handshake_first_server(pki: &Pki) -> NatsServer {
    let block = pki
        .tls_block(&pki.server, false)
        .replace("timeout: 5", "timeout: 5\n  handshake_first: true");
    NatsServer::builder()
        .binary(natskit_test::binary::newer_nats_server().expect("nats-server 2.10 (make deps)"))
        .with_config(block)
        .start()
        .expect("start nats-server 2.10 with handshake_first")
}

#[tokio::test]
async fn tls_first_connects_to_a_handshake_first_nats_server() {
    let pki = Pki::new();
    let server = handshake_first_server(&pki);
    let client = tls_first_client(&pki, &server.url()).await;
    assert!(client.server_info().version.starts_with("2.10."));
    client.close().await.unwrap();
}

#[tokio::test]
async fn without_tls_first_the_client_gets_no_info_and_times_out() {
    let pki = Pki::new();
    let server = handshake_first_server(&pki);
    plain_info_never_comes(&pki, &server.url()).await;
}
