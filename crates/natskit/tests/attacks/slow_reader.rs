//! A reader that cannot keep up with a flood: what it holds unread stays within its pending
//! limit plus one read buffer (and the two 64 KiB chunks its messages are copied into once it
//! is behind). Messages share the read buffer they came in, and a reader that frees one slot
//! at a time used to keep a whole 64 KiB buffer alive for each small message.

use std::time::{Duration, Instant};

use bytes::Bytes;
use natskit_test::NatsServer;

use crate::child::{ClientProcess, Role};

/// The reader's pending byte limit.
const LIMIT: usize = 8 << 20;
/// One read buffer of the client.
const READ_BUFFER: u64 = 64 << 10;
/// The chunks a reader that is behind has its messages copied into: the one being filled and
/// the oldest one, which its unread messages keep alive.
const COPY_CHUNKS: u64 = 2 * (64 << 10);
/// What else the process may grow by meanwhile: its runtime, output and the allocator's own
/// bookkeeping.
const REST_OF_THE_PROCESS: u64 = 1 << 20;
/// How long the flood lasts.
const FLOOD: Duration = Duration::from_secs(8);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_reader_stays_within_its_pending_limit_plus_one_read_buffer() {
    let server = NatsServer::start().unwrap();
    let reader = ClientProcess::start(Role::SlowReader, &server.url(), "flood", LIMIT);
    let before = reader.rss();
    let publisher = natskit::connect(&server.url()).await.unwrap();
    let payload = Bytes::from(vec![b'x'; 100]);
    let started = Instant::now();
    let mut sent = 0u64;
    while started.elapsed() < FLOOD {
        for _ in 0..1000 {
            publisher.publish("flood", payload.clone()).await.unwrap();
        }
        sent += 1000;
    }
    publisher.flush().await.unwrap();
    let grown = reader.peak_rss().saturating_sub(before);
    eprintln!(
        "slow reader: {sent} messages of 100 bytes in {FLOOD:?}; RSS {:.1} MB before, grew {:.1} MB (limit {:.1} MB)",
        before as f64 / 1e6,
        grown as f64 / 1e6,
        LIMIT as f64 / 1e6
    );
    assert!(sent > 200_000, "the flood was a flood: {sent} messages");
    assert!(
        grown <= LIMIT as u64 + READ_BUFFER + COPY_CHUNKS + REST_OF_THE_PROCESS,
        "grew {grown} bytes with a limit of {LIMIT}"
    );
}
