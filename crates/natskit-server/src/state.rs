//! What all connections of one broker share: options, the subject index, the connection table
//! and the counters.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use natskit_proto::ServerInfo;
use tokio::sync::Notify;

use crate::client::shared::{BySid, Conn, Subscription};
use crate::options::ServerOptions;
use crate::space::Space;
use crate::sublist::Sublist;
use crate::tls::Tls;
use natskit_proto::sync::lock;

/// The version the broker announces: the nats-server protocol level it matches.
pub(crate) const VERSION: &str = "2.9.10";

/// Subscriptions of a closing connection removed per hold of the index's lock.
const REMOVAL_BATCH: usize = 1024;

/// Server-wide counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) in_msgs: AtomicU64,
    pub(crate) in_bytes: AtomicU64,
    pub(crate) out_msgs: AtomicU64,
    pub(crate) out_bytes: AtomicU64,
    pub(crate) total_connections: AtomicU64,
    pub(crate) slow_consumers: AtomicU64,
}

/// The WebSocket listener as INFO announces it to WebSocket clients.
#[derive(Debug, Clone)]
pub(crate) struct WsEndpoint {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) tls: bool,
}

/// The state of one running broker.
#[derive(Debug)]
pub(crate) struct State {
    /// The options in force and the TLS built from them: replaced whole by a reload, so
    /// they are read through [`State::options`] and [`State::tls`].
    current: RwLock<Current>,
    pub(crate) server_id: String,
    /// The name announced: the configured one, or the server id (a reload cannot change it).
    server_name: String,
    /// The port actually bound (differs from the options when they asked for 0).
    pub(crate) port: u16,
    pub(crate) started: SystemTime,
    /// Where the WebSocket listener is, when there is one.
    pub(crate) websocket: Option<WsEndpoint>,
    /// Each account's subject space: the global account (`$G`) first.
    pub(crate) spaces: Vec<Arc<Space>>,
    /// Where the system account's space is, when there is one.
    pub(crate) system: Option<usize>,
    pub(crate) conns: Mutex<HashMap<u64, Arc<Conn>>>,
    next_id: AtomicU64,
    pub(crate) counters: Counters,
    /// The broker's own connections (JetStream's), closed last at shutdown.
    pub(crate) internal: Mutex<Vec<Arc<Conn>>>,
    /// JetStream's counters, as its engine last wrote them.
    pub(crate) jetstream_usage: Mutex<crate::jetstream::options::Usage>,
    pub(crate) shutting_down: AtomicBool,
    /// In lame duck mode: no new clients.
    pub(crate) lame_duck: AtomicBool,
    /// Connection tasks still running, and their wake-up when the last one ends.
    live: AtomicUsize,
    all_gone: Notify,
}

/// The options in force, with their TLS.
#[derive(Debug, Clone)]
struct Current {
    options: Arc<ServerOptions>,
    tls: Option<Tls>,
}

impl State {
    pub(crate) fn new(options: ServerOptions, port: u16, tls: Option<Tls>) -> Self {
        let spaces: Vec<_> = Space::all(&options.accounts)
            .into_iter()
            .map(Arc::new)
            .collect();
        let system = options
            .system_account
            .as_deref()
            .and_then(|name| spaces.iter().position(|s| s.name == name));
        let server_id = natskit_proto::nuid::next();
        let server_name = if options.server_name.is_empty() {
            server_id.clone()
        } else {
            options.server_name.clone()
        };
        State {
            spaces,
            system,
            current: RwLock::new(Current {
                options: Arc::new(options),
                tls,
            }),
            server_id,
            server_name,
            port,
            started: SystemTime::now(),
            websocket: None,
            conns: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            counters: Counters::default(),
            internal: Mutex::new(Vec::new()),
            jetstream_usage: Mutex::new(Default::default()),
            shutting_down: AtomicBool::new(false),
            lame_duck: AtomicBool::new(false),
            live: AtomicUsize::new(0),
            all_gone: Notify::new(),
        }
    }

