//! The connection flags natskit shares with the `nats` CLI: `--tlsfirst` against a
//! nats-server set to `handshake_first`, `--jwt` with `--seed` in operator mode, and `-t`, which
//! no longer means `--timeout` (the `nats` CLI has no such short flag).

use natskit_test::jwt::Operator;
use natskit_test::pki::Pki;
use natskit_test::NatsServer;
use nkeys::KeyPair;

use crate::support::{natskit, natskit_bare, one_error_line};

/// A path as the `&str` an argument list takes.
fn arg(path: &std::path::Path) -> &str {
    path.to_str().expect("a UTF-8 temp path")
}

#[test]
fn tlsfirst_talks_to_a_handshake_first_server() {
    let pki = Pki::new();
    let block = pki.tls_block(&pki.server, false);
    let block = block.replacen("tls {\n", "tls {\n  handshake_first: true\n", 1);
    let server = NatsServer::builder()
        .binary(natskit_test::binary::newer_nats_server().expect("nats-server 2.10: run make deps"))
        .with_config(block)
        .start()
        .expect("start nats-server with handshake_first");
    for flag in ["--tlsfirst", "--tls-first"] {
        natskit(&server, &["pub", "x", "hi", "--tlsca", arg(&pki.ca), flag])
            .assert()
            .success();
    }
    // Without it the client waits for a greeting the server never sends in plain text.
    let out = natskit(
        &server,
        &["pub", "x", "hi", "--tlsca", arg(&pki.ca), "--timeout", "1s"],
    )
    .assert()
    .code(1);
    let line = one_error_line(out.get_output());
    assert!(
        line.starts_with("error: connecting to 127.0.0.1:") && line.contains("timed out"),
        "{line}"
    );
}

#[test]
fn jwt_and_seed_authenticate_in_operator_mode() {
    let operator = Operator::new();
    let server = NatsServer::builder()
        .with_config(operator.server_config())
        .start()
        .expect("start nats-server in operator mode");
    let (jwt, seed) = (operator.user_jwt.as_str(), operator.user_seed.as_str());
    natskit(&server, &["pub", "x", "hi", "--jwt", jwt, "--seed", seed])
        .assert()
        .success();
    natskit(&server, &["pub", "x", "hi"])
        .env("NATS_JWT", jwt)
        .env("NATS_SEED", seed)
        .assert()
        .success();

    let stranger = KeyPair::new_user().seed().expect("a seed");
    let out = natskit(
        &server,
        &["pub", "x", "hi", "--jwt", jwt, "--seed", &stranger],
    )
    .assert()
    .code(1);
    let line = one_error_line(out.get_output());
    assert!(
        line.starts_with("error: authorization failed: ") && line.contains("the user JWT and seed"),
        "{line}"
    );
    assert!(!line.contains(&stranger), "{line}");

    for (args, want) in [
        (
            &["--jwt", jwt][..],
            "error: --jwt needs --seed (or NATS_SEED)",
        ),
        (
            &["--seed", seed][..],
            "error: --seed needs --jwt (or NATS_JWT)",
        ),
    ] {
        let mut all = vec!["pub", "x", "hi"];
        all.extend_from_slice(args);
        let out = natskit(&server, &all).assert().code(1);
        assert_eq!(one_error_line(out.get_output()), want);
    }
    let out = natskit(
        &server,
        &[
            "pub", "x", "hi", "--jwt", jwt, "--seed", seed, "--token", "t",
        ],
    )
    .assert()
    .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}

#[test]
fn t_is_no_longer_timeout() {
    let out = natskit_bare(&["pub", "x", "hi", "-t", "1s"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.starts_with("error: unexpected argument '-t' found"),
        "{stderr}"
    );
}
