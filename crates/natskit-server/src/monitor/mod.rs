//! Monitoring over HTTP: `/varz`, `/connz` and `/subsz` as JSON, with nats-server's field names
//! for the fields the broker has. A deliberately small HTTP/1.1 responder: one GET per
//! connection, no keep-alive, requests bounded in size and time.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use natskit_proto::time::Precision;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::ServerError;
use crate::state::{State, VERSION};
use crate::stats::Statistics;
use natskit_proto::sync::lock;

const MAX_REQUEST: usize = 8 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Binds the monitoring port and serves it until `stop` turns true.
pub(crate) async fn start(
    state: Arc<State>,
    port: u16,
    mut stop: watch::Receiver<bool>,
) -> Result<(SocketAddr, JoinHandle<()>), ServerError> {
    let (listener, addr) = crate::listen::bind(&state.options.host, port).await?;
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
    let target = line.split_whitespace().nth(1).unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let (status, body) = match path.trim_end_matches('/') {
        "/varz" => ("200 OK", varz(&state)),
        "/connz" => ("200 OK", connz(&state, query)),
        "/subsz" => ("200 OK", subsz(&state)),
        "/healthz" => ("200 OK", json!({"status": "ok"})),
        _ => (
            "404 Not Found",
            json!({"error": format!("no such endpoint: {path}")}),
        ),
    };
    let body = serde_json::to_string_pretty(&body).unwrap_or_default();
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(REQUEST_TIMEOUT, stream.write_all(response.as_bytes())).await;
}

fn varz(state: &State) -> Value {
    let stats = Statistics::of(state);
    let limits = &state.options.limits;
    let now = SystemTime::now();
    json!({
        "server_id": state.server_id,
        "server_name": state.server_name(),
        "version": VERSION,
        "proto": 1,
        "host": state.options.host,
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
    })
}

fn connz(state: &State, query: &str) -> Value {
    let with_subs = query
        .split('&')
        .any(|kv| kv == "subs=1" || kv == "subs=true" || kv == "subs=detail");
    let now = SystemTime::now();
    let mut conns: Vec<_> = lock(&state.conns).values().cloned().collect();
    conns.sort_by_key(|c| c.id);
    let list: Vec<Value> = conns
        .iter()
        .map(|conn| {
            let meta = lock(&conn.meta).clone();
            // The subjects are copied out only when the list was asked for.
            let (sub_count, subjects) = {
                let subs = lock(&conn.subs);
                let subjects = with_subs.then(|| {
                    subs.values()
                        .map(|s| s.subject.to_string())
                        .collect::<Vec<_>>()
                });
                (subs.len(), subjects)
            };
            let c = &conn.counters;
            let mut entry = json!({
                "cid": conn.id,
                "kind": "Client",
                "type": if conn.peer.is_some() { "nats" } else { "in-process" },
                "ip": conn.peer.map(|p| p.ip().to_string()).unwrap_or_default(),
                "port": conn.peer.map(|p| p.port()).unwrap_or_default(),
                "start": rfc3339(conn.started),
                "uptime": uptime(now.duration_since(conn.started).unwrap_or_default()),
                "pending_bytes": conn.pending_bytes(),
                "in_msgs": c.in_msgs.load(Ordering::Relaxed),
                "out_msgs": c.out_msgs.load(Ordering::Relaxed),
                "in_bytes": c.in_bytes.load(Ordering::Relaxed),
                "out_bytes": c.out_bytes.load(Ordering::Relaxed),
                "subscriptions": sub_count,
                "name": meta.name,
                "lang": meta.lang,
                "version": meta.version,
            });
            if !meta.user.is_empty() {
                entry["authorized_user"] = json!(meta.user);
            }
            if let Some(subjects) = subjects {
                entry["subscriptions_list"] = json!(subjects);
            }
            entry
        })
        .collect();
    json!({
        "server_id": state.server_id,
        "now": rfc3339(now),
        "num_connections": list.len(),
        "total": list.len(),
        "offset": 0,
        "limit": list.len().max(1024),
        "connections": list,
    })
}

fn subsz(state: &State) -> Value {
    json!({
        "server_id": state.server_id,
        "now": rfc3339(SystemTime::now()),
        "num_subscriptions": state.subscription_count(),
    })
}

/// `2026-11-23T09:30:00.123456789Z`: nanoseconds, as nats-server writes its times.
fn rfc3339(time: SystemTime) -> String {
    natskit_proto::time::rfc3339(time, Precision::Nanos)
}

/// Go's duration style as nats-server prints uptimes: `1d2h3m4s`.
fn uptime(d: Duration) -> String {
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
