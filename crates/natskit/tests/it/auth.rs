//! NKey, JWT (.creds) and callback authentication against nats-server, and secrets kept out
//! of what options and errors print. (User/password and token: see connect.rs.)

use natskit::{Auth, ConnectError, ConnectOptions};
use natskit_test::NatsServer;
use nkeys::KeyPair;

use natskit_test::TempDir;

use crate::jwt::{creds, Operator};

fn nkey_server(user: &KeyPair) -> NatsServer {
    NatsServer::builder()
        .with_config(format!(
            "authorization {{ users: [ {{ nkey: {} }} ] }}\n",
            user.public_key()
        ))
        .start()
        .expect("start nats-server")
}

fn assert_authorization_violation(err: &ConnectError) {
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
