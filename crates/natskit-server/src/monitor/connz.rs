//! `/connz`: the open connections, with nats-server's parameters (`limit`, `offset`, `cid`,
//! `sort`, `subs`, `auth`, `state`, `user`), its defaults and its 400 texts.
//!
//! Built so that monitoring never holds client traffic: each lock a client path takes is held
//! only to copy a few numbers or `Arc`s out (the connection table, a connection's metadata, its
//! subscription table), and the answer is sorted, paged and serialised outside every lock, on
//! the blocking pool (see [`super::answer`]).

use std::borrow::Cow;
use std::cmp::Reverse;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::SystemTime;

use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;

use super::query::Query;
use super::{rfc3339, uptime};
use crate::client::shared::{ClientMeta, Conn, Subscription};
use crate::state::State;
use natskit_proto::sync::lock;

/// nats-server's page size when `limit` is absent or not positive.
const DEFAULT_LIMIT: i64 = 1024;

/// The orders nats-server 2.9 accepts for `sort` (`rtt` is not one of them there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sort {
    Cid,
    Start,
    Subs,
    Pending,
    MsgsTo,
    MsgsFrom,
    BytesTo,
    BytesFrom,
    Last,
    Idle,
    Uptime,
    Stop,
    Reason,
}

impl Sort {
    fn parse(text: &str) -> Result<Sort, String> {
        Ok(match text {
            "" | "cid" => Sort::Cid,
            "start" => Sort::Start,
            "subs" => Sort::Subs,
            "pending" => Sort::Pending,
            "msgs_to" => Sort::MsgsTo,
            "msgs_from" => Sort::MsgsFrom,
            "bytes_to" => Sort::BytesTo,
            "bytes_from" => Sort::BytesFrom,
            "last" => Sort::Last,
            "idle" => Sort::Idle,
            "uptime" => Sort::Uptime,
            "stop" => Sort::Stop,
            "reason" => Sort::Reason,
            other => return Err(format!("invalid sorting option: {other}")),
        })
    }
}

/// Which connections `state` asks for. The broker keeps no closed connections, so `closed`
/// lists none and `all` lists the open ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    Open,
    Closed,
    All,
}

/// How much of each connection's subscriptions to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subs {
    None,
    Subjects,
    Detail,
}

/// The parameters of one request, checked in nats-server's order (the first bad one is the
/// answer).
#[derive(Debug)]
struct Request {
    sort: Sort,
    auth: bool,
    subs: Subs,
    offset: i64,
    limit: i64,
    cid: u64,
    wanted: Wanted,
    user: String,
}

impl Request {
    fn parse(query: &Query) -> Result<Request, String> {
        let sort = query.get("sort");
        let auth = query.bool("auth")?;
        let subs = if query.get("subs").eq_ignore_ascii_case("detail") {
            Subs::Detail
        } else if query.bool("subs")? {
            Subs::Subjects
        } else {
            Subs::None
        };
        let offset = query.int("offset")?.max(0);
        let mut limit = query.int("limit")?;
        if limit <= 0 {
            limit = DEFAULT_LIMIT;
        }
        let cid = query.uint("cid")?;
        let wanted = match query.get("state").to_ascii_lowercase().as_str() {
            "" | "open" => Wanted::Open,
            "closed" => Wanted::Closed,
            "any" | "all" => Wanted::All,
            other => return Err(format!("Error decoding state for {other}")),
        };
        let sort = Sort::parse(sort)?;
        if sort == Sort::Stop && wanted != Wanted::Closed {
            return Err("sort by stop only valid on closed connections".into());
        }
        if sort == Sort::Reason && wanted != Wanted::Closed {
            return Err("sort by reason only valid on closed connections".into());
        }
        if cid > 0 {
            limit = 1;
        }
        Ok(Request {
            sort,
            auth,
            subs,
            offset,
            limit,
            cid,
            wanted,
            user: query.get("user").to_owned(),
        })
    }
}

