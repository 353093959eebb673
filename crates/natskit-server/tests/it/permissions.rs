//! Per-user permissions, with the texts and behaviour probed from nats-server 2.9.10: a refused
//! PUB or SUB gets `-ERR 'Permissions Violation for ...'` and the connection stays open; a
//! wildcard subscription gets nothing on a subject its user is denied.

use natskit_server::{Permissions, Rule, Server, User};

use crate::support::*;

fn alice() -> User {
    User::new("alice", "pw").permissions(
        Permissions::default()
            .publish(Rule::allow(["orders.>", "_INBOX.>"]).deny(["orders.secret"]))
            .subscribe(Rule::allow(["orders.*", "_INBOX.>"]).deny(["orders.private"])),
    )
}

#[tokio::test]
async fn refused_publishes_and_subscriptions_get_nats_server_texts_and_the_connection_stays() {
    let server = broker_with(Server::builder().add_user(alice()).user("carl", "pw")).await;
    let mut raw = Raw::connect(&server).await;
    raw.clear(); // the INFO
    raw.send(
        "CONNECT {\"user\":\"alice\",\"pass\":\"pw\",\"verbose\":true}\r\n\
         PUB orders.new 2\r\nhi\r\n\
         PUB orders.secret 2\r\nhi\r\n\
         PUB other 2\r\nhi\r\n\
         SUB orders.private 1\r\n\
         SUB other 2\r\n\
         SUB orders.x q 3\r\n\
         SUB orders.> 4\r\n\
         PING\r\n",
    )
    .await;
    raw.read_until("PONG\r\n").await;
    assert_eq!(
        raw.text(),
        "+OK\r\n+OK\r\n\
         -ERR 'Permissions Violation for Publish to \"orders.secret\"'\r\n\
         -ERR 'Permissions Violation for Publish to \"other\"'\r\n\
         -ERR 'Permissions Violation for Subscription to \"orders.private\"'\r\n\
         -ERR 'Permissions Violation for Subscription to \"other\"'\r\n\
         +OK\r\n+OK\r\nPONG\r\n"
    );
}

#[tokio::test]
async fn a_denied_subject_never_reaches_a_permitted_wildcard_subscription() {
    let server = broker_with(Server::builder().add_user(alice()).user("carl", "pw")).await;
    let mut alice = Raw::connect_with(
        &server,
        "{\"user\":\"alice\",\"pass\":\"pw\",\"verbose\":false}",
    )
    .await;
    alice
        .send("SUB orders.* 1\r\nSUB orders.> 2\r\nPING\r\n")
        .await;
    alice.read_until("PONG\r\nPONG\r\n").await;
    alice.clear();
    let mut carl = Raw::connect_with(
        &server,
        "{\"user\":\"carl\",\"pass\":\"pw\",\"verbose\":false}",
    )
    .await;
    carl.send(
        "PUB orders.private 1\r\nx\r\n\
         PUB orders.public 1\r\ny\r\n\
         PUB orders.private.deep 1\r\nz\r\n\
         PING\r\n",
    )
    .await;
    carl.read_until("PONG\r\nPONG\r\n").await;
    alice.send("PING\r\n").await;
    alice.read_until("PONG\r\n").await;
    let seen = alice.text();
    assert!(!seen.contains("orders.private "), "{seen}");
    assert!(seen.contains("MSG orders.public 1 1\r\ny\r\n"), "{seen}");
    assert!(seen.contains("MSG orders.public 2 1\r\ny\r\n"), "{seen}");
    assert!(
        seen.contains("MSG orders.private.deep 2 1\r\nz\r\n"),
        "{seen}"
    );
}

#[tokio::test]
async fn the_natskit_client_hears_of_a_violation_and_carries_on() {
    let server = broker_with(Server::builder().add_user(alice())).await;
    let client = connect_as(&server, "alice", "pw").await;
    let mut events = client.events();
    let mut orders = client.subscribe("orders.new").await.unwrap();
    client.publish("billing", "no").await.unwrap();
    client.publish("orders.new", "yes").await.unwrap();
    let error = tokio::time::timeout(PATIENCE, async {
        use futures_util::StreamExt;
        loop {
            if let Some(natskit::Event::ServerError(message)) = events.next().await {
                return message;
            }
        }
    })
    .await
    .expect("the -ERR reaches the client as an event");
    assert_eq!(error, "Permissions Violation for Publish to \"billing\"");
    let msg = tokio::time::timeout(PATIENCE, futures_util::StreamExt::next(&mut orders))
        .await
        .expect("still connected")
        .expect("a message");
    assert_eq!(msg.payload, "yes");
}
