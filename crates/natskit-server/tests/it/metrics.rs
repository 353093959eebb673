//! `/metrics` scraped as Prometheus would, and read with a text-format parser nobody here
//! wrote: every family has its HELP and TYPE, and the figures match known traffic.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::time::Instant;

use futures_util::StreamExt;
use natskit_server::Server;
use prometheus_parse::{Scrape, Value};

use crate::support::*;

/// The head and body of `GET /metrics`.
async fn scrape_raw(server: &Server) -> (String, String) {
    let addr = server.http_addr().expect("a monitoring port");
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        write!(stream, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        (head.to_owned(), body.to_owned())
    })
    .await
    .unwrap()
}

/// The parsed page.
async fn scrape(server: &Server) -> Scrape {
    let (_, body) = scrape_raw(server).await;
    Scrape::parse(body.lines().map(|l| Ok(l.to_owned()))).expect("the text format")
}

/// Each sample's value by name, its kind checked against the family's TYPE line.
fn values(scrape: &Scrape) -> HashMap<String, f64> {
    scrape
        .samples
        .iter()
        .map(|s| {
            let value = match (&s.value, s.metric.ends_with("_total")) {
                (Value::Counter(v), true) => *v,
                (Value::Gauge(v), false) => *v,
                (other, _) => panic!("{}: unexpected kind {other:?}", s.metric),
            };
            (s.metric.clone(), value)
        })
        .collect()
}

#[tokio::test]
async fn metrics_are_prometheus_text_with_the_figures_of_known_traffic() {
    let server = broker_with(Server::builder().http_port(fresh_port()).name("prom")).await;
    let (head, _) = scrape_raw(&server).await;
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.contains("Content-Type: text/plain; version=0.0.4"),
        "{head}"
    );

    let reader = natskit::connect(&server.client_url()).await.unwrap();
    let writer = natskit::connect(&server.client_url()).await.unwrap();
    let mut sub = reader.subscribe("metrics.a").await.unwrap();
    reader.flush().await.unwrap();
    for _ in 0..3 {
        writer.publish("metrics.a", "12345").await.unwrap();
    }
    writer.flush().await.unwrap();
    for _ in 0..3 {
        tokio::time::timeout(PATIENCE, sub.next())
            .await
            .expect("a message in time")
            .expect("the subscription open");
    }

    let scraped = scrape(&server).await;
    let names = [
        "connections",
        "connections_total",
        "subscriptions",
        "in_messages_total",
        "in_bytes_total",
        "out_messages_total",
        "out_bytes_total",
        "slow_consumers_total",
        "uptime_seconds",
        "info",
    ];
    for name in names {
        let full = format!("natskit_server_{name}");
        assert!(scraped.docs.contains_key(&full), "no HELP for {full}");
    }
    let v = values(&scraped);
    let got = |name: &str| v[&format!("natskit_server_{name}")];
    assert_eq!(got("connections"), 2.0);
    assert_eq!(got("connections_total"), 2.0);
    assert_eq!(got("subscriptions"), 1.0);
    assert_eq!(got("in_messages_total"), 3.0);
    assert_eq!(got("in_bytes_total"), 15.0);
    assert_eq!(got("out_messages_total"), 3.0);
    assert_eq!(got("out_bytes_total"), 15.0);
    assert_eq!(got("slow_consumers_total"), 0.0);
    assert_eq!(got("info"), 1.0);
    let info = scraped
        .samples
        .iter()
        .find(|s| s.metric == "natskit_server_info")
        .unwrap();
    assert_eq!(info.labels.get("server_name"), Some("prom"));
    assert_eq!(info.labels.get("server_id"), Some(server.id()));

    // A client leaving lowers the gauge and leaves the total alone. The broker notices the
    // close on its own time, so the page is read again until it shows (bounded).
    writer.close().await.unwrap();
    let deadline = Instant::now() + PATIENCE;
    loop {
        let v = values(&scrape(&server).await);
        if v["natskit_server_connections"] == 1.0 {
            assert_eq!(v["natskit_server_connections_total"], 2.0);
            break;
        }
        assert!(Instant::now() < deadline, "the close never showed: {v:?}");
        tokio::task::yield_now().await;
    }
}
