//! A cluster of real `nats-server` processes on loopback, fully meshed by explicit routes.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::port::{self, LOOPBACK};
use crate::server::{NatsServer, DEFAULT_STARTUP_TIMEOUT};

/// How many times the whole cluster is started again on fresh ports after a port race.
const PORT_ATTEMPTS: usize = 3;

/// Options for a [`NatsCluster`]; made by [`NatsCluster::builder`].
///
/// # Example
/// ```
/// let cluster = natskit_test::NatsCluster::builder()
///     .nodes(2)
///     .name("example")
///     .start()
///     .unwrap();
/// assert_eq!(cluster.len(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct NatsClusterBuilder {
    nodes: usize,
    name: String,
    binary: Option<PathBuf>,
    extra_config: String,
    timeout: Duration,
    websocket: bool,
}

impl NatsClusterBuilder {
    /// Number of nodes (default 3, at least 1).
    ///
    /// # Example
    /// ```
    /// let cluster = natskit_test::NatsCluster::builder().nodes(2).start().unwrap();
    /// assert_eq!(cluster.urls().len(), 2);
    /// ```
    pub fn nodes(mut self, n: usize) -> Self {
        self.nodes = n.max(1);
        self
    }

    /// The cluster name shared by all nodes (default `natskit-test`).
    ///
    /// # Example
    /// ```
    /// let cluster = natskit_test::NatsCluster::builder().nodes(2).name("blue").start().unwrap();
    /// assert_eq!(cluster.name(), "blue");
    /// assert!(cluster.node(0).info().unwrap().contains("\"cluster\":\"blue\""));
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Uses this `nats-server` executable (see [`binary::locate`](crate::binary::locate)).
    ///
    /// # Example
    /// ```
    /// let err = natskit_test::NatsCluster::builder()
    ///     .binary("/nonexistent/nats-server")
    ///     .start()
    ///     .unwrap_err();
    /// assert!(matches!(err, natskit_test::Error::BinaryNotFound { .. }));
    /// ```
    pub fn binary(mut self, path: impl Into<PathBuf>) -> Self {
        self.binary = Some(path.into());
        self
    }

    /// Appends this text to every node's configuration file (after the harness's `cluster` block).
    ///
    /// # Example
    /// ```
    /// let cluster = natskit_test::NatsCluster::builder()
    ///     .nodes(2)
    ///     .with_config("max_payload: 8192")
    ///     .start()
    ///     .unwrap();
    /// assert!(cluster.node(1).info().unwrap().contains("\"max_payload\":8192"));
    /// ```
    pub fn with_config(mut self, text: impl Into<String>) -> Self {
        self.extra_config = text.into();
        self
    }

    /// Gives every node a WebSocket listener (`no_tls`) on a free port of its own, as
    /// [`NatsServerBuilder::websocket`](crate::NatsServerBuilder::websocket) does: see
    /// [`NatsServer::ws_url`] of each [`node`](NatsCluster::node).
    ///
    /// # Example
    /// ```
    /// let cluster = natskit_test::NatsCluster::builder().nodes(2).websocket().start().unwrap();
    /// assert_ne!(cluster.node(0).ws_port(), cluster.node(1).ws_port());
    /// ```
    pub fn websocket(mut self) -> Self {
        self.websocket = true;
        self
    }

