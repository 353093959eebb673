//! The JetStream engine of one account: the broker's own client. It subscribes through an
//! in-process connection to `$JS.API.>`, `$JS.ACK.>`, `$JS.FC.>` and every stream's subjects,
//! takes what arrives in order, and answers straight into the clients' output buffers
//! (`deliver`). All its state lives in this one task: no locks.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::{Bytes, BytesMut};
use natskit_proto::{ConnectInfo, HeaderMap, ServerOp, ServerOpDecoder, WriteBuffer};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::oneshot;

use super::api::errors::ApiError;
use super::consumer::epoch_nanos;
use super::deliver::{deliver, Outgoing};
use super::held::Held;
use super::options::JetStream;
use super::stream::Stream;
use crate::space::Space;
use crate::state::State;

const API_SID: u64 = 1;
const ACK_SID: u64 = 2;
const FLOW_CONTROL_SID: u64 = 3;
/// `$JS.<domain>.API.>`, with a domain.
const DOMAIN_API_SID: u64 = 4;
/// Streams' subscriptions are numbered from here.
const FIRST_STREAM_SID: u64 = 100;

/// The engine of one account.
pub(crate) struct Engine {
    pub(crate) state: Arc<State>,
    pub(crate) space: Arc<Space>,
    pub(crate) options: JetStream,
    /// Where this account's file streams live (`<store_dir>/jetstream/<account>/streams`).
    pub(crate) dir: Option<PathBuf>,
    pub(crate) streams: BTreeMap<String, Stream>,
    /// Subscription id -> the stream it captures for.
    stream_sids: HashMap<u64, String>,
    next_sid: u64,
    /// SUB, UNSUB, PING and PONG for the in-process connection.
    pub(crate) out: WriteBuffer,
    /// Answers waiting for the broker to take a subscription change.
    held: RefCell<Held>,
    pub(crate) api_total: u64,
    pub(crate) api_errors: u64,
    /// When file streams were last synced.
    last_sync: Instant,
    /// False for an account without JetStream: its API requests get nats-server's "not
    /// enabled" error, and nothing else is served.
    pub(crate) enabled: bool,
    /// Durable consumers (stream, consumer) that delivered or took acks since their last
    /// save: saved once per batch of input, not per message.
    pub(crate) moved_consumers: std::collections::HashSet<(String, String)>,
    /// When they were last saved.
    pub(crate) last_consumer_save: Instant,
    /// The store directory's lock, held for the engine's life.
    _lock: Option<Arc<super::store::file::StoreDirLock>>,
}

impl Engine {
    /// An engine for account `space`, with its streams read back from `dir`.
    pub(crate) fn new(
        state: Arc<State>,
        space: Arc<Space>,
        options: JetStream,
        lock: Arc<super::store::file::StoreDirLock>,
        enabled: bool,
    ) -> Engine {
        let dir = Some(lock.root().join(&space.name).join("streams"));
        Engine {
            state,
            space,
            options,
            dir,
            streams: BTreeMap::new(),
            stream_sids: HashMap::new(),
            next_sid: FIRST_STREAM_SID,
            out: WriteBuffer::new(),
            held: RefCell::default(),
            api_total: 0,
            api_errors: 0,
            last_sync: Instant::now(),
            enabled,
            moved_consumers: Default::default(),
            last_consumer_save: Instant::now(),
            _lock: Some(lock),
        }
    }

