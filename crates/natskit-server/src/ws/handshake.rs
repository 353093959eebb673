//! The HTTP/1.1 upgrade request (RFC 6455 section 4.2), sans I/O: find the end of a request
//! head, parse it, check it as nats-server 2.10 does (in its order, with its answers), and the
//! bytes of the answer: `101 Switching Protocols`, or the error response Go's HTTP server would
//! write in nats-server's place.

use base64::Engine;
use sha1::{Digest, Sha1};

use crate::ws::origin::Origins;

/// The GUID RFC 6455 appends to the client's key before hashing.
const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The largest request head read: a longer one is refused with 431 (Go allows 1 MiB; a
/// WebSocket upgrade is a few hundred bytes).
pub(crate) const MAX_HEAD: usize = 64 * 1024;

/// The extension answer when compression is on (nats-server offers no context takeover on
/// either side, so each message is compressed on its own).
const DEFLATE_RESPONSE: &str =
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

/// Where the head of a request ends (just past its empty line), if it is all in `buf`. Lines
/// may end in CRLF or LF, as Go's reader takes both.
pub(crate) fn head_end(buf: &[u8]) -> Option<usize> {
    let mut at = 0;
    while let Some(nl) = memchr::memchr(b'\n', &buf[at..]) {
        let line = &buf[at..at + nl];
        at += nl + 1;
        if line.is_empty() || line == b"\r" {
            return Some(at);
        }
    }
    None
}

/// A parsed request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    pub(crate) method: String,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub(crate) minor: u8,
    headers: Vec<(String, String)>,
}

impl Request {
    /// The first value of header `name` (any case), or "".
    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of header `name`.
    fn all(&self, name: &'static str) -> impl Iterator<Item = &str> {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// True when a comma-separated value of header `name` is `token` (any case).
    fn has_token(&self, name: &'static str, token: &str) -> bool {
        self.all(name)
            .flat_map(|v| v.split(','))
            .any(|t| t.trim_matches([' ', '\t']).eq_ignore_ascii_case(token))
    }

    /// The body length announced; `None` when the body cannot be skipped (chunked or bad).
    pub(crate) fn body_len(&self) -> Option<usize> {
        if self.all("Transfer-Encoding").next().is_some() {
            return None;
        }
        match self.header("Content-Length") {
            "" => Some(0),
            n => n.trim().parse().ok(),
        }
    }

    /// Whether the connection may carry another request after an error answer.
    pub(crate) fn keep_alive(&self) -> bool {
        self.minor == 1 && !self.has_token("Connection", "close")
    }
}

/// A refused request: what to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Go's server refused it before nats-server saw it: a short answer, then the connection
    /// closes. `detail` follows the status text in both status line and body when not empty.
    Malformed { status: u16, detail: &'static str },
    /// nats-server refused it (`wsUpgrade`): a full answer; `reason` is what it logs.
    Refused { status: u16, reason: String },
}

fn malformed(status: u16, detail: &'static str) -> Refusal {
    Refusal::Malformed { status, detail }
}

fn refused(status: u16, reason: impl Into<String>) -> Refusal {
    Refusal::Refused {
        status,
        reason: reason.into(),
    }
}

/// Parses a request head (as returned up to [`head_end`]).
pub(crate) fn parse(head: &[u8]) -> Result<Request, Refusal> {
    let text = std::str::from_utf8(head).map_err(|_| malformed(400, ""))?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.splitn(3, ' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed(400, ""));
    };
    if method.is_empty() || target.is_empty() || version.contains(' ') {
        return Err(malformed(400, ""));
    }
    let minor = match version {
        "HTTP/1.0" => 0,
        "HTTP/1.1" => 1,
        v if v.len() == 8 && v.starts_with("HTTP/") && v.as_bytes()[6] == b'.' => {
            return Err(malformed(505, "unsupported protocol version"));
        }
        _ => return Err(malformed(400, "")),
    };
    let mut headers = Vec::new();
    for line in lines.take_while(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Err(malformed(400, ""));
        };
        if name.is_empty() || name.contains([' ', '\t']) {
            return Err(malformed(400, ""));
        }
        headers.push((name.to_owned(), value.trim_matches([' ', '\t']).to_owned()));
    }
    let request = Request {
        method: method.to_owned(),
        minor,
        headers,
    };
    match request.all("Host").count() {
        0 if minor == 1 => Err(malformed(400, "missing required Host header")),
        0 | 1 => Ok(request),
        _ => Err(malformed(400, "")),
    }
}

