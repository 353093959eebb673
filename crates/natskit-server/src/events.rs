//! The system account's client events, as nats-server publishes them:
//! `$SYS.ACCOUNT.<account>.CONNECT` when a client authenticated and
//! `$SYS.ACCOUNT.<account>.DISCONNECT` when it went, with a subset of nats-server's fields
//! (type, id, timestamp, server, client; counts and reason on disconnect).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::SystemTime;

use natskit_proto::time::{rfc3339, Precision};
use serde_json::json;

use crate::client::shared::{Conn, Queued, Slot, Subscription};
use crate::space::Space;
use crate::state::{State, VERSION};
use natskit_proto::sync::lock;

/// Announces that `conn` authenticated (into the account it did).
pub(crate) fn connected(state: &State, conn: &Conn) {
    let Some((system, space)) = spaces(state, conn) else {
        return;
    };
    let event = json!({
        "type": "io.nats.server.advisory.v1.client_connect",
        "id": natskit_proto::nuid::next(),
        "timestamp": rfc3339(SystemTime::now(), Precision::Nanos),
        "server": server(state),
        "client": client(conn, &space.name),
    });
    let subject = format!("$SYS.ACCOUNT.{}.CONNECT", space.name);
    publish(
        state,
        system,
        subject.as_bytes(),
        event.to_string().as_bytes(),
    );
}

/// Announces, once, that `conn` (which authenticated) is gone.
pub(crate) fn disconnected(state: &State, conn: &Conn) {
    let Some((system, space)) = spaces(state, conn) else {
        return;
    };
    if conn.gone_announced.swap(true, Ordering::AcqRel) {
        return;
    }
    // nats-server's words for the common reasons.
    let reason = match conn.close_reason().as_deref() {
        Some("client closed the connection") | None => "Client Closed".to_owned(),
        Some("server shutdown") => "Server Shutdown".to_owned(),
        Some("slow consumer") => "Slow Consumer (Write Deadline)".to_owned(),
        Some(other) => other.to_owned(),
    };
    let c = &conn.counters;
    let mut client = client(conn, &space.name);
    client["stop"] = json!(rfc3339(SystemTime::now(), Precision::Nanos));
    let event = json!({
        "type": "io.nats.server.advisory.v1.client_disconnect",
        "id": natskit_proto::nuid::next(),
        "timestamp": rfc3339(SystemTime::now(), Precision::Nanos),
        "server": server(state),
        "client": client,
        // nats-server counts from the server's side: what it sent the client, and received.
        "sent": {
            "msgs": c.out_msgs.load(Ordering::Relaxed),
            "bytes": c.out_bytes.load(Ordering::Relaxed),
        },
        "received": {
            "msgs": c.in_msgs.load(Ordering::Relaxed),
            "bytes": c.in_bytes.load(Ordering::Relaxed),
        },
        "reason": reason,
    });
    let subject = format!("$SYS.ACCOUNT.{}.DISCONNECT", space.name);
    publish(
        state,
        system,
        subject.as_bytes(),
        event.to_string().as_bytes(),
    );
}

/// The system account's space and `conn`'s, when there is a system account and `conn`
/// authenticated.
fn spaces<'a>(state: &'a State, conn: &'a Conn) -> Option<(&'a Arc<Space>, &'a Arc<Space>)> {
    let system = &state.spaces[state.system?];
    Some((system, &state.spaces[*conn.account.get()?]))
}

fn server(state: &State) -> serde_json::Value {
    json!({
        "name": state.server_name(),
        "host": state.options().host,
        "id": state.server_id,
        "ver": VERSION,
        "time": rfc3339(SystemTime::now(), Precision::Nanos),
    })
}

fn client(conn: &Conn, account: &str) -> serde_json::Value {
    let meta = lock(&conn.meta).clone();
    let mut client = json!({
        "start": rfc3339(conn.started, Precision::Nanos),
        "id": conn.id,
        "acc": account,
        "kind": "Client",
        "client_type": "nats",
    });
    // As nats-server's `omitempty`: empty fields are left out.
    for (key, value) in [
        (
            "host",
            conn.peer.map(|p| p.ip().to_string()).unwrap_or_default(),
        ),
        ("user", meta.user),
        ("name", meta.name),
        ("lang", meta.lang),
        ("ver", meta.version),
    ] {
        if !value.is_empty() {
            client[key] = json!(value);
        }
    }
    client
}

/// Delivers a message the broker itself publishes in `space` (no reply, no headers).
fn publish(state: &State, space: &Space, subject: &[u8], payload: &[u8]) {
    let found = space.with_sublist(|s| s.matches(subject));
    let firsts = found.queues.iter().filter_map(|(_, m)| m.first());
    for sub in found.plain.iter().chain(firsts) {
        deliver(state, sub, subject, payload);
    }
}

fn deliver(state: &State, sub: &Arc<Subscription>, subject: &[u8], payload: &[u8]) {
    let size = subject.len() + sub.sid.len() + payload.len() + 48;
    let (slot, queued) = sub.conn.deliver_msg(sub, size, payload.len(), |out| {
        out.put_msg_slice(subject, &sub.sid, None, None, payload)
    });
    if slot == Slot::Last {
        state.remove_subscription(sub);
    }
    // Counted by `deliver_msg`; nothing more to do for one that was not queued.
    if queued == Some(Queued::First) {
        sub.conn.wake();
    }
}
