//! Moving messages to consumers: pull requests and push subscribers served, acks taken, and
//! the timers (ack waits, pull expiries, heartbeats, idle consumers).

use std::time::{Duration, Instant};

use super::api::config::Retention;
use super::consumer::{Consumer, Delivery};
use super::deliver::{deliver, has_interest, Outgoing};
use super::engine::Engine;
use super::store::Store;

/// Push flow control: a request after this many bytes delivered, and no more messages while
/// it is unanswered past twice that.
const FLOW_CONTROL_BYTES: usize = 256 * 1024;

/// The ack subject of a delivery.
fn ack_subject(stream: &str, consumer: &str, d: &Delivery) -> String {
    format!(
        "$JS.ACK.{stream}.{consumer}.{}.{}.{}.{}.{}",
        d.deliveries, d.message.seq, d.consumer_seq, d.message.time, d.pending
    )
}

/// A status message (`NATS/1.0 <code> <text>` and headers).
fn status(code: u16, text: &str, headers: &[(&str, String)]) -> Vec<u8> {
    let mut block = format!("NATS/1.0 {code} {text}\r\n");
    for (name, value) in headers {
        block.push_str(&format!("{name}: {value}\r\n"));
    }
    block.push_str("\r\n");
    block.into_bytes()
}

impl Engine {
    /// Serves every consumer of `stream` as far as messages and requests allow.
    pub(crate) fn pump_stream(&mut self, stream: &str, now: Instant) {
        let Some(s) = self.streams.get_mut(stream) else {
            return;
        };
        let names: Vec<String> = s.consumers.keys().cloned().collect();
        for name in names {
            self.pump(stream, &name, now);
        }
    }

    /// Serves one consumer, and notes a durable one that delivered for saving.
    fn pump(&mut self, stream_name: &str, consumer_name: &str, now: Instant) {
        let delivered = |engine: &Engine| {
            engine
                .streams
                .get(stream_name)
                .and_then(|s| s.consumers.get(consumer_name))
                .filter(|c| !c.config.durable_name.is_empty())
                .map(|c| c.delivered_consumer_seq)
        };
        let before = delivered(self);
        self.serve(stream_name, consumer_name, now);
        if before.is_some() && delivered(self) != before {
            self.moved_consumers
                .insert((stream_name.to_owned(), consumer_name.to_owned()));
        }
    }

