//! `--server ws://...` and `wss://...`: `natskit pub` and `sub` over nats-server 2.10's
//! WebSocket listener, and a WebSocket URL that reaches no WebSocket listener.

use natskit_test::pki::Pki;
use natskit_test::NatsServer;

use crate::support::{natskit_bare, one_error_line, Running};

fn ws_server(builder: natskit_test::NatsServerBuilder) -> NatsServer {
    builder
        .binary(natskit_test::binary::newer_nats_server().expect("nats-server 2.10: run make deps"))
        .start()
        .expect("start nats-server with a WebSocket listener")
}

/// `natskit sub` and `natskit pub` with `extra` flags, both given `--server url`.
fn pub_to_sub(url: &str, extra: &[&str]) -> String {
    let mut sub_args = vec!["sub", "ws.greet", "--count", "1", "--server", url];
    sub_args.extend(extra);
    let sub = Running::start_bare(&sub_args, "Subscribing on");
    let mut pub_args = vec!["pub", "ws.greet", "hello over ws", "--server", url];
    pub_args.extend(extra);
    natskit_bare(&pub_args).assert().success();
    let done = sub.finish();
    assert!(done.status.success(), "{done:?}");
    done.stdout
}

#[test]
fn pub_and_sub_over_ws() {
    let server = ws_server(NatsServer::builder().websocket());
    let stdout = pub_to_sub(&server.ws_url().unwrap(), &[]);
    assert_eq!(stdout, "[#1] Received on \"ws.greet\"\nhello over ws\n\n");
}

#[test]
fn pub_and_sub_over_wss_with_tlsca() {
    let pki = Pki::new();
    let server = ws_server(NatsServer::builder().websocket_tls(pki.tls_block(&pki.server, false)));
    let ca = pki.ca.display().to_string();
    let stdout = pub_to_sub(&server.ws_url().unwrap(), &["--tlsca", &ca]);
    assert!(stdout.contains("hello over ws"), "{stdout}");
}

#[test]
fn a_ws_url_on_an_http_port_fails_with_the_status() {
    let server = ws_server(NatsServer::builder().websocket().monitoring());
    let url = format!("ws://127.0.0.1:{}/nats", server.monitor_port().unwrap());
    let out = natskit_bare(&["pub", "x", "y", "--server", &url])
        .assert()
        .code(1);
    let line = one_error_line(out.get_output());
    assert!(
        line.contains("answered the WebSocket upgrade with HTTP 404 Not Found"),
        "{line}"
    );
}
