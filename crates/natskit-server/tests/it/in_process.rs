//! An app and its broker in one process: in-process connections, with and without a port.

use futures_util::StreamExt;
use natskit::{ConnectOptions, Connector};
use natskit_server::{InProcess, Server};

use crate::support::*;

fn in_process_client(broker: InProcess) -> ConnectOptions {
    ConnectOptions::new().connector(Connector::new(move |_| {
        let broker = broker.clone();
        async move { broker.connect() }
    }))
}

#[tokio::test]
async fn in_process_and_tcp_clients_talk_to_each_other() {
    let server = broker().await;
    let inside = in_process_client(server.in_process())
        .connect("nats://in-process")
        .await
        .unwrap();
    let outside = natskit::connect(&server.client_url()).await.unwrap();
    let mut service = inside.queue_subscribe("svc.echo", "q").await.unwrap();
    inside.flush().await.unwrap();
    tokio::spawn(async move {
        while let Some(msg) = service.next().await {
            let payload = msg.payload.clone();
            let _ = msg.respond(payload).await;
        }
    });
    for i in 0..100 {
        let answer = outside.request("svc.echo", i.to_string()).await.unwrap();
        assert_eq!(answer.payload, i.to_string());
    }
    assert_eq!(server.stats().connections, 2);
}

#[tokio::test]
async fn a_broker_without_a_port_serves_in_process_clients() {
    let server = broker_with(Server::builder().tcp(false)).await;
    assert_eq!(server.addr().port(), 0);
    let a = in_process_client(server.in_process())
        .connect("nats://in-process")
        .await
        .unwrap();
    let b = in_process_client(server.in_process())
        .connect("nats://in-process")
        .await
        .unwrap();
    let mut sub = a.subscribe("room.>").await.unwrap();
    a.flush().await.unwrap();
    b.publish("room.kitchen", "21").await.unwrap();
    let msg = tokio::time::timeout(PATIENCE, sub.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (msg.subject.as_str(), &msg.payload[..]),
        ("room.kitchen", &b"21"[..])
    );
    // After shutdown, new in-process connections are refused with a clear error.
    let handle = server.in_process();
    server.shutdown().await;
    let err = handle.connect().unwrap_err();
    assert!(err.to_string().contains("shutting down"), "{err}");
}
