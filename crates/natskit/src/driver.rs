//! The connection task: I/O and timers only. It reads into the machine, writes what the
//! machine yields, sleeps until the machine's deadline, and hands the connection to the
//! dialer when it breaks. Every decision is the machine's (see `machine`).
//!
//! Output is taken from the machine a batch at a time, so publishers never wait on the
//! socket and a whole batch goes out in one vectored write. A batch is kept until all of it
//! is written: if the connection breaks first, it goes back to the machine with the number of
//! bytes written, and the machine keeps the publishes that did not go out whole.

use std::io::IoSlice;
use std::sync::Arc;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::{sleep_until, Instant};
use tracing::Instrument;

use crate::dialer::dial;
use crate::gather::Gathering;
use crate::handshake::Established;
use crate::machine::Transmit;
use crate::shared::{Machine, Shared};
use crate::transport::{ReadHalf, WriteHalf};

/// Read buffer space made available before each read.
const READ_RESERVE: usize = 64 * 1024;
/// Most chunks handed to one vectored write.
const MAX_IOVECS: usize = 64;

/// Why serving a connection stopped.
enum Stop {
    /// `close()`, or the last handle dropped.
    Requested,
    /// The connection broke, or is to be left (stale, lame duck mode, `force_reconnect`).
    Lost(String),
}

/// What woke the task.
enum Wake {
    Shutdown,
    Reconnect,
    Read(std::io::Result<usize>),
    Sent(std::io::Result<Sent>),
    OutputReady,
    Timer,
}

/// The machine's next deadline, and why to leave the connection if it should be left.
type Step = (Option<std::time::Instant>, Option<String>);

/// Chunks of [`INPUT_CHUNK`](crate::machine::INPUT_CHUNK) operations the connection task hands
/// on before it lets its worker go, when more input is waiting (see [`Io::handle_input`]).
const CHUNKS_PER_TURN: u32 = 2;

/// One connection's I/O.
struct Io {
    shared: Arc<Shared>,
    reader: ReadHalf,
    writer: WriteHalf,
    read_buf: BytesMut,
    /// The batch being written, and how much of it the socket took.
    batch: Option<Transmit>,
    written: usize,
    /// A stream that buffers (TLS) took a batch that it may not have sent yet.
    unflushed: bool,
    /// Whole chunks of input handled since the task last let its worker go.
    chunks_this_turn: u32,
    /// Whether to let other publishers add to a small output before taking it.
    gathering: Gathering,
}

/// Runs the connection made by the first connect in a task of its own, reconnecting as
/// needed, until the client closes it or no server is left.
pub(crate) fn spawn(shared: Arc<Shared>, established: Established) {
    tokio::spawn(run(shared, established));
}

async fn run(shared: Arc<Shared>, mut established: Established) {
    loop {
        let (reader, writer) = established.stream.into_split();
        let mut io = Io {
            shared: Arc::clone(&shared),
            reader,
            writer,
            read_buf: established.read_buf,
            batch: None,
            written: 0,
            unflushed: false,
            chunks_this_turn: 0,
            gathering: Gathering::default(),
        };
        match io.serve().await {
            Stop::Requested => {
                // Bounded: a server that stopped reading must not hold the close up forever.
                let timeout = shared.options().timing.flush_timeout;
                let _ = tokio::time::timeout(timeout, io.write_what_is_left()).await;
                return shared.close("closed by the client".to_owned());
            }
            Stop::Lost(reason) => {
                let unfinished = io.batch.take().map(|batch| (batch, io.written));
                drop(io);
                shared.connection_lost(reason, unfinished);
            }
        }
        let span = tracing::debug_span!("natskit.reconnect");
        match dial(&shared).instrument(span).await {
            Ok(next) => established = next,
            Err(gave_up) => return shared.close(gave_up.reason),
        }
    }
}

