//! `natskit server -c FILE`: configuration files written from nats-server's documentation
//! start nats-server 2.10.26 and the broker alike, and a client doing the same steps against
//! both gets the same results.

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use natskit_test::NatsServer;

use crate::support::*;

/// nats-server 2.10.26 started with `-c path` (the harness adds `-a 127.0.0.1 -p PORT`).
fn nats_server(path: &Path) -> NatsServer {
    NatsServer::builder()
        .binary(natskit_test::binary::newer_nats_server().expect("nats-server 2.10 (make deps)"))
        .with_args(["-c", path.to_str().expect("a UTF-8 path")])
        .start()
        .expect("nats-server starts from the file")
}

/// `natskit server -c path -p 0` and its client URL.
fn broker(path: &Path) -> (Running, String) {
    let broker = Running::start_bare(
        &[
            "server",
            "-c",
            path.to_str().expect("a UTF-8 path"),
            "-p",
            "0",
        ],
        "Serving on ",
    );
    let url = broker
        .stderr_seen()
        .iter()
        .find_map(|l| l.split_whitespace().find(|w| w.starts_with("nats://")))
        .expect("a URL on the ready line")
        .trim_end_matches(';')
        .to_owned();
    (broker, url)
}

/// Runs `steps` against nats-server and the broker started from `file`, checks both gave
/// the same transcript, and returns it.
pub(crate) fn same_on_both<F, Fut>(file: &Path, steps: F) -> Vec<String>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Vec<String>>,
{
    same_on_both_reusing(file, None, steps)
}

/// [`same_on_both`] for a file that names a fixed port: the broker starts once nats-server
/// has let go of it.
fn same_on_both_reusing<F, Fut>(file: &Path, port: Option<u16>, steps: F) -> Vec<String>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Vec<String>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let reference = nats_server(file);
    let expected = runtime.block_on(steps(reference.url()));
    drop(reference);
    if let Some(port) = port {
        assert!(
            natskit_test::port::wait_until_free(port, PATIENCE),
            "nats-server let go of port {port}"
        );
    }
    let (running, url) = broker(file);
    let got = runtime.block_on(steps(url));
    running.terminate();
    assert!(running.finish().status.success());
    assert_eq!(
        got, expected,
        "natskit server (left) and nats-server (right) differ"
    );
    got
}

/// What connecting with `options` gave: "connected", or the kind of refusal.
pub(crate) async fn connect(
    url: &str,
    options: natskit::ConnectOptions,
) -> Result<natskit::Client, String> {
    match options.reconnect(false).connect(url).await {
        Ok(client) => Ok(client),
        Err(e) if e.to_string().contains("Authorization Violation") => {
            Err("Authorization Violation".into())
        }
        Err(_) => Err("refused".into()),
    }
}

pub(crate) fn user(name: &str, password: &str) -> natskit::ConnectOptions {
    natskit::ConnectOptions::new().user_and_password(name, password)
}

/// The outcome of `client` publishing to `subject` while `observer` listens on `>`:
/// "delivered", or the server's error.
pub(crate) async fn publish(
    client: &natskit::Client,
    observer: &natskit::Client,
    subject: &str,
) -> String {
    let mut seen = observer
        .subscribe(subject)
        .await
        .expect("observer subscribes");
    observer.flush().await.expect("observer flushes");
    let mut events = client.events();
    client.publish(subject, "x").await.expect("publish");
    outcome(seen.next(), &mut events).await
}

/// The outcome of `client` subscribing to `subject` while `publisher` publishes on it:
/// "delivered", or the server's error.
pub(crate) async fn subscribe(
    client: &natskit::Client,
    publisher: &natskit::Client,
    subject: &str,
) -> String {
    let mut events = client.events();
    let mut sub = client.subscribe(subject).await.expect("subscribe");
    client.flush().await.expect("flush");
    publisher.publish(subject, "x").await.expect("publish");
    outcome(sub.next(), &mut events).await
}

