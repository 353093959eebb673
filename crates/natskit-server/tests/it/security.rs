//! NKey users: the natskit client and async-nats sign the nonce of INFO with a seed; a wrong
//! seed, a missing signature or a reused nonce is refused with `Authorization Violation`.

use futures_util::StreamExt;
use natskit_server::{Permissions, Rule, Server, User};

use crate::support::*;

/// A broker with one NKey user, one limited NKey user and one password user.
async fn nkey_broker(key: &nkeys::KeyPair, limited: &nkeys::KeyPair) -> Server {
    let limited_user = User::nkey(limited.public_key())
        .permissions(Permissions::default().publish(Rule::allow(["limited.>"])));
    broker_with(
        Server::builder()
            .nkey_user(key.public_key())
            .add_user(limited_user)
            .user("alice", "wonderland"),
    )
    .await
}

/// The INFO's nonce, read from a raw connection.
fn nonce_of(raw: &Raw) -> String {
    let text = raw.text();
    let json = text
        .strip_prefix("INFO ")
        .and_then(|rest| rest.split("\r\n").next())
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(json).unwrap();
    info["nonce"].as_str().unwrap_or_default().to_owned()
}

fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn natskit_authenticates_with_an_nkey_seed() {
    let key = nkeys::KeyPair::new_user();
    let limited = nkeys::KeyPair::new_user();
    let server = nkey_broker(&key, &limited).await;
    let client = natskit::ConnectOptions::new()
        .nkey(key.seed().unwrap())
        .connect(&server.client_url())
        .await
        .unwrap();
    let mut sub = client.subscribe("greet").await.unwrap();
    client.publish("greet", "hi").await.unwrap();
    let msg = tokio::time::timeout(PATIENCE, sub.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&msg.payload[..], b"hi");
    // Password users still get in next to NKey users.
    connect_as(&server, "alice", "wonderland").await;
}

#[tokio::test]
async fn an_nkey_users_permissions_apply() {
    let key = nkeys::KeyPair::new_user();
    let limited = nkeys::KeyPair::new_user();
    let server = nkey_broker(&key, &limited).await;
    let mut raw = Raw::connect(&server).await;
    let nonce = nonce_of(&raw);
    let sig = base64url(&limited.sign(nonce.as_bytes()).unwrap());
    raw.send(format!(
        "CONNECT {{\"verbose\":false,\"nkey\":\"{}\",\"sig\":\"{sig}\"}}\r\nPUB other.x 0\r\n\r\nPING\r\n",
        limited.public_key()
    ))
    .await;
    raw.read_until("PONG\r\n").await;
    assert!(
        raw.text()
            .contains("-ERR 'Permissions Violation for Publish to \"other.x\"'"),
        "{}",
        raw.text()
    );
}

#[tokio::test]
async fn every_connection_gets_its_own_nonce() {
    let key = nkeys::KeyPair::new_user();
    let server = broker_with(Server::builder().nkey_user(key.public_key())).await;
    let first = nonce_of(&Raw::connect(&server).await);
    let second = nonce_of(&Raw::connect(&server).await);
    assert_eq!(first.len(), 15, "{first}");
    assert_ne!(first, second);
    // Password users alone get no nonce, as with nats-server.
    let plain = broker_with(Server::builder().user("a", "b")).await;
    assert_eq!(nonce_of(&Raw::connect(&plain).await), "");
}

#[tokio::test]
async fn a_wrong_seed_is_refused() {
    let key = nkeys::KeyPair::new_user();
    let server = broker_with(Server::builder().nkey_user(key.public_key())).await;
    let stranger = nkeys::KeyPair::new_user();
    let err = natskit::ConnectOptions::new()
        .nkey(stranger.seed().unwrap())
        .reconnect(false)
        .connect(&server.client_url())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Authorization Violation"), "{err}");
}

#[tokio::test]
async fn a_connect_without_a_valid_signature_is_refused() {
    let key = nkeys::KeyPair::new_user();
    let server = broker_with(Server::builder().nkey_user(key.public_key())).await;
    // No signature at all.
    let mut raw = Raw::connect(&server).await;
    raw.send(format!("CONNECT {{\"nkey\":\"{}\"}}\r\n", key.public_key()))
        .await;
    assert!(raw
        .read_to_end()
        .await
        .ends_with("-ERR 'Authorization Violation'\r\n"));
    // The key's signature of another connection's nonce.
    let old = Raw::connect(&server).await;
    let replayed = base64url(&key.sign(nonce_of(&old).as_bytes()).unwrap());
    let mut raw = Raw::connect(&server).await;
    raw.send(format!(
        "CONNECT {{\"nkey\":\"{}\",\"sig\":\"{replayed}\"}}\r\n",
        key.public_key()
    ))
    .await;
    assert!(raw
        .read_to_end()
        .await
        .ends_with("-ERR 'Authorization Violation'\r\n"));
    // The right signature in standard base64, which nats-server accepts too.
    let mut raw = Raw::connect(&server).await;
    let sig = key.sign(nonce_of(&raw).as_bytes()).unwrap();
    let sig = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(sig)
    };
    raw.send(format!(
        "CONNECT {{\"verbose\":false,\"nkey\":\"{}\",\"sig\":\"{sig}\"}}\r\nPING\r\n",
        key.public_key()
    ))
    .await;
    raw.read_until("PONG\r\n").await;
}

#[tokio::test]
async fn an_invalid_nkey_user_stops_the_start() {
    let account = nkeys::KeyPair::new_account().public_key();
    let err = Server::builder()
        .port(0)
        .nkey_user(account.clone())
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&account), "{err}");
}

#[tokio::test]
async fn async_nats_authenticates_with_an_nkey_seed() {
    let key = nkeys::KeyPair::new_user();
    let server = broker_with(Server::builder().nkey_user(key.public_key())).await;
    let client = tokio::time::timeout(
        PATIENCE,
        async_nats::ConnectOptions::with_nkey(key.seed().unwrap()).connect(server.client_url()),
    )
    .await
    .unwrap()
    .unwrap();
    tokio::time::timeout(PATIENCE, client.flush())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(server.stats().connections, 1);
    let stranger = nkeys::KeyPair::new_user();
    let refused = tokio::time::timeout(
        PATIENCE,
        async_nats::ConnectOptions::with_nkey(stranger.seed().unwrap())
            .connect(server.client_url()),
    )
    .await
    .unwrap();
    assert!(refused.is_err());
}
