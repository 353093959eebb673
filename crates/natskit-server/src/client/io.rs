//! The tasks of one client connection: a reader that decodes and carries out what the client
//! sends (through a [`Session`]), and a writer that sends what is queued for it.

use std::sync::Arc;
use std::time::Duration;

use natskit_proto::ServerInfo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{interval_at, sleep, Instant, MissedTickBehavior};

use crate::client::protocol::{Close, Session};
use crate::client::read_buffer::ReadBuffer;
use crate::client::shared::{small_write_buffer, Conn, WRITE_MIN};
use crate::state::State;
use crate::texts;
use crate::tls::Tls;
use natskit_proto::sync::lock;

/// The first byte of a TLS handshake record.
const TLS_HANDSHAKE_RECORD: u8 = 0x16;

/// A writer whose last batches were larger than this gives its buffers back after
/// [`WRITE_IDLE`] without anything to write.
const WRITE_KEEP: usize = 4 * WRITE_MIN;

/// How long a writer keeps large buffers while nothing is written.
const WRITE_IDLE: Duration = Duration::from_secs(1);

/// Longest pause of a publisher for one consumer that is behind; after it, the consumer's
/// pending limit decides (nats-server pauses publishers in the same way).
const MAX_STALL: Duration = Duration::from_secs(1);

/// Serves one client connection until it ends; `reader` and `writer` are its two halves.
pub(crate) async fn serve<R, W>(state: Arc<State>, conn: Arc<Conn>, reader: R, writer: W)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let cleanup = Cleanup { state, conn };
    let info = greeting(&cleanup.state, &cleanup.conn);
    cleanup.conn.send(|out| out.put_info(&info));
    run(cleanup, reader, writer, info.nonce).await;
}

/// Serves a TCP client of a TLS broker: INFO in plain text, then the client's handshake (within
/// the authentication timeout), then the protocol over TLS; with handshake-first, the handshake
/// at once and INFO over TLS. A client that does not start a handshake is disconnected without
/// a word, as nats-server 2.9 does.
pub(crate) async fn serve_tls(state: Arc<State>, conn: Arc<Conn>, mut stream: TcpStream, tls: Tls) {
    // Owned by `run` once the handshake is done; it cleans up an early return as well.
    let cleanup = Cleanup {
        state: state.clone(),
        conn: conn.clone(),
    };
    let info = greeting(&state, &conn);
    let handshake = async {
        if !tls.handshake_first {
            let mut plain = small_write_buffer();
            plain.put_info(&info);
            stream.write_all_buf(&mut plain).await?;
        }
        // Go's TLS (so nats-server) drops a client whose first record is no handshake without
        // an alert; rustls would send one.
        let mut first = [0u8; 1];
        stream.peek(&mut first).await?;
        if first[0] != TLS_HANDSHAKE_RECORD {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "first record does not look like a TLS handshake",
            ));
        }
        tls.acceptor.accept(stream).await
    };
    let stream = tokio::select! {
        done = tokio::time::timeout(state.options().limits.auth_timeout, handshake) => match done {
            Ok(Ok(stream)) => {
                // Its names, for verify_and_map (the chain was verified in the handshake).
                let first = stream.get_ref().1.peer_certificates().and_then(|c| c.first());
                if let Some(id) = first.and_then(|der| crate::cert::identity(der)) {
                    let _ = conn.cert.set(id);
                }
                stream
            }
            Ok(Err(e)) => {
                tracing::error!("{} - TLS handshake error: {e}", conn.label());
                return;
            }
            Err(_) => {
                tracing::error!("{} - TLS handshake timeout", conn.label());
                return;
            }
        },
        () = conn.closed() => return,
    };
    if tls.handshake_first {
        conn.send(|out| out.put_info(&info));
    }
    let (reader, writer) = tokio::io::split(stream);
    run(cleanup, reader, writer, info.nonce).await;
}