/// A message arriving, or a `-ERR`, whichever comes first (bounded).
pub(crate) async fn outcome<T>(
    message: impl std::future::Future<Output = Option<T>>,
    events: &mut natskit::Events,
) -> String {
    let error = async {
        loop {
            match events.next().await {
                Some(natskit::Event::ServerError(text)) => return text,
                Some(_) => {}
                None => return "events ended".to_owned(),
            }
        }
    };
    tokio::time::timeout(PATIENCE, async {
        tokio::select! {
            m = message => if m.is_some() { "delivered".to_owned() } else { "ended".to_owned() },
            e = error => e,
        }
    })
    .await
    .expect("a message or an error in time")
}

/// A directory with the files of one test.
pub(crate) fn files(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = scratch(name);
    for (file, text) in files {
        std::fs::write(dir.join(file), text).expect("write a configuration file");
    }
    dir
}

#[test]
fn a_plain_file_with_an_include_and_variables() {
    // The limits come from an included file; the payload from a variable of the main file
    // that the include's keys can be read with afterwards.
    let dir = files(
        "config-plain",
        &[
            (
                "nats.conf",
                "# nats-server's documentation: a plain server\n\
                 server_name: config_test\n\
                 port = 4222\n\
                 include ./limits.conf\n\
                 max_payload: $PAYLOAD\n\
                 ping_interval: \"1m\"\n\
                 write_deadline: \"5s\"\n",
            ),
            (
                "limits.conf",
                "PAYLOAD: 64KB\nmax_connections 100\nmax_control_line = 2KB\n",
            ),
        ],
    );
    let transcript = same_on_both(&dir.join("nats.conf"), |url| async move {
        let client = connect(&url, natskit::ConnectOptions::new()).await.unwrap();
        let info = client.server_info();
        let observer = connect(&url, natskit::ConnectOptions::new()).await.unwrap();
        let delivered = publish(&client, &observer, "greetings").await;
        vec![
            format!("max_payload {}", info.max_payload),
            format!("server_name {}", info.server_name),
            format!("publish {delivered}"),
        ]
    });
    assert_eq!(
        transcript,
        [
            "max_payload 65536",
            "server_name config_test",
            "publish delivered"
        ]
    );
}

/// From nats-server's documentation on authorization: roles as variables of the block, users
/// with their permissions.
const USERS_AND_PERMISSIONS: &str = r#"
authorization {
  ADMIN = {
    publish = ">"
    subscribe = ">"
  }
  REQUESTOR = {
    publish = ["req.a", "req.b"]
    subscribe = "_INBOX.>"
  }
  RESPONDER = {
    subscribe = ["req.a", "req.b"]
    publish = { allow: "_INBOX.>", deny: "_INBOX.secret" }
  }
  DEFAULT_PERMISSIONS = {
    publish = "SANDBOX.*"
    subscribe = ["PUBLIC.>", "_INBOX.>"]
  }
  users = [
    {user: admin,     password: $ADMIN_PASS, permissions: $ADMIN}
    {user: client,    password: secret,      permissions: $REQUESTOR}
    {user: service,   password: secret,      permissions: $RESPONDER}
    {user: other,     password: secret}
  ]
  default_permissions = $DEFAULT_PERMISSIONS
}
ADMIN_PASS: "s3cr3t!"
"#;

