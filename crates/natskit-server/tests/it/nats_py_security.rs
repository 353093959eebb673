//! nats-py, the Python client, authenticating to the embedded broker: user and password, token,
//! NKey seed (as a string and as a file), TLS with the test CA and mutual TLS, each with the
//! refusal nats-py reports when the credentials or the CA are wrong. The scenarios `auth`,
//! `auth_refused`, `tls` and `tls_refused` of scripts/foreign/nats_py_scenarios.py check what
//! nats-py sees; credentials and certificate paths reach them in environment variables of the
//! script's process (`NatsPy::env`), never on its command line.
//!
//! Plain tests, as in nats_py.rs: NatsPy blocks, so the broker runs on a runtime of its own.

use std::path::Path;
use std::time::Duration;

use natskit_server::Server;
use natskit_test::pki::Pki;
use natskit_test::{NatsPy, TempDir};

use crate::support::Hosted;

fn nats_py() -> NatsPy {
    NatsPy::locate()
        .unwrap_or_else(|e| panic!("{e} (scripts/install-deps.sh installs nats-py and nkeys)"))
        .timeout(Duration::from_secs(60))
}

/// Runs `scenario` and fails the test with everything the script printed when it does not pass.
fn pass(nats_py: NatsPy, hosted: &Hosted, scenario: &str) {
    nats_py
        .run(&hosted.url(), scenario)
        .unwrap_or_else(|e| panic!("{e}"));
}

/// Runs `scenario`, which must fail, and returns everything the script printed on stderr.
fn fail(nats_py: NatsPy, hosted: &Hosted, scenario: &str) -> String {
    match nats_py.run(&hosted.url(), scenario) {
        Ok(()) => panic!("the {scenario} scenario passed, but it should have failed"),
        Err(natskit_test::Error::NatsPyFailed { stderr, .. }) => stderr,
        Err(e) => panic!("expected the script to fail, got {e}"),
    }
}

fn with_user(nats_py: NatsPy, user: &str, password: &str) -> NatsPy {
    nats_py
        .env("NATSKIT_PY_USER", user)
        .env("NATSKIT_PY_PASSWORD", password)
}

fn with_tls_ca(nats_py: NatsPy, ca: &Path) -> NatsPy {
    nats_py.env("NATSKIT_PY_TLS_CA", ca)
}

#[test]
fn nats_py_authenticates_with_user_and_password() {
    let hosted = Hosted::start(
        Server::builder()
            .user("alice", "wonderland")
            .user("bob", "builder"),
    );
    pass(with_user(nats_py(), "alice", "wonderland"), &hosted, "auth");
    pass(with_user(nats_py(), "bob", "builder"), &hosted, "auth");
    assert!(hosted.server().stats().total_connections >= 4);
    hosted.no_connections_left();
}

#[test]
fn nats_py_with_a_wrong_password_gets_the_authorization_error() {
    let hosted = Hosted::start(Server::builder().user("alice", "wonderland"));
    // The scenario insists on nats-py's authorization error, nothing else.
    pass(
        with_user(nats_py(), "alice", "looking-glass"),
        &hosted,
        "auth_refused",
    );
    pass(
        with_user(nats_py(), "mallory", "wonderland"),
        &hosted,
        "auth_refused",
    );
    // Another user's password is no good either.
    let hosted_two = Hosted::start(Server::builder().user("alice", "a").user("bob", "b"));
    pass(
        with_user(nats_py(), "alice", "b"),
        &hosted_two,
        "auth_refused",
    );
    // No credentials at all: nats-py connects without any and is refused the same way; the
    // scenario itself needs some, so it says so.
    let stderr = fail(nats_py(), &hosted, "auth_refused");
    assert!(stderr.contains("no credentials given"), "{stderr}");
    // And the `auth` scenario does not pass with a wrong password.
    let stderr = fail(
        with_user(nats_py(), "alice", "looking-glass"),
        &hosted,
        "auth",
    );
    assert!(stderr.contains("Authorization Violation"), "{stderr}");
    hosted.no_connections_left();
    hosted_two.no_connections_left();
}

#[test]
fn nats_py_authenticates_with_a_token() {
    let hosted = Hosted::start(Server::builder().token("s3cr3t-t0ken"));
    pass(
        nats_py().env("NATSKIT_PY_TOKEN", "s3cr3t-t0ken"),
        &hosted,
        "auth",
    );
    hosted.no_connections_left();
}