    /// Serves until the connection closes (the broker shuts down). `ready` fires when the
    /// broker has taken the engine's first subscriptions (the PONG to its first PING).
    pub(crate) async fn run(mut self, mut pipe: DuplexStream, ready: oneshot::Sender<()>) {
        let mut ready = Some(ready);
        let mut connect = ConnectInfo::new("$JS");
        connect.verbose = false;
        connect.pedantic = false;
        connect.headers = true;
        connect.no_responders = false;
        connect.echo = false;
        self.out.put_connect(&connect);
        self.out.put_sub("$JS.API.>", None, API_SID);
        if !self.enabled {
            return self.serve_disabled(pipe, ready.take()).await;
        }
        self.out.put_sub("$JS.ACK.>", None, ACK_SID);
        self.out.put_sub("$JS.FC.>", None, FLOW_CONTROL_SID);
        if let Some(domain) = &self.options.domain {
            self.out
                .put_sub(&format!("$JS.{domain}.API.>"), None, DOMAIN_API_SID);
        }
        self.load_streams();
        self.out.put_raw(b"PING\r\n");
        let mut decoder = ServerOpDecoder::new();
        let mut buf = BytesMut::with_capacity(64 * 1024);
        loop {
            // Answers held since the last PING get one of their own, even with nothing else
            // to write, or they would wait for the next subscription change.
            if self.held.get_mut().needs_ping() {
                self.out.put_raw(b"PING\r\n");
            }
            if !self.out.is_empty() {
                let bytes = self.out.to_bytes();
                if pipe.write_all(&bytes).await.is_err() {
                    break;
                }
            }
            let wake = self.next_wake();
            tokio::select! {
                read = pipe.read_buf(&mut buf) => match read {
                    Ok(0) | Err(_) => break,
                    Ok(_) => loop {
                        match decoder.decode(&mut buf) {
                            Ok(Some(ServerOp::Pong)) if ready.is_some() => {
                                let _ = ready.take().map(|r| r.send(()));
                            }
                            Ok(Some(op)) => self.handle(op),
                            Ok(None) => break,
                            Err(e) => {
                                tracing::error!("JetStream: unreadable input: {e}");
                                return;
                            }
                        }
                    },
                },
                _ = tokio::time::sleep_until(wake.into()) => {}
            }
            self.tick(Instant::now());
            self.save_moved_consumers(Instant::now());
            self.publish_usage();
        }
        self.save_all_consumers();
        self.sync_all();
    }

    fn handle(&mut self, op: ServerOp) {
        match op {
            ServerOp::Ping => self.out.put_raw(b"PONG\r\n"),
            ServerOp::Pong => {
                for (reply, body) in self.held.get_mut().released() {
                    self.send(&reply, None, &body);
                }
            }
            ServerOp::Msg(msg) => {
                let (subject, reply) = (msg.subject(), msg.reply());
                match msg.sid() {
                    API_SID => {
                        self.api(subject, reply, msg.payload_bytes());
                    }
                    DOMAIN_API_SID => {
                        let domain = self.options.domain.clone().unwrap_or_default();
                        let prefix = format!("$JS.{domain}.API.");
                        if let Some(rest) = subject.strip_prefix(&prefix) {
                            let subject = format!("$JS.API.{rest}");
                            self.api(&subject, reply, msg.payload_bytes());
                        }
                    }
                    ACK_SID => self.ack(subject, reply, msg.payload()),
                    FLOW_CONTROL_SID => self.flow_control_answered(subject),
                    sid => {
                        if let Some(stream) = self.stream_sids.get(&sid).cloned() {
                            self.publish(
                                &stream,
                                subject,
                                reply,
                                msg.headers(),
                                msg.payload_bytes(),
                            );
                        }
                    }
                }
            }
            ServerOp::Err(e) => tracing::warn!("JetStream: the broker said: {e}"),
            _ => {}
        }
    }

    /// Sends `payload` (and `headers`) to whoever listens on `subject`.
    pub(crate) fn send(&self, subject: &str, headers: Option<&[u8]>, payload: &[u8]) {
        deliver(
            &self.state,
            &self.space,
            &Outgoing {
                route: subject,
                shown: subject,
                reply: None,
                headers,
                payload,
            },
        );
    }

    /// Answers an API request with `body`.
    pub(crate) fn answer(&self, reply: Option<&str>, body: &Value) {
        if let Some(reply) = reply {
            let body = self
                .held
                .borrow_mut()
                .hold(reply, body.to_string().into_bytes());
            if let Some(body) = body {
                self.send(reply, None, &body);
            }
        }
    }