    /// The options in force. A reload replaces them, so take them once per use, not per
    /// message.
    pub(crate) fn options(&self) -> Arc<ServerOptions> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .options
            .clone()
    }

    /// The TLS new TCP clients get, when configured.
    pub(crate) fn tls(&self) -> Option<Tls> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .tls
            .clone()
    }

    /// Puts reloaded options and their TLS in force (for connections from now on; the reload
    /// re-checks the live ones).
    pub(crate) fn replace_options(&self, options: ServerOptions, tls: Option<Tls>) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Current {
            options: Arc::new(options),
            tls,
        };
    }

    /// A fresh connection id.
    pub(crate) fn next_client_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// The name announced: the configured one, or the server id.
    pub(crate) fn server_name(&self) -> &str {
        &self.server_name
    }

    /// The INFO for a client (without nonce).
    pub(crate) fn info(&self, conn: &Conn) -> ServerInfo {
        let current = self
            .current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let options = &current.options;
        let mut info = ServerInfo::default();
        info.server_id.clone_from(&self.server_id);
        info.server_name = self.server_name().to_owned();
        info.version = VERSION.into();
        info.host.clone_from(&options.host);
        info.port = self.port;
        info.headers = true;
        info.max_payload = options.limits.max_payload;
        info.proto = 1;
        info.client_id = conn.id;
        info.client_ip = conn.peer.map(|p| p.ip().to_string()).unwrap_or_default();
        info.auth_required = options.auth_required();
        info.jetstream = options.jetstream.is_some();
        if conn.websocket {
            // As nats-server: the listener's own address and TLS, and no client verification.
            if let Some(ws) = &self.websocket {
                info.host.clone_from(&ws.host);
                info.port = ws.port;
                info.tls_required = ws.tls;
                info.tls_available = ws.tls;
            }
            return info;
        }
        // In-process connections (no peer address) stay plain.
        if let (Some(tls), Some(_)) = (&current.tls, conn.peer) {
            info.tls_required = true;
            info.tls_verify = tls.verify;
        }
        info
    }

    /// The global account's space, where connections start.
    pub(crate) fn global(&self) -> &Arc<Space> {
        &self.spaces[0]
    }

    /// The space of the account `conn` authenticated into (the global one before CONNECT).
    pub(crate) fn space_of<'a>(&'a self, conn: &'a Conn) -> &'a Arc<Space> {
        match conn.account.get() {
            Some(&index) => &self.spaces[index],
            None => self.global(),
        }
    }

    /// Where the account named `name` is in [`spaces`](Self::spaces).
    pub(crate) fn space_index(&self, name: &str) -> Option<usize> {
        self.spaces.iter().position(|s| s.name == name)
    }

    /// Adds a subscription to the index and to its connection's table.
    pub(crate) fn add_subscription(&self, sub: Arc<Subscription>) {
        lock(&sub.conn.subs).replace(BySid(sub.clone()));
        let space = self.space_of(&sub.conn).clone();
        space.update_sublist(|sublist| sublist.insert(sub));
    }

    /// Removes a subscription from the index and from its connection's table (once).
    pub(crate) fn remove_subscription(&self, sub: &Arc<Subscription>) {
        if !sub.mark_removed() {
            return;
        }
        // A publisher that saw the subscription alive finishes queueing before we go on (and
        // before any answer to an UNSUB is queued).
        sub.conn.barrier();
        {
            let mut subs = lock(&sub.conn.subs);
            if subs
                .get(&sub.sid[..])
                .is_some_and(|s| Arc::ptr_eq(&s.0, sub))
            {
                subs.remove(&sub.sid[..]);
            }
        }
        self.space_of(&sub.conn).update_sublist(|sublist| {
            sublist.remove(sub);
        });
    }

    /// Removes every subscription of a closed connection: all are marked gone at once (no
    /// message reaches them after), then leave the index a batch at a time, so a connection
    /// with a million subscriptions does not hold the index from every publisher meanwhile.
    pub(crate) fn remove_all_subscriptions(&self, conn: &Conn) {
        let subs: Vec<_> = lock(&conn.subs).drain().map(|s| s.0).collect();
        for sub in &subs {
            sub.mark_removed();
        }
        let space = self.space_of(conn);
        for batch in subs.chunks(REMOVAL_BATCH) {
            space.update_sublist(|sublist| {
                for sub in batch {
                    sublist.remove(sub);
                }
            });
        }
    }

    /// Number of subscriptions in the index.
    pub(crate) fn subscription_count(&self) -> usize {
        self.spaces
            .iter()
            .map(|s| s.with_sublist(Sublist::len))
            .sum()
    }

    /// A new connection, in the connection table and counted (`websocket`: it came through
    /// the WebSocket listener).
    pub(crate) fn register(&self, peer: Option<SocketAddr>, websocket: bool) -> Arc<Conn> {
        let max_pending = self.options().limits.max_pending;
        let mut conn = Conn::new(self.next_client_id(), peer, max_pending);
        conn.websocket = websocket;
        let conn = Arc::new(conn);
        lock(&self.conns).insert(conn.id, conn.clone());
        // A connection that slipped in while shutdown (or lame duck mode) was taking its list
        // of clients.
        if self.shutting_down.load(Ordering::Acquire) || self.lame_duck.load(Ordering::Acquire) {
            conn.close("server shutdown", None);
        }
        self.counters
            .total_connections
            .fetch_add(1, Ordering::Relaxed);
        conn
    }

    /// Registers the broker's own client in account `space` (see [`Conn::internal`]).
    pub(crate) fn register_internal(&self, space: usize) -> Arc<Conn> {
        let mut conn = Conn::new(self.next_client_id(), None, usize::MAX / 4);
        conn.internal = Some(space);
        let conn = Arc::new(conn);
        // Not in the client table: not listed, not counted, and closed after the clients.
        lock(&self.internal).push(conn.clone());
        conn
    }

    /// Runs a connection task, counted as running until it ends (see [`State::all_tasks_ended`]).
    pub(crate) fn spawn_tracked(self: &Arc<Self>, task: impl Future<Output = ()> + Send + 'static) {
        self.task_started();
        let state = self.clone();
        tokio::spawn(async move {
            task.await;
            state.task_ended();
        });
    }

    /// Registers a running connection task.
    pub(crate) fn task_started(&self) {
        self.live.fetch_add(1, Ordering::AcqRel);
    }

    /// Unregisters a connection task.
    pub(crate) fn task_ended(&self) {
        if self.live.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.all_gone.notify_waiters();
        }
    }

    /// Waits until no connection task runs.
    pub(crate) async fn all_tasks_ended(&self) {
        loop {
            let notified = self.all_gone.notified();
            if self.live.load(Ordering::Acquire) == 0 {
                return;
            }
            notified.await;
        }
    }
}
