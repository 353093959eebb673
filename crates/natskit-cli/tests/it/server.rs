//! `natskit server`: the embedded broker as a command, used by the other commands.

use crate::support::*;

/// Starts `natskit server -p 0 <extra>` and returns it with its client URL.
fn start_broker(extra: &[&str]) -> (Running, String) {
    let mut args = vec!["server", "-p", "0"];
    args.extend_from_slice(extra);
    let broker = Running::start_bare(&args, "Serving on ");
    let line = broker
        .stderr_seen()
        .iter()
        .find(|l| l.contains("Serving on "))
        .expect("ready line")
        .clone();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("nats://"))
        .expect("a URL on the ready line")
        .trim_end_matches(';')
        .to_owned();
    (broker, url)
}

/// `--tls-cert` and `--tls-key` with the test PKI's server certificate and key.
fn tls_flags(pki: &natskit_test::pki::Pki) -> [&str; 4] {
    [
        "--tls-cert",
        pki.server.cert.to_str().expect("a UTF-8 path"),
        "--tls-key",
        pki.server.key.to_str().expect("a UTF-8 path"),
    ]
}

/// Runs `clients` to its end on a runtime of its own, then stops `broker`.
fn run_then_stop(broker: Running, clients: impl std::future::Future<Output = ()>) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(clients);
    stop(broker);
}

/// Stops `broker` with SIGTERM and checks it ended well.
fn stop(broker: Running) {
    broker.terminate();
    assert!(broker.finish().status.success());
}

#[test]
fn the_other_commands_work_against_it_and_sigterm_stops_it_gracefully() {
    let (broker, url) = start_broker(&["-D"]);
    let sub = Running::start_bare(
        &["sub", "demo.>", "--count", "1", "--server", &url],
        "Subscribing on",
    );
    natskit_bare(&[
        "pub",
        "demo.hello",
        "from the embedded broker",
        "--server",
        &url,
    ])
    .assert()
    .success();
    let received = sub.finish();
    assert!(received.status.success());
    assert!(
        received.stdout.contains("from the embedded broker"),
        "{:?}",
        received.stdout
    );
    broker.terminate();
    let done = broker.finish();
    assert!(done.status.success(), "{done:?}");
    assert_eq!(
        done.stdout.trim(),
        url,
        "the client URL is printed on stdout"
    );
    assert!(done.stderr.contains("Shutting down"), "{}", done.stderr);
    assert!(
        done.stderr.contains("[DBG] ") && done.stderr.contains(" - Client connection created"),
        "with -D, connects are logged as nats-server logs them: {}",
        done.stderr
    );
}

#[test]
fn a_token_is_required_when_given() {
    let (broker, url) = start_broker(&["--token", "s3cret"]);
    let output = natskit_bare(&["pub", "x", "y", "--server", &url])
        .assert()
        .failure()
        .get_output()
        .clone();
    assert!(one_error_line(&output).contains("Authorization Violation"));
    let with_token = url.replacen("nats://", "nats://s3cret@", 1);
    natskit_bare(&["pub", "x", "y", "--server", &with_token])
        .assert()
        .success();
    stop(broker);
}

#[test]
fn a_taken_port_is_one_clear_error() {
    let (broker, url) = start_broker(&[]);
    let port = url.rsplit(':').next().unwrap().to_owned();
    let output = natskit_bare(&["server", "-p", &port])
        .assert()
        .failure()
        .get_output()
        .clone();
    let line = one_error_line(&output);
    assert!(
        line.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{line}"
    );
    stop(broker);
}

#[test]
fn tls_and_nkey_flags_secure_the_broker() {
    let pki = natskit_test::pki::Pki::new();
    let user = nkeys::KeyPair::new_user();
    let public_key = user.public_key();
    let (broker, url) = start_broker(&[&tls_flags(&pki)[..], &["--nkey", &public_key]].concat());
    run_then_stop(broker, async {
        let seed = user.seed().unwrap();
        let client = natskit::ConnectOptions::new()
            .add_root_certificate(&pki.ca)
            .nkey(seed.clone())
            .connect(&url)
            .await
            .expect("TLS with the test CA and the NKey user");
        assert!(client.server_info().tls_required);
        client.flush().await.unwrap();
        client.close().await.unwrap();
        let untrusted = natskit::ConnectOptions::new()
            .nkey(seed)
            .reconnect(false)
            .connect(&url)
            .await
            .unwrap_err();
        assert!(
            matches!(untrusted, natskit::ConnectError::CertificateRejected { .. }),
            "{untrusted:?}"
        );
        let stranger = natskit::ConnectOptions::new()
            .add_root_certificate(&pki.ca)
            .nkey(nkeys::KeyPair::new_user().seed().unwrap())
            .reconnect(false)
            .connect(&url)
            .await
            .unwrap_err();
        assert!(
            stranger.to_string().contains("Authorization Violation"),
            "{stranger}"
        );
    });
}

