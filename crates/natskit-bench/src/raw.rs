//! The raw-socket ceiling: blocking std sockets writing pre-encoded frames, with natskit-proto
//! only to read the server's answers. No client library can beat these numbers.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use natskit_proto::{ServerOp, ServerOpDecoder};

/// A blocking connection that has completed the handshake.
pub struct RawConn {
    stream: TcpStream,
    decoder: ServerOpDecoder,
    buf: BytesMut,
}

impl RawConn {
    pub fn connect(addr: &str) -> std::io::Result<RawConn> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        let mut conn = RawConn {
            stream,
            decoder: ServerOpDecoder::new(),
            buf: BytesMut::with_capacity(64 * 1024),
        };
        conn.next_op()?; // INFO
        conn.stream
            .write_all(b"CONNECT {\"verbose\":false,\"pedantic\":false,\"protocol\":1,\"headers\":true,\"no_responders\":true}\r\nPING\r\n")?;
        while !matches!(conn.next_op()?, ServerOp::Pong) {}
        Ok(conn)
    }

    /// The next operation from the server; PINGs are answered here (a server closes
    /// connections that leave its PINGs unanswered).
    pub fn next_op(&mut self) -> std::io::Result<ServerOp> {
        loop {
            if let Some(op) = self.buffered_op()? {
                return Ok(op);
            }
            self.buf.reserve(64 * 1024);
            let start = self.buf.len();
            self.buf.resize(start + 64 * 1024, 0);
            let n = self.stream.read(&mut self.buf[start..])?;
            self.buf.truncate(start + n);
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
        }
    }

    /// The next operation already in the read buffer, without reading: what came with the
    /// last read, so a caller can answer all of it in one write. PINGs are answered here.
    pub fn buffered_op(&mut self) -> std::io::Result<Option<ServerOp>> {
        loop {
            match self.decoder.decode(&mut self.buf) {
                // What came with the PING (a MSG, say) is in the buffer already: decode it
                // before reading, or we wait for bytes that may never come.
                Ok(Some(ServerOp::Ping)) => self.stream.write_all(b"PONG\r\n")?,
                Ok(op) => return Ok(op),
                Err(e) => return Err(std::io::Error::other(e)),
            }
        }
    }

    /// How long a read may wait before it fails (none: forever).
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> std::io::Result<()> {
        self.stream.set_read_timeout(timeout)
    }

    pub fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// PING and wait for the PONG.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.stream.write_all(b"PING\r\n")?;
        while !matches!(self.next_op()?, ServerOp::Pong) {}
        Ok(())
    }
}

/// Publishes `count` 16-byte messages from one pre-encoded batch; timed until the PONG.
pub fn publish(addr: &str, count: u64) -> std::io::Result<Duration> {
    let mut conn = RawConn::connect(addr)?;
    let frame = b"PUB bench.raw 16\r\n0123456789abcdef\r\n";
    let batch_frames = 4096u64;
    let batch: Vec<u8> = frame
        .iter()
        .copied()
        .cycle()
        .take(frame.len() * batch_frames as usize)
        .collect();
    let start = Instant::now();
    let mut sent = 0;
    while sent < count {
        let n = batch_frames.min(count - sent);
        conn.write_all(&batch[..frame.len() * n as usize])?;
        sent += n;
    }
    conn.flush()?;
    Ok(start.elapsed())
}

/// A raw responder thread answering `subject` with the request's payload, until `count`.
/// Returns once the subscription is registered (flushed), so no request can miss it.
pub fn spawn_responder(
    addr: &str,
    subject: &'static str,
    count: u64,
) -> std::io::Result<std::thread::JoinHandle<std::io::Result<()>>> {
    let mut conn = RawConn::connect(addr)?;
    conn.write_all(format!("SUB {subject} 1\r\n").as_bytes())?;
    conn.flush()?;
    Ok(std::thread::spawn(move || {
        let mut answered = 0;
        while answered < count {
            if let ServerOp::Msg(msg) = conn.next_op()? {
                if let Some(reply) = msg.reply() {
                    let mut out = format!("PUB {reply} {}\r\n", msg.payload().len()).into_bytes();
                    out.extend_from_slice(msg.payload());
                    out.extend_from_slice(b"\r\n");
                    conn.write_all(&out)?;
                    answered += 1;
                }
            }
        }
        Ok(())
    }))
}

/// `count` sequential requests over raw sockets; returns each round trip in microseconds.
pub fn sequential_requests(
    addr: &str,
    subject: &'static str,
    count: u64,
) -> std::io::Result<Vec<f64>> {
    let mut conn = RawConn::connect(addr)?;
    conn.write_all(b"SUB _INBOX.raw.* 1\r\n")?;
    conn.flush()?;
    let request = format!("PUB {subject} _INBOX.raw.1 16\r\n0123456789abcdef\r\n").into_bytes();
    let mut latencies = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let start = Instant::now();
        conn.write_all(&request)?;
        loop {
            match conn.next_op()? {
                ServerOp::Msg(msg) if msg.headers().is_some_and(|h| h.status() == Some(503)) => {
                    return Err(std::io::Error::other("no responders for the raw requests"))
                }
                ServerOp::Msg(_) => break,
                _ => {}
            }
        }
        latencies.push(start.elapsed().as_secs_f64() * 1e6);
    }
    Ok(latencies)
}

#[cfg(test)]
mod tests {
    use natskit_test::{ScriptedServer, Step};

    use super::*;

    /// A PING read together with a MSG: the MSG comes out without another read. nats-server
    /// PINGs every new client after about 2 s; when that PING shared a read with a request or
    /// reply, the raw request phase stalled until the next PING, 2 minutes later.
    #[test]
    fn a_msg_behind_a_ping_needs_no_other_read() {
        let server = ScriptedServer::start([
            Step::SendInfo,
            Step::ReadUntil(b"PING\r\n".to_vec()),
            Step::send("PONG\r\n"),
            Step::send("PING\r\nMSG a 1 2\r\nhi\r\n"),
            Step::ReadUntil(b"PONG\r\n".to_vec()),
            Step::Hang,
        ])
        .unwrap();
        let mut conn = RawConn::connect(&server.addr().to_string()).unwrap();
        conn.stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        match conn.next_op().unwrap() {
            ServerOp::Msg(msg) => assert_eq!(msg.payload(), b"hi"),
            other => panic!("expected the MSG, got {other:?}"),
        }
    }
}
