//! `sub --json`: one JSON object a line per message, for programs (`jq`, scripts).
//!
//! ```text
//! {"number":1,"subject":"greet.joe","reply":null,"headers":{"Trace-Id":["42"]},"payload":"hello"}
//! ```
//!
//! - `number`: the message's number in this run, from 1 (a matched reply has its request's).
//! - `time`: with `--timestamp`, when it arrived: RFC 3339 in UTC with milliseconds.
//! - `matched_reply`, `latency_us`: with `--match-replies`, on the answer to request `number`:
//!   `true`, and microseconds from the request to its answer.
//! - `subject`; `reply`: the reply subject or `null`.
//! - `status`, `description`: only on status messages (503 "no responders", say).
//! - `headers`: each name with the list of its values, in arrival order; `{}` when none.
//! - `payload` when the payload is UTF-8 text, else `payload_base64` (standard alphabet, padded);
//!   neither with `--headers-only`.

use std::io::{self, Write};
use std::time::Duration;

use base64::Engine as _;
use natskit::{HeaderMap, Message};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::clock;
use crate::output::Shown;

/// One line of `--json` output; the fields are the schema listed in the module documentation,
/// in that order.
#[derive(Serialize)]
struct Line<'a> {
    number: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    matched_reply: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    latency_us: Option<u128>,
    subject: &'a str,
    reply: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    headers: Headers<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload_base64: Option<String>,
}

/// Headers as `{"Name": ["value", ...]}`, names in the order they first appear (also in the
/// messages `natskit stream get` and `consumer next` print).
pub struct Headers<'a>(pub Option<&'a HeaderMap>);

impl Serialize for Headers<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut names: Vec<&str> = Vec::new();
        for (name, _) in self.0.iter().flat_map(|h| h.iter()) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let mut map = serializer.serialize_map(Some(names.len()))?;
        for name in names {
            let values: Vec<&str> = self.0.iter().flat_map(|h| h.get_all(name)).collect();
            map.serialize_entry(name, &values)?;
        }
        map.end()
    }
}

/// Writes `msg` as one JSON line; `matched` is the latency of a matched reply.
pub fn write_json(
    out: &mut impl Write,
    shown: &Shown,
    matched: Option<Duration>,
    msg: &Message,
) -> io::Result<()> {
    let text = std::str::from_utf8(&msg.payload).ok();
    let line = Line {
        number: shown.number,
        time: shown.time.map(clock::rfc3339_millis),
        matched_reply: matched.map(|_| true),
        latency_us: matched.map(|d| d.as_micros()),
        subject: msg.subject.as_str(),
        reply: msg.reply.as_ref().map(|r| r.as_str()),
        status: msg.status,
        description: msg.headers.as_ref().and_then(HeaderMap::description),
        headers: Headers(msg.headers.as_ref()),
        payload: text.filter(|_| !shown.headers_only),
        payload_base64: match (text, shown.headers_only) {
            (None, false) => Some(base64::engine::general_purpose::STANDARD.encode(&msg.payload)),
            _ => None,
        },
    };
    serde_json::to_writer(&mut *out, &line)?;
    writeln!(out)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_group_values_under_their_first_name() {
        let mut headers = HeaderMap::new();
        headers.append("B", "1").unwrap();
        headers.append("A", "2").unwrap();
        headers.append("B", "3").unwrap();
        let text = serde_json::to_string(&Headers(Some(&headers))).unwrap();
        assert_eq!(text, r#"{"B":["1","3"],"A":["2"]}"#);
        assert_eq!(serde_json::to_string(&Headers(None)).unwrap(), "{}");
    }
}
