//! `NatsCluster`: formation, connect_urls discovery, killing and restarting a node.

use std::time::Duration;

use natskit_test::{probe, NatsCluster};

use crate::support::{eventually, PATIENCE};

/// The `connect_urls` a fresh client of `node` is told about.
fn connect_urls(cluster: &NatsCluster, node: usize) -> Vec<String> {
    let addr = cluster.node(node).addr();
    let info = probe::read_info(addr, PATIENCE).expect("INFO from the node");
    let json = probe::info_json(addr, &info).expect("INFO JSON");
    let mut urls: Vec<String> = json["connect_urls"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|u| u.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    urls.sort();
    urls
}

#[test]
fn three_nodes_form_and_advertise_each_other() {
    let mut cluster = NatsCluster::start(3).unwrap();
    assert_eq!(cluster.len(), 3);
    let mut ports: Vec<u16> = (0..3)
        .flat_map(|i| [cluster.node(i).port(), cluster.cluster_port(i)])
        .collect();
    ports.sort_unstable();
    ports.dedup();
    assert_eq!(ports.len(), 6, "every port distinct");

    // connect_urls lists every node's client address (the node's own included).
    let mut expected: Vec<String> = (0..3)
        .map(|i| format!("127.0.0.1:{}", cluster.node(i).port()))
        .collect();
    expected.sort();
    eventually("node 0 advertises the other nodes", || {
        let urls = connect_urls(&cluster, 0);
        (1..3).all(|i| urls.contains(&format!("127.0.0.1:{}", cluster.node(i).port())))
    });
    assert_eq!(connect_urls(&cluster, 0), expected);

    for i in 0..3 {
        assert!(cluster
            .node(i)
            .monitor_get("/routez")
            .unwrap()
            .contains("\"num_routes\": 2"));
    }

    // Kill one node: the others still answer and re-mesh without it.
    cluster.kill(1).unwrap();
    assert!(cluster.node(1).pid().is_none());
    probe::ping(cluster.node(0).addr(), PATIENCE).unwrap();
    probe::ping(cluster.node(2).addr(), PATIENCE).unwrap();
    cluster.wait_for_routes().unwrap();
    assert!(cluster
        .node(0)
        .monitor_get("/routez")
        .unwrap()
        .contains("\"num_routes\": 1"));

    // Restart it on its ports: full mesh again.
    let port = cluster.node(1).port();
    cluster.restart(1).unwrap();
    assert_eq!(cluster.node(1).port(), port);
    probe::ping(cluster.node(1).addr(), PATIENCE).unwrap();
    for i in 0..3 {
        assert!(cluster
            .node(i)
            .monitor_get("/routez")
            .unwrap()
            .contains("\"num_routes\": 2"));
    }
}

#[test]
fn out_of_range_node_is_an_error() {
    let mut cluster = NatsCluster::builder()
        .nodes(2)
        .name("range")
        .timeout(Duration::from_secs(10))
        .start()
        .unwrap();
    assert_eq!(cluster.urls().len(), 2);
    let err = cluster.kill(5).unwrap_err();
    assert_eq!(err.to_string(), "no node 5 in a cluster of 2");
    assert!(cluster
        .node(0)
        .info()
        .unwrap()
        .contains("\"cluster\":\"range\""));
}

#[test]
fn dropping_a_cluster_kills_every_node() {
    let cluster = NatsCluster::start(2).unwrap();
    let pids: Vec<u32> = cluster.nodes().iter().filter_map(|n| n.pid()).collect();
    assert_eq!(pids.len(), 2);
    drop(cluster);
    for pid in pids {
        assert!(
            !crate::support::process_alive(pid),
            "node {pid} survived drop"
        );
    }
}
