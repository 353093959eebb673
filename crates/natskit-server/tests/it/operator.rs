//! Operator (JWT) mode, side by side: nats-server 2.10.26 and natskit server started from the
//! same configuration file (`operator`, `system_account`, `resolver: MEMORY`,
//! `resolver_preload`), the same CONNECTs sent to both by hand, the same answers expected.
//! The operator, accounts and users are made here, with nkeys, as nsc would make them.

use std::net::SocketAddr;

use futures_util::StreamExt;
use natskit_server::Server;
use natskit_test::jwt::{creds, sign};
use natskit_test::NatsServer;
use nkeys::KeyPair;
use serde_json::{json, Value};

use crate::support::*;

/// Seconds since the Unix epoch.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// nsc's account limits: none.
fn no_limits() -> Value {
    json!({"subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1,
        "wildcards": true, "conn": -1, "leaf": -1})
}

/// `base` with the keys of `extra` set over it (both JSON objects).
fn merged(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Value::Object(e)) = (base.as_object_mut(), extra) {
        b.extend(e);
    }
    base
}

/// An account JWT of `account`, signed by `issuer`, with `nats` over nsc's defaults.
fn account_jwt(issuer: &KeyPair, account: &KeyPair, nats: Value) -> String {
    let base = json!({"type": "account", "version": 2, "limits": no_limits(),
        "default_permissions": {"pub": {}, "sub": {}}});
    sign(
        issuer,
        json!({"sub": account.public_key(), "name": "acc", "nats": merged(base, nats)}),
    )
}

/// A user JWT of `user`, signed by `issuer`, with `claims` over the top-level claims and
/// `nats` over nsc's defaults.
fn user_jwt(issuer: &KeyPair, user: &KeyPair, claims: Value, nats: Value) -> String {
    let base = json!({"type": "user", "version": 2, "pub": {}, "sub": {},
        "subs": -1, "data": -1, "payload": -1});
    let top = json!({"sub": user.public_key(), "name": "user", "nats": merged(base, nats)});
    sign(issuer, merged(top, claims))
}

/// The keys of one operator setup: a system account, account A (with a signing key, a scoped
/// signing key whose users may publish only to `scoped.>`, and a revoked user), account B (for isolation), account L (limits: 1 connection, 1
/// subscription, 8-byte payloads), account E (its JWT expires 3 seconds after the
/// configuration is written), and account X, signed by another operator.
struct World {
    operator: KeyPair,
    system: KeyPair,
    a: KeyPair,
    a_signer: KeyPair,
    a_scoped: KeyPair,
    revoked: KeyPair,
    b: KeyPair,
    limited: KeyPair,
    stranger: KeyPair,
    x: KeyPair,
    expiring: KeyPair,
}

impl World {
    fn new() -> World {
        World {
            operator: KeyPair::new_operator(),
            system: KeyPair::new_account(),
            a: KeyPair::new_account(),
            a_signer: KeyPair::new_account(),
            a_scoped: KeyPair::new_account(),
            revoked: KeyPair::new_user(),
            b: KeyPair::new_account(),
            limited: KeyPair::new_account(),
            stranger: KeyPair::new_operator(),
            x: KeyPair::new_account(),
            expiring: KeyPair::new_account(),
        }
    }

    fn operator_jwt(&self) -> String {
        sign(
            &self.operator,
            json!({"sub": self.operator.public_key(), "name": "op",
                "nats": {"type": "operator", "version": 2, "system_account": self.system.public_key()}}),
        )
    }

