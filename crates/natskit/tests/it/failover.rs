//! Clusters of nats-server processes: failover to another node, lame duck mode, the server pool
//! following the cluster. nats-server only: the embedded broker is single-node by design.

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use natskit::{Client, Event, RequestError};
use natskit_test::NatsCluster;

use crate::reconnect::quick_reconnects;
use crate::support::{next, wait_for_event, PATIENCE};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_failover_keeps_subscriptions_and_a_service_answering() {
    let mut cluster = NatsCluster::start(3).unwrap();
    // The client is given node 0 only, and learns the others from INFO.
    let client = quick_reconnects().connect(&cluster.url(0)).await.unwrap();
    let mut events = client.events();
    let service = quick_reconnects().connect(&cluster.url(1)).await.unwrap();
    let mut requests = service.queue_subscribe("svc.echo", "echo").await.unwrap();
    service.flush().await.unwrap();
    tokio::spawn(async move {
        while let Some(request) = requests.next().await {
            let payload = request.payload.clone();
            let _ = request.respond(payload).await;
        }
    });
    let mut news = client.subscribe("news").await.unwrap();
    client.flush().await.unwrap();

    // The client learns all three nodes.
    let known = servers_eventually(&client, 3).await;
    assert_eq!(known.len(), 3);
    assert_eq!(ask(&client, "before").await, "before");

    cluster.kill(0).unwrap();
    let Event::Reconnected { server } =
        wait_for_event(&mut events, |e| matches!(e, Event::Reconnected { .. })).await
    else {
        unreachable!()
    };
    assert_ne!(server, cluster.url(0));
    client.flush().await.unwrap();
    // Interest crosses the routes between nodes a moment later: publish until it arrives.
    let received = tokio::time::timeout(PATIENCE, async {
        loop {
            service
                .publish("news", "from the service's node")
                .await
                .unwrap();
            if let Ok(Some(msg)) =
                tokio::time::timeout(Duration::from_millis(100), news.next()).await
            {
                return msg;
            }
        }
    })
    .await
    .expect("the subscription works on the new node");
    assert_eq!(received.payload, "from the service's node");
    assert_eq!(ask(&client, "after").await, "after");
}

/// The client's server list once it has `n` entries.
async fn servers_eventually(client: &Client, n: usize) -> Vec<String> {
    tokio::time::timeout(PATIENCE, async {
        loop {
            let servers = client.servers();
            if servers.len() == n {
                return servers;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{n} servers, have {:?}", client.servers()))
}

/// A request to the echo service, retried while interest is still crossing the routes.
async fn ask(client: &Client, text: &'static str) -> Bytes {
    let request = || natskit::Request::new(text).timeout(Duration::from_millis(500));
    for _ in 0..20 {
        match client.send_request("svc.echo", request()).await {
            Ok(answer) => return answer.payload,
            Err(RequestError::NoResponders { .. } | RequestError::TimedOut { .. }) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("{e}"),
        }
    }
    panic!("the service never answered {text:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lame_duck_mode_moves_the_client_to_another_node_before_eviction() {
    let mut cluster = NatsCluster::start(2).unwrap();
    let client = quick_reconnects().connect(&cluster.url(0)).await.unwrap();
    let mut events = client.events();
    let mut sub = client.subscribe("ldm").await.unwrap();
    tokio::time::timeout(PATIENCE, async {
        while client.servers().len() < 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the client learns the second node");
    let pid = cluster.node(0).pid().unwrap();
    // What `nats-server --signal ldm=<pid>` sends.
    let status = std::process::Command::new("kill")
        .args(["-USR2", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    wait_for_event(&mut events, |e| *e == Event::LameDuckMode).await;
    let Event::Reconnected { server } =
        wait_for_event(&mut events, |e| matches!(e, Event::Reconnected { .. })).await
    else {
        unreachable!()
    };
    assert_eq!(server, cluster.url(1));
    // nats-server waits 10 s before it starts evicting; the client left long before.
    assert!(started.elapsed() < Duration::from_secs(5));
    client.flush().await.unwrap();
    client.publish("ldm", "moved").await.unwrap();
    assert_eq!(next(&mut sub).await.payload, "moved");
    cluster.kill(0).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_follows_the_cluster_without_duplicates() {
    let mut cluster = NatsCluster::start(3).unwrap();
    // Two nodes configured; the third is learned; nodes 0 and 1 are announced too, but not added
    // twice.
    let client = quick_reconnects()
        .no_randomize()
        .connect(&format!("{},{}", cluster.url(0), cluster.url(1)))
        .await
        .unwrap();
    let mut events = client.events();
    let Event::ServersDiscovered { servers } = wait_for_event(&mut events, |e| {
        matches!(e, Event::ServersDiscovered { .. })
    })
    .await
    else {
        unreachable!()
    };
    assert_eq!(servers, [cluster.url(2)]);
    let mut all = servers_eventually(&client, 3).await;
    all.sort();
    let mut expected = cluster.urls();
    expected.sort();
    assert_eq!(all, expected);

    // A discovered node the cluster forgets leaves the pool.
    assert_eq!(client.server_address(), cluster.url(0));
    cluster.kill(2).unwrap();
    cluster.wait_for_routes().unwrap();
    let left = servers_eventually(&client, 2).await;
    assert!(!left.contains(&cluster.url(2)), "{left:?}");
}

#[tokio::test]
async fn discovered_servers_can_be_ignored() {
    let cluster = NatsCluster::start(2).unwrap();
    let client = quick_reconnects()
        .ignore_discovered_servers()
        .connect(&cluster.url(0))
        .await
        .unwrap();
    client.flush().await.unwrap();
    assert!(
        !client.server_info().connect_urls.is_empty(),
        "the cluster announces"
    );
    assert_eq!(client.servers(), [cluster.url(0)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_announced_by_address_are_verified_against_the_host_name() {
    // Certificates name `localhost` only; the cluster announces its nodes as 127.0.0.1:port.
    let pki = natskit_test::pki::Pki::new();
    let mut cluster = NatsCluster::builder()
        .nodes(2)
        .with_config(pki.tls_block(&pki.localhost_only, false))
        .start()
        .unwrap();
    let by_address = format!("tls://127.0.0.1:{}", cluster.node(1).port());
    let err = natskit::ConnectOptions::new()
        .add_root_certificate(&pki.ca)
        .connect(&by_address)
        .await
        .unwrap_err();
    assert!(
        matches!(err, natskit::ConnectError::CertificateRejected { .. }),
        "{err:?}"
    );

    let by_name = format!("tls://localhost:{}", cluster.node(0).port());
    let client = quick_reconnects()
        .add_root_certificate(&pki.ca)
        .connect(&by_name)
        .await
        .unwrap();
    let mut events = client.events();
    // Node 0 announces both nodes by address (itself too: that one is a duplicate of ours).
    let announced = format!("127.0.0.1:{}", cluster.node(1).port());
    tokio::time::timeout(PATIENCE, async {
        while !client.servers().iter().any(|s| s.contains(&announced)) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("node 1 announced");

    cluster.kill(0).unwrap();
    let Event::Reconnected { server } =
        wait_for_event(&mut events, |e| matches!(e, Event::Reconnected { .. })).await
    else {
        unreachable!()
    };
    assert!(server.contains(&announced), "{server}");
    client.flush().await.unwrap();
}
