//! JWT authentication (.creds files and text, a JWT with a signer) against nats-server in
//! operator mode, with the operator, account and user made in the test; and secrets kept out of
//! what options print. Against nats-server, or natskit server through its `nats-server` shim
//! (`make it-on-natskit-server`), which reads the same operator-mode configuration.

use natskit::{Auth, ConnectError, ConnectOptions};
use natskit_test::jwt::{creds, Operator};
use natskit_test::{NatsServer, TempDir};
use nkeys::KeyPair;

use crate::auth::assert_authorization_violation;

fn operator_server(operator: &Operator) -> NatsServer {
    NatsServer::builder()
        .with_config(operator.server_config())
        .start()
        .expect("start nats-server in operator mode")
}

#[tokio::test]
async fn creds_file_connects_in_operator_mode() {
    let operator = Operator::new();
    let server = operator_server(&operator);
    let dir = TempDir::new("creds").unwrap();
    let file = dir.path().join("user.creds");
    std::fs::write(&file, operator.creds()).unwrap();
    let client = ConnectOptions::new()
        .credentials_file(&file)
        .connect(&server.url())
        .await
        .unwrap();
    client.flush().await.unwrap();
    let client = ConnectOptions::new()
        .credentials(operator.creds())
        .connect(&server.url())
        .await
        .unwrap();
    client.flush().await.unwrap();

    // The same JWT with a signer holding the seed.
    let key = KeyPair::from_seed(&operator.user_seed).unwrap();
    let client = ConnectOptions::new()
        .jwt(operator.user_jwt.clone(), move |nonce| Ok(key.sign(nonce)?))
        .connect(&server.url())
        .await
        .unwrap();
    client.flush().await.unwrap();
}

#[tokio::test]
async fn bad_creds_are_refused_with_typed_errors() {
    let operator = Operator::new();
    let server = operator_server(&operator);
    // A seed that does not match the JWT's subject.
    let wrong_seed = KeyPair::new_user().seed().unwrap();
    let err = ConnectOptions::new()
        .credentials(creds(&operator.user_jwt, &wrong_seed))
        .connect(&server.url())
        .await
        .unwrap_err();
    assert_authorization_violation(&err);
    assert!(!format!("{err} {err:?}").contains(&wrong_seed));

    // A user of an account the server does not know.
    let other = Operator::new();
    let err = ConnectOptions::new()
        .credentials(other.creds())
        .connect(&server.url())
        .await
        .unwrap_err();
    assert_authorization_violation(&err);

    let err = ConnectOptions::new()
        .credentials_file("/nonexistent/user.creds")
        .connect(&server.url())
        .await
        .unwrap_err();
    let ConnectError::Credentials { reason } = &err else {
        panic!("expected Credentials, got {err:?}")
    };
    assert!(reason.contains("/nonexistent/user.creds"), "{err}");

    let err = ConnectOptions::new()
        .credentials("-----BEGIN NATS USER JWT-----\nabc\n------END NATS USER JWT------\n")
        .connect(&server.url())
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectError::Credentials { .. }), "{err:?}");
}

#[test]
fn options_and_auth_never_print_secrets() {
    let seed = KeyPair::new_user().seed().unwrap();
    let operator = Operator::new();
    let options = ConnectOptions::new()
        .user_and_password("alice", "pa55word")
        .token("t0kenvalue")
        .nkey(&seed)
        .credentials(operator.creds())
        .jwt("jwt-secret-text", |_| Ok(Vec::new()))
        .auth_callback(|_| async { Ok(Auth::new()) });
    let printed = format!("{options:?}");
    let auth = Auth::new()
        .user_and_password("alice", "pa55word")
        .token("t0kenvalue")
        .jwt("jwt-secret-text")
        .signature(vec![7; 64]);
    let printed = format!("{printed} {auth:?}");
    assert!(printed.contains("alice"), "{printed}");
    for secret in [
        "pa55word",
        "t0kenvalue",
        &seed,
        &operator.user_seed,
        &operator.user_jwt,
        "jwt-secret-text",
    ] {
        assert!(!printed.contains(secret), "{secret} shown in {printed}");
    }
}
