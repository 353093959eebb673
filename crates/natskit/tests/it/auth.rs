//! NKey and callback authentication, and secrets kept out of what errors print; against
//! nats-server (`it`) and the embedded broker (`embedded`). (User/password and token: see
//! connect.rs; JWT and .creds, nats-server only: creds.rs.)

use natskit::{Auth, ConnectError, ConnectOptions};
use nkeys::KeyPair;

use crate::support::{server_with, Setup, TestServer};

fn nkey_server(user: &KeyPair) -> TestServer {
    server_with(Setup::NKeyUser(user.public_key()))
}

/// Asserts `err` is the server's refusal of the credentials.
pub fn assert_authorization_violation(err: &ConnectError) {
    let ConnectError::Refused { message, .. } = err else {
        panic!("expected Refused, got {err:?}")
    };
    assert_eq!(message, "Authorization Violation");
}

#[tokio::test]
async fn nkey_seed_signs_the_nonce() {
    let user = KeyPair::new_user();
    let server = nkey_server(&user);
    let client = ConnectOptions::new()
        .nkey(user.seed().unwrap())
        .connect(&server.url())
        .await
        .unwrap();
    client.flush().await.unwrap();

    let stranger = KeyPair::new_user().seed().unwrap();
    let err = ConnectOptions::new()
        .nkey(&stranger)
        .connect(&server.url())
        .await
        .unwrap_err();
    assert_authorization_violation(&err);
    assert!(!format!("{err} {err:?}").contains(&stranger));
}

#[tokio::test]
async fn a_malformed_seed_is_a_credentials_error_that_hides_it() {
    let user = KeyPair::new_user();
    let server = nkey_server(&user);
    let seed = user.seed().unwrap();
    let broken = format!("{}X", &seed[..seed.len() - 1]);
    let err = ConnectOptions::new()
        .nkey(&broken)
        .connect(&server.url())
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectError::Credentials { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains(&broken[4..]), "{err}");
}

#[tokio::test]
async fn signing_needs_a_server_nonce() {
    let server = crate::support::server();
    let err = ConnectOptions::new()
        .nkey(KeyPair::new_user().seed().unwrap())
        .connect(&server.url())
        .await
        .unwrap_err();
    let ConnectError::Credentials { reason } = &err else {
        panic!("expected Credentials, got {err:?}")
    };
    assert!(reason.contains("no nonce"), "{err}");
}

#[tokio::test]
async fn auth_callback_answers_the_nonce() {
    let user = std::sync::Arc::new(KeyPair::new_user());
    let server = nkey_server(&user);
    let key = user.clone();
    let client = ConnectOptions::new()
        .auth_callback(move |nonce| {
            let key = key.clone();
            async move {
                assert!(!nonce.is_empty());
                Ok(Auth::new()
                    .nkey(key.public_key())
                    .signature(key.sign(&nonce)?))
            }
        })
        .connect(&server.url())
        .await
        .unwrap();
    client.flush().await.unwrap();

    let err = ConnectOptions::new()
        .auth_callback(|_nonce| async { Err("vault unreachable".into()) })
        .connect(&server.url())
        .await
        .unwrap_err();
    let ConnectError::Credentials { reason } = &err else {
        panic!("expected Credentials, got {err:?}")
    };
    assert!(reason.contains("vault unreachable"), "{err}");
}

#[tokio::test]
async fn connect_errors_never_print_secrets() {
    // Every failure path that involves credentials: a refusal, a malformed seed, a bad URL.
    let user = KeyPair::new_user();
    let server = nkey_server(&user);
    let seed = KeyPair::new_user().seed().unwrap();
    let port = server.port();
    let mut errors = vec![
        ConnectOptions::new()
            .nkey(&seed)
            .connect(&server.url())
            .await
            .unwrap_err(),
        ConnectOptions::new()
            .nkey(format!("{seed}junk"))
            .connect(&server.url())
            .await
            .unwrap_err(),
        ConnectOptions::new()
            .user_and_password("alice", "pa55word")
            .token("t0kenvalue")
            .connect(&server.url())
            .await
            .unwrap_err(),
        natskit::connect(&format!("nats://alice:pa55word@127.0.0.1:{port}"))
            .await
            .unwrap_err(),
        natskit::connect(&format!("nats://t0kenvalue@127.0.0.1:{port}"))
            .await
            .unwrap_err(),
        natskit::connect("nats://alice:pa55word@127.0.0.1:notaport")
            .await
            .unwrap_err(),
    ];
    let first = errors.remove(0);
    errors.push(ConnectError::NoServers {
        last: Box::new(first),
    });
    for err in &errors {
        let printed = format!("{err} {err:?}");
        for secret in ["pa55word", "t0kenvalue", &seed] {
            assert!(!printed.contains(secret), "{secret} shown in {printed}");
        }
    }
}
