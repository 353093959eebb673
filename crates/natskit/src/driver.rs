//! The one task that owns a connection's socket, and reconnects it when it breaks.
//!
//! It waits on four things at once: bytes from the server, room in the socket for pending
//! output, output becoming available, and the keepalive timer. Output is taken from the shared
//! buffer by swapping it for an empty one, so publishers never wait on the socket, and a whole
//! batch of publishes goes out in one vectored write. The batch is kept whole until all of it is
//! written, so that when the connection breaks the task knows which operations went out whole
//! (see `salvage`); the rest of it is sent again after the reconnect.

use std::collections::HashSet;
use std::io::IoSlice;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use natskit_proto::{
    ClientOp, ClientOpDecoder, Limits, Msg, ServerOp, ServerOpDecoder, WriteBuffer,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::{interval_at, Instant, MissedTickBehavior};
use tracing::{debug, info, warn};

use crate::events::{ConnectionState, Event};
use crate::handshake::{establish, Established};
use crate::pool::{delay_before, ServerPool};
use crate::routes::{Delivery, PendingLimits};
use crate::shared::{lock, Shared};
use crate::transport::{ReadHalf, Transport, WriteHalf};
use crate::{ConnectError, Message};

/// Read buffer space made available before each read.
const READ_RESERVE: usize = 64 * 1024;
/// Most chunks handed to one vectored write.
const MAX_IOVECS: usize = 64;

/// Why the connection stopped serving.
enum Stop {
    /// `close()` or the last handle dropped.
    Requested,
    /// The connection broke (or the server closed it): reconnect.
    Failed(String),
    /// The connection works but should be left for another server (lame duck mode, or
    /// `force_reconnect`).
    MoveOn(String),
}

/// What woke the task.
enum Wake {
    Shutdown,
    Reconnect,
    Read(std::io::Result<usize>),
    Wrote(std::io::Result<usize>),
    OutputReady,
    PingTick,
}

struct Driver {
    shared: Arc<Shared>,
    decoder: ServerOpDecoder,
    read_buf: BytesMut,
    /// The batch being written, kept whole until all of it is written.
    writing: WriteBuffer,
    /// How much of `writing` the socket took.
    written: usize,
    pings_outstanding: usize,
    limits: PendingLimits,
    pool: ServerPool,
    /// Set while handling input when the connection should be left (lame duck mode).
    move_on: Option<String>,
}

/// Takes over the first connection: learns the servers its INFO announces before returning (so
/// `Client::servers` is complete as soon as `connect` returns), then runs the connection in a
/// task of its own, reconnecting as needed, until the client closes it or no server is left.
pub(crate) fn start(shared: Arc<Shared>, established: Established, pool: ServerPool) {
    let limits = PendingLimits {
        messages: shared.options.limits.pending_messages,
        bytes: shared.options.limits.pending_bytes,
    };
    let mut driver = Driver {
        shared,
        decoder: established.decoder,
        read_buf: established.read_buf,
        writing: WriteBuffer::new(),
        written: 0,
        pings_outstanding: 0,
        limits,
        pool,
        move_on: None,
    };
    driver.learn_servers(&established.info);
    tokio::spawn(driver.run(established.stream));
}

async fn write_from(
    writer: &mut WriteHalf,
    out: &WriteBuffer,
    offset: usize,
) -> std::io::Result<usize> {
    let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
    let n = out.chunks_vectored_from(offset, &mut slices);
    writer.write_vectored(&slices[..n]).await
}

impl Driver {
    /// The connection task: serves the connection, reconnects, until a close or no server left.
    async fn run(mut self, mut stream: Transport) {
        loop {
            let (mut reader, mut writer) = stream.into_split();
            let reason = match self.serve(&mut reader, &mut writer).await {
                Stop::Requested => {
                    // Bounded: a server that stopped reading must not hold the close up forever.
                    let timeout = self.shared.options.timing.flush_timeout;
                    let _ =
                        tokio::time::timeout(timeout, self.write_what_is_left(&mut writer)).await;
                    return self.close("closed by the client".to_owned());
                }
                Stop::Failed(reason) | Stop::MoveOn(reason) => reason,
            };
            drop((reader, writer));
            warn!(%reason, "connection lost");
            self.shared.emit(Event::Disconnected {
                reason: reason.clone(),
            });
            self.salvage();
            if !self.shared.options.reconnect.enabled {
                return self.close(reason);
            }
            match self.reconnect().await {
                Ok(next) => stream = next,
                Err(reason) => return self.close(reason),
            }
        }
    }

    async fn serve(&mut self, reader: &mut ReadHalf, writer: &mut WriteHalf) -> Stop {
        let ping_interval = self
            .shared
            .options
            .timing
            .ping_interval
            .max(Duration::from_millis(10));
        let mut pings = interval_at(Instant::now() + ping_interval, ping_interval);
        pings.set_missed_tick_behavior(MissedTickBehavior::Delay);
        // Bytes that came in the same read as the handshake's PONG are waiting already.
        if let Err(e) = self.process_input() {
            return Stop::Failed(format!("protocol error: {e}"));
        }
        loop {
            if let Some(reason) = self.move_on.take() {
                return Stop::MoveOn(reason);
            }
            if self.writing.is_empty() {
                self.take_output();
            }
            if self.read_buf.capacity() - self.read_buf.len() < READ_RESERVE / 4 {
                self.read_buf.reserve(READ_RESERVE);
            }
            let shared = Arc::clone(&self.shared);
            let unwritten = self.written < self.writing.len();
            let wake = tokio::select! {
                biased;
                _ = shared.shutdown.notified() => Wake::Shutdown,
                _ = shared.reconnect_now.notified() => Wake::Reconnect,
                read = reader.read_buf(&mut self.read_buf) => Wake::Read(read),
                wrote = write_from(writer, &self.writing, self.written), if unwritten => Wake::Wrote(wrote),
                _ = shared.out_ready.notified(), if !unwritten => Wake::OutputReady,
                _ = pings.tick() => Wake::PingTick,
            };
            match wake {
                Wake::Shutdown => return Stop::Requested,
                Wake::Reconnect => return Stop::MoveOn("reconnect forced by the client".into()),
                Wake::Read(Ok(0)) => {
                    return Stop::Failed("the server closed the connection".into())
                }
                Wake::Read(Ok(_)) => {
                    if let Err(e) = self.process_input() {
                        return Stop::Failed(format!("protocol error: {e}"));
                    }
                }
                Wake::Read(Err(e)) => return Stop::Failed(format!("read error: {e}")),
                Wake::Wrote(Ok(0)) => return Stop::Failed("the socket accepts no more".into()),
                Wake::Wrote(Ok(n)) => {
                    self.written += n;
                    if self.written == self.writing.len() {
                        self.writing.clear();
                        self.written = 0;
                    }
                }
                Wake::Wrote(Err(e)) => return Stop::Failed(format!("write error: {e}")),
                // Let the other tasks that are ready to publish (many requesters at once, say)
                // add to the buffer first, so one write carries them all.
                Wake::OutputReady => tokio::task::yield_now().await,
                Wake::PingTick => {
                    if self.pings_outstanding >= self.shared.options.timing.max_pings_outstanding {
                        return Stop::Failed(
                            "stale connection: the server did not answer PING".into(),
                        );
                    }
                    self.pings_outstanding += 1;
                    self.shared.write_out(|out| {
                        out.buf.put_raw(b"PING\r\n");
                        out.pongs.push_back(None);
                    });
                }
            }
        }
    }

    /// Moves the shared output into `writing` and lets waiting publishers go on.
    fn take_output(&mut self) {
        let mut out = lock(&self.shared.out);
        if out.buf.is_empty() {
            return;
        }
        std::mem::swap(&mut out.buf, &mut self.writing);
        self.written = 0;
        drop(out);
        self.shared.out_space.notify_waiters();
    }

    /// Decodes and handles every whole operation that has arrived.
    fn process_input(&mut self) -> Result<(), natskit_proto::ProtoError> {
        let mut messages = 0u64;
        let mut bytes = 0u64;
        let shared = Arc::clone(&self.shared);
        let mut routes = None;
        while let Some(op) = self.decoder.decode(&mut self.read_buf)? {
            match op {
                ServerOp::Msg(msg) => {
                    messages += 1;
                    bytes += msg.payload.len() as u64;
                    let routes = routes.get_or_insert_with(|| lock(&shared.routes));
                    let delivery = routes.deliver(msg, self.limits, |msg| to_message(&shared, msg));
                    if let Delivery::Dropped {
                        sid,
                        subject,
                        first: true,
                    } = delivery
                    {
                        warn!(sid, %subject, "slow consumer: dropping messages");
                        self.shared.emit(Event::SlowConsumer { sid, subject });
                    }
                }
                ServerOp::Ping => self.writing.put_raw(b"PONG\r\n"),
                ServerOp::Pong => {
                    self.pings_outstanding = 0;
                    let waiter = lock(&self.shared.out).pongs.pop_front();
                    if let Some(Some(waiter)) = waiter {
                        let _ = waiter.send(());
                    }
                }
                ServerOp::Info(info) => {
                    drop(routes.take());
                    self.update_info(*info);
                }
                ServerOp::Err(text) => {
                    warn!(error = %text, "server error");
                    self.shared.emit(Event::ServerError(text));
                }
                ServerOp::Ok => {}
            }
        }
        self.shared.in_counters.add(messages, bytes);
        Ok(())
    }

    fn update_info(&mut self, info: natskit_proto::ServerInfo) {
        debug!(?info, "INFO update");
        {
            let mut out = lock(&self.shared.out);
            out.max_payload = info.max_payload;
            out.headers_supported = info.headers;
        }
        self.decoder
            .set_max_payload(info.max_payload.max(natskit_proto::DEFAULT_MAX_PAYLOAD));
        self.learn_servers(&info);
        if info.lame_duck_mode {
            self.shared.emit(Event::LameDuckMode);
            if self.pool.has_other(&self.shared.options.reconnect) {
                self.move_on = Some("the server entered lame duck mode".into());
            }
        }
        *lock(&self.shared.info) = info;
    }

    /// Adds the servers an INFO announces to the pool (unless told not to), and publishes the
    /// pool for `Client::servers`.
    fn learn_servers(&mut self, info: &natskit_proto::ServerInfo) {
        if self.shared.options.reconnect.use_discovered {
            if let Some(template) = self.pool.current().map(|e| e.addr.clone()) {
                let added = self.pool.update_discovered(&info.connect_urls, &template);
                if !added.is_empty() {
                    let servers: Vec<String> = added.iter().map(ToString::to_string).collect();
                    info!(?servers, "servers discovered");
                    self.shared.emit(Event::ServersDiscovered { servers });
                }
            }
        }
        *lock(&self.shared.servers) = self
            .pool
            .addresses()
            .iter()
            .map(ToString::to_string)
            .collect();
    }

    /// After a connection broke: keeps every publish that did not go out whole (the rest of
    /// the batch being written, then everything queued after it) as the start of the reconnect
    /// buffer, in order; drops SUB, UNSUB and PING (the subscription table is replayed after
    /// the reconnect); fails the flushes and the requests that can no longer be answered.
    fn salvage(&mut self) {
        self.keep_unsent_output();
        // Only now: whoever sees `Reconnecting` finds publishes already going to the buffer.
        let _ = self
            .shared
            .state
            .send_replace(ConnectionState::Reconnecting);
    }

    /// The work of [`Self::salvage`], under the locks.
    fn keep_unsent_output(&mut self) {
        let mut routes = lock(&self.shared.routes);
        let mut out = lock(&self.shared.out);
        out.connected = false;
        let written = self.written;
        let mut unsent = BytesMut::with_capacity(self.writing.len() + out.buf.len());
        unsent.extend_from_slice(&self.writing.to_bytes());
        unsent.extend_from_slice(&out.buf.to_bytes());
        self.written = 0;
        let total = unsent.len();
        let mut decoder = ClientOpDecoder::with_limits(Limits {
            max_control_line: usize::MAX,
            max_json_line: usize::MAX,
            max_payload: usize::MAX,
        });
        let mut kept = WriteBuffer::new();
        let mut answerable = HashSet::new();
        let mut dropped_whole = 0usize;
        loop {
            match decoder.decode(&mut unsent) {
                Ok(Some(ClientOp::Pub(publish))) => {
                    let end = total - unsent.len();
                    if end <= written {
                        continue; // Went out whole on the old connection.
                    }
                    if let Some(token) = publish.reply.as_deref().and_then(|r| routes.token_of(r)) {
                        answerable.insert(token);
                    }
                    kept.put_client_op(&ClientOp::Pub(publish));
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    // Our own output always decodes; if it ever does not, say so loudly.
                    warn!(error = %e, "could not read back unsent output; {} bytes dropped", unsent.len());
                    dropped_whole = unsent.len();
                    break;
                }
            }
        }
        debug!(
            kept = kept.len(),
            dropped_whole, "unsent output kept for the reconnect"
        );
        out.buf = kept;
        out.pongs.clear(); // Waiting flushes fail with Disconnected.
        routes.fail_waiters_except(&answerable);
        self.pings_outstanding = 0;
    }

    /// Tries the servers of the pool until one completes the handshake, then restores the
    /// subscriptions and queues the reconnect buffer behind them.
    async fn reconnect(&mut self) -> Result<Transport, String> {
        let shared = Arc::clone(&self.shared);
        let options = &shared.options.reconnect;
        let mut attempt = 0u64;
        let mut last_error = String::from("no attempt made");
        loop {
            let Some(index) = self.pool.next_candidate(options) else {
                return Err(format!(
                    "no server left to reconnect to; last error: {last_error}"
                ));
            };
            if options.max_total.is_some_and(|max| attempt >= max) {
                return Err(format!(
                    "gave up after {attempt} reconnect attempts; last error: {last_error}"
                ));
            }
            let Some(entry) = self.pool.entry(index).cloned() else {
                return Err("the server pool is empty".into());
            };
            let wait = delay_before(options, entry.failures);
            attempt += 1;
            let server = entry.addr.to_string();
            shared.emit(Event::Reconnecting {
                attempt,
                server: server.clone(),
            });
            let result = tokio::select! {
                biased;
                _ = shared.shutdown.notified() => return Err("closed by the client".into()),
                result = async {
                    tokio::time::sleep(wait).await;
                    establish(&entry.addr, &shared.options).await
                } => result,
            };
            match result {
                Ok(established) => {
                    self.pool.connected(index);
                    info!(%server, attempt, "reconnected");
                    return Ok(self.resume(established, server));
                }
                Err(e) => {
                    debug!(%server, error = %e, "reconnect attempt failed");
                    let auth_error = match &e {
                        ConnectError::Refused { message, .. } => Some(message.as_str()),
                        _ => None,
                    };
                    self.pool.failed(index, auth_error);
                    last_error = e.to_string();
                }
            }
        }
    }

    /// Takes over a new connection: SUB for every subscription first, then (behind them, in
    /// the shared buffer) the reconnect buffer.
    fn resume(&mut self, established: Established, server: String) -> Transport {
        let Established {
            stream,
            info,
            decoder,
            read_buf,
        } = established;
        self.decoder = decoder;
        self.read_buf = read_buf;
        self.writing.clear();
        self.written = 0;
        {
            let routes = lock(&self.shared.routes);
            let mut out = lock(&self.shared.out);
            routes.resubscribe(&mut self.writing);
            out.connected = true;
            out.max_payload = info.max_payload;
            out.headers_supported = info.headers;
        }
        self.shared.out_ready.notify_one();
        *lock(&self.shared.server) = server.clone();
        self.learn_servers(&info);
        *lock(&self.shared.info) = info;
        self.shared
            .in_counters
            .reconnects
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let _ = self.shared.state.send_replace(ConnectionState::Connected);
        self.shared.emit(Event::Reconnected { server });
        stream
    }

    /// On a requested close: writes what was accepted before closing the socket.
    async fn write_what_is_left(&mut self, writer: &mut WriteHalf) {
        loop {
            if self.written == self.writing.len() {
                self.writing.clear();
                self.written = 0;
                self.take_output();
                if self.writing.is_empty() {
                    break;
                }
            }
            match write_from(writer, &self.writing, self.written).await {
                Ok(0) | Err(_) => break,
                Ok(n) => self.written += n,
            }
        }
        let _ = writer.shutdown().await;
    }

    /// Ends every stream and waiter, and reports the client closed.
    fn close(&mut self, reason: String) {
        {
            let mut out = lock(&self.shared.out);
            out.closed = true;
            out.connected = false;
            out.pongs.clear();
            out.buf.clear();
        }
        lock(&self.shared.routes).clear();
        self.shared.out_space.notify_waiters();
        // The event first: whoever `close()` wakes finds it in the stream already.
        self.shared.emit(Event::Closed { reason });
        let _ = self.shared.state.send_replace(ConnectionState::Closed);
    }
}

fn to_message(shared: &Arc<Shared>, msg: Msg) -> Message {
    let status = msg
        .headers
        .as_ref()
        .and_then(natskit_proto::HeaderMap::status);
    let responder = msg.reply.as_ref().map(|_| Arc::clone(shared));
    Message {
        subject: msg.subject,
        reply: msg.reply,
        headers: msg.headers,
        status,
        payload: msg.payload,
        responder,
    }
}