    fn serve(&mut self, stream_name: &str, consumer_name: &str, now: Instant) {
        let state = self.state.clone();
        let space = self.space.clone();
        let Some(stream) = self.streams.get_mut(stream_name) else {
            return;
        };
        let store: &dyn Store = &*stream.store;
        let Some(c) = stream.consumers.get_mut(consumer_name) else {
            return;
        };
        if c.config.is_pull() {
            while !c.waiting.is_empty() {
                if !c.replay_due(store, now) {
                    break;
                }
                let request = c.waiting.front().expect("not empty");
                let Some(next) = c.peek(store) else {
                    break;
                };
                let size = next.subject.len()
                    + next.headers.as_ref().map_or(0, |h| h.len())
                    + next.payload.len()
                    + 40
                    + stream_name.len()
                    + consumer_name.len();
                if request.max_bytes > 0 && size as i64 > request.max_bytes {
                    let reply = request.reply.clone();
                    let text = if request.delivered {
                        "Batch Completed"
                    } else {
                        "Message Size Exceeds MaxBytes"
                    };
                    let block = status(
                        409,
                        text,
                        &[
                            ("Nats-Pending-Messages", request.batch.to_string()),
                            ("Nats-Pending-Bytes", request.max_bytes.to_string()),
                        ],
                    );
                    c.waiting.pop_front();
                    send(&state, &space, &reply, Some(&block), b"");
                    continue;
                }
                let Some(d) = c.next(store, now) else {
                    break;
                };
                let ack = ack_subject(stream_name, consumer_name, &d);
                let (headers, payload) = shaped(c, &d);
                let request = c.waiting.front_mut().expect("checked above");
                deliver(
                    &state,
                    &space,
                    &Outgoing {
                        route: &request.reply,
                        shown: &d.message.subject,
                        reply: Some(&ack),
                        headers: headers.as_deref(),
                        payload,
                    },
                );
                request.batch -= 1;
                request.delivered = true;
                if request.max_bytes > 0 {
                    request.max_bytes -= size as i64;
                }
                if let Some(beat) = request.heartbeat {
                    request.next_heartbeat = Some(now + beat);
                }
                if request.batch <= 0 {
                    let done = c.waiting.pop_front().expect("front exists");
                    if done.max_bytes > 0 {
                        let block = status(
                            409,
                            "Batch Completed",
                            &[
                                ("Nats-Pending-Messages", "0".to_owned()),
                                ("Nats-Pending-Bytes", done.max_bytes.to_string()),
                            ],
                        );
                        send(&state, &space, &done.reply, Some(&block), b"");
                    }
                }
            }
            return;
        }
        // Push: only while someone listens on the deliver subject.
        if !has_interest(&space, &c.config.deliver_subject) {
            return;
        }
        c.last_active = now;
        loop {
            if c.flow_control_pending.is_some()
                && c.bytes_since_flow_control >= 2 * FLOW_CONTROL_BYTES
            {
                break;
            }
            if !c.replay_due(store, now) {
                break;
            }
            let Some(d) = c.next(store, now) else {
                break;
            };
            let ack = ack_subject(stream_name, consumer_name, &d);
            let (headers, payload) = shaped(c, &d);
            deliver(
                &state,
                &space,
                &Outgoing {
                    route: &c.config.deliver_subject,
                    shown: &d.message.subject,
                    reply: Some(&ack),
                    headers: headers.as_deref(),
                    payload,
                },
            );
            c.last_sent = now;
            c.bytes_since_flow_control += d.message.payload.len() + d.message.subject.len();
            if c.config.flow_control
                && c.flow_control_pending.is_none()
                && c.bytes_since_flow_control >= FLOW_CONTROL_BYTES
            {
                send_flow_control(&state, &space, stream_name, c);
            }
        }
    }

    /// Sends 408s for no-wait requests of `consumer` that could not be filled.
    pub(crate) fn finish_no_wait(&mut self, stream: &str, consumer: &str) {
        let state = self.state.clone();
        let space = self.space.clone();
        let Some(c) = self
            .streams
            .get_mut(stream)
            .and_then(|s| s.consumers.get_mut(consumer))
        else {
            return;
        };
        let mut kept = std::collections::VecDeque::new();
        while let Some(request) = c.waiting.pop_front() {
            if !request.no_wait {
                kept.push_back(request);
                continue;
            }
            let block = if !request.delivered && request.expires.is_none() {
                status(404, "No Messages", &[])
            } else {
                status(
                    408,
                    "Request Timeout",
                    &[
                        ("Nats-Pending-Messages", request.batch.to_string()),
                        ("Nats-Pending-Bytes", request.max_bytes.to_string()),
                    ],
                )
            };
            send(&state, &space, &request.reply, Some(&block), b"");
        }
        c.waiting = kept;
    }

