//! The raw-socket ceiling of the JetStream and KV scenarios: what a client that costs nothing
//! gets out of the same nats-server (asynchronous publish, pull and ordered consume, the KV put
//! and get round trips). Frames are encoded before the clock starts; each read's answers
//! (acknowledgements to count, messages to ack) are answered in one write. A client library does
//! more work than this, so a target well above it is set by the server, not the client.

use std::io::{Error, Result};
use std::time::{Duration, Instant};

use natskit_proto::ServerOp;

use crate::raw::RawConn;

const REPLY_PREFIX: &str = "_INBOX.rawjs.";
/// Longer than any answer takes: a scenario that would wait forever (fewer messages stored than
/// asked for, a pull that never ends) fails instead.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection subscribed to `inbox`, its reads bounded by [`READ_TIMEOUT`].
fn subscribed(addr: &str, inbox: &str) -> Result<RawConn> {
    let mut conn = RawConn::connect(addr)?;
    conn.set_read_timeout(Some(READ_TIMEOUT))?;
    conn.write_all(format!("SUB {inbox} 1\r\n").as_bytes())?;
    conn.flush()?;
    Ok(conn)
}

/// The next message, or why none will come: the server's `-ERR` or a frame it sent malformed.
fn next_message(op: ServerOp) -> Result<Option<natskit_proto::Msg>> {
    match op {
        ServerOp::Msg(msg) => Ok(Some(msg)),
        ServerOp::Err(reason) => Err(Error::other(format!("the server said -ERR {reason}"))),
        ServerOp::Malformed(bad) => Err(Error::other(format!("a malformed message: {bad:?}"))),
        _ => Ok(None),
    }
}

/// Publishes `count` messages of `payload` to `subject` with at most `window` awaiting their
/// acknowledgements, each with its own reply subject as a real client needs; returns msgs/s,
/// timed until the last acknowledgement.
pub fn async_publish(
    addr: &str,
    subject: &str,
    payload: &[u8],
    count: u64,
    window: u64,
) -> Result<f64> {
    let mut conn = subscribed(addr, &format!("{REPLY_PREFIX}*"))?;
    // Every frame, back to back, and where each starts.
    let mut frames = Vec::with_capacity(count as usize * (payload.len() + 64));
    let mut starts = Vec::with_capacity(count as usize + 1);
    for i in 0..count {
        starts.push(frames.len());
        frames.extend_from_slice(
            format!("PUB {subject} {REPLY_PREFIX}{i} {}\r\n", payload.len()).as_bytes(),
        );
        frames.extend_from_slice(payload);
        frames.extend_from_slice(b"\r\n");
    }
    starts.push(frames.len());
    crate::js_bench::timing_starts();
    let start = Instant::now();
    let (mut sent, mut acked) = (0u64, 0u64);
    while acked < count {
        let limit = (acked + window).min(count);
        if sent < limit {
            conn.write_all(&frames[starts[sent as usize]..starts[limit as usize]])?;
            sent = limit;
        }
        let mut op = Some(conn.next_op()?);
        while let Some(this) = op {
            if let Some(msg) = next_message(this)? {
                if msg.headers().is_some() || has_error(msg.payload()) {
                    return Err(Error::other(format!(
                        "publish refused: {}",
                        String::from_utf8_lossy(msg.payload())
                    )));
                }
                acked += 1;
            }
            op = conn.buffered_op()?;
        }
    }
    Ok(count as f64 / start.elapsed().as_secs_f64())
}