#[test]
fn authorization_users_and_permissions_behave_as_on_nats_server() {
    // ADMIN_PASS is defined after the block: nats-server takes it from the environment then,
    // and so does natskit server; neither has it, so both refuse the file.
    let dir = files("config-users-late", &[("nats.conf", USERS_AND_PERMISSIONS)]);
    let path = dir.join("nats.conf");
    let refused = natskit_bare(&["server", "-c", path.to_str().unwrap(), "-p", "0"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("nats.conf:20:33: variable $ADMIN_PASS is not defined"),
        "{message}"
    );
    assert!(NatsServer::builder()
        .binary(natskit_test::binary::newer_nats_server().unwrap())
        .with_args(["-c", path.to_str().unwrap()])
        .start()
        .is_err());

    let text = format!(
        "ADMIN_PASS: \"s3cr3t!\"\n{}",
        USERS_AND_PERMISSIONS.replace("ADMIN_PASS: \"s3cr3t!\"\n", "")
    );
    let dir = files("config-users", &[("nats.conf", &text)]);
    let transcript = same_on_both(&dir.join("nats.conf"), |url| async move {
        let mut t = Vec::new();
        for (name, password) in [("admin", "wrong"), ("nobody", "secret")] {
            t.push(format!(
                "{name}/{password}: {:?}",
                connect(&url, user(name, password)).await.err()
            ));
        }
        t.push(format!(
            "anonymous: {:?}",
            connect(&url, natskit::ConnectOptions::new()).await.err()
        ));
        let admin = connect(&url, user("admin", "s3cr3t!")).await.unwrap();
        let client = connect(&url, user("client", "secret")).await.unwrap();
        let service = connect(&url, user("service", "secret")).await.unwrap();
        let other = connect(&url, user("other", "secret")).await.unwrap();
        for subject in ["req.a", "req.c"] {
            t.push(format!(
                "client pub {subject}: {}",
                publish(&client, &admin, subject).await
            ));
        }
        for subject in ["_INBOX.1", "req.a"] {
            t.push(format!(
                "client sub {subject}: {}",
                subscribe(&client, &admin, subject).await
            ));
        }
        for subject in ["_INBOX.2", "_INBOX.secret", "req.b"] {
            t.push(format!(
                "service pub {subject}: {}",
                publish(&service, &admin, subject).await
            ));
        }
        t.push(format!(
            "service sub req.b: {}",
            subscribe(&service, &admin, "req.b").await
        ));
        for subject in ["SANDBOX.x", "SANDBOX.x.y"] {
            t.push(format!(
                "other pub {subject}: {}",
                publish(&other, &admin, subject).await
            ));
        }
        for subject in ["PUBLIC.news", "PRIVATE.news"] {
            t.push(format!(
                "other sub {subject}: {}",
                subscribe(&other, &admin, subject).await
            ));
        }
        t
    });
    let denied_pub = |s: &str| format!("Permissions Violation for Publish to \"{s}\"");
    let denied_sub = |s: &str| format!("Permissions Violation for Subscription to \"{s}\"");
    assert_eq!(
        transcript,
        [
            "admin/wrong: Some(\"Authorization Violation\")".to_owned(),
            "nobody/secret: Some(\"Authorization Violation\")".to_owned(),
            "anonymous: Some(\"Authorization Violation\")".to_owned(),
            "client pub req.a: delivered".to_owned(),
            format!("client pub req.c: {}", denied_pub("req.c")),
            "client sub _INBOX.1: delivered".to_owned(),
            format!("client sub req.a: {}", denied_sub("req.a")),
            "service pub _INBOX.2: delivered".to_owned(),
            format!("service pub _INBOX.secret: {}", denied_pub("_INBOX.secret")),
            format!("service pub req.b: {}", denied_pub("req.b")),
            "service sub req.b: delivered".to_owned(),
            "other pub SANDBOX.x: delivered".to_owned(),
            format!("other pub SANDBOX.x.y: {}", denied_pub("SANDBOX.x.y")),
            "other sub PUBLIC.news: delivered".to_owned(),
            format!("other sub PRIVATE.news: {}", denied_sub("PRIVATE.news")),
        ]
    );
}

#[test]
fn a_token_and_nkey_users() {
    let key = nkeys::KeyPair::new_user();
    let dir = files(
        "config-token",
        &[(
            "nats.conf",
            "authorization {\n  token: \"t0k3n\"\n  timeout: 2\n}\n",
        )],
    );
    let transcript = same_on_both(&dir.join("nats.conf"), |url| async move {
        let good = connect(&url, natskit::ConnectOptions::new().token("t0k3n")).await;
        let bad = connect(&url, natskit::ConnectOptions::new().token("nope")).await;
        vec![format!("{:?} {:?}", good.err(), bad.err())]
    });
    assert_eq!(transcript, ["None Some(\"Authorization Violation\")"]);

    let text = format!(
        "authorization {{\n  users: [\n    {{ nkey: {}, permissions: {{ publish: \"ok.>\" }} }}\n  ]\n}}\n",
        key.public_key()
    );
    let dir = files("config-nkey", &[("nats.conf", &text)]);
    let seed = key.seed().unwrap();
    let transcript = same_on_both(&dir.join("nats.conf"), |url| {
        let seed = seed.clone();
        async move {
            let stranger = nkeys::KeyPair::new_user().seed().unwrap();
            let refused = connect(&url, natskit::ConnectOptions::new().nkey(stranger)).await;
            let client = connect(&url, natskit::ConnectOptions::new().nkey(seed.clone()))
                .await
                .unwrap();
            let observer = connect(&url, natskit::ConnectOptions::new().nkey(seed))
                .await
                .unwrap();
            vec![
                format!("stranger: {:?}", refused.err()),
                format!("pub ok.1: {}", publish(&client, &observer, "ok.1").await),
                format!("pub no: {}", publish(&client, &observer, "no").await),
            ]
        }
    });
    assert_eq!(
        transcript,
        [
            "stranger: Some(\"Authorization Violation\")",
            "pub ok.1: delivered",
            "pub no: Permissions Violation for Publish to \"no\"",
        ]
    );
}

#[test]
fn no_auth_user_takes_clients_without_credentials() {
    let dir = files(
        "config-no-auth-user",
        &[(
            "nats.conf",
            "authorization {\n  users: [\n    {user: admin, password: s3cret}\n    {user: guest, password: unused, permissions: {publish: \"public.>\", subscribe: \"public.>\"}}\n  ]\n}\nno_auth_user: guest\n",
        )],
    );
    let transcript = same_on_both(&dir.join("nats.conf"), |url| async move {
        let wrong = connect(&url, user("admin", "wrong")).await;
        let admin = connect(&url, user("admin", "s3cret")).await.unwrap();
        let guest = connect(&url, natskit::ConnectOptions::new()).await.unwrap();
        vec![
            format!("admin/wrong: {:?}", wrong.err()),
            format!(
                "guest pub public.x: {}",
                publish(&guest, &admin, "public.x").await
            ),
            format!(
                "guest pub private.x: {}",
                publish(&guest, &admin, "private.x").await
            ),
            format!(
                "guest sub private.y: {}",
                subscribe(&guest, &admin, "private.y").await
            ),
        ]
    });
    assert_eq!(
        transcript,
        [
            "admin/wrong: Some(\"Authorization Violation\")",
            "guest pub public.x: delivered",
            "guest pub private.x: Permissions Violation for Publish to \"private.x\"",
            "guest sub private.y: Permissions Violation for Subscription to \"private.y\"",
        ]
    );
}

#[test]
fn a_websocket_block_with_a_token() {
    // One port written in the file, used by nats-server and then by the broker.
    let port = natskit_test::port::free_port().expect("a free port");
    let text = format!(
        "authorization {{ token: t0k3n }}\nwebsocket {{\n  host: 127.0.0.1\n  port: {port}\n  no_tls: true\n  compression: true\n}}\n"
    );
    let dir = files("config-websocket", &[("nats.conf", &text)]);
    let ws = format!("ws://127.0.0.1:{port}");
    let transcript = same_on_both_reusing(&dir.join("nats.conf"), Some(port), |_| {
        let ws = ws.clone();
        async move {
            let anonymous = connect(&ws, natskit::ConnectOptions::new()).await;
            let client = connect(&ws, natskit::ConnectOptions::new().token("t0k3n"))
                .await
                .unwrap();
            let observer = connect(&ws, natskit::ConnectOptions::new().token("t0k3n"))
                .await
                .unwrap();
            vec![
                format!("anonymous: {:?}", anonymous.err()),
                format!(
                    "pub over ws: {}",
                    publish(&client, &observer, "over.ws").await
                ),
            ]
        }
    });
    assert_eq!(
        transcript,
        [
            "anonymous: Some(\"Authorization Violation\")",
            "pub over ws: delivered"
        ]
    );
}

#[test]
fn tls_with_client_certificates() {
    let pki = natskit_test::pki::Pki::new();
    let text = format!(
        "# TLS, from nats-server's documentation\n{}",
        pki.tls_block(&pki.server, true)
    );
    let path = pki.write("nats.conf", &text);
    let ca = pki.ca.clone();
    let client = pki.client.clone();
    let transcript = same_on_both(&path, |url| {
        let (ca, client) = (ca.clone(), client.clone());
        async move {
            let with_cert = connect(
                &url,
                natskit::ConnectOptions::new()
                    .add_root_certificate(&ca)
                    .client_certificate(&client.cert, &client.key),
            )
            .await;
            let info = with_cert
                .as_ref()
                .map(|c| (c.server_info().tls_required, c.server_info().tls_verify));
            let without = connect(
                &url,
                natskit::ConnectOptions::new().add_root_certificate(&ca),
            )
            .await;
            vec![
                format!("{info:?}"),
                format!("without a certificate: {:?}", without.err()),
            ]
        }
    });
    assert_eq!(
        transcript,
        [
            "Ok((true, true))",
            "without a certificate: Some(\"refused\")"
        ]
    );
}

#[test]
fn bad_files_and_missing_features_are_clear_errors() {
    let dir = files(
        "config-bad",
        &[
            (
                "syntax.conf",
                "port: 4222\nauthorization {\n  user: a\n  password: [1 2]\n}\n",
            ),
            ("unknown.conf", "port: 4222\ncolour: blue\n"),
            ("cluster.conf", "port: 4222\ncluster {\n  port: 6222\n}\n"),
            (
                "no_auth_user.conf",
                "authorization { users: [ {user: a, password: p} ] }\nno_auth_user: g\n",
            ),
        ],
    );
    for (file, message) in [
        ("syntax.conf", "syntax.conf:4:16: expected ',' or ']' after the array item, found '2'"),
        ("unknown.conf", "unknown.conf:2:1: unknown field \"colour\""),
        ("cluster.conf", "cluster.conf:2:1: cluster: natskit server is a single broker and has no clustering (cluster)"),
        ("no_auth_user.conf", "no_auth_user.conf:2:15: no_auth_user: \"g\" not present as user or nkey in authorization block"),
    ] {
        let path = dir.join(file);
        let output = natskit_bare(&["server", "-c", path.to_str().unwrap(), "-p", "0"])
            .output()
            .unwrap();
        assert!(!output.status.success(), "{file}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{file}: {stderr}");
        // nats-server refuses them too, but for the cluster, which it would serve.
        if file != "cluster.conf" {
            assert!(
                NatsServer::builder()
                    .binary(natskit_test::binary::newer_nats_server().unwrap())
                    .with_args(["-c", path.to_str().unwrap()])
                    .start()
                    .is_err(),
                "nats-server refuses {file}"
            );
        }
    }
    let missing = natskit_bare(&["server", "-c", "/no/such/nats.conf"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&missing.stderr)
        .contains("cannot read configuration file /no/such/nats.conf"));
}

#[test]
fn flags_given_override_the_file() {
    let dir = files(
        "config-flags",
        &[(
            "nats.conf",
            "port: 1\nmax_payload: 1KB\nauthorization { token: from_file }\n",
        )],
    );
    let path = dir.join("nats.conf");
    // -p 0 overrides port 1 (which could not be bound); --token overrides the file's.
    let broker = Running::start_bare(
        &[
            "server",
            "-c",
            path.to_str().unwrap(),
            "-p",
            "0",
            "--token",
            "from_flag",
            "--max-payload",
            "2048",
        ],
        "Serving on ",
    );
    let url = broker
        .stderr_seen()
        .iter()
        .find_map(|l| l.split_whitespace().find(|w| w.starts_with("nats://")))
        .unwrap()
        .trim_end_matches(';')
        .to_owned();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = connect(&url, natskit::ConnectOptions::new().token("from_flag"))
            .await
            .unwrap();
        assert_eq!(client.server_info().max_payload, 2048);
        let old = connect(&url, natskit::ConnectOptions::new().token("from_file")).await;
        assert_eq!(old.err().as_deref(), Some("Authorization Violation"));
    });
    broker.terminate();
    assert!(broker.finish().status.success());
}