    /// An ack on `$JS.ACK.<stream>.<consumer>.<deliveries>.<seq>.<consumer seq>.<time>.<pending>`.
    pub(crate) fn ack(&mut self, subject: &str, reply: Option<&str>, body: &[u8]) {
        let tokens: Vec<&str> = subject.split('.').collect();
        let (stream, consumer, seq) = match tokens.as_slice() {
            ["$JS", "ACK", stream, consumer, _, seq, _, _, _] => (*stream, *consumer, *seq),
            ["$JS", "ACK", _, _, stream, consumer, _, seq, _, _, _, ..] => {
                (*stream, *consumer, *seq)
            }
            _ => return,
        };
        let Ok(seq) = seq.parse::<u64>() else {
            return;
        };
        let now = Instant::now();
        let text = std::str::from_utf8(body).unwrap_or("").trim();
        let (verb, rest) = text.split_once(' ').unwrap_or((text, ""));
        let Some(s) = self.streams.get_mut(stream) else {
            return;
        };
        let retention = s.config.retention;
        let Some(c) = s.consumers.get_mut(consumer) else {
            return;
        };
        c.last_active = now;
        let mut acked = Vec::new();
        match verb {
            "" | "+ACK" => acked = c.ack(seq).sequences,
            "+NXT" => acked = c.ack(seq).sequences,
            "-NAK" => {
                let delay = serde_json::from_str::<serde_json::Value>(rest)
                    .ok()
                    .and_then(|v| v.get("delay").and_then(|d| d.as_i64()))
                    .filter(|d| *d > 0)
                    .map(|d| Duration::from_nanos(d as u64));
                c.nak(seq, delay, now);
            }
            "+WPI" => c.in_progress(seq, now),
            "+TERM" => c.terminate(seq),
            _ => acked = c.ack(seq).sequences,
        }
        let durable = !c.config.durable_name.is_empty();
        match retention {
            Retention::Workqueue => {
                for seq in &acked {
                    let _ = s.store.remove(*seq);
                }
            }
            Retention::Interest => {
                for seq in &acked {
                    let Some(message) = s.store.get(*seq) else {
                        continue;
                    };
                    let everyone = s
                        .consumers
                        .values()
                        .filter(|c| c.wants(&message.subject))
                        .all(|c| c.has_acked(*seq));
                    if everyone {
                        let _ = s.store.remove(*seq);
                    }
                }
            }
            Retention::Limits => {}
        }
        if durable && reply.is_some() {
            // A confirmed ack (double ack) is saved before it is confirmed.
            self.save_consumer_state(stream, consumer);
        } else if durable {
            self.moved_consumers
                .insert((stream.to_owned(), consumer.to_owned()));
        }
        if let Some(reply) = reply {
            self.send(reply, None, b"");
        }
        self.pump(stream, consumer, now);
    }

    /// A push consumer's client answered its flow-control request.
    pub(crate) fn flow_control_answered(&mut self, subject: &str) {
        let tokens: Vec<&str> = subject.split('.').collect();
        let ["$JS", "FC", stream, consumer, ..] = tokens.as_slice() else {
            return;
        };
        let Some(c) = self
            .streams
            .get_mut(*stream)
            .and_then(|s| s.consumers.get_mut(*consumer))
        else {
            return;
        };
        if c.flow_control_pending.as_deref() == Some(subject) {
            c.flow_control_pending = None;
            c.bytes_since_flow_control = 0;
        }
        let (stream, consumer) = (stream.to_string(), consumer.to_string());
        self.pump(&stream, &consumer, Instant::now());
    }

    /// After a consumer went: interest retention may let messages go.
    pub(crate) fn after_consumer_removed(&mut self, _stream: &str) {}

