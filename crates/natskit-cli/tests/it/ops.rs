//! The operations commands through the binary: `server ping | info | list | check connection`,
//! `rtt`, `events` and `latency`, against nats-server 2.10 with a system account, and the
//! monitoring-port fallback against nats-server and the embedded broker.

use natskit_test::NatsServer;

use crate::support::*;

/// nats-server 2.10 named `n1`, with a system account (user sys) and an application account
/// (user app), and its monitoring port.
fn sys_server() -> NatsServer {
    NatsServer::builder()
        .binary(natskit_test::binary::newer_nats_server().expect("nats-server 2.10 (make deps)"))
        .with_config(
            "server_name: n1\n\
             accounts {\n\
               SYS { users [ {user: sys, password: sys} ] }\n\
               APP { users [ {user: app, password: app} ] }\n\
             }\n\
             system_account: SYS\n",
        )
        .monitoring()
        .start()
        .expect("start nats-server")
}

const SYS: [&str; 4] = ["--user", "sys", "--password", "sys"];
const APP: [&str; 4] = ["--user", "app", "--password", "app"];

fn with<'a>(args: &[&'a str], creds: [&'a str; 4]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    all.extend(creds);
    all
}

fn monitor_url(server: &NatsServer) -> String {
    format!(
        "http://127.0.0.1:{}",
        server.monitor_port().expect("monitoring port")
    )
}

#[test]
fn server_ping_names_each_server_with_its_time() {
    let server = sys_server();
    let out = ok(&server, &with(&["server", "ping"], SYS));
    let first = out.lines().next().unwrap();
    assert!(first.starts_with("n1  rtt "), "{out}");
    assert!(out.contains("\n1 server answered; rtt min "), "{out}");
    // Asking for more servers than there are waits out --timeout and says so.
    let error = failure(
        &server,
        &with(&["server", "ping", "2", "--timeout", "300ms"], SYS),
    );
    assert_eq!(
        error,
        "error: 2 servers were expected, 1 answered within 300.00ms"
    );
}

#[test]
fn server_list_and_info_show_the_figures_of_the_system_account() {
    let server = sys_server();
    let out = ok(&server, &with(&["server", "list"], SYS));
    let mut lines = out.lines();
    assert!(lines.next().unwrap().starts_with("Name  Host"), "{out}");
    let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(&row[..4], ["n1", "127.0.0.1", "2.10.26", "no"], "{out}");
    assert!(out.contains("\n1 server, 1 connections, "), "{out}");

    let doc: serde_json::Value =
        serde_json::from_str(&ok(&server, &with(&["server", "ls", "--json"], SYS))).unwrap();
    assert_eq!(doc[0]["name"], "n1");
    assert_eq!(doc[0]["connections"], 1);

    let info = ok(&server, &with(&["server", "info", "n1"], SYS));
    assert!(info.starts_with("Server n1 (N"), "{info}");
    assert!(info.contains("\n  Version            2.10.26\n"), "{info}");
    assert!(info.contains("\n  Auth required      yes\n"), "{info}");
    let error = failure(
        &server,
        &with(&["server", "info", "nobody", "--timeout", "300ms"], SYS),
    );
    assert!(
        error.ends_with("(or no server is named \"nobody\")"),
        "{error}"
    );
}

#[test]
fn without_the_system_account_each_command_says_what_to_do() {
    let server = sys_server();
    for args in [
        vec!["server", "ping"],
        vec!["server", "list"],
        vec!["server", "info"],
        vec!["events"],
    ] {
        let error = failure(&server, &with(&args, APP));
        assert!(
            error.contains("(no responders): connect as a user of the system account"),
            "{args:?}: {error}"
        );
        assert!(error.contains("--monitor http://HOST:8222"), "{error}");
    }
}

#[test]
fn a_user_denied_the_system_subjects_is_told_so() {
    let server = NatsServer::builder()
        .binary(natskit_test::binary::newer_nats_server().unwrap())
        .with_config(
            "accounts { SYS { users [ {user: sys, password: sys, permissions: { publish: { deny: [\"$SYS.REQ.>\"] } } } ] } }\n\
             system_account: SYS\n",
        )
        .start()
        .unwrap();
    let error = failure(&server, &with(&["server", "ping", "--timeout", "2s"], SYS));
    assert!(error.contains("Permissions Violation"), "{error}");
    assert!(
        error.contains("connect as a user of the system account"),
        "{error}"
    );
}