    /// How long each node may take to start, and the mesh to form (default 10 s each).
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// let cluster = natskit_test::NatsCluster::builder()
    ///     .nodes(2)
    ///     .timeout(Duration::from_secs(5))
    ///     .start()
    ///     .unwrap();
    /// assert_eq!(cluster.len(), 2);
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Starts every node and waits until each one has a route to every other one.
    ///
    /// # Errors
    /// As [`NatsServerBuilder::start`](crate::NatsServerBuilder::start) for each node, and
    /// [`Error::ClusterTimeout`] when the mesh does not form.
    ///
    /// # Example
    /// ```
    /// let cluster = natskit_test::NatsCluster::builder().nodes(3).start().unwrap();
    /// for url in cluster.urls() {
    ///     assert!(url.starts_with("nats://127.0.0.1:"));
    /// }
    /// ```
    pub fn start(self) -> Result<NatsCluster> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.try_start() {
                Ok(cluster) => return Ok(cluster),
                Err(e) if attempt < PORT_ATTEMPTS && e.is_port_conflict() => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn try_start(&self) -> Result<NatsCluster> {
        let n = self.nodes;
        let ports = port::free_ports(3 * n).map_err(|e| Error::io("finding free ports", e))?;
        let (client_ports, rest) = ports.split_at(n);
        let (cluster_ports, monitor_ports) = rest.split_at(n);
        let mut nodes = Vec::with_capacity(n);
        for i in 0..n {
            let config = self.node_config(i, cluster_ports);
            let mut builder = NatsServer::builder()
                .port(client_ports[i])
                .fixed_monitor_port(monitor_ports[i])
                .other_ports(vec![cluster_ports[i]])
                .startup_timeout(self.timeout)
                .with_config(config);
            if let Some(bin) = &self.binary {
                builder = builder.binary(bin.clone());
            }
            if self.websocket {
                builder = builder.websocket();
            }
            // On error the nodes started so far are dropped, so killed.
            nodes.push(builder.start()?);
        }
        let mut cluster = NatsCluster {
            nodes,
            cluster_ports: cluster_ports.to_vec(),
            name: self.name.clone(),
            timeout: self.timeout,
        };
        cluster.wait_for_routes()?;
        Ok(cluster)
    }

    fn node_config(&self, i: usize, cluster_ports: &[u16]) -> String {
        let mut routes = String::new();
        for (j, p) in cluster_ports.iter().enumerate() {
            if j != i {
                let _ = writeln!(routes, "    \"nats-route://{LOOPBACK}:{p}\"");
            }
        }
        format!(
            "server_name: \"{name}-{i}\"\n\
             cluster {{\n  name: \"{name}\"\n  listen: \"{LOOPBACK}:{listen}\"\n  routes: [\n{routes}  ]\n}}\n\
             {extra}\n",
            name = self.name,
            listen = cluster_ports[i],
            extra = self.extra_config,
        )
    }
}

/// `n` real `nats-server` nodes (3 by default) on loopback, each with a client, a cluster and a
/// monitoring port, routed to each other. Nodes are killed on drop.
///
/// # Example
/// ```
/// let mut cluster = natskit_test::NatsCluster::start(3).unwrap();
/// cluster.kill(2).unwrap();
/// natskit_test::probe::ping(cluster.node(0).addr(), std::time::Duration::from_secs(5)).unwrap();
/// cluster.restart(2).unwrap(); // back on the same ports, routed again
/// ```
#[derive(Debug)]
pub struct NatsCluster {
    nodes: Vec<NatsServer>,
    cluster_ports: Vec<u16>,
    name: String,
    timeout: Duration,
}

impl NatsCluster {
    /// Starts an `n`-node cluster with default options and waits for the full mesh.
    ///
    /// # Errors
    /// See [`NatsClusterBuilder::start`].
    ///
    /// # Example
    /// ```
    /// let cluster = natskit_test::NatsCluster::start(2).unwrap();
    /// assert_eq!(cluster.len(), 2);
    /// ```
    pub fn start(n: usize) -> Result<NatsCluster> {
        Self::builder().nodes(n).start()
    }

    /// Returns a builder: 3 nodes, cluster name `natskit-test`, 10 s timeouts.
    ///
    /// # Example
    /// ```
    /// let cluster = natskit_test::NatsCluster::builder().start().unwrap();
    /// assert_eq!(cluster.len(), 3);
    /// ```
    pub fn builder() -> NatsClusterBuilder {
        NatsClusterBuilder {
            nodes: 3,
            name: "natskit-test".into(),
            binary: None,
            extra_config: String::new(),
            timeout: DEFAULT_STARTUP_TIMEOUT,
            websocket: false,
        }
    }

    /// The number of nodes, running or not.
    ///
    /// # Example
    /// ```
    /// assert_eq!(natskit_test::NatsCluster::start(2).unwrap().len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Always `false`: a cluster has at least one node.
    ///
    /// # Example
    /// ```
    /// assert!(!natskit_test::NatsCluster::start(2).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The cluster name.
    ///
    /// # Example
    /// ```
    /// assert_eq!(natskit_test::NatsCluster::start(2).unwrap().name(), "natskit-test");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Node `i`.
    ///
    /// # Panics
    /// When `i >= len()`.
    ///
    /// # Example
    /// ```
    /// let cluster = natskit_test::NatsCluster::start(2).unwrap();
    /// assert_eq!(cluster.node(1).url(), cluster.url(1));
    /// ```
    pub fn node(&self, i: usize) -> &NatsServer {
        &self.nodes[i]
    }

    /// All nodes, in order.
    ///
    /// # Example
    /// ```
    /// let cluster = natskit_test::NatsCluster::start(2).unwrap();
    /// assert!(cluster.nodes().iter().all(|n| n.pid().is_some()));
    /// ```
    pub fn nodes(&self) -> &[NatsServer] {
        &self.nodes
    }