    /// The timers of `stream`'s consumers.
    pub(crate) fn timers(&mut self, stream_name: &str, now: Instant) {
        let state = self.state.clone();
        let space = self.space.clone();
        let Some(stream) = self.streams.get_mut(stream_name) else {
            return;
        };
        let mut idle = Vec::new();
        let mut due = Vec::new();
        for (name, c) in stream.consumers.iter_mut() {
            if c.expire_acks(now) {
                due.push(name.clone());
            }
            // Pull requests that expired, and their heartbeats.
            let mut kept = std::collections::VecDeque::new();
            while let Some(mut request) = c.waiting.pop_front() {
                if request.expires.is_some_and(|e| e <= now) {
                    let block = status(
                        408,
                        "Request Timeout",
                        &[
                            ("Nats-Pending-Messages", request.batch.to_string()),
                            ("Nats-Pending-Bytes", request.max_bytes.to_string()),
                        ],
                    );
                    send(&state, &space, &request.reply, Some(&block), b"");
                    continue;
                }
                if let (Some(beat), Some(at)) = (request.heartbeat, request.next_heartbeat) {
                    if at <= now {
                        let block = heartbeat(c, None);
                        send(&state, &space, &request.reply, Some(&block), b"");
                        request.next_heartbeat = Some(now + beat);
                    }
                }
                kept.push_back(request);
            }
            c.waiting = kept;
            // Push heartbeats.
            if !c.config.is_pull() && c.config.idle_heartbeat > 0 {
                let every = Duration::from_nanos(c.config.idle_heartbeat as u64);
                if now >= c.last_sent + every {
                    let block = heartbeat(c, c.flow_control_pending.clone());
                    send(&state, &space, &c.config.deliver_subject, Some(&block), b"");
                    c.last_sent = now;
                }
            }
            // Idle consumers with an inactive threshold go.
            if c.config.inactive_threshold > 0 {
                let active = if c.config.is_pull() {
                    !c.waiting.is_empty()
                } else {
                    has_interest(&space, &c.config.deliver_subject)
                };
                if active {
                    c.last_active = now;
                } else if now.duration_since(c.last_active)
                    >= Duration::from_nanos(c.config.inactive_threshold as u64)
                {
                    idle.push(name.clone());
                }
            }
        }
        for name in &idle {
            tracing::debug!("JetStream: removing idle consumer {stream_name} > {name}");
            stream.consumers.remove(name);
        }
        for name in idle {
            self.remove_consumer_files(stream_name, &name);
        }
        for name in due {
            self.pump(stream_name, &name, now);
        }
    }
}

/// An idle heartbeat status for `c` (with the stalled flow-control reply, if any).
fn heartbeat(c: &Consumer, stalled: Option<String>) -> Vec<u8> {
    let mut headers = vec![
        ("Nats-Last-Consumer", c.delivered_consumer_seq.to_string()),
        ("Nats-Last-Stream", c.delivered_stream_seq.to_string()),
    ];
    if let Some(stalled) = stalled {
        headers.push(("Nats-Consumer-Stalled", stalled));
    }
    status(100, "Idle Heartbeat", &headers)
}

/// Sends a flow-control request to a push consumer's subscriber.
fn send_flow_control(
    state: &crate::state::State,
    space: &crate::space::Space,
    stream: &str,
    c: &mut Consumer,
) {
    let reply = format!(
        "$JS.FC.{stream}.{}.{}",
        c.name,
        natskit_proto::nuid::next()
            .chars()
            .take(6)
            .collect::<String>()
    );
    let block = status(100, "FlowControl Request", &[]);
    deliver(
        state,
        space,
        &Outgoing {
            route: &c.config.deliver_subject,
            shown: &c.config.deliver_subject,
            reply: Some(&reply),
            headers: Some(&block),
            payload: b"",
        },
    );
    c.flow_control_pending = Some(reply);
}

/// A delivery's headers and payload as the consumer takes them: as stored, or (headers
/// only) the headers with `Nats-Msg-Size` and no payload.
fn shaped<'d>(c: &Consumer, d: &'d Delivery) -> (Option<bytes::Bytes>, &'d [u8]) {
    if c.config.headers_only {
        let headers = headers_only(d.message.headers.as_deref(), d.message.payload.len());
        (Some(headers), b"")
    } else {
        (d.message.headers.clone(), &d.message.payload)
    }
}

/// A message's headers with `Nats-Msg-Size` added, for headers-only consumers.
fn headers_only(headers: Option<&[u8]>, size: usize) -> bytes::Bytes {
    let mut map = headers
        .and_then(|h| natskit_proto::HeaderMap::decode(h).ok())
        .unwrap_or_default();
    let _ = map.insert("Nats-Msg-Size", size.to_string());
    super::stream::encode_headers(&map)
}

fn send(
    state: &crate::state::State,
    space: &crate::space::Space,
    subject: &str,
    headers: Option<&[u8]>,
    payload: &[u8],
) {
    deliver(
        state,
        space,
        &Outgoing {
            route: subject,
            shown: subject,
            reply: None,
            headers,
            payload,
        },
    );
}