/// The INFO a new connection gets, with a fresh nonce when NKey users are configured.
fn greeting(state: &State, conn: &Conn) -> ServerInfo {
    let mut info = state.info(conn);
    if state.options().needs_nonce() {
        info.nonce = crate::auth::nonce();
    }
    info
}

/// Runs the connection once INFO is on its way; `nonce` is the one INFO carried. `cleanup`
/// takes the connection out of the broker however this task ends, even cancelled (a dropped
/// runtime): subscriptions refer to their connection, so they must leave the index for the
/// connection to be freed.
async fn run<R, W>(cleanup: Cleanup, mut reader: R, writer: W, nonce: String)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (state, conn) = (&cleanup.state, &cleanup.conn);
    let limits = state.options().limits.clone();
    let writer_task = tokio::spawn(write_loop(
        state.clone(),
        conn.clone(),
        writer,
        limits.write_deadline,
    ));

    let too_many = lock(&state.conns).len() > limits.max_connections;
    let end = if too_many {
        Close {
            reason: "too many connections".into(),
            err: Some(texts::MAX_CONNECTIONS),
        }
    } else {
        read_loop(state, conn, &mut reader, nonce).await
    };
    conn.close(&end.reason, end.err);
    if let Some(err) = end.err {
        if crate::client::trace::wanted() {
            crate::client::trace::emit(conn, format_args!("->> [-ERR {err}]"));
        }
        tracing::error!("{} - {err}", conn.label());
    }
    tracing::debug!(
        "{} - Client connection closed: {}",
        conn.label(),
        end.reason
    );
    cleanup.leave();
    // The writer sends what is queued (an -ERR, say) and closes its half.
    let _ = writer_task.await;
}

/// Takes a connection out of the broker when its task ends.
struct Cleanup {
    state: Arc<State>,
    conn: Arc<Conn>,
}

impl Cleanup {
    /// Closes the connection (if nothing did yet) and takes it and its subscriptions out of
    /// the broker, so nobody queues for it any more.
    fn leave(&self) {
        self.conn.close("connection task ended", None);
        self.state.remove_all_subscriptions(&self.conn);
        crate::events::disconnected(&self.state, &self.conn);
        // Once: the second call finds the connection gone from the table.
        if lock(&self.state.conns).remove(&self.conn.id).is_some() {
            if let Some(&index) = self.conn.account.get() {
                self.state.spaces[index].leave();
            }
        }
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.leave();
        // What was queued and not written can go: nobody will write it now.
        self.conn.discard_pending();
    }
}

