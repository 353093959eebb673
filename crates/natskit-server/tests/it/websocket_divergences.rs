//! Bad input on the WebSocket port, refused as nats-server 2.10.26 refuses it: each test sends
//! the same bytes to nats-server (with a `websocket {}` block) and to the embedded broker and
//! asserts the same answer (HTTP status line, headers and body; frames and close frames) and
//! the same fate of the connection, and that other connections carry on.

use std::net::SocketAddr;
use std::time::Duration;

use natskit_server::{Server, WebSocket};
use natskit_test::NatsServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long any one answer may take.
const PATIENCE: Duration = Duration::from_secs(10);

const UPGRADE: &str = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
    Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
    Sec-WebSocket-Version: 13\r\n";

const CONNECT: &[u8] = b"CONNECT {\"verbose\":false}\r\n";

/// One of the two brokers, with a WebSocket port.
enum Broker {
    // The process is held so that it runs while the test does.
    NatsServer(#[allow(dead_code)] NatsServer, u16),
    Embedded(Server),
}

impl Broker {
    fn name(&self) -> &'static str {
        match self {
            Broker::NatsServer(..) => "nats-server",
            Broker::Embedded(_) => "embedded",
        }
    }

    fn ws_addr(&self) -> SocketAddr {
        match self {
            Broker::NatsServer(_, port) => SocketAddr::from(([127, 0, 0, 1], *port)),
            Broker::Embedded(server) => server.websocket_addr().unwrap(),
        }
    }
}

/// nats-server 2.10.26 with `websocket { port, no_tls, <extra> }`, and the embedded broker
/// with `ws` (no_tls added).
async fn both(extra: &str, ws: WebSocket) -> [Broker; 2] {
    let port = natskit_test::port::free_port().unwrap();
    let config = format!("websocket {{\n  port: {port}\n  no_tls: true\n{extra}\n}}\n");
    let nats = NatsServer::builder()
        .binary(natskit_test::binary::newer_nats_server().unwrap())
        .with_config(config)
        .start()
        .unwrap();
    let embedded = Server::builder()
        .port(0)
        .websocket(ws.no_tls())
        .start()
        .await
        .unwrap();
    [Broker::NatsServer(nats, port), Broker::Embedded(embedded)]
}

