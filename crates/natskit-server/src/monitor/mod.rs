//! Monitoring over HTTP: `/varz`, `/connz` (see [`connz`]) and `/subsz` as JSON, with nats-server's field names
//! for the fields the broker has; `/metrics` (see [`metrics`]) for Prometheus. A deliberately small HTTP/1.1 responder: one GET per
//! connection, no keep-alive, requests bounded in size and time.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use natskit_proto::sync::lock;
use natskit_proto::time::Precision;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use self::query::Query;
use crate::error::ServerError;
use crate::state::{State, VERSION};
use crate::stats::Statistics;

mod connz;
mod metrics;
mod query;

const MAX_REQUEST: usize = 8 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Long enough for tens of megabytes of `/connz?subs=1` to a reader on another host.
const WRITE_TIMEOUT: Duration = Duration::from_secs(60);

/// Binds the monitoring port and serves it until `stop` turns true.
pub(crate) async fn start(
    state: Arc<State>,
    port: u16,
    mut stop: watch::Receiver<bool>,
) -> Result<(SocketAddr, JoinHandle<()>), ServerError> {
    let (listener, addr) = crate::listen::bind(&state.options().host, port).await?;
    let task = tokio::spawn(async move {
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    if let Ok((stream, _)) = accepted {
                        tokio::spawn(answer(state.clone(), stream));
                    }
                }
                _ = stop.changed() => return,
            }
        }
    });
    Ok((addr, task))
}

/// Reads one request and answers it. The answer is built on the blocking pool: a `/connz`
/// over a million subscriptions must not occupy a runtime worker that client connections need.
async fn answer(state: Arc<State>, mut stream: TcpStream) {
    let mut request = Vec::with_capacity(1024);
    let read = tokio::time::timeout(REQUEST_TIMEOUT, async {
        let mut chunk = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < MAX_REQUEST {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => request.extend_from_slice(&chunk[..n]),
            }
        }
        true
    })
    .await;
    if !matches!(read, Ok(true)) {
        return;
    }
    let line = String::from_utf8_lossy(&request);
    let target = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let Ok(reply) = tokio::task::spawn_blocking(move || route(&state, &target)).await else {
        return;
    };
    let head = format!(
        "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reply.status,
        reply.content_type,
        reply.body.len()
    );
    let _ = tokio::time::timeout(WRITE_TIMEOUT, async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(&reply.body).await
    })
    .await;
}

/// A status line, a content type and a body.
struct Reply {
    status: &'static str,
    content_type: &'static str,
    body: Vec<u8>,
}

impl Reply {
    fn json(value: &Value) -> Reply {
        Reply::json_bytes(serde_json::to_vec_pretty(value).unwrap_or_default())
    }

    fn json_bytes(body: Vec<u8>) -> Reply {
        Reply {
            status: "200 OK",
            content_type: "application/json",
            body,
        }
    }

    /// nats-server answers bad parameters with a 400 and the error's text.
    fn bad_request(text: String) -> Reply {
        Reply {
            status: "400 Bad Request",
            content_type: "text/plain; charset=utf-8",
            body: text.into_bytes(),
        }
    }
}

/// The monitoring port's front page: links to what it serves.
const ROOT_PAGE: &str =
    "<!doctype html>\n<html><head><title>natskit server monitoring</title></head>\n\
<body><h1>natskit server</h1><ul>\n\
<li><a href=\"varz\">varz</a>: the server, its limits and totals</li>\n\
<li><a href=\"connz\">connz</a>: connections</li>\n\
<li><a href=\"subsz\">subsz</a>: subscriptions</li>\n\
<li><a href=\"healthz\">healthz</a>: health</li>\n\
<li><a href=\"metrics\">metrics</a>: the counters for Prometheus</li>\n\
</ul></body></html>\n";

/// The answer to a request for `target` (a path and an optional query).
fn route(state: &State, target: &str) -> Reply {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    match path.trim_end_matches('/') {
        "/varz" => Reply::json(&varz(state)),
        "/connz" => match connz::connz(state, &Query::parse(query)) {
            Ok(body) => Reply::json_bytes(body),
            Err(text) => Reply::bad_request(text),
        },
        "/subsz" => Reply::json(&subsz(state)),
        "/healthz" => Reply::json(&json!({"status": "ok"})),
        "/jsz" => Reply::json(&jsz(state)),
        "/metrics" => Reply {
            status: "200 OK",
            content_type: metrics::CONTENT_TYPE,
            body: metrics::metrics(state).into_bytes(),
        },
        // nats-server's root is a page of links to its endpoints.
        "" => Reply {
            status: "200 OK",
            content_type: "text/html; charset=utf-8",
            body: ROOT_PAGE.as_bytes().to_vec(),
        },
        _ => Reply {
            status: "404 Not Found",
            ..Reply::json(&json!({"error": format!("no such endpoint: {path}")}))
        },
    }
}