/// What is read of one connection, each figure under its own short lock or from an atomic.
struct Row {
    conn: Arc<Conn>,
    meta: ClientMeta,
    last: SystemTime,
    pending: usize,
    in_msgs: u64,
    out_msgs: u64,
    in_bytes: u64,
    out_bytes: u64,
    subs: usize,
}

impl Row {
    fn of(conn: Arc<Conn>) -> Row {
        let c = &conn.counters;
        let meta = lock(&conn.meta).clone();
        let subs = lock(&conn.subs).len();
        Row {
            meta,
            last: conn.last_activity(),
            pending: conn.pending_bytes(),
            in_msgs: c.in_msgs.load(Ordering::Relaxed),
            out_msgs: c.out_msgs.load(Ordering::Relaxed),
            in_bytes: c.in_bytes.load(Ordering::Relaxed),
            out_bytes: c.out_bytes.load(Ordering::Relaxed),
            subs,
            conn,
        }
    }
}

/// The `/connz` answer: the JSON body, or the text of a 400.
pub(crate) fn connz(state: &State, query: &Query) -> Result<Vec<u8>, String> {
    let request = Request::parse(query)?;
    let now = SystemTime::now();
    // The table's lock is held to copy its Arcs only.
    let (total, conns): (usize, Vec<Arc<Conn>>) = {
        let table = lock(&state.conns);
        let conns = match request.wanted {
            Wanted::Closed => Vec::new(),
            _ if request.cid > 0 => table.get(&request.cid).cloned().into_iter().collect(),
            _ => table.values().cloned().collect(),
        };
        let total = if request.wanted == Wanted::Closed {
            0
        } else {
            table.len()
        };
        (total, conns)
    };
    let mut rows: Vec<Row> = conns
        .into_iter()
        .map(Row::of)
        .filter(|row| request.user.is_empty() || row.meta.user == request.user)
        .collect();
    sort(&mut rows, request.sort);
    // Paged before any subscription is copied: only the page's are.
    let from = (request.offset as usize).min(rows.len());
    let to = from.saturating_add(request.limit as usize).min(rows.len());
    let connections: Vec<ConnInfo> = rows
        .drain(from..to)
        .map(|row| ConnInfo::new(row, &request, now))
        .collect();
    let body = Connz {
        server_id: &state.server_id,
        now: rfc3339(now),
        num_connections: connections.len(),
        total,
        offset: request.offset,
        limit: request.limit,
        connections,
    };
    Ok(serde_json::to_vec_pretty(&body).unwrap_or_default())
}

/// Orders the rows as nats-server does: by cid, then by the key asked for (largest first,
/// except uptime, shortest first). The sort is stable, so ties stay in cid order.
fn sort(rows: &mut [Row], by: Sort) {
    rows.sort_by_key(|r| r.conn.id);
    match by {
        Sort::Cid | Sort::Start | Sort::Stop | Sort::Reason => {}
        Sort::Subs => rows.sort_by_key(|r| Reverse(r.subs)),
        Sort::Pending => rows.sort_by_key(|r| Reverse(r.pending)),
        Sort::MsgsTo => rows.sort_by_key(|r| Reverse(r.out_msgs)),
        Sort::MsgsFrom => rows.sort_by_key(|r| Reverse(r.in_msgs)),
        Sort::BytesTo => rows.sort_by_key(|r| Reverse(r.out_bytes)),
        Sort::BytesFrom => rows.sort_by_key(|r| Reverse(r.in_bytes)),
        Sort::Last => rows.sort_by_key(|r| Reverse(r.last)),
        // nats-server's "idle" order: the longest active span (last activity - start) first.
        Sort::Idle => {
            rows.sort_by_key(|r| Reverse(r.last.duration_since(r.conn.started).unwrap_or_default()))
        }
        Sort::Uptime => rows.sort_by_key(|r| Reverse(r.conn.started)),
    }
}

#[derive(Serialize)]
struct Connz<'a> {
    server_id: &'a str,
    now: String,
    num_connections: usize,
    total: usize,
    offset: i64,
    limit: i64,
    connections: Vec<ConnInfo>,
}