#[test]
fn monitor_urls_read_varz_of_nats_server_and_of_the_embedded_broker() {
    let server = sys_server();
    let url = monitor_url(&server);
    let info = ok(&server, &["server", "info", "--monitor", &url]);
    assert!(info.starts_with("Server n1 (N"), "{info}");
    assert!(info.contains("\n  Version            2.10.26\n"), "{info}");

    let port = natskit_test::port::free_port().unwrap().to_string();
    let broker = Running::start_bare(&["server", "-p", "0", "-m", &port], "Serving on");
    let embedded = format!("http://127.0.0.1:{port}");
    let out = stdout_of(
        &natskit_bare(&["server", "info", "--monitor", &embedded])
            .output()
            .unwrap(),
    );
    // The embedded broker's name is its id when it is given none.
    assert!(out.starts_with("Server "), "{out}");
    assert!(!out.contains(" (N"), "{out}");
    assert!(out.contains("\n  Connections        0\n"), "{out}");
    let list = stdout_of(
        &natskit_bare(&["server", "list", "--monitor", &url, "--monitor", &embedded])
            .output()
            .unwrap(),
    );
    assert!(list.contains("\nn1 "), "{list}");
    assert!(list.contains("\n2 servers, "), "{list}");
    let ping = stdout_of(
        &natskit_bare(&["server", "ping", "--monitor", &embedded])
            .output()
            .unwrap(),
    );
    assert!(ping.lines().next().unwrap().contains("  rtt "), "{ping}");
    broker.terminate();
    let _ = broker.finish();

    // A URL that is not http:// and a port where nothing listens are errors in words.
    let error = one_error_line(
        &natskit_bare(&["server", "info", "--monitor", "127.0.0.1:8222"])
            .assert()
            .code(1)
            .get_output()
            .clone(),
    );
    assert!(error.contains("give an http:// URL"), "{error}");
    let closed = format!(
        "http://127.0.0.1:{}",
        natskit_test::port::free_port().unwrap()
    );
    let error = one_error_line(
        &natskit_bare(&["server", "info", "--monitor", &closed])
            .assert()
            .code(1)
            .get_output()
            .clone(),
    );
    assert!(
        error.starts_with(&format!("error: {closed}/varz: ")),
        "{error}"
    );
}

#[test]
fn check_connection_prints_a_nagios_line_and_its_status() {
    let server = sys_server();
    let out = ok(&server, &with(&["server", "check", "connection"], APP));
    assert!(out.starts_with("OK Connection OK:connected in "), "{out}");
    assert!(out.contains(" | connect_time="), "{out}");
    assert!(out.contains(" request_time="), "{out}");
    // A limit no round trip can meet is critical, status 2.
    let out = natskit(
        &server,
        &with(
            &[
                "server",
                "check",
                "conn",
                "--rtt-warn",
                "1ns",
                "--rtt-critical",
                "1ns",
            ],
            APP,
        ),
    )
    .assert()
    .code(2);
    let text = stdout_of(out.get_output());
    assert!(
        text.starts_with("CRITICAL Connection OK:connected in "),
        "{text}"
    );
    assert!(text.contains(" CRIT:rtt "), "{text}");
    // No server at all is critical too, on standard output, not an `error:` line.
    let closed = format!(
        "nats://127.0.0.1:{}",
        natskit_test::port::free_port().unwrap()
    );
    let out = natskit_bare(&["server", "check", "connection", "-s", &closed])
        .assert()
        .code(2);
    let text = stdout_of(out.get_output());
    assert!(
        text.starts_with("CRITICAL Connection could not connect to 127.0.0.1:"),
        "{text}"
    );
}

#[test]
fn rtt_averages_round_trips_to_each_server() {
    let server = sys_server();
    let out = ok(&server, &with(&["rtt", "3"], APP));
    let url = server.url();
    assert!(out.starts_with(&format!("{url}:\n\n  {url}: ")), "{out}");
    let doc: serde_json::Value =
        serde_json::from_str(&ok(&server, &with(&["rtt", "--json"], APP))).unwrap();
    assert!(doc[0]["results"][0]["rtt"].as_f64().unwrap() > 0.0, "{doc}");
    let closed = format!(
        "nats://127.0.0.1:{}",
        natskit_test::port::free_port().unwrap()
    );
    let out = natskit_bare(&["rtt", "-s", &closed]).assert().code(1);
    assert!(stdout_of(out.get_output()).contains(": failed: could not connect"));
    assert_eq!(
        one_error_line(out.get_output()),
        "error: no server could be reached"
    );
}

#[test]
fn events_prints_connects_and_disconnects_of_other_accounts() {
    let server = sys_server();
    let events = Running::start(
        &server,
        &with(&["events", "--count", "2"], SYS),
        "Listening for client advisories",
    );
    ok(
        &server,
        &with(&["pub", "ev.x", "hello", "--name", "visitor"], APP),
    );
    let finished = events.finish();
    assert!(finished.status.success(), "{finished:?}");
    let lines: Vec<&str> = finished.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{finished:?}");
    assert!(lines[0].contains("] connect    client "), "{}", lines[0]);
    assert!(
        lines[0].contains(" name \"visitor\" user \"app\" account \"APP\""),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains("] disconnect client "), "{}", lines[1]);
    assert!(
        lines[1].ends_with(": Client Closed; sent 1 msgs (5 B), received 0 msgs (0 B)"),
        "{}",
        lines[1]
    );
}

#[test]
fn latency_measures_every_message_and_writes_the_histogram() {
    let server = sys_server();
    let file = scratch("latency").join("histogram.txt");
    let out = ok(
        &server,
        &with(
            &[
                "latency",
                "--rate",
                "500",
                "--duration",
                "200ms",
                "--size",
                "16",
                "--histogram",
                file.to_str().unwrap(),
            ],
            APP,
        ),
    );
    assert!(out.contains("\nSent:            100 msgs at "), "{out}");
    assert!(out.contains("\nReceived:        100 msgs, "), "{out}");
    assert!(out.contains("\n        50  "), "{out}");
    let table = std::fs::read_to_string(&file).unwrap();
    assert!(
        table.starts_with("Percentile  Latency\n       min  "),
        "{table}"
    );
    let error = natskit(&server, &["latency", "--size", "4"])
        .assert()
        .code(2);
    assert!(one_error_line(error.get_output()).contains("must be at least 8"));
}