fn varz(state: &State) -> Value {
    let stats = Statistics::of(state);
    let options = state.options();
    let limits = &options.limits;
    let now = SystemTime::now();
    json!({
        "server_id": state.server_id,
        "server_name": state.server_name(),
        "version": VERSION,
        "proto": 1,
        "host": options.host,
        "port": state.port,
        "max_connections": limits.max_connections,
        "ping_interval": limits.ping_interval.as_nanos() as u64,
        "ping_max": limits.max_pings_outstanding,
        "auth_timeout": limits.auth_timeout.as_secs(),
        "max_control_line": limits.max_control_line,
        "max_payload": limits.max_payload,
        "max_pending": limits.max_pending,
        "write_deadline": limits.write_deadline.as_nanos() as u64,
        "start": rfc3339(state.started),
        "now": rfc3339(now),
        "uptime": uptime(now.duration_since(state.started).unwrap_or_default()),
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "connections": stats.connections,
        "total_connections": stats.total_connections,
        "routes": 0,
        "remotes": 0,
        "leafnodes": 0,
        "in_msgs": stats.in_msgs,
        "out_msgs": stats.out_msgs,
        "in_bytes": stats.in_bytes,
        "out_bytes": stats.out_bytes,
        "slow_consumers": stats.slow_consumers,
        "subscriptions": stats.subscriptions,
        "websocket": websocket_varz(state),
        "jetstream": jetstream_varz(state),
    })
}

/// JetStream's settings as `/jsz` and `/varz` write them; None when it is off.
fn jetstream_config(state: &State) -> Option<Value> {
    let options = state.options();
    let js = options.jetstream.as_ref()?;
    let sync = match js.sync {
        crate::jetstream::options::SyncPolicy::Always => json!(0),
        crate::jetstream::options::SyncPolicy::Interval(every) => json!(every.as_nanos() as u64),
    };
    let mut config = json!({
        "max_memory": js.memory_limit(),
        "max_storage": js.file_limit(),
        "store_dir": js.directory().join("jetstream"),
        "sync_interval": sync,
    });
    if js.sync == crate::jetstream::options::SyncPolicy::Always {
        config["sync_always"] = json!(true);
    }
    Some(config)
}

/// nats-server's `jetstream` object of `/varz` (`{}` when JetStream is off).
fn jetstream_varz(state: &State) -> Value {
    let Some(config) = jetstream_config(state) else {
        return json!({});
    };
    let usage = *lock(&state.jetstream_usage);
    json!({
        "config": config,
        "stats": {
            "memory": usage.memory,
            "storage": usage.storage,
            "reserved_memory": 0,
            "reserved_storage": 0,
            "accounts": 1,
            "ha_assets": 0,
            "api": {"total": usage.api_total, "errors": usage.api_errors},
        },
    })
}

/// `/jsz`: JetStream's settings and totals (nats-server's fields; `disabled` when it is off).
fn jsz(state: &State) -> Value {
    let now = rfc3339(SystemTime::now());
    let Some(config) = jetstream_config(state) else {
        return json!({"server_id": state.server_id, "now": now, "disabled": true});
    };
    let usage = *lock(&state.jetstream_usage);
    json!({
        "server_id": state.server_id,
        "now": now,
        "config": config,
        "memory": usage.memory,
        "storage": usage.storage,
        "reserved_memory": 0,
        "reserved_storage": 0,
        "accounts": 1,
        "ha_assets": 0,
        "api": {"total": usage.api_total, "errors": usage.api_errors},
        "streams": usage.streams,
        "consumers": usage.consumers,
        "messages": usage.messages,
        "bytes": usage.bytes,
    })
}

/// nats-server's `websocket` object of `/varz`: its fields only when set (`{}` without a
/// listener).
fn websocket_varz(state: &State) -> Value {
    let mut out = serde_json::Map::new();
    let options = state.options();
    if let (Some(options), Some(endpoint)) = (&options.websocket, &state.websocket) {
        out.insert("host".into(), json!(endpoint.host));
        out.insert("port".into(), json!(endpoint.port));
        out.insert(
            "handshake_timeout".into(),
            json!(options.handshake_timeout.as_nanos() as u64),
        );
        for (key, on) in [
            ("no_tls", !endpoint.tls),
            ("same_origin", options.same_origin),
            ("compression", options.compression),
        ] {
            if on {
                out.insert(key.into(), json!(true));
            }
        }
        if !options.allowed_origins.is_empty() {
            out.insert("allowed_origins".into(), json!(options.allowed_origins));
        }
    }
    Value::Object(out)
}

fn subsz(state: &State) -> Value {
    json!({
        "server_id": state.server_id,
        "now": rfc3339(SystemTime::now()),
        "num_subscriptions": state.subscription_count(),
    })
}

/// `2026-11-23T09:30:00.123456789Z`: nanoseconds, as nats-server writes its times.
pub(super) fn rfc3339(time: SystemTime) -> String {
    natskit_proto::time::rfc3339(time, Precision::Nanos)
}

/// Go's duration style as nats-server prints uptimes: `1d2h3m4s`.
pub(super) fn uptime(d: Duration) -> String {
    let s = d.as_secs();
    let (days, hours, minutes, seconds) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    let mut out = String::new();
    if days > 0 {
        out.push_str(&format!("{days}d"));
    }
    if days > 0 || hours > 0 {
        out.push_str(&format!("{hours}h"));
    }
    if days > 0 || hours > 0 || minutes > 0 {
        out.push_str(&format!("{minutes}m"));
    }
    out.push_str(&format!("{seconds}s"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_uptimes_are_formatted_like_nats_server() {
        let t = std::time::UNIX_EPOCH + Duration::new(86_400 + 3661, 5);
        assert_eq!(rfc3339(t), "1970-01-02T01:01:01.000000005Z");
        assert_eq!(uptime(Duration::from_secs(59)), "59s");
        assert_eq!(uptime(Duration::from_secs(3600 + 2)), "1h0m2s");
        assert_eq!(uptime(Duration::from_secs(86_400 + 61)), "1d0h1m1s");
    }
}