/// A request accepted for upgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Upgrade {
    /// `Sec-WebSocket-Accept`.
    pub(crate) accept: String,
    /// permessage-deflate was offered and is on.
    pub(crate) compress: bool,
}

/// What the listener is configured with that a handshake checks.
#[derive(Debug, Clone, Default)]
pub(crate) struct Policy {
    pub(crate) compression: bool,
    pub(crate) origins: Origins,
    /// The listener serves TLS (for the same-origin default port).
    pub(crate) tls: bool,
}

/// Checks a parsed request in nats-server's order.
pub(crate) fn check(request: &Request, policy: &Policy) -> Result<Upgrade, Refusal> {
    if request.method != "GET" {
        return Err(refused(405, "request method must be GET"));
    }
    if request.header("Host").is_empty() {
        return Err(refused(400, "'Host' missing in request"));
    }
    if !request.has_token("Upgrade", "websocket") {
        return Err(refused(400, "invalid value for header 'Upgrade'"));
    }
    if !request.has_token("Connection", "Upgrade") {
        return Err(refused(400, "invalid value for header 'Connection'"));
    }
    let key = request.header("Sec-WebSocket-Key");
    if key.is_empty() {
        return Err(refused(400, "key missing"));
    }
    if !request.has_token("Sec-WebSocket-Version", "13") {
        return Err(refused(400, "invalid version"));
    }
    let origin = match request.header("Origin") {
        "" => request.header("Sec-WebSocket-Origin"),
        origin => origin,
    };
    if let Err(why) = policy
        .origins
        .check(origin, request.header("Host"), policy.tls)
    {
        return Err(refused(403, format!("origin not allowed: {why}")));
    }
    let compress = policy.compression && offers_deflate(request);
    Ok(Upgrade {
        accept: accept_key(key),
        compress,
    })
}

/// True when some `Sec-WebSocket-Extensions` value names permessage-deflate (its parameters
/// do not matter: the answer fixes them).
fn offers_deflate(request: &Request) -> bool {
    request
        .all("Sec-WebSocket-Extensions")
        .flat_map(|v| v.split([',', ';']))
        .any(|p| {
            p.trim_matches([' ', '\t'])
                .eq_ignore_ascii_case("permessage-deflate")
        })
}

/// `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key`: base64 of SHA-1 of key + GUID.
pub(crate) fn accept_key(key: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(key.as_bytes());
    sha.update(GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(sha.finalize())
}

/// The `101 Switching Protocols` answer.
pub(crate) fn switching(upgrade: &Upgrade) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n",
        upgrade.accept
    );
    if upgrade.compress {
        out.push_str("Sec-WebSocket-Extensions: ");
        out.push_str(DEFLATE_RESPONSE);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.into_bytes()
}

fn status_text(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        403 => "Forbidden",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        505 => "HTTP Version Not Supported",
        _ => "Internal Server Error",
    }
}

/// The answer to a refused request, as Go's HTTP server writes it; `request` is `None` when
/// the head did not parse. Also says whether the connection closes after it.
pub(crate) fn refusal(refusal: &Refusal, request: Option<&Request>, date: &str) -> (Vec<u8>, bool) {
    match refusal {
        Refusal::Malformed { status, detail } => {
            let text = match *detail {
                "" => status_text(*status).to_owned(),
                detail => format!("{}: {detail}", status_text(*status)),
            };
            let out = format!(
                "HTTP/1.1 {status} {text}\r\nContent-Type: text/plain; charset=utf-8\r\n\
                 Connection: close\r\n\r\n{status} {text}"
            );
            (out.into_bytes(), true)
        }
        Refusal::Refused { status, .. } => {
            let keep = request.is_some_and(|r| r.keep_alive() && r.body_len().is_some());
            let minor = request.map_or(1, |r| r.minor);
            let text = status_text(*status);
            let body = format!("{text}\n");
            let mut out = format!(
                "HTTP/1.{minor} {status} {text}\r\nContent-Type: text/plain; charset=utf-8\r\n\
                 Sec-Websocket-Version: 13\r\nX-Content-Type-Options: nosniff\r\n\
                 Date: {date}\r\nContent-Length: {}\r\n",
                body.len()
            );
            if !keep && minor == 1 {
                out.push_str("Connection: close\r\n");
            }
            out.push_str("\r\n");
            out.push_str(&body);
            (out.into_bytes(), !keep)
        }
    }
}

