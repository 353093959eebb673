//! The connection flags and their environment variables against nats-server configured for
//! each: user/password, token, `.creds` (operator mode), NKey seed file, TLS with a CA file,
//! mutual TLS, the connection name; and how refusals read (one line, no secret).

use std::net::TcpListener;

use natskit_test::jwt::{creds, Operator};
use natskit_test::pki::{Pair, Pki};
use natskit_test::{NatsServer, TempDir};
use nkeys::KeyPair;

use crate::support::{natskit, natskit_bare, one_error_line, Running};

/// A nats-server with this configuration.
fn server_with(config: &str) -> NatsServer {
    NatsServer::builder()
        .with_config(config)
        .start()
        .expect("start nats-server")
}

/// A nats-server serving TLS with `cert`; `verify` asks clients for certificates.
fn tls_server(pki: &Pki, cert: &Pair, verify: bool) -> NatsServer {
    server_with(&pki.tls_block(cert, verify))
}

/// Asserts `cmd` fails with status 1 and one `error:` line, and returns that line.
fn fails(cmd: &mut assert_cmd::Command) -> String {
    let out = cmd.assert().code(1);
    one_error_line(out.get_output())
}

/// A path as the `&str` an argument list takes.
fn arg(path: &std::path::Path) -> &str {
    path.to_str().expect("a UTF-8 temp path")
}

#[test]
fn user_and_password_from_flags_and_the_environment() {
    let server = server_with("authorization { user: alice, password: s3cret }\n");
    natskit(
        &server,
        &["pub", "x", "hi", "--user", "alice", "--password", "s3cret"],
    )
    .assert()
    .success();
    natskit(&server, &["pub", "x", "hi"])
        .env("NATS_USER", "alice")
        .env("NATS_PASSWORD", "s3cret")
        .assert()
        .success();
    // The user on the command line, the password kept out of the shell history.
    natskit(&server, &["pub", "x", "hi", "--user", "alice"])
        .env("NATS_PASSWORD", "s3cret")
        .assert()
        .success();
    // A flag wins over its variable.
    natskit(&server, &["pub", "x", "hi", "--password", "s3cret"])
        .env("NATS_USER", "alice")
        .env("NATS_PASSWORD", "stale")
        .assert()
        .success();
}

#[test]
fn bad_credentials_say_authorization_failed_and_never_show_the_secret() {
    let server = server_with("authorization { user: alice, password: s3cret }\n");
    let line = fails(&mut natskit(
        &server,
        &[
            "pub",
            "x",
            "hi",
            "--user",
            "alice",
            "--password",
            "guessed-pw",
        ],
    ));
    let address = format!("127.0.0.1:{}", server.port());
    assert_eq!(
        line,
        format!("error: authorization failed: {address} refused user \"alice\" (Authorization Violation)")
    );
    let line = fails(
        natskit(&server, &["req", "x"])
            .env("NATS_USER", "alice")
            .env("NATS_PASSWORD", "env-guess"),
    );
    assert!(line.starts_with("error: authorization failed: "), "{line}");
    assert!(!line.contains("env-guess"), "{line}");

    let line = fails(&mut natskit(&server, &["sub", "x"]));
    assert!(
        line.starts_with(&format!(
            "error: authorization failed: {address} requires credentials"
        )),
        "{line}"
    );
}

#[test]
fn token_from_the_flag_and_the_environment() {
    let server = server_with("authorization { token: t0ken-value }\n");
    natskit(&server, &["pub", "x", "hi", "--token", "t0ken-value"])
        .assert()
        .success();
    natskit(&server, &["pub", "x", "hi"])
        .env("NATS_TOKEN", "t0ken-value")
        .assert()
        .success();
    let line = fails(&mut natskit(
        &server,
        &["pub", "x", "hi", "--token", "wr0ng-token"],
    ));
    assert!(
        line.starts_with("error: authorization failed: ") && line.contains("refused the token"),
        "{line}"
    );
    assert!(!line.contains("wr0ng-token"), "{line}");
}

