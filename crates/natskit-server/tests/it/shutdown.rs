//! Graceful shutdown: clients hear lame duck mode, get what was queued for them, and are
//! disconnected; the port is free again afterwards.

use std::time::Duration;

use futures_util::StreamExt;
use natskit::Event;
use natskit_server::Server;

use crate::support::*;

#[tokio::test]
async fn shutdown_announces_lame_duck_mode_then_disconnects_everyone() {
    let server = broker_with(Server::builder().lame_duck_grace(Duration::from_millis(200))).await;
    let port = server.addr().port();
    let client = natskit::ConnectOptions::new()
        .reconnect(false)
        .connect(&server.client_url())
        .await
        .unwrap();
    let mut events = client.events();
    let mut sub = client.subscribe("last.words").await.unwrap();
    client.publish("last.words", "goodbye").await.unwrap();
    client.flush().await.unwrap();
    server.shutdown().await;
    let mut saw_lame_duck = false;
    tokio::time::timeout(PATIENCE, async {
        while let Some(event) = events.next().await {
            match event {
                Event::LameDuckMode => saw_lame_duck = true,
                Event::Closed { .. } | Event::Disconnected { .. } => break,
                _ => {}
            }
        }
    })
    .await
    .unwrap();
    assert!(saw_lame_duck, "lame duck mode came before the disconnect");
    let msg = tokio::time::timeout(PATIENCE, sub.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(msg.payload, "goodbye", "what was queued was delivered");
    // The port is free: a new broker can take it at once.
    let again = Server::builder().port(port).start().await.unwrap();
    assert_eq!(again.addr().port(), port);
}
