//! How the engine's messages reach clients: straight into the subscribers' output buffers, as
//! nats-server's internal clients send. A JetStream delivery is routed by one subject (the
//! pull request's inbox, the push consumer's deliver subject) and shows the client another
//! (the message's own subject), which no client publish can do.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};

use crate::client::shared::{Queued, Slot, Subscription};
use crate::space::Space;
use crate::state::State;

/// One message from the engine.
pub(crate) struct Outgoing<'a> {
    /// The subject subscribers are matched on.
    pub(crate) route: &'a str,
    /// The subject the receiver sees (the same as `route` for API answers).
    pub(crate) shown: &'a str,
    pub(crate) reply: Option<&'a str>,
    /// A whole header block (`NATS/1.0...\r\n\r\n`), if any.
    pub(crate) headers: Option<&'a [u8]>,
    pub(crate) payload: &'a [u8],
}

/// Delivers `message` in `space` to every plain subscriber and one member of each queue
/// group; true when anyone took it.
pub(crate) fn deliver(state: &State, space: &Space, message: &Outgoing<'_>) -> bool {
    let found = space.with_sublist(|s| s.matches(message.route.as_bytes()));
    if found.is_empty() {
        return false;
    }
    let header_len = message.headers.map(<[u8]>::len);
    let mut data = BytesMut::with_capacity(header_len.unwrap_or(0) + message.payload.len());
    if let Some(headers) = message.headers {
        data.put_slice(headers);
    }
    data.put_slice(message.payload);
    let data = data.freeze();
    let mut anyone = false;
    for sub in &found.plain {
        anyone |= deliver_to(state, sub, message, header_len, &data);
    }
    for (_, members) in &found.queues {
        let start = rand::random_range(0..members.len());
        for i in 0..members.len() {
            if deliver_to(
                state,
                &members[(start + i) % members.len()],
                message,
                header_len,
                &data,
            ) {
                anyone = true;
                break;
            }
        }
    }
    anyone
}

/// Whether anyone in `space` subscribes to `subject`.
pub(crate) fn has_interest(space: &Space, subject: &str) -> bool {
    !space
        .with_sublist(|s| s.matches(subject.as_bytes()))
        .is_empty()
}

fn deliver_to(
    state: &State,
    sub: &Arc<Subscription>,
    message: &Outgoing<'_>,
    header_len: Option<usize>,
    data: &Bytes,
) -> bool {
    if let Some(permissions) = sub.conn.permissions() {
        if permissions.subscribe.denies(message.route.as_bytes()) {
            return false;
        }
    }
    // Clients that did not announce headers get the payload alone.
    let (header_len, data) = match header_len {
        Some(len) if !sub.conn.headers.load(Ordering::Relaxed) => (None, data.slice(len..)),
        other => (other, data.clone()),
    };
    let size = data.len() + message.shown.len() + sub.sid.len() + 64;
    let reply = message.reply.map(str::as_bytes);
    let (slot, queued) = sub.conn.deliver_msg(sub, size, data.len(), |out| {
        out.put_msg_raw(message.shown.as_bytes(), &sub.sid, reply, header_len, &data)
    });
    if matches!(slot, Slot::Last | Slot::Exhausted) {
        state.remove_subscription(sub);
    }
    let Some(queued) = queued else {
        return false; // Closed, or past its limit.
    };
    match queued {
        Queued::First => sub.conn.wake(),
        Queued::Behind | Queued::Stall => {}
        Queued::Closed => return false,
        Queued::SlowConsumer => {
            state
                .counters
                .slow_consumers
                .fetch_add(1, Ordering::Relaxed);
            return false;
        }
    }
    state.counters.out_msgs.fetch_add(1, Ordering::Relaxed);
    state
        .counters
        .out_bytes
        .fetch_add(data.len() as u64, Ordering::Relaxed);
    true
}