impl Io {
    async fn serve(&mut self) -> Stop {
        let shared = Arc::clone(&self.shared);
        let timer = sleep_until(far_future());
        tokio::pin!(timer);
        let mut armed = None;
        // Bytes that came in the same read as the handshake's PONG are waiting already.
        let mut next = Some(self.handle_input(false));
        let mut just_read = false;
        loop {
            let ((deadline, leave), unfinished) = match next.take() {
                Some(Err(stop)) => return stop,
                Some(Ok(handled)) => handled,
                None => ((armed, None), false),
            };
            if let Some(reason) = leave {
                return Stop::Lost(reason);
            }
            if deadline != armed {
                armed = deadline;
                timer
                    .as_mut()
                    .reset(deadline.map_or_else(far_future, Instant::from_std));
            }
            if unfinished {
                // More whole operations wait in the buffer: their turn comes after the
                // worker's other tasks (see `handle_input`), before any more is read.
                tokio::task::yield_now().await;
                next = Some(self.handle_input(false));
                continue;
            }
            self.take_batch_if_idle();
            if self.read_buf.capacity() - self.read_buf.len() < READ_RESERVE / 4 {
                self.read_buf.reserve(READ_RESERVE);
            }
            let writing = self.batch.is_some();
            let may_send = writing || self.unflushed;
            // Reading comes first, so a closed connection is seen before more is written into
            // it; but after a read, a write that is ready goes first: under a steady stream of
            // incoming messages the read is always ready, and what the application answers
            // (acknowledgements, replies, pull requests) must not wait behind it.
            let wake = if just_read && may_send {
                tokio::select! {
                    biased;
                    _ = shared.shutdown_requested() => Wake::Shutdown,
                    _ = shared.reconnect_requested() => Wake::Reconnect,
                    sent = send(&mut self.writer, self.batch.as_ref(), self.written) => Wake::Sent(sent),
                    read = self.reader.read_buf(&mut self.read_buf) => Wake::Read(read),
                    _ = &mut timer => Wake::Timer,
                }
            } else {
                tokio::select! {
                    biased;
                    _ = shared.shutdown_requested() => Wake::Shutdown,
                    _ = shared.reconnect_requested() => Wake::Reconnect,
                    read = self.reader.read_buf(&mut self.read_buf) => Wake::Read(read),
                    sent = send(&mut self.writer, self.batch.as_ref(), self.written), if may_send => {
                        Wake::Sent(sent)
                    }
                    _ = shared.output_ready(), if !writing => Wake::OutputReady,
                    _ = &mut timer => Wake::Timer,
                }
            };
            just_read = matches!(wake, Wake::Read(_));
            match wake {
                Wake::Shutdown => return Stop::Requested,
                // The machine says whether to leave: a wake-up left over from a request made
                // while reconnecting finds nothing to do.
                Wake::Reconnect => {
                    next = Some(Ok(((armed, shared.with(Machine::take_leave)), false)))
                }
                Wake::Read(Ok(0)) => return Stop::Lost("the server closed the connection".into()),
                Wake::Read(Ok(_)) => next = Some(self.handle_input(true)),
                Wake::Read(Err(e)) => return Stop::Lost(format!("read error: {e}")),
                Wake::Sent(Ok(Sent::Wrote(0))) => {
                    return Stop::Lost("the socket accepts no more".into())
                }
                Wake::Sent(Ok(Sent::Wrote(n))) => self.wrote(n),
                Wake::Sent(Ok(Sent::Flushed)) => self.unflushed = false,
                Wake::Sent(Err(e)) => return Stop::Lost(format!("write error: {e}")),
                Wake::OutputReady => self.gather_more().await,
                Wake::Timer => {
                    armed = None; // A fired timer must be set again, even to the same instant.
                    let now = Instant::now().into_std();
                    let step = shared.with(|machine| {
                        machine.handle_timeout(now);
                        (machine.poll_timeout(), machine.take_leave())
                    });
                    next = Some(Ok((step, false)));
                }
            }
        }
    }