async fn read_loop<R: AsyncRead + Unpin>(
    state: &Arc<State>,
    conn: &Arc<Conn>,
    reader: &mut R,
    nonce: String,
) -> Close {
    let options = state.options();
    let limits = &options.limits;
    let mut session = Session::new(state.clone(), conn.clone(), nonce);
    let mut buf = ReadBuffer::new();
    let auth_deadline = sleep(limits.auth_timeout);
    tokio::pin!(auth_deadline);
    let ping_every = limits.ping_interval.max(Duration::from_millis(1));
    // A huge interval (Duration::MAX, say) means practically never.
    let first_ping = Instant::now()
        .checked_add(ping_every)
        .unwrap_or_else(|| Instant::now() + Duration::from_secs(100 * 365 * 86_400));
    let mut pings = interval_at(first_ping, ping_every);
    pings.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut active = false;
    // nats-server gives up on a silent client only when it must authenticate; without auth,
    // the PINGs below still find out when such a client is gone.
    let auth_required = options.auth_required();
    loop {
        tokio::select! {
            read = reader.read_buf(buf.for_read()) => match read {
                Ok(0) => return closed_by_client(),
                Ok(n) => {
                    active = true;
                    let handled = session.handle(buf.data());
                    buf.read(n);
                    if let Err(close) = handled {
                        return close;
                    }
                    // Writers this batch woke wait in this thread's next-task slot, which the
                    // other threads cannot take: without a yield they would wait until this
                    // reader finds its socket empty (or spends its budget), however long a
                    // publisher keeps it busy, and the subscribers idle meanwhile. After the
                    // yield the writers run at once, and this reader goes on on another thread.
                    if session.take_woke() {
                        tokio::task::yield_now().await;
                    }
                    // One pause for all the consumers that are behind, however many.
                    let stalled = session.take_stalled();
                    if !stalled.is_empty() {
                        let all_drained = async {
                            for consumer in &stalled {
                                consumer.drained().await;
                            }
                        };
                        tokio::select! {
                            _ = tokio::time::timeout(MAX_STALL, all_drained) => {}
                            () = conn.closed() => return closed_elsewhere(conn),
                        }
                    }
                }
                Err(e) => return Close { reason: format!("read error: {e}"), err: None },
            },
            () = &mut auth_deadline, if auth_required && !session.is_connected() => {
                return Close::with_err(texts::AUTH_TIMEOUT);
            }
            text = until_expiry(session.expiry()) => return Close::with_err(text),
            _ = pings.tick() => {
                if !active {
                    buf.idle();
                }
                if let Err(close) = session.ping_tick(std::mem::take(&mut active)) {
                    return close;
                }
            }
            () = conn.closed() => return closed_elsewhere(conn),
        }
    }
}

/// Waits until a JWT login's expiry (Unix seconds), then gives its `-ERR` text; never ends
/// without one. As nats-server, a whole-second timer from now.
async fn until_expiry(expiry: Option<(i64, &'static str)>) -> &'static str {
    let Some((at, text)) = expiry else {
        return std::future::pending().await;
    };
    let left = at.saturating_sub(crate::jwt::now()).max(0);
    sleep(Duration::from_secs(left.unsigned_abs())).await;
    text
}

fn closed_by_client() -> Close {
    Close {
        reason: "client closed the connection".into(),
        err: None,
    }
}

/// The end of a connection closed from elsewhere (a slow consumer, a shutdown).
fn closed_elsewhere(conn: &Conn) -> Close {
    Close {
        reason: conn.close_reason().unwrap_or_else(|| "closed".into()),
        err: None,
    }
}

/// Writes what is queued for the connection until it is closed and everything is sent. Its
/// buffers grow with the traffic and, after [`WRITE_IDLE`] of quiet, go back to small ones.
async fn write_loop<W: AsyncWrite + Unpin>(
    state: Arc<State>,
    conn: Arc<Conn>,
    mut writer: W,
    deadline: Duration,
) {
    let mut batch = small_write_buffer();
    // The largest batch since the buffers were last made small: whether they may have grown.
    let mut largest = 0;
    loop {
        let closed = conn.take(&mut batch);
        if batch.is_empty() {
            if closed {
                break;
            }
            if largest <= WRITE_KEEP {
                conn.writer_wakeup().await;
            } else if tokio::time::timeout(WRITE_IDLE, conn.writer_wakeup())
                .await
                .is_err()
            {
                // Quiet for a while: both buffers go back to small ones.
                batch = small_write_buffer();
                conn.shrink_idle();
                largest = 0;
            }
            continue;
        }
        largest = largest.max(batch.len());
        match tokio::time::timeout(deadline, writer.write_all_buf(&mut batch)).await {
            Ok(Ok(())) => conn.written(),
            Ok(Err(e)) => {
                conn.close(&format!("write error: {e}"), None);
                return;
            }
            Err(_) => {
                state
                    .counters
                    .slow_consumers
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tracing::info!(
                    "{} - Slow Consumer Detected: WriteDeadline of {deadline:?} exceeded",
                    conn.label()
                );
                conn.close("slow consumer: write deadline exceeded", None);
                return;
            }
        }
    }
    let _ = tokio::time::timeout(deadline, writer.shutdown()).await;
}