#[test]
fn nats_py_with_a_wrong_token_gets_the_authorization_error() {
    let hosted = Hosted::start(Server::builder().token("s3cr3t-t0ken"));
    pass(
        nats_py().env("NATSKIT_PY_TOKEN", "s3cr3t-t0ke"),
        &hosted,
        "auth_refused",
    );
    // A user and password where a token is wanted.
    pass(
        with_user(nats_py(), "s3cr3t-t0ken", "s3cr3t-t0ken"),
        &hosted,
        "auth_refused",
    );
    hosted.no_connections_left();
}

#[test]
fn nats_py_authenticates_with_an_nkey_seed() {
    let key = nkeys::KeyPair::new_user();
    let seed = key.seed().unwrap();
    let hosted = Hosted::start(
        Server::builder()
            .nkey_user(key.public_key())
            .user("alice", "wonderland"),
    );
    // nkeys_seed_str: the seed itself.
    pass(
        nats_py().env("NATSKIT_PY_NKEY_SEED", &seed),
        &hosted,
        "auth",
    );
    // nkeys_seed: a file holding it, readable by its owner only.
    let dir = TempDir::new("nats-py-nkey").unwrap();
    let file = dir.path().join("user.nk");
    write_private(&file, &seed);
    pass(
        nats_py().env("NATSKIT_PY_NKEY_SEED_FILE", &file),
        &hosted,
        "auth",
    );
    // Password users still get in next to the NKey user.
    pass(with_user(nats_py(), "alice", "wonderland"), &hosted, "auth");
    hosted.no_connections_left();
}

#[test]
fn nats_py_with_a_wrong_nkey_seed_gets_the_authorization_error() {
    let key = nkeys::KeyPair::new_user();
    let hosted = Hosted::start(Server::builder().nkey_user(key.public_key()));
    let stranger = nkeys::KeyPair::new_user();
    pass(
        nats_py().env("NATSKIT_PY_NKEY_SEED", stranger.seed().unwrap()),
        &hosted,
        "auth_refused",
    );
    hosted.no_connections_left();
}

#[test]
fn nats_py_connects_over_tls_with_the_test_ca() {
    let pki = Pki::new();
    let hosted = Hosted::start(Server::builder().tls(&pki.server.cert, &pki.server.key));
    pass(with_tls_ca(nats_py(), &pki.ca), &hosted, "tls");
    hosted.no_connections_left();
}

#[test]
fn nats_py_refuses_a_broker_its_ca_did_not_sign() {
    let pki = Pki::new();
    let hosted = Hosted::start(Server::builder().tls(&pki.server.cert, &pki.server.key));
    pass(
        with_tls_ca(nats_py(), &pki.other_ca),
        &hosted,
        "tls_refused",
    );
    // The right CA does not make `tls_refused` pass.
    let stderr = fail(with_tls_ca(nats_py(), &pki.ca), &hosted, "tls_refused");
    assert!(stderr.contains("should have refused"), "{stderr}");
    hosted.no_connections_left();
}

#[test]
fn nats_py_authenticates_over_tls_with_a_password() {
    let pki = Pki::new();
    let hosted = Hosted::start(
        Server::builder()
            .tls(&pki.server.cert, &pki.server.key)
            .user("alice", "wonderland"),
    );
    let tls_user = |password| with_user(with_tls_ca(nats_py(), &pki.ca), "alice", password);
    pass(tls_user("wonderland"), &hosted, "tls");
    pass(tls_user("wonderland"), &hosted, "auth");
    pass(tls_user("looking-glass"), &hosted, "auth_refused");
    hosted.no_connections_left();
}

#[test]
fn nats_py_uses_mutual_tls_and_an_nkey_seed() {
    let pki = Pki::new();
    let key = nkeys::KeyPair::new_user();
    let hosted = Hosted::start(
        Server::builder()
            .tls(&pki.server.cert, &pki.server.key)
            .tls_verify_clients(&pki.ca)
            .nkey_user(key.public_key()),
    );
    let mutual = || {
        with_tls_ca(nats_py(), &pki.ca)
            .env("NATSKIT_PY_TLS_CERT", &pki.client.cert)
            .env("NATSKIT_PY_TLS_KEY", &pki.client.key)
            .env("NATSKIT_PY_NKEY_SEED", key.seed().unwrap())
    };
    pass(mutual(), &hosted, "tls");
    pass(mutual(), &hosted, "auth");
    // Without a client certificate the broker does not let nats-py in.
    let stderr = fail(
        with_tls_ca(nats_py(), &pki.ca).env("NATSKIT_PY_NKEY_SEED", key.seed().unwrap()),
        &hosted,
        "auth",
    );
    assert!(stderr.contains("FAIL auth"), "{stderr}");
    hosted.no_connections_left();
}

/// Writes `text` to a new file only its owner can read.
fn write_private(path: &Path, text: &str) {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .unwrap();
    file.write_all(text.as_bytes()).unwrap();
}
