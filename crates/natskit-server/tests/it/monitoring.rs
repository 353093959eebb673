//! /varz, /connz and /subsz with nats-server's field names.

use std::io::{Read, Write};

use natskit_server::Server;

use crate::support::*;

/// The whole answer to `GET path`.
fn raw_get(server: &Server, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(server.http_addr().unwrap()).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

fn get(server: &Server, path: &str) -> (String, serde_json::Value) {
    let response = raw_get(server, path);
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (
        head.lines().next().unwrap().to_owned(),
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn varz_connz_and_subsz_report_live_figures() {
    let server = broker_with(
        Server::builder()
            .http_port(crate::support::fresh_port())
            .name("mon"),
    )
    .await;
    let client = natskit::ConnectOptions::new()
        .name("watcher")
        .connect(&server.client_url())
        .await
        .unwrap();
    let _a = client.subscribe("a").await.unwrap();
    let _b = client.subscribe("b.*").await.unwrap();
    client.publish("a", "12345").await.unwrap();
    client.flush().await.unwrap();
    // Monitoring runs on the blocking pool: its reads do not hold up the runtime.
    let (status, varz, connz, subsz, missing, root) = tokio::task::spawn_blocking(move || {
        let (status, varz) = get(&server, "/varz");
        let (_, connz) = get(&server, "/connz?subs=1");
        let (_, subsz) = get(&server, "/subsz");
        let (missing, _) = get(&server, "/nope");
        let root = raw_get(&server, "/");
        (status, varz, connz, subsz, missing, root)
    })
    .await
    .unwrap();
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(missing, "HTTP/1.1 404 Not Found");
    // The root is a page linking the endpoints, as nats-server's.
    assert!(root.starts_with("HTTP/1.1 200 OK\r\n"), "{root}");
    assert!(root.contains("Content-Type: text/html"), "{root}");
    assert!(root.contains("href=\"varz\""), "{root}");
    assert_eq!(varz["server_name"], "mon");
    assert_eq!(varz["connections"], 1);
    assert_eq!(varz["subscriptions"], 2);
    assert_eq!(varz["in_msgs"], 1);
    assert_eq!(varz["in_bytes"], 5);
    assert_eq!(varz["out_msgs"], 1);
    assert_eq!(varz["max_payload"], 1024 * 1024);
    assert_eq!(varz["ping_interval"], 120_000_000_000u64);
    assert!(varz["start"].as_str().unwrap().ends_with('Z'));
    assert_eq!(connz["num_connections"], 1);
    let conn = &connz["connections"][0];
    assert_eq!(conn["name"], "watcher");
    assert_eq!(conn["lang"], "rust");
    assert_eq!(conn["subscriptions"], 2);
    let mut subs: Vec<&str> = conn["subscriptions_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    subs.sort_unstable();
    assert_eq!(subs, ["a", "b.*"]);
    assert_eq!(subsz["num_subscriptions"], 2);
}