/// The answer to a head longer than [`MAX_HEAD`].
pub(crate) fn too_large() -> Vec<u8> {
    refusal(&malformed(431, ""), None, "").0
}

/// An HTTP date (RFC 9110 IMF-fixdate) for `time`, as the `Date` header carries it.
pub(crate) fn http_date(time: std::time::SystemTime) -> String {
    let secs = time
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
        Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
        Sec-WebSocket-Version: 13\r\n\r\n";

    fn checked(head: &str) -> Result<Upgrade, Refusal> {
        check(&parse(head.as_bytes())?, &Policy::default())
    }

    #[test]
    fn the_rfc_example_key_is_accepted() {
        // RFC 6455 section 1.3.
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
        let upgrade = checked(GOOD).unwrap();
        assert!(!upgrade.compress);
        let answer = String::from_utf8(switching(&upgrade)).unwrap();
        assert!(answer.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
        assert!(answer.ends_with("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"));
    }

    #[test]
    fn heads_end_at_the_empty_line() {
        assert_eq!(head_end(GOOD.as_bytes()), Some(GOOD.len()));
        assert_eq!(head_end(b"GET / HTTP/1.1\nHost: x\n\nrest"), Some(24));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n"), None);
    }

    #[test]
    fn each_missing_piece_is_refused_in_nats_server_order() {
        let cases = [
            (GOOD.replacen("GET", "POST", 1), 405),
            (GOOD.replacen("Upgrade: websocket\r\n", "", 1), 400),
            (
                GOOD.replacen("Connection: Upgrade", "Connection: keep-alive", 1),
                400,
            ),
            (GOOD.replacen("Sec-WebSocket-Key", "X-Key", 1), 400),
            (GOOD.replacen("Version: 13", "Version: 12", 1), 400),
        ];
        for (head, status) in cases {
            match checked(&head) {
                Err(Refusal::Refused { status: got, .. }) => assert_eq!(got, status, "{head}"),
                other => panic!("{head}: {other:?}"),
            }
        }
        assert_eq!(
            parse(b"CONNECT {}\r\n\r\n").unwrap_err(),
            malformed(400, "")
        );
        assert_eq!(
            parse(b"GET / HTTP/2.0\r\nHost: x\r\n\r\n").unwrap_err(),
            malformed(505, "unsupported protocol version")
        );
        assert_eq!(
            parse(b"GET / HTTP/1.1\r\n\r\n").unwrap_err(),
            malformed(400, "missing required Host header")
        );
    }

    #[test]
    fn refusals_are_written_as_go_writes_them() {
        let request = parse(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let (out, closes) = refusal(&refused(400, "x"), Some(&request), "DATE");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Sec-Websocket-Version: 13\r\nX-Content-Type-Options: nosniff\r\nDate: DATE\r\n\
             Content-Length: 12\r\n\r\nBad Request\n"
        );
        assert!(!closes);
        let (out, closes) = refusal(&malformed(400, ""), None, "");
        assert!(out.ends_with(b"Connection: close\r\n\r\n400 Bad Request"));
        assert!(closes);
    }

    #[test]
    fn compression_is_on_when_offered_and_configured() {
        let head = GOOD.replacen(
            "\r\n\r\n",
            "\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n",
            1,
        );
        let request = parse(head.as_bytes()).unwrap();
        let on = Policy {
            compression: true,
            ..Policy::default()
        };
        assert!(check(&request, &on).unwrap().compress);
        assert!(!check(&request, &Policy::default()).unwrap().compress);
    }

    #[test]
    fn dates_are_http_dates() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_796_281_270);
        assert_eq!(http_date(t), "Thu, 03 Dec 2026 07:01:10 GMT");
        assert_eq!(
            http_date(std::time::UNIX_EPOCH),
            "Thu, 01 Jan 1970 00:00:00 GMT"
        );
    }
}