/// One connection, with nats-server's field names and its rules for leaving fields out.
#[derive(Serialize)]
struct ConnInfo {
    cid: u64,
    kind: &'static str,
    #[serde(rename = "type")]
    kind_of_client: &'static str,
    ip: String,
    port: u16,
    start: String,
    last_activity: String,
    uptime: String,
    idle: String,
    pending_bytes: usize,
    in_msgs: u64,
    out_msgs: u64,
    in_bytes: u64,
    out_bytes: u64,
    subscriptions: usize,
    #[serde(skip_serializing_if = "String::is_empty")]
    name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    lang: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    version: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    authorized_user: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    subscriptions_list: Option<SubjectList>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subscriptions_list_detail: Option<DetailList>,
}

impl ConnInfo {
    fn new(row: Row, request: &Request, now: SystemTime) -> ConnInfo {
        let conn = &row.conn;
        // The subscriptions' Arcs are copied under the connection's subscription lock; their
        // text is written later, outside it.
        let listed = (request.subs != Subs::None && row.subs > 0).then(|| {
            lock(&conn.subs)
                .iter()
                .map(|s| s.0.clone())
                .collect::<Vec<_>>()
        });
        let (subscriptions_list, subscriptions_list_detail) = match (request.subs, listed) {
            (Subs::Subjects, Some(subs)) => (Some(SubjectList(subs)), None),
            (Subs::Detail, Some(subs)) => (None, Some(DetailList(subs))),
            _ => (None, None),
        };
        ConnInfo {
            cid: conn.id,
            kind: "Client",
            kind_of_client: if conn.websocket {
                "websocket"
            } else if conn.peer.is_some() {
                "nats"
            } else {
                "in-process"
            },
            ip: conn.peer.map(|p| p.ip().to_string()).unwrap_or_default(),
            port: conn.peer.map(|p| p.port()).unwrap_or_default(),
            start: rfc3339(conn.started),
            last_activity: rfc3339(row.last),
            uptime: uptime(now.duration_since(conn.started).unwrap_or_default()),
            idle: uptime(now.duration_since(row.last).unwrap_or_default()),
            pending_bytes: row.pending,
            in_msgs: row.in_msgs,
            out_msgs: row.out_msgs,
            in_bytes: row.in_bytes,
            out_bytes: row.out_bytes,
            subscriptions: row.subs,
            name: row.meta.name,
            lang: row.meta.lang,
            version: row.meta.version,
            // As with nats-server, the user is shown only when `auth` asks for it.
            authorized_user: if request.auth {
                row.meta.user
            } else {
                String::new()
            },
            subscriptions_list,
            subscriptions_list_detail,
        }
    }
}

/// `subscriptions_list`: the subjects, written straight from the subscriptions.
struct SubjectList(Vec<Arc<Subscription>>);

impl Serialize for SubjectList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for sub in &self.0 {
            // As nats-server: the bytes as text, unreadable ones replaced.
            seq.serialize_element(&String::from_utf8_lossy(&sub.subject))?;
        }
        seq.end()
    }
}

/// `subscriptions_list_detail`: nats-server's `SubDetail` of each subscription.
struct DetailList(Vec<Arc<Subscription>>);

#[derive(Serialize)]
struct SubDetail<'a> {
    subject: Cow<'a, str>,
    #[serde(skip_serializing_if = "str::is_empty")]
    qgroup: Cow<'a, str>,
    sid: Cow<'a, str>,
    msgs: u64,
    #[serde(skip_serializing_if = "is_zero")]
    max: u64,
    cid: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Serialize for DetailList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for sub in &self.0 {
            seq.serialize_element(&SubDetail {
                // As nats-server: the bytes as text, unreadable ones replaced.
                subject: String::from_utf8_lossy(&sub.subject),
                qgroup: String::from_utf8_lossy(sub.queue.as_deref().unwrap_or_default()),
                // As nats-server: the bytes as text, unreadable ones replaced.
                sid: String::from_utf8_lossy(&sub.sid),
                msgs: sub.delivered(),
                max: sub.max(),
                cid: sub.conn.id,
            })?;
        }
        seq.end()
    }
}