/// How the raw reader finds its consumer.
#[derive(Clone, Copy)]
pub enum Consumer<'a> {
    /// A durable consumer with explicit acks made before the clock, as the clients' is; each
    /// message is acked.
    Durable(&'a str),
    /// A consumer named so, made on the clock as the clients make their ordered consumers
    /// (`ack_policy` none, in memory, one delivery); nothing is acked.
    Ordered(&'a str),
}

/// Reads `count` messages of `stream` through `consumer`, with `buffer` messages asked for
/// ahead (two pull requests of half each, one more each time a half has come); returns msgs/s.
pub fn pull_consume(
    addr: &str,
    stream: &str,
    consumer: Consumer<'_>,
    count: u64,
    buffer: u64,
) -> Result<f64> {
    let inbox = "_INBOX.rawpull";
    let mut conn = subscribed(addr, inbox)?;
    let (Consumer::Durable(name) | Consumer::Ordered(name)) = consumer;
    let ack = matches!(consumer, Consumer::Durable(_));
    let half = (buffer / 2).max(1);
    // No expiry and no heartbeat: this reader needs neither, and asking for them (as natskit
    // and async-nats do) did not change what the server did (three runs each way).
    let body = format!("{{\"batch\":{half}}}");
    let pull = format!(
        "PUB $JS.API.CONSUMER.MSG.NEXT.{stream}.{name} {inbox} {}\r\n{body}\r\n",
        body.len()
    )
    .into_bytes();
    crate::js_bench::timing_starts();
    let start = Instant::now();
    if let Consumer::Ordered(name) = consumer {
        create_ordered(&mut conn, stream, name, inbox)?;
    }
    let mut out = Vec::with_capacity(64 * 1024);
    out.extend_from_slice(&pull);
    out.extend_from_slice(&pull);
    let mut asked = 2 * half;
    let mut received = 0u64;
    while received < count {
        conn.write_all(&out)?;
        out.clear();
        let mut op = Some(conn.next_op()?);
        while let Some(this) = op {
            if let Some(msg) = next_message(this)? {
                match msg.reply() {
                    Some(reply) => {
                        if ack {
                            out.extend_from_slice(b"PUB ");
                            out.extend_from_slice(reply.as_bytes());
                            out.extend_from_slice(b" 0\r\n\r\n");
                        }
                        received += 1;
                        if received.is_multiple_of(half) && asked < count {
                            out.extend_from_slice(&pull);
                            asked += half;
                        }
                    }
                    // A status (408 and the like) ends a pull request early; this one never
                    // expires, so any status means something went wrong.
                    None => {
                        return Err(Error::other(format!(
                            "pull request ended: {:?}",
                            msg.headers().and_then(|h| h.status())
                        )))
                    }
                }
            }
            op = conn.buffered_op()?;
        }
    }
    conn.write_all(&out)?;
    let elapsed = start.elapsed();
    // Untimed: once the PONG is back, the server has taken every ack written before it.
    conn.flush()?;
    Ok(count as f64 / elapsed.as_secs_f64())
}

/// Makes the consumer `name` of `stream` as an ordered consumer is made, and waits for the
/// server's answer on `inbox`.
fn create_ordered(conn: &mut RawConn, stream: &str, name: &str, inbox: &str) -> Result<()> {
    let config = format!(
        "{{\"stream_name\":\"{stream}\",\"config\":{{\"name\":\"{name}\",\"deliver_policy\":\"all\",\
         \"ack_policy\":\"none\",\"max_deliver\":1,\"mem_storage\":true,\"num_replicas\":1,\
         \"replay_policy\":\"instant\",\"inactive_threshold\":300000000000}}}}"
    );
    conn.write_all(
        format!(
            "PUB $JS.API.CONSUMER.CREATE.{stream}.{name} {inbox} {}\r\n{config}\r\n",
            config.len()
        )
        .as_bytes(),
    )?;
    loop {
        if let Some(answer) = next_message(conn.next_op()?)? {
            if has_error(answer.payload()) {
                return Err(Error::other(format!(
                    "the consumer was refused: {}",
                    String::from_utf8_lossy(answer.payload())
                )));
            }
            return Ok(());
        }
    }
}

/// `count` requests to `subject` carrying `payload`, one at a time, each waiting for its answer;
/// returns the p50 round trip in microseconds. A KV put is such a request (to `$KV.<bucket>.<key>`,
/// answered by its acknowledgement), and so is a KV get (a direct get of the key's last message).
/// An answer with a status (no responders, not found) or an API error is an error.
pub fn round_trip_p50(addr: &str, subject: &str, payload: &[u8], count: u64) -> Result<f64> {
    let inbox = "_INBOX.rawrt";
    let mut conn = subscribed(addr, inbox)?;
    let mut request = format!("PUB {subject} {inbox} {}\r\n", payload.len()).into_bytes();
    request.extend_from_slice(payload);
    request.extend_from_slice(b"\r\n");
    let mut latencies = Vec::with_capacity(count as usize);
    crate::js_bench::timing_starts();
    for _ in 0..count {
        let start = Instant::now();
        conn.write_all(&request)?;
        loop {
            if let Some(msg) = next_message(conn.next_op()?)? {
                // A direct get's answer always has headers, and its payload is the value: only
                // an answer without headers is JSON that can hold an API error.
                let status = msg.headers().and_then(|h| h.status());
                if status.is_some() || msg.headers().is_none() && has_error(msg.payload()) {
                    return Err(Error::other(format!(
                        "{subject} answered with status {status:?}: {}",
                        String::from_utf8_lossy(msg.payload())
                    )));
                }
                break;
            }
        }
        latencies.push(start.elapsed().as_secs_f64() * 1e6);
    }
    Ok(crate::report::median(&latencies))
}

/// A JetStream API answer that reports an error.
fn has_error(payload: &[u8]) -> bool {
    payload.windows(7).any(|w| w == b"\"error\"")
}

#[cfg(test)]
mod tests {
    //! Against a real nats-server 2.10 `-js`: the ceiling does the work it claims to, every
    //! publish stored and every message acked, and says so when the server refuses.

    use natskit::jetstream::{ConsumerConfig, StreamConfig};

    use super::*;

    struct Setup {
        server: natskit_test::NatsServer,
        runtime: tokio::runtime::Runtime,
        js: natskit::jetstream::Context,
    }

    impl Setup {
        fn start() -> Setup {
            let binary = natskit_test::binary::newer_nats_server().expect("nats-server 2.10");
            let server = natskit_test::NatsServer::builder()
                .binary(binary)
                .jetstream()
                .start()
                .expect("nats-server -js");
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            let js = runtime.block_on(async {
                natskit::jetstream::new(natskit::connect(&server.url()).await.expect("connect"))
            });
            runtime
                .block_on(js.create_stream(StreamConfig::new("RAW").subjects(["raw.>"])))
                .expect("stream");
            Setup {
                server,
                runtime,
                js,
            }
        }

        fn consumer(&self, name: &str) -> natskit::jetstream::ConsumerInfo {
            self.runtime
                .block_on(self.js.consumer_info("RAW", name))
                .expect("consumer info")
        }

        fn addr(&self) -> String {
            self.server.url().trim_start_matches("nats://").to_owned()
        }
    }

    #[test]
    fn every_publish_is_stored_and_every_message_acked() {
        let setup = Setup::start();
        let rate = async_publish(&setup.addr(), "raw.x", b"payload", 1_000, 64).unwrap();
        assert!(rate > 0.0);
        let stored = setup.runtime.block_on(setup.js.stream_info("RAW")).unwrap();
        assert_eq!(stored.state.messages, 1_000);

        setup
            .runtime
            .block_on(
                setup
                    .js
                    .create_pull_consumer("RAW", ConsumerConfig::durable("c")),
            )
            .unwrap();
        let rate = pull_consume(&setup.addr(), "RAW", Consumer::Durable("c"), 1_000, 100).unwrap();
        assert!(rate > 0.0);
        let info = setup.consumer("c");
        assert_eq!(info.ack_floor.stream_seq, 1_000);
        assert_eq!(info.num_ack_pending, 0);
    }

    #[test]
    fn an_ordered_read_makes_its_consumer_and_reads_every_message_unacked() {
        let setup = Setup::start();
        async_publish(&setup.addr(), "raw.x", b"payload", 300, 64).unwrap();
        let rate = pull_consume(&setup.addr(), "RAW", Consumer::Ordered("o"), 300, 100).unwrap();
        assert!(rate > 0.0);
        let info = setup.consumer("o");
        assert_eq!(info.delivered.stream_seq, 300);
        assert_eq!(info.config.ack_policy, natskit::jetstream::AckPolicy::None);
    }

    #[test]
    fn a_kv_put_and_get_make_round_trips_and_a_missing_key_is_an_error() {
        let setup = Setup::start();
        let kv = setup
            .runtime
            .block_on(
                setup
                    .js
                    .create_key_value(natskit::jetstream::kv::KvConfig::new("RAWKV")),
            )
            .unwrap();
        let put = round_trip_p50(&setup.addr(), "$KV.RAWKV.key", b"value", 20).unwrap();
        assert!(put > 0.0);
        let written = setup.runtime.block_on(kv.entry("key")).unwrap().unwrap();
        assert_eq!(written.revision, 20);
        let get = "$JS.API.DIRECT.GET.KV_RAWKV.$KV.RAWKV.key";
        assert!(round_trip_p50(&setup.addr(), get, b"", 20).unwrap() > 0.0);
        let missing = "$JS.API.DIRECT.GET.KV_RAWKV.$KV.RAWKV.nothing";
        let error = round_trip_p50(&setup.addr(), missing, b"", 1).unwrap_err();
        assert!(error.to_string().contains("Some(404)"), "{error}");
    }

    #[test]
    fn a_publish_no_stream_takes_is_an_error_not_a_hang() {
        let setup = Setup::start();
        let error = async_publish(&setup.addr(), "nowhere.x", b"payload", 10, 4).unwrap_err();
        assert!(error.to_string().contains("publish refused"), "{error}");
    }
}