#[test]
fn creds_file_in_operator_mode() {
    let operator = Operator::new();
    let server = server_with(&operator.server_config());
    let dir = TempDir::new("cli-creds").expect("temp dir");
    let good = dir.path().join("user.creds");
    std::fs::write(&good, operator.creds()).expect("write creds");
    let stranger_seed = KeyPair::new_user().seed().expect("a seed");
    let bad = dir.path().join("stranger.creds");
    std::fs::write(&bad, creds(&operator.user_jwt, &stranger_seed)).expect("write creds");

    natskit(&server, &["pub", "x", "hi", "--creds", arg(&good)])
        .assert()
        .success();
    natskit(&server, &["pub", "x", "hi"])
        .env("NATS_CREDS", &good)
        .assert()
        .success();

    let line = fails(&mut natskit(
        &server,
        &["pub", "x", "hi", "--creds", arg(&bad)],
    ));
    assert!(
        line.starts_with("error: authorization failed: ")
            && line.contains(&format!("refused the credentials in {}", bad.display())),
        "{line}"
    );
    assert!(!line.contains(&stranger_seed), "{line}");

    let missing = dir.path().join("missing.creds");
    let line = fails(&mut natskit(
        &server,
        &["pub", "x", "hi", "--creds", arg(&missing)],
    ));
    assert!(
        line.starts_with("error: credentials cannot be used: ") && line.contains("missing.creds"),
        "{line}"
    );
}

#[test]
fn nkey_seed_file() {
    let user = KeyPair::new_user();
    let server = server_with(&format!(
        "authorization {{ users: [ {{ nkey: {} }} ] }}\n",
        user.public_key()
    ));
    let dir = TempDir::new("cli-nkey").expect("temp dir");
    let seed_file = dir.path().join("user.nk");
    std::fs::write(&seed_file, format!("{}\n", user.seed().expect("seed"))).expect("write seed");
    natskit(&server, &["pub", "x", "hi", "--nkey", arg(&seed_file)])
        .assert()
        .success();
    natskit(&server, &["pub", "x", "hi"])
        .env("NATS_NKEY", &seed_file)
        .assert()
        .success();

    let stranger = KeyPair::new_user().seed().expect("seed");
    let stranger_file = dir.path().join("stranger.nk");
    std::fs::write(&stranger_file, &stranger).expect("write seed");
    let line = fails(&mut natskit(
        &server,
        &["pub", "x", "hi", "--nkey", arg(&stranger_file)],
    ));
    assert!(
        line.starts_with("error: authorization failed: ") && line.contains("the NKey seed in"),
        "{line}"
    );
    assert!(!line.contains(&stranger), "{line}");
}

#[test]
fn tls_trusts_the_ca_of_tlsca_and_refuses_others() {
    let pki = Pki::new();
    let server = tls_server(&pki, &pki.server, false);
    natskit(&server, &["pub", "x", "hi", "--tlsca", arg(&pki.ca)])
        .assert()
        .success();
    natskit(&server, &["pub", "x", "hi"])
        .env("NATS_CA", &pki.ca)
        .assert()
        .success();
    // Neither the default roots nor an unrelated CA vouch for the server.
    for extra in [&[][..], &["--tlsca", arg(&pki.other_ca)]] {
        let mut cmd = natskit(&server, &["pub", "x", "hi"]);
        let line = fails(cmd.args(extra));
        assert!(
            line.starts_with(&format!(
                "error: the TLS certificate of 127.0.0.1:{} was rejected: ",
                server.port()
            )) && line.ends_with("; --tlsca FILE names the CA to trust"),
            "{line}"
        );
    }
    // A TLS flag makes TLS required: no quiet fallback to plain text.
    let plain = server_with("");
    let line = fails(&mut natskit(
        &plain,
        &["pub", "x", "hi", "--tlsca", arg(&pki.ca)],
    ));
    assert!(line.contains("does not offer TLS"), "{line}");
}