    /// Client URL of node `i`, `nats://127.0.0.1:PORT`.
    ///
    /// # Panics
    /// When `i >= len()`.
    ///
    /// # Example
    /// ```
    /// let cluster = natskit_test::NatsCluster::start(2).unwrap();
    /// assert_ne!(cluster.url(0), cluster.url(1));
    /// ```
    pub fn url(&self, i: usize) -> String {
        self.nodes[i].url()
    }

    /// Client URLs of all nodes, in order.
    ///
    /// # Example
    /// ```
    /// let cluster = natskit_test::NatsCluster::start(2).unwrap();
    /// let seeds = cluster.urls().join(",");
    /// assert_eq!(seeds.matches("nats://").count(), 2);
    /// ```
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(NatsServer::url).collect()
    }

    /// Cluster (route) port of node `i`.
    ///
    /// # Panics
    /// When `i >= len()`.
    ///
    /// # Example
    /// ```
    /// let cluster = natskit_test::NatsCluster::start(2).unwrap();
    /// assert_ne!(cluster.cluster_port(0), cluster.node(0).port());
    /// ```
    pub fn cluster_port(&self, i: usize) -> u16 {
        self.cluster_ports[i]
    }

    /// Kills node `i` (SIGKILL, reaped): the others lose their routes to it.
    ///
    /// # Errors
    /// [`Error::NoSuchNode`], or when the process cannot be killed.
    ///
    /// # Example
    /// ```
    /// let mut cluster = natskit_test::NatsCluster::start(2).unwrap();
    /// cluster.kill(1).unwrap();
    /// assert!(cluster.node(1).pid().is_none());
    /// ```
    pub fn kill(&mut self, i: usize) -> Result<()> {
        self.node_mut(i)?.stop()
    }

    /// Starts node `i` again on its same ports (killing it first if it runs) and waits until the
    /// running nodes form a full mesh again.
    ///
    /// # Errors
    /// [`Error::NoSuchNode`]; as [`NatsServer::restart`]; [`Error::ClusterTimeout`].
    ///
    /// # Example
    /// ```
    /// let mut cluster = natskit_test::NatsCluster::start(2).unwrap();
    /// let port = cluster.node(0).port();
    /// cluster.restart(0).unwrap();
    /// assert_eq!(cluster.node(0).port(), port);
    /// ```
    pub fn restart(&mut self, i: usize) -> Result<()> {
        self.node_mut(i)?.restart()?;
        self.wait_for_routes()
    }

    /// Waits until every running node has exactly one route to each other running node
    /// (the peers named in `/routez`), bounded by the cluster's timeout.
    ///
    /// # Errors
    /// [`Error::ClusterTimeout`] with the last route counts seen.
    ///
    /// # Example
    /// ```
    /// let mut cluster = natskit_test::NatsCluster::start(3).unwrap();
    /// cluster.kill(0).unwrap();
    /// cluster.wait_for_routes().unwrap(); // nodes 1 and 2 see just each other now
    /// ```
    pub fn wait_for_routes(&mut self) -> Result<()> {
        let deadline = Instant::now() + self.timeout;
        loop {
            let running: Vec<usize> = (0..self.nodes.len())
                .filter(|&i| self.nodes[i].is_running())
                .collect();
            let want = running.len().saturating_sub(1);
            let mut detail = String::new();
            let mut formed = true;
            for &i in &running {
                let count = self.route_count(i);
                let _ = write!(detail, "node {i}: {count:?} routes (want {want}); ");
                formed &= matches!(count, Ok(c) if c == want);
            }
            if formed {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(Error::ClusterTimeout {
                    waited: self.timeout,
                    detail,
                });
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// How many other nodes node `i` has a route to. nats-server 2.10 pools several route
    /// connections per peer (`num_routes` counts each), so peers are counted by `remote_id`.
    fn route_count(&self, i: usize) -> std::result::Result<usize, String> {
        let body = self.nodes[i]
            .monitor_get("/routez")
            .map_err(|e| e.to_string())?;
        let json: serde_json::Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
        if let Some(routes) = json["routes"].as_array() {
            let peers: std::collections::BTreeSet<&str> = routes
                .iter()
                .filter_map(|route| route["remote_id"].as_str())
                .collect();
            return Ok(peers.len());
        }
        json["num_routes"]
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| format!("no num_routes in {body}"))
    }

    fn node_mut(&mut self, i: usize) -> Result<&mut NatsServer> {
        let len = self.nodes.len();
        self.nodes
            .get_mut(i)
            .ok_or(Error::NoSuchNode { index: i, len })
    }
}