    /// A message on a stream's subject: store it, acknowledge it, hand it to consumers.
    fn publish(
        &mut self,
        name: &str,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: Bytes,
    ) {
        let now = epoch_nanos(SystemTime::now());
        let over_limit = self.past_account_limit(name);
        let Some(stream) = self.streams.get_mut(name) else {
            return;
        };
        let result = if over_limit {
            Err(ApiError::insufficient_resources())
        } else {
            stream.publish(subject, headers, payload, now)
        };
        let no_ack = stream.config.no_ack;
        if let (Some(reply), false) = (reply, no_ack) {
            // nats-server's own text, with its spacing.
            let domain = match &self.options.domain {
                Some(domain) => format!(" \"domain\":{domain:?},"),
                None => String::new(),
            };
            let body = match &result {
                Ok(stored) if stored.duplicate => {
                    format!(
                        "{{\"stream\":{:?},{domain} \"seq\":{},\"duplicate\": true}}",
                        name, stored.seq
                    )
                }
                Ok(stored) => {
                    format!("{{\"stream\":{:?},{domain} \"seq\":{}}}", name, stored.seq)
                }
                Err(e) => {
                    serde_json::json!({"error": e.to_json(), "stream": name, "seq": 0}).to_string()
                }
            };
            self.send(reply, None, body.as_bytes());
        }
        if let Ok(stored) = result {
            if !stored.duplicate {
                self.after_store(name, subject, stored.seq);
            }
        }
    }

    /// What happens after a message was stored: interest retention drops it when nobody
    /// wants it, and consumers get it.
    pub(crate) fn after_store(&mut self, name: &str, subject: &str, seq: u64) {
        if let Some(stream) = self.streams.get_mut(name) {
            let interest = stream.config.retention == super::api::config::Retention::Interest;
            // Interest retention keeps nothing nobody will consume; the sequence stays used.
            if interest && !stream.consumers.values().any(|c| c.wants(subject)) {
                let _ = stream.store.remove(seq);
                return;
            }
        }
        self.pump_stream(name, Instant::now());
    }

    /// Subscribes to `name`'s subjects (again, after an update).
    pub(crate) fn subscribe_stream(&mut self, name: &str) {
        self.unsubscribe_stream(name);
        let Some(stream) = self.streams.get(name) else {
            return;
        };
        for subject in stream.config.subjects.clone() {
            let sid = self.next_sid;
            self.next_sid += 1;
            self.out.put_sub(&subject, None, sid);
            self.held.get_mut().subs_changed();
            self.stream_sids.insert(sid, name.to_owned());
        }
    }

    /// Drops `name`'s subscriptions.
    pub(crate) fn unsubscribe_stream(&mut self, name: &str) {
        let sids: Vec<u64> = self
            .stream_sids
            .iter()
            .filter(|(_, s)| *s == name)
            .map(|(sid, _)| *sid)
            .collect();
        for sid in sids {
            self.out.put_unsub(sid, None);
            self.held.get_mut().subs_changed();
            self.stream_sids.remove(&sid);
        }
    }

    /// When the engine must next look at its timers.
    fn next_wake(&self) -> Instant {
        let now = Instant::now();
        let mut wake = now + Duration::from_secs(1);
        if !self.moved_consumers.is_empty() {
            wake = wake.min(self.last_consumer_save + super::persist::CONSUMER_SAVE_EVERY);
        }
        let epoch_now = epoch_nanos(SystemTime::now());
        for stream in self.streams.values() {
            if let Some(expiry) = stream.next_expiry() {
                let ahead = Duration::from_nanos((expiry - epoch_now).max(0) as u64);
                wake = wake.min(now + ahead);
            }
            for consumer in stream.consumers.values() {
                if let Some(at) = consumer.replay_at {
                    wake = wake.min(at);
                }
                if let Some(deadline) = consumer.next_ack_deadline() {
                    wake = wake.min(deadline);
                }
                for request in &consumer.waiting {
                    if let Some(expires) = request.expires {
                        wake = wake.min(expires);
                    }
                    if let Some(beat) = request.next_heartbeat {
                        wake = wake.min(beat);
                    }
                }
                if consumer.config.idle_heartbeat > 0 {
                    let every = Duration::from_nanos(consumer.config.idle_heartbeat as u64);
                    wake = wake.min(consumer.last_sent + every);
                }
            }
        }
        wake.max(now)
    }

