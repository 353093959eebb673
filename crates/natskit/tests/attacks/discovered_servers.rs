//! A server (or a cluster) announcing tens of thousands of `connect_urls`, again with every
//! INFO: the pool takes them in linear time, and the connection does not freeze.

use std::time::{Duration, Instant};

use natskit::ConnectOptions;
use natskit_test::{ScriptedServer, Step};

const URLS: usize = 60_000;

/// An INFO line announcing `URLS` servers whose names start with `prefix`.
fn info_with_urls(prefix: &str) -> String {
    let urls: Vec<String> = (0..URLS).map(|i| format!("{prefix}{i}:4222")).collect();
    format!(
        "INFO {}\r\n",
        serde_json::json!({
            "server_id": "many",
            "version": "2.10.0",
            "proto": 1,
            "headers": true,
            "max_payload": 1048576,
            "connect_urls": urls,
        })
    )
}

#[tokio::test]
async fn sixty_thousand_discovered_urls_cost_under_a_second_at_connect_and_at_each_info() {
    let first = info_with_urls("a");
    let second = info_with_urls("b");
    let server = ScriptedServer::builder()
        .connection([
            Step::send(&first),
            Step::expect_line("CONNECT "),
            Step::expect_line("PING"),
            Step::send("PONG\r\n"),
            // Another INFO, replacing every discovered server; then the flush's PING.
            Step::send(&second),
            Step::expect_line("PING"),
            Step::send("PONG\r\n"),
            Step::Hang,
        ])
        .step_timeout(Duration::from_secs(20))
        .start()
        .unwrap();
    let started = Instant::now();
    let client = ConnectOptions::new().connect(&server.url()).await.unwrap();
    let connect = started.elapsed();
    let started = Instant::now();
    client.flush().await.unwrap();
    let next_info = started.elapsed();
    eprintln!("{URLS} connect_urls: connect {connect:?}, a second INFO and a flush {next_info:?}");
    let servers = client.servers();
    assert_eq!(
        servers.len(),
        URLS + 1,
        "the configured server and the second INFO's"
    );
    assert!(servers.iter().any(|s| s.contains("b59999:4222")));
    assert!(
        !servers.iter().any(|s| s.contains("a0:4222")),
        "the first INFO's are forgotten"
    );
    assert!(connect < Duration::from_secs(1), "connect took {connect:?}");
    assert!(
        next_info < Duration::from_secs(1),
        "the second INFO took {next_info:?}"
    );
}