#[test]
fn tls_flags_come_in_pairs() {
    let output = natskit_bare(&["server", "-p", "0", "--tls-cert", "x.pem"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("--tls-key"));
}

/// Waits for the client's next server error (`-ERR`), bounded.
async fn next_server_error(events: &mut natskit::Events) -> String {
    tokio::time::timeout(PATIENCE, async {
        loop {
            match futures_util::StreamExt::next(events).await {
                Some(natskit::Event::ServerError(text)) => return text,
                Some(_) => {}
                None => panic!("events ended"),
            }
        }
    })
    .await
    .expect("a server error in time")
}

#[test]
fn permission_flags_limit_what_the_user_may_publish_and_subscribe() {
    let (broker, url) = start_broker(&[
        "--user",
        "alice",
        "--pass",
        "s3cret",
        "--allow-pub",
        "orders.>",
        "--deny-pub",
        "orders.secret",
        "--deny-sub",
        "audit.>",
    ]);
    run_then_stop(broker, async {
        let client = natskit::ConnectOptions::new()
            .user_and_password("alice", "s3cret")
            .connect(&url)
            .await
            .unwrap();
        let mut events = client.events();
        let mut orders = client.subscribe("orders.*").await.unwrap();
        client.publish("orders.new", "ok").await.unwrap();
        let msg = tokio::time::timeout(PATIENCE, futures_util::StreamExt::next(&mut orders))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(&msg.payload[..], b"ok");

        client.publish("billing", "no").await.unwrap();
        assert_eq!(
            next_server_error(&mut events).await,
            "Permissions Violation for Publish to \"billing\""
        );
        client.publish("orders.secret", "no").await.unwrap();
        assert_eq!(
            next_server_error(&mut events).await,
            "Permissions Violation for Publish to \"orders.secret\""
        );
        let _audit = client.subscribe("audit.log").await.unwrap();
        assert_eq!(
            next_server_error(&mut events).await,
            "Permissions Violation for Subscription to \"audit.log\""
        );
        client.close().await.unwrap();
    });
}

#[test]
fn permission_flags_need_a_user() {
    let output = natskit_bare(&["server", "-p", "0", "--allow-pub", "a"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
}

#[test]
fn tls_first_flag_serves_the_handshake_before_info() {
    let pki = natskit_test::pki::Pki::new();
    let (broker, url) = start_broker(&[&tls_flags(&pki)[..], &["--tls-first"]].concat());
    run_then_stop(broker, async {
        let client = natskit::ConnectOptions::new()
            .add_root_certificate(&pki.ca)
            .tls_first()
            .connect(&url)
            .await
            .expect("a tls_first client");
        client.flush().await.unwrap();
        client.close().await.unwrap();
        let plain_first = natskit::ConnectOptions::new()
            .add_root_certificate(&pki.ca)
            .connection_timeout(std::time::Duration::from_millis(300))
            .reconnect(false)
            .connect(&url)
            .await
            .unwrap_err();
        assert!(
            matches!(plain_first, natskit::ConnectError::TimedOut { .. }),
            "{plain_first:?}"
        );
    });
}

#[test]
fn a_closed_standard_output_does_not_stop_the_broker() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(BIN)
        .args(["server", "-p", "0"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn natskit server");
    // Nobody reads the URL the broker prints.
    drop(child.stdout.take());
    let mut stderr = std::io::BufReader::new(child.stderr.take().expect("piped stderr"));
    let mut serving = None;
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap_or(0) > 0 {
        if line.contains("Serving on ") {
            serving = Some(line.clone());
            break;
        }
        line.clear();
    }
    let serving = serving.expect("the broker serves");
    let url = serving
        .split_whitespace()
        .find(|w| w.starts_with("nats://"))
        .expect("a URL")
        .trim_end_matches(';')
        .to_owned();
    natskit_bare(&["pub", "still.here", "x", "--server", &url])
        .assert()
        .success();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let output = wait_bounded(child);
    assert!(output.status.success(), "{output:?}");
}

#[test]
fn ws_port_serves_websocket_clients_and_needs_tls_or_ws_no_tls() {
    use std::io::{Read, Write};
    let (broker, _url) = start_broker(&["--ws-port", "0", "--ws-no-tls", "--ws-compression"]);
    let line = broker
        .stderr_seen()
        .iter()
        .find(|l| l.contains("WebSocket clients on "))
        .expect("the WebSocket line")
        .clone();
    let addr = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("ws://"))
        .expect("a ws:// URL")
        .to_owned();
    let mut socket = std::net::TcpStream::connect(&addr).unwrap();
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    socket
        .write_all(
            b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        )
        .unwrap();
    let mut seen = Vec::new();
    let mut chunk = [0u8; 4096];
    while !seen.windows(6).any(|w| w == b"INFO {") {
        let n = socket.read(&mut chunk).unwrap();
        assert!(n > 0, "closed: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&chunk[..n]);
    }
    assert!(seen.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
    drop(socket);
    stop(broker);

    // As nats-server: a WebSocket listener serves TLS unless told otherwise.
    let out = natskit_bare(&["server", "-p", "0", "--ws-port", "0"])
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("websocket requires TLS"), "{stderr}");
}