    /// Timers: ages, ack waits, pull expiries, heartbeats, idle consumers, syncs.
    fn tick(&mut self, now: Instant) {
        let epoch_now = epoch_nanos(SystemTime::now());
        let names: Vec<String> = self.streams.keys().cloned().collect();
        for name in names {
            if let Some(stream) = self.streams.get_mut(&name) {
                stream.enforce_limits(None, epoch_now);
            }
            self.pump_stream(&name, now);
            self.timers(&name, now);
        }
        self.sync_due(now);
    }

    /// Writes the counters `/jsz` and `/varz` read.
    fn publish_usage(&self) {
        let mut usage = super::options::Usage {
            api_total: self.api_total,
            api_errors: self.api_errors,
            streams: self.streams.len() as u64,
            ..Default::default()
        };
        for stream in self.streams.values() {
            let state = stream.store.state();
            usage.messages += state.msgs;
            usage.bytes += state.bytes;
            usage.consumers += stream.consumers.len() as u64;
            match stream.config.storage {
                super::api::config::Storage::Memory => usage.memory += state.bytes,
                super::api::config::Storage::File => usage.storage += state.bytes,
            }
        }
        *natskit_proto::sync::lock(&self.state.jetstream_usage) = usage;
    }

    /// Syncs the file streams when the interval has passed (with `always` they sync
    /// themselves).
    fn sync_due(&mut self, now: Instant) {
        let super::options::SyncPolicy::Interval(every) = self.options.sync else {
            return;
        };
        if now.duration_since(self.last_sync) < every {
            return;
        }
        self.last_sync = now;
        self.sync_all();
    }

    /// Syncs every stream (at shutdown).
    fn sync_all(&mut self) {
        for (name, stream) in &mut self.streams {
            if let Err(e) = stream.store.sync() {
                tracing::error!("JetStream: syncing {name}: {e}");
            }
        }
    }

    /// Whether the memory or file usage of stream `name`'s kind is past its limit: then
    /// publishes are refused (nats-server takes the message that passes the limit).
    fn past_account_limit(&self, name: &str) -> bool {
        let Some(stream) = self.streams.get(name) else {
            return false;
        };
        let memory = stream.config.storage == super::api::config::Storage::Memory;
        let limit = if memory {
            self.options.max_memory
        } else {
            self.options.max_file
        };
        if limit < 0 {
            return false;
        }
        let used: u64 = self
            .streams
            .values()
            .filter(|s| (s.config.storage == super::api::config::Storage::Memory) == memory)
            .map(|s| s.store.state().bytes)
            .sum();
        used > limit as u64
    }

    /// Whether a new stream reserving `max_bytes` fits beside the others under the memory or
    /// file limit.
    pub(crate) fn reservation_fits(&self, config: &super::api::config::StreamConfig) -> bool {
        let memory = config.storage == super::api::config::Storage::Memory;
        let limit = if memory {
            self.options.max_memory
        } else {
            self.options.max_file
        };
        if limit < 0 || config.max_bytes <= 0 {
            return true;
        }
        let reserved: i64 = self
            .streams
            .values()
            .filter(|s| (s.config.storage == super::api::config::Storage::Memory) == memory)
            .map(|s| s.config.max_bytes.max(0))
            .sum();
        reserved + config.max_bytes <= limit
    }
}
