//! The back end of the `it` binary: real nats-server processes started by natskit-test.

use natskit_test::NatsServer;

use crate::support::Setup;

/// The server the tests run against.
pub type TestServer = NatsServer;

/// A fresh nats-server on a free loopback port.
pub fn server() -> TestServer {
    NatsServer::start().expect("start nats-server")
}

/// A fresh nats-server set up for `setup`.
pub fn server_with(setup: Setup) -> TestServer {
    builder(setup).start().expect("start nats-server")
}

/// A fresh nats-server on `port` (one a stopped server just left), set up for `setup`.
pub fn server_on_port(port: u16, setup: Setup) -> TestServer {
    builder(setup)
        .port(port)
        .start()
        .expect("start nats-server")
}

fn builder(setup: Setup) -> natskit_test::NatsServerBuilder {
    let builder = NatsServer::builder();
    match setup {
        Setup::MaxPayload(n) => builder.with_config(format!("max_payload: {n}\n")),
        Setup::User(user, pass) => builder.with_config(format!(
            "authorization {{ user: {user}, password: {pass} }}\n"
        )),
        Setup::Token(token) => builder.with_config(format!("authorization {{ token: {token} }}\n")),
        Setup::Monitoring => builder.monitoring(),
        Setup::NKeyUser(public_key) => builder.with_config(format!(
            "authorization {{ users: [ {{ nkey: {public_key} }} ] }}\n"
        )),
        Setup::Tls(tls) => {
            assert!(
                !tls.handshake_first,
                "nats-server 2.9 has no handshake_first"
            );
            let verify = match &tls.client_ca {
                Some(ca) => format!("  ca_file: {ca:?}\n  verify: true\n"),
                None => String::new(),
            };
            builder.with_config(format!(
                "tls {{\n  cert_file: {:?}\n  key_file: {:?}\n{verify}  timeout: 5\n}}\n",
                tls.cert.cert, tls.cert.key
            ))
        }
    }
}

/// A nats-server 2.10.26 with a WebSocket listener set up as `ws` says (see
/// `TestServer::ws_url`); its TCP port stays open as well.
pub fn ws_server(ws: crate::websocket::WsSetup) -> TestServer {
    let mut builder = NatsServer::builder()
        .binary(natskit_test::binary::newer_nats_server().expect("nats-server 2.10"));
    let mut config = String::new();
    if let Some(max_payload) = ws.max_payload {
        config.push_str(&format!("max_payload: {max_payload}\n"));
    }
    if let Some(token) = &ws.token {
        config.push_str(&format!("authorization {{ token: {token:?} }}\n"));
    }
    if !config.is_empty() {
        builder = builder.with_config(config);
    }
    if ws.monitoring {
        builder = builder.monitoring();
    }
    builder = match ws.tls {
        None => builder.websocket(),
        Some(tls) => {
            let verify = match &tls.client_ca {
                Some(ca) => format!("  ca_file: {ca:?}\n  verify: true\n"),
                None => String::new(),
            };
            builder.websocket_tls(format!(
                "tls {{\n  cert_file: {:?}\n  key_file: {:?}\n{verify}  timeout: 5\n}}",
                tls.cert.cert, tls.cert.key
            ))
        }
    };
    builder
        .start()
        .expect("start nats-server with a WebSocket listener")
}