    /// Hands what was read to the machine (`new_read`: bytes from a read just made); returns its
    /// next deadline, whether to leave, and whether whole operations are still waiting. A chunk
    /// at a time, so the first messages reach subscribers while the rest is decoded; and
    /// [`CHUNKS_PER_TURN`] chunks at a time, after which the caller lets the worker go. A
    /// subscriber woken by a delivery waits in this worker's next-task slot, which no other
    /// worker may take: handling a whole flood of reads in one turn left it there while
    /// hundreds of thousands of messages piled up for it, past the pending limit (messages
    /// dropped in about one pub/sub run in ten at the defaults). tokio lets the subscriber take
    /// 128 messages a turn, so handing it about as many keeps it up.
    fn handle_input(&mut self, mut new_read: bool) -> Result<(Step, bool), Stop> {
        let read_buf = &mut self.read_buf;
        loop {
            let (more, step) = self.shared.with(|machine| {
                if std::mem::take(&mut new_read) {
                    machine.new_read();
                }
                match machine.handle_input(read_buf) {
                    Ok(more) => Ok((more, (machine.poll_timeout(), machine.take_leave()))),
                    Err(e) => Err(Stop::Lost(format!("protocol error: {e}"))),
                }
            })?;
            if !more || step.1.is_some() {
                return Ok((step, false));
            }
            self.chunks_this_turn += 1;
            if self.chunks_this_turn >= CHUNKS_PER_TURN {
                self.chunks_this_turn = 0;
                return Ok((step, true));
            }
        }
    }

    /// Woken because output became ready: lets the worker's other ready tasks add to it first,
    /// while that pays (see `gather.rs`). Not with `tokio::task::yield_now`: it holds the task
    /// on this worker until the worker runs out of work, so a flooding publisher and this task
    /// took turns on one worker (ingest to the embedded broker 5.92 M msgs/s against 10.31 M).
    async fn gather_more(&mut self) {
        let before = self.shared.read(|machine| machine.output_len());
        if self.gathering.should_wait(before) {
            to_the_back_of_the_queue().await;
            let after = self.shared.read(|machine| machine.output_len());
            self.gathering.waited(before, after);
        }
    }

    /// Takes the machine's next batch when none is being written.
    fn take_batch_if_idle(&mut self) {
        if self.batch.is_none() {
            self.batch = self.shared.next_transmit(None);
            self.written = 0;
        }
    }

    /// The socket took `n` more bytes of the batch; a batch written whole goes back to the
    /// machine, and the next one is taken.
    fn wrote(&mut self, n: usize) {
        self.written += n;
        let done = self.batch.as_ref().is_some_and(|b| self.written == b.len());
        if done {
            self.batch = self.shared.next_transmit(self.batch.take());
            self.written = 0;
            self.unflushed = self.writer.buffers();
        }
    }

    /// On a requested close: writes what was accepted before closing the socket.
    async fn write_what_is_left(&mut self) {
        self.take_batch_if_idle();
        while self.batch.is_some() {
            match send(&mut self.writer, self.batch.as_ref(), self.written).await {
                Ok(Sent::Wrote(n)) if n > 0 => self.wrote(n),
                _ => break,
            }
        }
        let _ = self.writer.shutdown().await;
    }
}

/// What one turn of output did.
enum Sent {
    /// The socket took this many more bytes of the batch.
    Wrote(usize),
    /// A buffering stream (TLS) sent what it held.
    Flushed,
}

/// Writes as much of `batch` from `offset` on as the socket takes in one vectored write; with
/// no batch, flushes instead. TLS keeps the end of a batch when the socket is full, and it must
/// go out once nothing follows it, not wait for the next write.
async fn send(
    writer: &mut WriteHalf,
    batch: Option<&Transmit>,
    offset: usize,
) -> std::io::Result<Sent> {
    let Some(batch) = batch else {
        writer.flush().await?;
        return Ok(Sent::Flushed);
    };
    let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
    let n = batch.chunks_from(offset, &mut slices);
    Ok(Sent::Wrote(writer.write_vectored(&slices[..n]).await?))
}

/// A deadline that never comes, for a timer with nothing to wait for.
fn far_future() -> Instant {
    Instant::now() + std::time::Duration::from_secs(86_400 * 365)
}

/// Lets every task already queued on this worker run before this one goes on, while the
/// other workers may take this one over: a task that wakes itself goes to the back of its
/// worker's queue, which others steal from.
async fn to_the_back_of_the_queue() {
    let mut woken = false;
    std::future::poll_fn(|cx| {
        if woken {
            return std::task::Poll::Ready(());
        }
        woken = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    })
    .await;
}
