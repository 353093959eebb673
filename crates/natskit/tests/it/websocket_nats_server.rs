//! NATS over WebSocket with what only nats-server has: a cluster announcing its WebSocket
//! listeners, client certificates on `wss://`, and Go's answer to plain HTTP on a TLS port.

use std::time::Duration;

use natskit::{Client, ConnectError};
use natskit_test::pki::Pki;

use crate::backend::ws_server;
use crate::tls::trusting;
use crate::websocket::{round_trip, ws_url, wss_setup};

#[tokio::test]
async fn a_cluster_announces_websocket_listeners_to_ws_clients_and_tcp_ports_to_tcp_clients() {
    let cluster = natskit_test::NatsCluster::builder()
        .nodes(2)
        .binary(natskit_test::binary::newer_nats_server().unwrap())
        .websocket()
        .start()
        .unwrap();
    let ws = natskit::connect(&cluster.node(0).ws_url().unwrap())
        .await
        .unwrap();
    let tcp = natskit::connect(&cluster.url(0)).await.unwrap();
    let mut ws_known = servers_eventually(&ws, 2).await;
    let mut tcp_known = servers_eventually(&tcp, 2).await;
    ws_known.sort();
    tcp_known.sort();
    let mut ws_urls: Vec<String> = cluster.nodes().iter().filter_map(|n| n.ws_url()).collect();
    let mut tcp_urls = cluster.urls();
    ws_urls.sort();
    tcp_urls.sort();
    assert_eq!(ws_known, ws_urls);
    assert_eq!(tcp_known, tcp_urls);
}

/// The client's server list once it has `n` entries.
async fn servers_eventually(client: &Client, n: usize) -> Vec<String> {
    tokio::time::timeout(crate::support::PATIENCE, async {
        loop {
            let servers = client.servers();
            if servers.len() == n {
                return servers;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{n} servers, have {:?}", client.servers()))
}

#[tokio::test]
async fn ws_on_a_wss_listener_is_refused_with_http_400() {
    let pki = Pki::new();
    let server = ws_server(wss_setup(&pki, false));
    let url = ws_url(&server).replace("wss://", "ws://");
    let err = natskit::connect(&url).await.unwrap_err();
    let ConnectError::WebSocketRefused { status, reason, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*status, 400);
    // Go's TLS listener says what happened in the body.
    assert!(reason.contains("HTTPS"), "{reason}");
    assert!(err.to_string().contains("HTTP 400"), "{err}");
}

#[tokio::test]
async fn wss_with_a_client_certificate() {
    let pki = Pki::new();
    let server = ws_server(wss_setup(&pki, true));
    let with_cert = trusting(&pki)
        .client_certificate(&pki.client.cert, &pki.client.key)
        .connect(&ws_url(&server))
        .await
        .unwrap();
    round_trip(&with_cert, &with_cert, "mutual").await;
    let err = trusting(&pki)
        .reconnect(false)
        .connect(&ws_url(&server))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ConnectError::ClientCertificateRefused { .. } | ConnectError::Io { .. }
        ),
        "{err:?}"
    );
}
