//! The one task that owns a connection's socket.
//!
//! It waits on four things at once: bytes from the server, room in the socket for pending
//! output, output becoming available, and the keepalive timer. Output is taken from the shared
//! buffer by swapping it for an empty one, so publishers never wait on the socket, and a whole
//! batch of publishes goes out in one vectored write.

use std::io::IoSlice;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, BytesMut};
use natskit_proto::{Msg, ServerOp, ServerOpDecoder, WriteBuffer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::time::{interval_at, Instant, MissedTickBehavior};
use tracing::{debug, warn};

use crate::events::Event;
use crate::routes::{Delivery, PendingLimits};
use crate::shared::{lock, Shared};
use crate::Message;

/// Read buffer space made available before each read.
const READ_RESERVE: usize = 64 * 1024;
/// Most chunks handed to one vectored write.
const MAX_IOVECS: usize = 64;

/// Why the connection task stopped.
enum Stop {
    Requested,
    Failed(String),
}

/// What woke the task.
enum Wake {
    Shutdown,
    Read(std::io::Result<usize>),
    Wrote(std::io::Result<usize>),
    OutputReady,
    PingTick,
}

struct Driver {
    shared: Arc<Shared>,
    decoder: ServerOpDecoder,
    read_buf: BytesMut,
    writing: WriteBuffer,
    pings_outstanding: usize,
    limits: PendingLimits,
}

/// Runs the connection until it fails or the client closes it.
pub(crate) async fn run(
    shared: Arc<Shared>,
    stream: TcpStream,
    decoder: ServerOpDecoder,
    read_buf: BytesMut,
) {
    let limits = PendingLimits {
        messages: shared.options.limits.pending_messages,
        bytes: shared.options.limits.pending_bytes,
    };
    let mut driver = Driver {
        shared,
        decoder,
        read_buf,
        writing: WriteBuffer::new(),
        pings_outstanding: 0,
        limits,
    };
    let (mut reader, mut writer) = stream.into_split();
    let stop = driver.serve(&mut reader, &mut writer).await;
    driver.finish(stop, &mut writer).await;
}

async fn write_some(writer: &mut OwnedWriteHalf, out: &WriteBuffer) -> std::io::Result<usize> {
    let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
    let n = out.chunks_vectored(&mut slices);
    writer.write_vectored(&slices[..n]).await
}

impl Driver {
    async fn serve(
        &mut self,
        reader: &mut tokio::net::tcp::OwnedReadHalf,
        writer: &mut OwnedWriteHalf,
    ) -> Stop {
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
            if self.writing.is_empty() {
                self.take_output();
            }
            if self.read_buf.capacity() - self.read_buf.len() < READ_RESERVE / 4 {
                self.read_buf.reserve(READ_RESERVE);
            }
            let shared = Arc::clone(&self.shared);
            let wake = tokio::select! {
                biased;
                _ = shared.shutdown.notified() => Wake::Shutdown,
                read = reader.read_buf(&mut self.read_buf) => Wake::Read(read),
                wrote = write_some(writer, &self.writing), if !self.writing.is_empty() => Wake::Wrote(wrote),
                _ = shared.out_ready.notified(), if self.writing.is_empty() => Wake::OutputReady,
                _ = pings.tick() => Wake::PingTick,
            };
            match wake {
                Wake::Shutdown => return Stop::Requested,
                Wake::Read(Ok(0)) => {
                    return Stop::Failed("the server closed the connection".into())
                }
                Wake::Read(Ok(_)) => {
                    if let Err(e) = self.process_input() {
                        return Stop::Failed(format!("protocol error: {e}"));
                    }
                }
                Wake::Read(Err(e)) => return Stop::Failed(format!("read error: {e}")),
                Wake::Wrote(Ok(n)) => self.writing.advance(n),
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
                ServerOp::Info(info) => self.update_info(*info),
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
        if info.lame_duck_mode {
            self.shared.emit(Event::LameDuckMode);
        }
        *lock(&self.shared.info) = info;
    }

    /// Writes what was accepted (on a requested close), then ends every stream and waiter.
    async fn finish(&mut self, stop: Stop, writer: &mut OwnedWriteHalf) {
        let reason = match stop {
            Stop::Requested => {
                self.take_output();
                while self.writing.has_remaining() {
                    match write_some(writer, &self.writing).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => self.writing.advance(n),
                    }
                    if self.writing.is_empty() {
                        self.take_output();
                    }
                }
                let _ = writer.shutdown().await;
                "closed by the client".to_owned()
            }
            Stop::Failed(reason) => {
                warn!(%reason, "connection lost");
                self.shared.emit(Event::Disconnected {
                    reason: reason.clone(),
                });
                reason
            }
        };
        {
            let mut out = lock(&self.shared.out);
            out.closed = true;
            out.pongs.clear();
        }
        lock(&self.shared.routes).clear();
        self.shared.out_space.notify_waiters();
        self.shared.emit(Event::Closed { reason });
        self.shared.stopped.send_replace(true);
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
