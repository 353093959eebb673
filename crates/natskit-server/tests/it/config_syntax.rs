//! The configuration parser against nats-server's own: files nats-server 2.10.26 accepts
//! (`nats-server -t -c FILE`) are accepted here, and files it refuses are refused, over the
//! constructs of the format and the settings the broker has.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::support::PATIENCE;

/// Whether nats-server 2.10.26 accepts the file (`-t`: check it and exit).
fn nats_server_accepts(path: &Path) -> bool {
    let binary = natskit_test::binary::newer_nats_server().expect("nats-server 2.10 (make deps)");
    let mut child = Command::new(binary)
        .arg("-t")
        .arg("-c")
        .arg(path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run nats-server -t");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for nats-server") {
            return status.success();
        }
        if start.elapsed() > PATIENCE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("nats-server -t did not end in time");
        }
        std::thread::sleep(std::time::Duration::from_millis(10)); // polling a child's exit
    }
}

/// Files both accept.
const ACCEPTED: &[&str] = &[
    "server_name: a\nport = 4222\nmax_payload 1MB\n",
    "port\n  4222\n",
    "{\n  \"port\": 4222,\n  \"server_name\": \"x\"\n}\n",
    "server_name: 'single'; port: 4222, max_payload: 64KB\n",
    "server_name: \"tab\\t\\x41 quote\\\" back\\\\\"\n",
    "server_name: bare\\x41\n",
    "server_name (\nabc\n  def\n)\nport: 4222\n",
    "X: 4222\nport: $X\n",
    "authorization {\n  USER: a\n  user: $USER\n  password: b\n}\n",
    "# c\n// c\nport: 4222 # c\nserver_name: n // c\n",
    "authorization { users = [\n  {user: a, password: b}\n  {user: c, password: d},\n] }\n",
    "authorization { users: [ {user: a, password: b, permissions: { publish: { allow: [\"x.>\"], deny: \"x.y\" }, subscribe: \"z\" }} ] }\n",
    "server_name: 2s\n",
    "max_payload: 1K\nmax_pending: 64MB\nmax_control_line: 4KiB\n",
    "debug: yes\ntrace: off\nlogtime: false\n",
    "listen: 127.0.0.1:4222\n",
    "listen: 4222\nhttp: 127.0.0.1:8222\n",
    "Port: 4222\nSERVER_NAME: x\n",
    "ping_interval: \"2m\"\nwrite_deadline: \"10s\"\nping_max: 3\nlame_duck_grace_period: \"1s\"\n",
    "authorization { token: t0k3n, timeout: 1.5 }\n",
    "include inc.conf\nport: $FROM_INCLUDE\n",
    "authorization {\n  include inc_auth.conf\n}\n",
    "websocket { port: 8080, no_tls: true, compression: on, same_origin: false }\n",
    "authorization { users: [ {user: g, password: p} ] }\nno_auth_user: g\n",
];

/// Files both refuse.
const REFUSED: &[&str] = &[
    "port: [1 2]\n",
    "server_name: 'open\n",
    "authorization {\n  user: a\n",
    "server_name:\nport: 4222\n",
    "port: $NATSKIT_CONFIG_TEST_UNDEFINED\n",
    "colour: blue\n",
    "port: 4222 x\n",
    "server_name: \"bad \\q\"\n",
    "include missing.conf\n",
    "server_name: 1.5s\n",
    "max_payload: .5\n",
    "authorization { token: t, user: a }\n",
    "authorization { users: [ {password: x} ] }\n",
    "authorization { users: [ {user: a, colour: blue} ] }\n",
    "port: \"4222\"\n",
    "include\n'inc.conf'\n",
    "server_name: 2024-01-02\n",
    "ping_interval: \"soon\"\n",
    "authorization { users: [ {user: a, permissions: { publish: { allow: a, nope: b } } } ] }\n",
];

#[test]
fn the_parser_accepts_and_refuses_what_nats_server_does() {
    let dir = natskit_test::TempDir::new("config-syntax").expect("a temp dir");
    std::fs::write(dir.path().join("inc.conf"), "FROM_INCLUDE: 4222\n").unwrap();
    std::fs::write(dir.path().join("inc_auth.conf"), "token: from_include\n").unwrap();
    let path = dir.path().join("nats.conf");
    let mut disagreements = Vec::new();
    for (text, accepted) in ACCEPTED
        .iter()
        .map(|t| (t, true))
        .chain(REFUSED.iter().map(|t| (t, false)))
    {
        std::fs::write(&path, text).unwrap();
        let reference = nats_server_accepts(&path);
        let ours = natskit_server::config::load(&path);
        if reference != accepted || ours.is_ok() != accepted {
            disagreements.push(format!(
                "{text:?}: meant {accepted}, nats-server {reference}, natskit {:?}",
                ours.map(|_| ()).map_err(|e| e.to_string())
            ));
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}