    /// The preloaded accounts: (public key, JWT).
    fn accounts(&self) -> Vec<(String, String)> {
        let op = &self.operator;
        let limits = merged(no_limits(), json!({"conn": 1, "subs": 1, "payload": 8}));
        // Users of A issued up to a minute from now are revoked (the revoked user is made
        // before that).
        let scope = json!({"kind": "user_scope", "key": self.a_scoped.public_key(), "role": "publisher",
            "template": {"pub": {"allow": ["scoped.>"]}, "sub": {}, "subs": -1, "data": -1, "payload": -1}});
        let a = json!({"signing_keys": [self.a_signer.public_key(), scope],
            "revocations": {self.revoked.public_key(): now() + 60}});
        vec![
            (
                self.system.public_key(),
                account_jwt(op, &self.system, json!({})),
            ),
            (self.a.public_key(), account_jwt(op, &self.a, a)),
            (self.b.public_key(), account_jwt(op, &self.b, json!({}))),
            (
                self.limited.public_key(),
                account_jwt(op, &self.limited, json!({"limits": limits})),
            ),
            (
                self.x.public_key(),
                account_jwt(&self.stranger, &self.x, json!({})),
            ),
            (
                self.expiring.public_key(),
                sign(
                    op,
                    json!({"sub": self.expiring.public_key(), "exp": now() + 3,
                        "nats": {"type": "account", "version": 2, "limits": no_limits()}}),
                ),
            ),
        ]
    }

    /// The configuration file both brokers start from, the operator JWT inline.
    fn config(&self) -> String {
        let preload: String = self
            .accounts()
            .iter()
            .map(|(key, jwt)| format!("  {key}: {jwt}\n"))
            .collect();
        format!(
            "operator: {}\nsystem_account: {}\nresolver: MEMORY\nresolver_preload: {{\n{preload}}}\n",
            self.operator_jwt(),
            self.system.public_key()
        )
    }
}

/// nats-server 2.10.26 and natskit server, both from `config`.
async fn both(config: &str) -> (NatsServer, Server) {
    let nats = NatsServer::builder()
        .binary(natskit_test::binary::newer_nats_server().expect("nats-server 2.10 (make deps)"))
        .with_config(config)
        .start()
        .expect("start nats-server in operator mode");
    let (builder, warnings) =
        natskit_server::config::settings_from_str(config, "operator.conf").unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    (nats, broker_with(builder).await)
}

/// The INFO's fields, from a raw connection that read only INFO.
fn info_of(raw: &Raw) -> Value {
    let text = raw.text();
    let json = text
        .strip_prefix("INFO ")
        .and_then(|rest| rest.split("\r\n").next())
        .unwrap();
    serde_json::from_str(json).unwrap()
}

fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Connects to `addr` with the user JWT `jwt`, signing the nonce with `key` if given; the
/// connection and what came of it: `PONG`, or what the broker sent before it closed. After a
/// `PONG`, the connection's text is everything the broker sent after CONNECT up to a second
/// PING's PONG (an updated INFO, say), so that what a test reads next starts afresh.
async fn login(addr: SocketAddr, jwt: &str, key: Option<&KeyPair>) -> (Raw, String) {
    let mut raw = Raw::connect_to(addr).await;
    let nonce = info_of(&raw)["nonce"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut connect = json!({"verbose": false, "pedantic": false, "protocol": 1,
        "headers": true, "lang": "raw", "version": "0", "jwt": jwt});
    if let Some(key) = key {
        connect["sig"] = json!(base64url(&key.sign(nonce.as_bytes()).unwrap()));
    }
    raw.clear();
    raw.send(format!("CONNECT {connect}\r\nPING\r\n")).await;
    if !raw.read_until_seen_or_closed("PONG\r\n").await {
        let outcome = format!("{} (closed)", raw.text().trim_end());
        return (raw, outcome);
    }
    let first = raw.text();
    raw.clear();
    raw.send("PING\r\n").await;
    raw.read_until("PONG\r\n").await;
    let all = first + &raw.text();
    raw.clear();
    raw.seen.extend_from_slice(all.as_bytes());
    (raw, "PONG".to_owned())
}

/// What `text` says without the broker's own PINGs: nats-server measures a client's round
/// trip for the system account's events with a PING at a time of its choosing.
fn no_pings(text: &str) -> String {
    text.replace("PING\r\n", "")
}

const REFUSED: &str = "-ERR 'Authorization Violation' (closed)";

#[tokio::test]
async fn info_carries_a_nonce_and_asks_for_authentication() {
    let world = World::new();
    let (nats, ours) = both(&world.config()).await;
    for addr in [nats.addr(), ours.addr()] {
        let info = info_of(&Raw::connect_to(addr).await);
        assert_eq!(info["auth_required"], json!(true), "{addr}: {info}");
        let nonce = info["nonce"].as_str().unwrap_or_default();
        assert_eq!(nonce.len(), 15, "{addr}: {info}");
    }
    ours.shutdown().await;
}

#[tokio::test]
async fn good_revoked_expired_and_forged_users() {
    let world = World::new();
    let (nats, ours) = both(&world.config()).await;
    let (good, stranger_user) = (KeyPair::new_user(), KeyPair::new_user());
    let none = json!({});
    let cases: Vec<(&str, String, Option<&KeyPair>, &str)> = vec![
        (
            "signed by the account",
            user_jwt(&world.a, &good, none.clone(), none.clone()),
            Some(&good),
            "PONG",
        ),
        (
            "signed by the account's signing key",
            user_jwt(
                &world.a_signer,
                &good,
                none.clone(),
                json!({"issuer_account": world.a.public_key()}),
            ),
            Some(&good),
            "PONG",
        ),
        (
            "signed by a scoped signing key, without limits of its own",
            sign(
                &world.a_scoped,
                json!({"sub": good.public_key(), "nats": {"type": "user", "version": 2,
                    "issuer_account": world.a.public_key()}}),
            ),
            Some(&good),
            "PONG",
        ),
        (
            "signed by a scoped signing key, with limits of its own",
            user_jwt(
                &world.a_scoped,
                &good,
                none.clone(),
                json!({"issuer_account": world.a.public_key()}),
            ),
            Some(&good),
            REFUSED,
        ),
        (
            "a bearer token, no signature",
            user_jwt(&world.a, &good, none.clone(), json!({"bearer_token": true})),
            None,
            "PONG",
        ),
        (
            "no signature",
            user_jwt(&world.a, &good, none.clone(), none.clone()),
            None,
            REFUSED,
        ),
        (
            "the nonce signed by another key",
            user_jwt(&world.a, &good, none.clone(), none.clone()),
            Some(&stranger_user),
            REFUSED,
        ),
        (
            "revoked",
            user_jwt(&world.a, &world.revoked, none.clone(), none.clone()),
            Some(&world.revoked),
            REFUSED,
        ),
        (
            "issued after its revocation time",
            user_jwt(
                &world.a,
                &world.revoked,
                json!({"iat": now() + 120}),
                none.clone(),
            ),
            Some(&world.revoked),
            "PONG",
        ),
        (
            "expired",
            user_jwt(&world.a, &good, json!({"exp": now() - 10}), none.clone()),
            Some(&good),
            REFUSED,
        ),
        (
            "not yet valid",
            user_jwt(&world.a, &good, json!({"nbf": now() + 3600}), none.clone()),
            Some(&good),
            REFUSED,
        ),
        (
            "a signing key the account does not have",
            user_jwt(
                &world.b,
                &good,
                none.clone(),
                json!({"issuer_account": world.a.public_key()}),
            ),
            Some(&good),
            REFUSED,
        ),
        (
            "an account signed by another operator",
            user_jwt(&world.x, &good, none.clone(), none.clone()),
            Some(&good),
            REFUSED,
        ),
        (
            "an account nobody preloaded",
            user_jwt(&KeyPair::new_account(), &good, none.clone(), none.clone()),
            Some(&good),
            REFUSED,
        ),
    ];
    for (what, jwt, key, want) in &cases {
        for (name, addr) in [("nats-server", nats.addr()), ("natskit", ours.addr())] {
            let (_, got) = login(addr, jwt, *key).await;
            assert_eq!(got, *want, "{name}: a user {what}");
        }
    }
    // A CONNECT with no JWT at all.
    for addr in [nats.addr(), ours.addr()] {
        let mut raw = Raw::connect_to(addr).await;
        raw.clear();
        raw.send("CONNECT {\"verbose\":false}\r\nPING\r\n").await;
        assert_eq!(
            no_pings(&raw.read_to_end().await),
            "-ERR 'Authorization Violation'\r\n"
        );
    }
    ours.shutdown().await;
}

#[tokio::test]
async fn the_account_connection_limit_holds() {
    let world = World::new();
    let (nats, ours) = both(&world.config()).await;
    let user = KeyPair::new_user();
    let jwt = user_jwt(&world.limited, &user, json!({}), json!({}));
    for addr in [nats.addr(), ours.addr()] {
        let (first, got) = login(addr, &jwt, Some(&user)).await;
        assert_eq!(got, "PONG", "{addr}");
        let (_, got) = login(addr, &jwt, Some(&user)).await;
        assert_eq!(
            got, "-ERR 'maximum account active connections exceeded' (closed)",
            "{addr}"
        );
        // The place is free again once the first one leaves.
        drop(first);
        let deadline = std::time::Instant::now() + PATIENCE;
        loop {
            let (_, got) = login(addr, &jwt, Some(&user)).await;
            if got == "PONG" {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "{addr}: {got}");
        }
    }
    ours.shutdown().await;
}

#[tokio::test]
async fn the_account_subscription_and_payload_limits_apply() {
    let world = World::new();
    let (nats, ours) = both(&world.config()).await;
    let user = KeyPair::new_user();
    let jwt = user_jwt(&world.limited, &user, json!({}), json!({}));
    for addr in [nats.addr(), ours.addr()] {
        let (mut raw, got) = login(addr, &jwt, Some(&user)).await;
        assert_eq!(got, "PONG", "{addr}");
        // The first PONG is followed by an INFO with the account's smaller max_payload.
        let after_connect = raw.text();
        let info = after_connect
            .split("INFO ")
            .nth(1)
            .and_then(|rest| rest.split("\r\n").next())
            .unwrap_or_else(|| panic!("{addr}: no INFO after CONNECT in {after_connect:?}"));
        let info: Value = serde_json::from_str(info).unwrap();
        assert_eq!(info["max_payload"], json!(8), "{addr}");
        raw.clear();
        raw.send("SUB a 1\r\nSUB b 2\r\nPUB a 8\r\n12345678\r\nPING\r\n")
            .await;
        raw.read_until("PONG\r\n").await;
        assert_eq!(
            no_pings(&raw.text()),
            "-ERR 'maximum subscriptions exceeded'\r\nMSG a 1 8\r\n12345678\r\nPONG\r\n",
            "{addr}"
        );
        raw.clear();
        raw.send("PUB a 9\r\n123456789\r\n").await;
        assert_eq!(
            no_pings(&raw.read_to_end().await),
            "-ERR 'Maximum Payload Violation'\r\n",
            "{addr}"
        );
    }
    ours.shutdown().await;
}

#[tokio::test]
async fn accounts_are_isolated_and_a_jwts_permissions_apply() {
    let world = World::new();
    let (nats, ours) = both(&world.config()).await;
    let (in_a, in_b, narrow) = (
        KeyPair::new_user(),
        KeyPair::new_user(),
        KeyPair::new_user(),
    );
    let a_jwt = user_jwt(&world.a, &in_a, json!({}), json!({}));
    let b_jwt = user_jwt(&world.b, &in_b, json!({}), json!({}));
    let narrow_jwt = user_jwt(
        &world.a,
        &narrow,
        json!({}),
        json!({"pub": {"allow": ["allowed.>"]}, "sub": {"deny": ["secret"]}}),
    );
    // A user of the scoped signing key gets the scope's template.
    let scoped = KeyPair::new_user();
    let scoped_jwt = sign(
        &world.a_scoped,
        json!({"sub": scoped.public_key(), "nats": {"type": "user", "version": 2,
            "issuer_account": world.a.public_key()}}),
    );
    for addr in [nats.addr(), ours.addr()] {
        let (mut s, got) = login(addr, &scoped_jwt, Some(&scoped)).await;
        assert_eq!(got, "PONG", "{addr}");
        s.clear();
        s.send("PUB x 1\r\ns\r\nPUB scoped.x 1\r\ns\r\nPING\r\n")
            .await;
        s.read_until("PONG\r\n").await;
        assert_eq!(
            no_pings(&s.text()),
            "-ERR 'Permissions Violation for Publish to \"x\"'\r\nPONG\r\n",
            "{addr}"
        );
        let (mut a, _) = login(addr, &a_jwt, Some(&in_a)).await;
        let (mut b, _) = login(addr, &b_jwt, Some(&in_b)).await;
        let (mut n, got) = login(addr, &narrow_jwt, Some(&narrow)).await;
        assert_eq!(got, "PONG");
        a.clear();
        a.send("SUB x 1\r\nSUB allowed.y 2\r\nPING\r\n").await;
        a.read_until("PONG\r\n").await;
        a.clear();
        b.clear();
        b.send("SUB x 1\r\nPING\r\n").await;
        b.read_until("PONG\r\n").await;
        b.clear();
        n.clear();
        n.send("PUB x 1\r\nn\r\nPUB allowed.y 1\r\nn\r\nSUB secret 9\r\nPING\r\n")
            .await;
        n.read_until("PONG\r\n").await;
        assert_eq!(
            no_pings(&n.text()),
            "-ERR 'Permissions Violation for Publish to \"x\"'\r\n\
             -ERR 'Permissions Violation for Subscription to \"secret\"'\r\nPONG\r\n",
            "{addr}"
        );
        a.send("PING\r\n").await;
        a.read_until("PONG\r\n").await;
        assert_eq!(
            no_pings(&a.text()),
            "MSG allowed.y 2 1\r\nn\r\nPONG\r\n",
            "{addr}"
        );
        // B, in another account, saw nothing of A's subject x.
        b.send("PING\r\n").await;
        b.read_until("PONG\r\n").await;
        assert_eq!(no_pings(&b.text()), "PONG\r\n", "{addr}");
    }
    ours.shutdown().await;
}

#[tokio::test]
async fn a_user_is_disconnected_when_its_jwt_expires() {
    let world = World::new();
    let (nats, ours) = both(&world.config()).await;
    let user = KeyPair::new_user();
    let jwt = user_jwt(&world.a, &user, json!({"exp": now() + 2}), json!({}));
    let mut connected = Vec::new();
    for addr in [nats.addr(), ours.addr()] {
        let (raw, got) = login(addr, &jwt, Some(&user)).await;
        assert_eq!(got, "PONG", "{addr}");
        connected.push(raw);
    }
    for mut raw in connected {
        raw.clear();
        assert_eq!(
            no_pings(&raw.read_to_end().await),
            "-ERR 'User Authentication Expired'\r\n"
        );
    }
    ours.shutdown().await;
}

#[tokio::test]
async fn users_are_disconnected_when_their_accounts_jwt_expires() {
    let world = World::new();
    let (nats, ours) = both(&world.config()).await;
    let user = KeyPair::new_user();
    let jwt = user_jwt(&world.expiring, &user, json!({}), json!({}));
    let mut connected = Vec::new();
    for addr in [nats.addr(), ours.addr()] {
        let (raw, got) = login(addr, &jwt, Some(&user)).await;
        assert_eq!(got, "PONG", "{addr}");
        connected.push(raw);
    }
    for mut raw in connected {
        raw.clear();
        assert_eq!(
            no_pings(&raw.read_to_end().await),
            "-ERR 'Account Authentication Expired'\r\n"
        );
    }
    ours.shutdown().await;
}

/// A reload (SIGHUP) of the same operator-mode file keeps JWT users connected; one that
/// changes the operator is refused, as nats-server refuses it.
#[tokio::test]
async fn a_reload_keeps_jwt_users_and_refuses_another_operator() {
    let world = World::new();
    let config = world.config();
    let (builder, _) = natskit_server::config::settings_from_str(&config, "op.conf").unwrap();
    let server = broker_with(builder).await;
    let user = KeyPair::new_user();
    let jwt = user_jwt(&world.a, &user, json!({}), json!({}));
    let (mut raw, got) = login(server.addr(), &jwt, Some(&user)).await;
    assert_eq!(got, "PONG");
    let (same, _) = natskit_server::config::settings_from_str(&config, "op.conf").unwrap();
    server.reload(same.port(0)).unwrap();
    raw.clear();
    raw.send("PING\r\n").await;
    raw.read_until("PONG\r\n").await;
    let (other, _) =
        natskit_server::config::settings_from_str(&World::new().config(), "op.conf").unwrap();
    let err = server.reload(other.port(0)).unwrap_err().to_string();
    assert!(
        err.starts_with("config reload not supported for operator"),
        "{err}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn clients_nobody_here_wrote_log_in_with_creds() {
    let world = World::new();
    let (nats, ours) = both(&world.config()).await;
    let user = KeyPair::new_user();
    let text = creds(
        &user_jwt(&world.a, &user, json!({}), json!({})),
        &user.seed().unwrap(),
    );
    for url in [nats.url(), ours.client_url()] {
        let client = async_nats::ConnectOptions::with_credentials(&text)
            .unwrap()
            .connect(url.as_str())
            .await
            .unwrap();
        let mut sub = client.subscribe("greet").await.unwrap();
        client.flush().await.unwrap();
        let ours_client = natskit::ConnectOptions::new()
            .credentials(text.clone())
            .connect(&url)
            .await
            .unwrap();
        ours_client.publish("greet", "hi").await.unwrap();
        ours_client.flush().await.unwrap();
        let msg = tokio::time::timeout(PATIENCE, sub.next())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(&msg.payload[..], b"hi", "{url}");
    }
    ours.shutdown().await;
}

/// The system account gets the connect events of the other accounts' users.
#[tokio::test]
async fn the_system_account_sees_connections_in_operator_mode() {
    let world = World::new();
    let (nats, ours) = both(&world.config()).await;
    let (admin, user) = (KeyPair::new_user(), KeyPair::new_user());
    let admin_jwt = user_jwt(&world.system, &admin, json!({}), json!({}));
    let user_jwt = user_jwt(&world.a, &user, json!({}), json!({}));
    for addr in [nats.addr(), ours.addr()] {
        let (mut sys, got) = login(addr, &admin_jwt, Some(&admin)).await;
        assert_eq!(got, "PONG", "{addr}");
        let subject = format!("$SYS.ACCOUNT.{}.CONNECT", world.a.public_key());
        sys.clear();
        sys.send(format!("SUB {subject} 1\r\nPING\r\n")).await;
        sys.read_until("PONG\r\n").await;
        let _user = login(addr, &user_jwt, Some(&user)).await;
        sys.read_until(&format!("MSG {subject} 1 ")).await;
        sys.read_until(&user.public_key()).await;
    }
    ours.shutdown().await;
}

/// Configurations nats-server refuses to start with in operator mode, refused here too.
#[tokio::test]
async fn what_nats_server_refuses_at_start_is_refused() {
    let world = World::new();
    let op = world.operator_jwt();
    let (sys, sys_jwt) = world.accounts().remove(0);
    let base = format!("operator: {op}\nresolver_preload: {{ {sys}: {sys_jwt} }}\n");
    let bad = [
        (
            "no resolver",
            base.clone(),
            "operators require an account resolver",
        ),
        (
            "accounts beside the operator",
            format!("{base}resolver: MEMORY\naccounts {{ A {{ }} }}\n"),
            "operators do not allow Accounts to be configured directly",
        ),
        (
            "users beside the operator",
            format!(
                "{base}resolver: MEMORY\nauthorization {{ users: [ {{user: a, password: b}} ] }}\n"
            ),
            "operators do not allow users to be configured directly",
        ),
        (
            "another system account than the operator's",
            format!(
                "{base}resolver: MEMORY\nsystem_account: {}\n",
                world.a.public_key()
            ),
            "system_account in config and operator JWT must be identical",
        ),
        (
            "an operator JWT that is no JWT",
            "operator: eyJnot.a.jwt\nresolver: MEMORY\n".to_owned(),
            "error parsing operator JWT",
        ),
        (
            "an account JWT that is no JWT",
            format!("operator: {op}\nresolver: MEMORY\nresolver_preload: {{ {sys}: eyJbad }}\n"),
            "invalid account JWT",
        ),
    ];
    for (what, config, want) in bad {
        let nats = NatsServer::builder()
            .binary(natskit_test::binary::newer_nats_server().unwrap())
            .with_config(&config)
            .start();
        assert!(nats.is_err(), "nats-server started with {what}");
        let ours = match natskit_server::config::settings_from_str(&config, "bad.conf") {
            Ok((builder, _)) => builder
                .port(0)
                .start()
                .await
                .map(drop)
                .err()
                .map(|e| e.to_string()),
            Err(e) => Some(e.to_string()),
        };
        let Some(reason) = ours else {
            panic!("natskit started with {what}");
        };
        assert!(reason.contains(want), "{what}: {reason}");
    }
    let good = format!("{base}resolver: MEMORY\n");
    let (nats, ours) = both(&good).await;
    drop(nats);
    ours.shutdown().await;
}

/// A complete operator-mode file as nats-server's documentation lays it out (the memory
/// resolver, the operator JWT in a file of its own, comments naming the accounts), started
/// by both and behaving as written: users of the preloaded account get in, pub/sub works.
#[tokio::test]
async fn a_documented_operator_mode_file_starts_and_works() {
    let world = World::new();
    let dir = natskit_test::TempDir::new("operator").unwrap();
    let op_file = dir.path().join("op.jwt");
    std::fs::write(
        &op_file,
        format!(
            "-----BEGIN NATS OPERATOR JWT-----\n{}\n------END NATS OPERATOR JWT------\n",
            world.operator_jwt()
        ),
    )
    .unwrap();
    let accounts = world.accounts();
    let config = format!(
        "# Operator \"op\"\n\
         operator: {op}\n\
         # System Account \"SYS\"\n\
         system_account: {sys}\n\n\
         # configuration of the nats based resolver\n\
         resolver: MEMORY\n\n\
         # This is a map that can preload keys:jwts into a memory resolver.\n\
         resolver_preload: {{\n\
         \x20 # Account \"SYS\"\n\
         \x20 {sys}: {sys_jwt}\n\n\
         \x20 # Account \"A\"\n\
         \x20 {a}: {a_jwt}\n\
         }}\n",
        op = op_file.display(),
        sys = accounts[0].0,
        sys_jwt = accounts[0].1,
        a = accounts[1].0,
        a_jwt = accounts[1].1,
    );
    let (nats, ours) = both(&config).await;
    let user = KeyPair::new_user();
    let jwt = user_jwt(&world.a, &user, json!({}), json!({}));
    for addr in [nats.addr(), ours.addr()] {
        let (mut raw, got) = login(addr, &jwt, Some(&user)).await;
        assert_eq!(got, "PONG", "{addr}");
        raw.clear();
        raw.send("SUB hello 1\r\nPUB hello 2\r\nhi\r\nPING\r\n")
            .await;
        raw.read_until("PONG\r\n").await;
        assert_eq!(
            no_pings(&raw.text()),
            "MSG hello 1 2\r\nhi\r\nPONG\r\n",
            "{addr}"
        );
        // B was not preloaded in this file.
        let b_user = KeyPair::new_user();
        let b_jwt = user_jwt(&world.b, &b_user, json!({}), json!({}));
        assert_eq!(
            login(addr, &b_jwt, Some(&b_user)).await.1,
            REFUSED,
            "{addr}"
        );
    }
    ours.shutdown().await;
}