/// Connects to the WebSocket port (nats-server opens it just after its client port).
async fn dial(addr: SocketAddr) -> TcpStream {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        match TcpStream::connect(addr).await {
            Ok(stream) => return stream,
            Err(e) if tokio::time::Instant::now() > deadline => panic!("{addr}: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// Reads until `seen` ends with `end` (then `false`) or the connection closes (`true`).
async fn read_until(stream: &mut TcpStream, seen: &mut Vec<u8>, end: Option<&[u8]>) -> bool {
    read_while(stream, seen, |seen| {
        !end.is_some_and(|end| seen.ends_with(end))
    })
    .await
}

/// Reads while `more(seen)` holds (then `false`) or until the connection closes (`true`).
async fn read_while(
    stream: &mut TcpStream,
    seen: &mut Vec<u8>,
    more: impl Fn(&[u8]) -> bool,
) -> bool {
    let read = tokio::time::timeout(PATIENCE, async {
        let mut chunk = [0u8; 8192];
        loop {
            if !more(seen) {
                return false;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return true,
                Ok(n) => seen.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    read.unwrap_or_else(|_| panic!("no close, nothing awaited; got {}", seen.escape_ascii()))
}

/// True once `seen` holds a whole HTTP head.
fn has_head(seen: &[u8]) -> bool {
    seen.windows(4).any(|w| w == b"\r\n\r\n")
}

/// The answer's text with the `Date` header's value blanked (it differs by the second).
fn without_date(answer: &[u8]) -> String {
    let text = String::from_utf8_lossy(answer);
    text.split("\r\n")
        .map(|line| {
            if line.starts_with("Date: ") {
                "Date: *"
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// Sends `request` to the WebSocket port and returns the answer (Date blanked) read until
/// `end` or the close, and whether the connection closed. A connection left open must then
/// still upgrade: a second, good request on it gets its 101.
async fn http(broker: &Broker, request: &[u8], end: Option<&[u8]>) -> (String, bool) {
    let mut stream = dial(broker.ws_addr()).await;
    stream.write_all(request).await.unwrap();
    let mut seen = Vec::new();
    let closed = read_until(&mut stream, &mut seen, end).await;
    if !closed {
        stream
            .write_all(format!("{UPGRADE}\r\n").as_bytes())
            .await
            .unwrap();
        let mut again = Vec::new();
        read_while(&mut stream, &mut again, |seen| !has_head(seen)).await;
        assert!(
            again.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"),
            "{}: {}",
            broker.name(),
            String::from_utf8_lossy(&again)
        );
    }
    (without_date(&seen), closed)
}

/// Runs `request` on both and asserts the answer `said` (Date blanked) and whether it closes.
async fn same_http(extra: &str, ws: WebSocket, request: &str, said: &str, closes: bool) {
    // The body ends the answer (the Date header's value differs).
    let body = said.rsplit("\r\n\r\n").next().unwrap_or_default();
    let end = (!closes).then_some(body.as_bytes());
    for broker in both(extra, ws.clone()).await {
        let got = http(&broker, request.as_bytes(), end).await;
        assert_eq!(
            got,
            (said.to_owned(), closes),
            "{}: {request:?}",
            broker.name()
        );
    }
}

/// nats-server's answer (via Go's `http.Error`) to a refused upgrade; the connection stays.
fn refused(status: &str, text: &str) -> String {
    format!(
        "HTTP/1.1 {status} {text}\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Sec-Websocket-Version: 13\r\nX-Content-Type-Options: nosniff\r\nDate: *\r\n\
         Content-Length: {}\r\n\r\n{text}\n",
        text.len() + 1
    )
}

#[tokio::test]
async fn a_request_that_is_no_upgrade_is_refused_and_the_connection_kept() {
    let cases = [
        (
            "GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_owned(),
            "400",
            "Bad Request",
        ),
        (
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc".to_owned(),
            "405",
            "Method Not Allowed",
        ),
        (
            format!("{}\r\n", UPGRADE.replace("Sec-WebSocket-Key", "X-Key")),
            "400",
            "Bad Request",
        ),
        (
            format!("{}\r\n", UPGRADE.replace("Version: 13", "Version: 12")),
            "400",
            "Bad Request",
        ),
        (
            format!(
                "{}\r\n",
                UPGRADE.replace("Upgrade: websocket", "Upgrade: h2c")
            ),
            "400",
            "Bad Request",
        ),
        (
            format!(
                "{}\r\n",
                UPGRADE.replace("Connection: Upgrade", "Connection: keep-alive")
            ),
            "400",
            "Bad Request",
        ),
    ];
    for (request, status, text) in cases {
        same_http(
            "",
            WebSocket::port(0),
            &request,
            &refused(status, text),
            false,
        )
        .await;
    }
}

#[tokio::test]
async fn a_request_that_is_no_http_gets_go_s_short_answer_and_a_close() {
    let bad_request = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n\
                       Connection: close\r\n\r\n400 Bad Request";
    // A NATS client on the wrong port, and a request line that is not HTTP.
    for request in [
        "CONNECT {\"verbose\":false}\r\nPING\r\n\r\n",
        "GET /\r\nHost: x\r\n\r\n",
    ] {
        same_http("", WebSocket::port(0), request, bad_request, true).await;
    }
    same_http(
        "",
        WebSocket::port(0),
        "GET / HTTP/2.0\r\nHost: x\r\n\r\n",
        "HTTP/1.1 505 HTTP Version Not Supported: unsupported protocol version\r\n\
         Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n\
         505 HTTP Version Not Supported: unsupported protocol version",
        true,
    )
    .await;
    same_http(
        "",
        WebSocket::port(0),
        "GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
        "HTTP/1.1 400 Bad Request: missing required Host header\r\n\
         Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n\
         400 Bad Request: missing required Host header",
        true,
    )
    .await;
}

#[tokio::test]
async fn origins_not_allowed_are_refused_with_403() {
    let extra = "  same_origin: true\n  allowed_origins: [\"http://example.com:8080\"]";
    let ws = WebSocket::port(0)
        .same_origin(true)
        .allowed_origins(["http://example.com:8080"]);
    let forbidden = refused("403", "Forbidden");
    for (host, origin) in [
        ("127.0.0.1", "http://evil.com"),
        ("example.com:8080", "https://example.com:8080"),
        ("example.com", "http://example.com"),
        ("example.com:8080", "not a url"),
    ] {
        let request = format!(
            "{}Origin: {origin}\r\n\r\n",
            UPGRADE.replace("Host: 127.0.0.1", &format!("Host: {host}"))
        );
        same_http(extra, ws.clone(), &request, &forbidden, false).await;
    }
    // The allowed origin, in any case, upgrades.
    for broker in both(extra, ws.clone()).await {
        let request = format!(
            "{}Origin: http://Example.COM:8080\r\n\r\n",
            UPGRADE.replace("Host: 127.0.0.1", "Host: example.com:8080")
        );
        let mut stream = dial(broker.ws_addr()).await;
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut seen = Vec::new();
        read_while(&mut stream, &mut seen, |seen| !has_head(seen)).await;
        assert!(seen.starts_with(b"HTTP/1.1 101 "), "{}", broker.name());
    }
}

/// A masked client frame.
fn frame(opcode: u8, fin: bool, payload: &[u8]) -> Vec<u8> {
    frame_with(if fin { 0x80 } else { 0 } | opcode, true, payload, None)
}

/// A client frame with first byte `b0`, masked or not, with `len` in place of the payload's
/// length when given.
fn frame_with(b0: u8, masked: bool, payload: &[u8], len: Option<u64>) -> Vec<u8> {
    let key = [0x11, 0x22, 0x33, 0x44];
    let n = len.unwrap_or(payload.len() as u64);
    let mask = if masked { 0x80 } else { 0 };
    let mut out = vec![b0];
    match n {
        0..=125 => out.push(mask | n as u8),
        126..=0xffff => {
            out.push(mask | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        _ => {
            out.push(mask | 127);
            out.extend_from_slice(&n.to_be_bytes());
        }
    }
    if masked {
        out.extend_from_slice(&key);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    } else {
        out.extend_from_slice(payload);
    }
    out
}

/// The frames in `bytes` as (first byte, payload); a cut frame at the end is left out.
fn frames(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    while bytes.len() >= 2 {
        let (len, at) = match bytes[1] & 0x7f {
            126 => (u16::from_be_bytes([bytes[2], bytes[3]]) as usize, 4),
            127 => (
                u64::from_be_bytes(bytes[2..10].try_into().unwrap()) as usize,
                10,
            ),
            n => (n as usize, 2),
        };
        if bytes.len() < at + len {
            break;
        }
        out.push((bytes[0], bytes[at..at + len].to_vec()));
        bytes = &bytes[at + len..];
    }
    out
}

/// Upgrades, waits for INFO, sends `bytes`, and returns the frames after INFO, read until
/// the close or until the last frame's payload ends with `end`, and whether it closed.
async fn after_upgrade(
    broker: &Broker,
    bytes: &[u8],
    end: Option<&[u8]>,
) -> (Vec<(u8, Vec<u8>)>, bool) {
    let mut stream = dial(broker.ws_addr()).await;
    stream
        .write_all(format!("{UPGRADE}\r\n").as_bytes())
        .await
        .unwrap();
    let mut seen = Vec::new();
    read_while(&mut stream, &mut seen, |seen| !has_head(seen)).await;
    let head = seen.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let mut rest = seen.split_off(head);
    // INFO is one frame.
    read_while(&mut stream, &mut rest, |seen| frames(seen).is_empty()).await;
    let info = frames(&rest);
    assert_eq!(info.len(), 1, "{}", broker.name());
    rest.clear();
    stream.write_all(bytes).await.unwrap();
    let closed = read_until(&mut stream, &mut rest, end).await;
    (frames(&rest), closed)
}

/// Runs `bytes` after the upgrade on both: the same frames (`said`) and the same fate.
/// `may_add_close`: nats-server sometimes gets a 1002 close frame out before it drops the
/// connection (a race in its close path), usually not; the broker never sends one there.
async fn same_frames(bytes: &[u8], said: &[(u8, &[u8])], closes: bool, may_add_close: bool) {
    let said: Vec<(u8, Vec<u8>)> = said.iter().map(|(b, p)| (*b, p.to_vec())).collect();
    let end = (!closes)
        .then(|| said.last().map(|(_, p)| p.clone()))
        .flatten();
    for broker in both("", WebSocket::port(0)).await {
        let (mut got, closed) = after_upgrade(&broker, bytes, end.as_deref()).await;
        if may_add_close && matches!(broker, Broker::NatsServer(..)) {
            got.retain(|(b0, payload)| !(*b0 == 0x88 && payload.starts_with(b"\x03\xea")));
        }
        let show = |frames: &[(u8, Vec<u8>)]| {
            frames
                .iter()
                .map(|(b, p)| format!("{b:#x} {}", p.escape_ascii()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            (show(&got), closed),
            (show(&said), closes),
            "{}",
            broker.name()
        );
        // Another client on the same broker is not affected.
        let (pong, closed) =
            after_upgrade(&broker, &frame(2, true, &connect_ping()), Some(b"PONG\r\n")).await;
        assert_eq!(
            (pong.last().map(|f| f.1.clone()), closed),
            (Some(b"PONG\r\n".to_vec()), false)
        );
    }
}

fn connect_ping() -> Vec<u8> {
    [CONNECT, b"PING\r\n"].concat()
}

#[tokio::test]
async fn text_frames_and_fragmented_messages_are_read_as_binary() {
    // nats-server reads a text frame as a binary one, and joins continuation frames (with a
    // ping between two fragments answered at once).
    same_frames(
        &frame(1, true, &connect_ping()),
        &[(0x82, b"PONG\r\n")],
        false,
        false,
    )
    .await;
    let fragmented = [
        frame(2, false, &[CONNECT, b"PI"].concat()),
        frame(9, true, b"hey"),
        frame(0, true, b"NG\r\n"),
    ]
    .concat();
    same_frames(
        &fragmented,
        &[(0x8a, b"hey"), (0x82, b"PONG\r\n")],
        false,
        false,
    )
    .await;
    // RSV2 and RSV3 are ignored.
    same_frames(
        &frame_with(0xa2, true, &connect_ping(), None),
        &[(0x82, b"PONG\r\n")],
        false,
        false,
    )
    .await;
}

#[tokio::test]
async fn frames_breaking_the_protocol_end_the_connection() {
    let cases = [
        ("unmasked", frame_with(0x82, false, &connect_ping(), None)),
        ("control frame over 125 bytes", frame(9, true, &[b'x'; 126])),
        ("fragmented control frame", frame(9, false, b"a")),
        (
            "RSV1 without compression",
            frame_with(0xc2, true, &connect_ping(), None),
        ),
        ("unknown opcode", frame(3, true, b"x")),
        ("continuation first", frame(0, true, &connect_ping())),
        (
            "new message inside one",
            [frame(2, false, CONNECT), frame(2, true, b"PING\r\n")].concat(),
        ),
    ];
    for (name, bytes) in cases {
        eprintln!("{name}");
        same_frames(&bytes, &[], true, true).await;
    }
}

#[tokio::test]
async fn close_frames_are_echoed_as_nats_server_echoes_them() {
    let cases: [(&[u8], &[u8]); 6] = [
        (b"\x03\xe8bye", b"\x03\xe8bye"),
        (b"", b""),
        // A status RFC 6455 forbids is echoed all the same; 1005 ("none") is not sent.
        (b"\x03\xe7", b"\x03\xe7"),
        (b"\x03\xed", b""),
        (b"\x03", b""),
        (b"\x03\xe8\xff", b"\x03\xefinvalid utf8 body in close frame"),
    ];
    for (sent, echoed) in cases {
        same_frames(&frame(8, true, sent), &[(0x88, echoed)], true, false).await;
    }
}

#[tokio::test]
async fn a_message_over_max_payload_gets_the_err_and_a_1009_close() {
    same_frames(
        &frame(2, true, &[CONNECT, b"PUB a 2000000\r\n"].concat()),
        &[
            (0x82, b"-ERR 'Maximum Payload Violation'\r\n"),
            (0x88, b"\x03\xf1Maximum Message Payload Exceeded"),
        ],
        true,
        false,
    )
    .await;
    same_frames(
        &frame(2, true, &[CONNECT, b"FOO\r\n"].concat()),
        &[
            (0x82, b"-ERR 'Unknown Protocol Operation'\r\n"),
            (0x88, b"\x03\xeaProtocol Violation"),
        ],
        true,
        false,
    )
    .await;
}

#[tokio::test]
async fn a_frame_announcing_a_huge_payload_is_streamed_not_refused() {
    // nats-server has no frame size limit: it reads a frame's payload as it comes, and the
    // NATS limits (max_payload, max_control_line) apply to what it carries.
    let huge = frame_with(0x82, true, &connect_ping(), Some(1 << 40));
    same_frames(&huge, &[(0x82, b"PONG\r\n")], false, false).await;
}