#[test]
fn mutual_tls_presents_the_client_certificate() {
    let pki = Pki::new();
    let server = tls_server(&pki, &pki.server, true);
    let (cert, key, ca) = (arg(&pki.client.cert), arg(&pki.client.key), arg(&pki.ca));
    natskit(
        &server,
        &[
            "pub",
            "x",
            "hi",
            "--tlsca",
            ca,
            "--tlscert",
            cert,
            "--tlskey",
            key,
        ],
    )
    .assert()
    .success();
    natskit(&server, &["pub", "x", "hi"])
        .env("NATS_CA", ca)
        .env("NATS_CERT", cert)
        .env("NATS_KEY", key)
        .assert()
        .success();
    let line = fails(&mut natskit(&server, &["pub", "x", "hi", "--tlsca", ca]));
    assert!(
        line.contains("refused the client certificate")
            && line.ends_with("; --tlscert and --tlskey present one"),
        "{line}"
    );
    let line = fails(&mut natskit(
        &server,
        &["pub", "x", "hi", "--tlsca", ca, "--tlscert", cert],
    ));
    assert_eq!(line, "error: --tlscert needs --tlskey (or NATS_KEY)");
}

#[test]
fn the_connection_name_shows_in_connz() {
    let server = NatsServer::builder()
        .monitoring()
        .start()
        .expect("start nats-server");
    let _named = Running::start(
        &server,
        &["sub", "names.x", "--name", "orders-probe"],
        "Subscribing on",
    );
    let _unnamed = Running::start(&server, &["sub", "names.y"], "Subscribing on");
    let connz = server.monitor_get("/connz").expect("/connz");
    let connz: serde_json::Value = serde_json::from_str(&connz).expect("JSON");
    let mut names: Vec<&str> = connz["connections"]
        .as_array()
        .expect("connections")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["natskit-cli", "orders-probe"], "{connz}");
}

#[test]
fn timeout_bounds_connecting_unless_connect_timeout_is_given() {
    // Takes connections (the kernel's backlog) but never says INFO.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("nats://{}", silent.local_addr().expect("address"));
    let line = fails(&mut natskit_bare(&[
        "pub",
        "x",
        "hi",
        "-s",
        &url,
        "--timeout",
        "300ms",
    ]));
    assert!(line.ends_with("timed out after 300ms"), "{line}");
    let line = fails(&mut natskit_bare(&[
        "pub",
        "x",
        "hi",
        "-s",
        &url,
        "--timeout",
        "30s",
        "--connect-timeout",
        "200ms",
    ]));
    assert!(line.ends_with("timed out after 200ms"), "{line}");
}

#[test]
fn two_kinds_of_credentials_conflict() {
    let out = natskit_bare(&["pub", "x", "hi", "--token", "t", "--user", "u"])
        .assert()
        .code(2);
    let line = one_error_line(out.get_output());
    assert!(line.contains("cannot be used with"), "{line}");
    let line = fails(
        natskit_bare(&["pub", "x", "hi"])
            .env("NATS_TOKEN", "t")
            .env("NATS_CREDS", "/tmp/x.creds"),
    );
    assert_eq!(
        line,
        "error: conflicting credentials in the environment: NATS_TOKEN and NATS_CREDS; give one kind"
    );
    // A flag's credentials replace the environment's whole.
    let server = server_with("authorization { token: t0ken }\n");
    natskit(&server, &["pub", "x", "hi", "--token", "t0ken"])
        .env("NATS_USER", "alice")
        .env("NATS_PASSWORD", "pw")
        .assert()
        .success();
}

#[test]
fn micro_and_demo_connect_with_the_same_flags() {
    let server = server_with("authorization { token: t0ken }\n");
    natskit(
        &server,
        &["micro", "ls", "--token", "t0ken", "--timeout", "500ms"],
    )
    .assert()
    .success();
    let line = fails(&mut natskit(
        &server,
        &["micro", "ls", "--timeout", "500ms"],
    ));
    assert!(line.contains("authorization failed"), "{line}");
    let out = natskit(&server, &["demo", "--pace", "0", "--token", "t0ken"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        stdout.contains("through the server at nats://127.0.0.1:"),
        "{stdout}"
    );
    // A token in the URL works and is not shown.
    let url = format!("nats://t0ken@127.0.0.1:{}", server.port());
    let out = natskit_bare(&["demo", "--pace", "0", "-s", &url])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        stdout.contains("through the server at nats://***@127.0.0.1:") && !stdout.contains("t0ken"),
        "{stdout}"
    );
}
