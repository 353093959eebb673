//! One consumer: where it is in its stream, what it delivered and waits to have acknowledged,
//! when to deliver again, and (pull) the requests waiting for messages.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::{Duration, Instant, SystemTime};

use super::api::config::{AckPolicy, ConsumerConfig, DeliverPolicy};
use super::store::{Store, StoredMessage};

/// A message leaving for a client.
pub(crate) struct Delivery {
    pub(crate) message: StoredMessage,
    /// How many times it has been delivered, this one included.
    pub(crate) deliveries: u64,
    pub(crate) consumer_seq: u64,
    /// What is left for the consumer after it.
    pub(crate) pending: u64,
}

/// A message delivered and not yet acknowledged.
#[derive(Debug, Clone, Copy)]
struct Unacked {
    consumer_seq: u64,
    deliveries: u64,
    /// When it is delivered again without an ack.
    deadline: Instant,
}

/// A consumer's place in its stream, as saved for durable consumers of file streams.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub(crate) struct Position {
    pub(crate) next_seq: u64,
    pub(crate) delivered_stream_seq: u64,
    pub(crate) delivered_consumer_seq: u64,
    pub(crate) ack_floor_stream_seq: u64,
    pub(crate) ack_floor_consumer_seq: u64,
    /// Stream sequence, consumer sequence and delivery count of each unacknowledged message.
    pub(crate) unacked: Vec<(u64, u64, u64)>,
    /// For readers of the file: on resume it follows from the delivery counts in `unacked`.
    pub(crate) num_redelivered: u64,
}

/// A waiting `CONSUMER.MSG.NEXT`.
#[derive(Debug, Clone)]
pub(crate) struct PullRequest {
    pub(crate) reply: String,
    /// Messages still wanted.
    pub(crate) batch: i64,
    /// Bytes still allowed (0: no byte limit).
    pub(crate) max_bytes: i64,
    pub(crate) expires: Option<Instant>,
    pub(crate) no_wait: bool,
    pub(crate) heartbeat: Option<Duration>,
    pub(crate) next_heartbeat: Option<Instant>,
    /// Whether anything was sent for it yet.
    pub(crate) delivered: bool,
}

/// What an ack did.
#[derive(Debug, Default)]
pub(crate) struct Acked {
    /// Stream sequences now acknowledged (for work-queue and interest retention).
    pub(crate) sequences: Vec<u64>,
}

/// A consumer held by its stream.
pub(crate) struct Consumer {
    pub(crate) name: String,
    pub(crate) config: ConsumerConfig,
    pub(crate) created: SystemTime,
    filters: Vec<String>,
    /// The next stream sequence to look at for a first delivery.
    next_seq: u64,
    /// Last-per-subject start: these sequences first, lowest first.
    initial: VecDeque<u64>,
    pub(crate) delivered_consumer_seq: u64,
    pub(crate) delivered_stream_seq: u64,
    pub(crate) ack_floor_consumer_seq: u64,
    pub(crate) ack_floor_stream_seq: u64,
    unacked: BTreeMap<u64, Unacked>,
    /// Stream sequences due for another delivery.
    redeliver: BTreeSet<u64>,
    pub(crate) waiting: VecDeque<PullRequest>,
    /// Last time a client showed interest (a pull, an ack, a subscriber on the deliver subject).
    pub(crate) last_active: Instant,
    /// Push: when the last message or heartbeat went out.
    pub(crate) last_sent: Instant,
    /// Push with flow control: the reply of an unanswered flow-control request.
    pub(crate) flow_control_pending: Option<String>,
    pub(crate) bytes_since_flow_control: usize,
    /// Replay `original`: when and at what stream time the last first delivery went out.
    last_replayed: Option<(Instant, i64)>,
    /// Replay `original`: the next message waits until then.
    pub(crate) replay_at: Option<Instant>,
    /// `num_pending`, once counted (see [`Consumer::forget_pending`]).
    pending_cache: Option<u64>,
}

impl Consumer {
    /// A consumer starting where `config.deliver_policy` says, in `store`.
    pub(crate) fn new(
        name: String,
        config: ConsumerConfig,
        store: &dyn Store,
        created: SystemTime,
        now: Instant,
    ) -> Consumer {
        let filters = config.filters();
        let state = store.state();
        let mut initial = VecDeque::new();
        let next_seq = match config.deliver_policy {
            DeliverPolicy::All => state.first_seq.max(1),
            DeliverPolicy::New => state.last_seq + 1,
            DeliverPolicy::Last => {
                let last = if filters.is_empty() {
                    (state.msgs > 0).then_some(state.last_seq)
                } else {
                    filters
                        .iter()
                        .filter_map(|f| store.last_matching(f))
                        .map(|m| m.seq)
                        .max()
                };
                last.unwrap_or(state.last_seq + 1)
            }
            DeliverPolicy::ByStartSequence => config.opt_start_seq.max(1),
            DeliverPolicy::ByStartTime => {
                let time = config
                    .opt_start_time
                    .as_deref()
                    .and_then(natskit_proto::time::parse_rfc3339)
                    .map_or(0, epoch_nanos);
                store.first_at_or_after(time)
            }
            DeliverPolicy::LastPerSubject => {
                let patterns = if filters.is_empty() {
                    vec![">".to_owned()]
                } else {
                    filters.clone()
                };
                let mut lasts: Vec<u64> = patterns
                    .iter()
                    .flat_map(|p| store.subjects(p))
                    .filter_map(|(subject, _)| store.subject_state(&subject).map(|s| s.last))
                    .collect();
                lasts.sort_unstable();
                lasts.dedup();
                initial = lasts.into();
                state.last_seq + 1
            }
        };
        let start = initial.front().copied().unwrap_or(next_seq);
        Consumer {
            name,
            config,
            created,
            filters,
            next_seq,
            initial,
            delivered_consumer_seq: 0,
            delivered_stream_seq: start.saturating_sub(1),
            ack_floor_consumer_seq: 0,
            ack_floor_stream_seq: start.saturating_sub(1),
            unacked: BTreeMap::new(),
            redeliver: BTreeSet::new(),
            waiting: VecDeque::new(),
            last_active: now,
            last_sent: now,
            flow_control_pending: None,
            bytes_since_flow_control: 0,
            last_replayed: None,
            replay_at: None,
            pending_cache: None,
        }
    }

    /// Where it is, for saving: what a restart needs to go on without delivering an
    /// acknowledged message again or losing an unacknowledged one.
    pub(crate) fn position(&self) -> Position {
        Position {
            next_seq: self.next_seq,
            delivered_stream_seq: self.delivered_stream_seq,
            delivered_consumer_seq: self.delivered_consumer_seq,
            ack_floor_stream_seq: self.ack_floor_stream_seq,
            ack_floor_consumer_seq: self.ack_floor_consumer_seq,
            unacked: self
                .unacked
                .iter()
                .map(|(seq, u)| (*seq, u.consumer_seq, u.deliveries))
                .collect(),
            num_redelivered: self.num_redelivered(),
        }
    }

    /// Picks up after a restart where `position` says: the messages delivered and not
    /// acknowledged are delivered again at once (as redeliveries).
    pub(crate) fn resume(&mut self, position: &Position, now: Instant) {
        self.initial.clear();
        self.pending_cache = None;
        self.next_seq = position.next_seq.max(position.ack_floor_stream_seq + 1);
        self.delivered_stream_seq = position.delivered_stream_seq;
        self.delivered_consumer_seq = position.delivered_consumer_seq;
        self.ack_floor_stream_seq = position.ack_floor_stream_seq;
        self.ack_floor_consumer_seq = position.ack_floor_consumer_seq;
        for (seq, consumer_seq, deliveries) in &position.unacked {
            self.unacked.insert(
                *seq,
                Unacked {
                    consumer_seq: *consumer_seq,
                    deliveries: *deliveries,
                    deadline: now,
                },
            );
            self.redeliver.insert(*seq);
        }
    }

    /// Replay `original`: whether the next message may go now, keeping the time between it
    /// and the previous one as it was when they were stored.
    pub(crate) fn replay_due(&mut self, store: &dyn Store, now: Instant) -> bool {
        self.replay_at = None;
        if self.config.replay_policy != super::api::config::ReplayPolicy::Original {
            return true;
        }
        let (Some((sent, previous)), Some(next)) = (self.last_replayed, self.peek(store)) else {
            return true;
        };
        let gap = Duration::from_nanos((next.time - previous).max(0) as u64);
        if now >= sent + gap {
            return true;
        }
        self.replay_at = Some(sent + gap);
        false
    }

    /// Its filter subjects (empty: all of the stream).
    pub(crate) fn filters(&self) -> &[String] {
        &self.filters
    }

    /// Whether it takes messages on `subject`.
    pub(crate) fn wants(&self, subject: &str) -> bool {
        super::store::filter_matches(&self.filters, subject)
    }

    fn acks(&self) -> bool {
        self.config.ack_policy != AckPolicy::None
    }

    /// Messages delivered and waiting for an ack.
    pub(crate) fn num_ack_pending(&self) -> u64 {
        self.unacked.len() as u64
    }

    /// Messages delivered more than once and not acked yet: nats-server forgets a redelivered
    /// message's count once it is acked, so its `num_redelivered` falls back to 0.
    pub(crate) fn num_redelivered(&self) -> u64 {
        self.unacked.values().filter(|u| u.deliveries > 1).count() as u64
    }

    /// Messages not yet delivered (first deliveries only, as nats-server counts).
    pub(crate) fn num_pending(&self, store: &dyn Store) -> u64 {
        if let Some(pending) = self.pending_cache {
            return pending;
        }
        let later = store.count_matching(self.next_seq, &self.filters);
        later + self.initial.len() as u64
    }

    /// [`Consumer::num_pending`], counted once and then kept up to date: every delivery
    /// carries it, and counting is a walk of the stream.
    fn pending(&mut self, store: &dyn Store) -> u64 {
        let pending = self.num_pending(store);
        self.pending_cache = Some(pending);
        pending
    }

    /// A message this consumer wants was stored.
    pub(crate) fn note_stored(&mut self) {
        if let Some(pending) = &mut self.pending_cache {
            *pending += 1;
        }
    }

    /// Messages left the stream other than by acks (limits, purges, deletes): count again.
    pub(crate) fn forget_pending(&mut self) {
        self.pending_cache = None;
    }

    /// The next message for this consumer, marked delivered; None when there is none or
    /// `max_ack_pending` messages wait for acks.
    pub(crate) fn next(&mut self, store: &dyn Store, now: Instant) -> Option<Delivery> {
        if self.acks()
            && self.config.max_ack_pending > 0
            && self.unacked.len() as i64 >= self.config.max_ack_pending
            && self.redeliver.is_empty()
        {
            return None;
        }
        // Redeliveries first, oldest first.
        while let Some(seq) = self.redeliver.pop_first() {
            let Some(message) = store.get(seq) else {
                self.unacked.remove(&seq);
                continue;
            };
            let Some(entry) = self.unacked.get(&seq).copied() else {
                continue;
            };
            let deliveries = entry.deliveries + 1;
            return Some(self.mark_delivered(message, deliveries, store, now));
        }
        if self.acks()
            && self.config.max_ack_pending > 0
            && self.unacked.len() as i64 >= self.config.max_ack_pending
        {
            return None;
        }
        while let Some(seq) = self.initial.pop_front() {
            if let Some(message) = store.get(seq) {
                return Some(self.mark_delivered(message, 1, store, now));
            }
        }
        let message = store.next_matching(self.next_seq, &self.filters)?;
        self.next_seq = message.seq + 1;
        Some(self.mark_delivered(message, 1, store, now))
    }

    /// The message [`Consumer::next`] would hand out, without handing it out.
    pub(crate) fn peek(&self, store: &dyn Store) -> Option<StoredMessage> {
        if let Some(message) = self.redeliver.iter().find_map(|seq| store.get(*seq)) {
            return Some(message);
        }
        if self.acks()
            && self.config.max_ack_pending > 0
            && self.unacked.len() as i64 >= self.config.max_ack_pending
        {
            return None;
        }
        if let Some(message) = self.initial.iter().find_map(|seq| store.get(*seq)) {
            return Some(message);
        }
        store.next_matching(self.next_seq, &self.filters)
    }

    fn mark_delivered(
        &mut self,
        message: StoredMessage,
        deliveries: u64,
        store: &dyn Store,
        now: Instant,
    ) -> Delivery {
        self.delivered_consumer_seq += 1;
        let consumer_seq = self.delivered_consumer_seq;
        if deliveries == 1 {
            self.last_replayed = Some((now, message.time));
        }
        self.delivered_stream_seq = self.delivered_stream_seq.max(message.seq);
        if self.acks() {
            let wait = self.wait_for(deliveries);
            self.unacked.insert(
                message.seq,
                Unacked {
                    consumer_seq,
                    deliveries,
                    deadline: now + wait,
                },
            );
        } else {
            self.ack_floor_consumer_seq = consumer_seq;
            self.ack_floor_stream_seq = message.seq;
        }
        if deliveries == 1 {
            if let Some(pending) = &mut self.pending_cache {
                *pending = pending.saturating_sub(1);
            }
        }
        let pending = self.pending(store);
        Delivery {
            message,
            deliveries,
            consumer_seq,
            pending,
        }
    }

    /// How long to wait for an ack of a message delivered `deliveries` times (its backoff
    /// step, or `ack_wait`).
    fn wait_for(&self, deliveries: u64) -> Duration {
        let backoff = &self.config.backoff;
        let nanos = if backoff.is_empty() {
            self.config.ack_wait
        } else {
            backoff[((deliveries - 1) as usize).min(backoff.len() - 1)]
        };
        Duration::from_nanos(nanos.max(1) as u64)
    }

    /// Takes an ack of stream sequence `seq` (`+ACK`, or the empty body).
    pub(crate) fn ack(&mut self, seq: u64) -> Acked {
        let mut acked = Acked::default();
        if self.config.ack_policy == AckPolicy::All {
            let done: Vec<u64> = self.unacked.range(..=seq).map(|(s, _)| *s).collect();
            for s in done {
                self.unacked.remove(&s);
                self.redeliver.remove(&s);
                acked.sequences.push(s);
            }
        } else if self.unacked.remove(&seq).is_some() {
            self.redeliver.remove(&seq);
            acked.sequences.push(seq);
        }
        self.move_ack_floor();
        acked
    }

    /// `+TERM`: never again, and not acknowledged either (the message stays in its stream).
    pub(crate) fn terminate(&mut self, seq: u64) {
        self.unacked.remove(&seq);
        self.redeliver.remove(&seq);
        self.move_ack_floor();
    }

    /// `-NAK`: deliver again, after `delay` if given.
    pub(crate) fn nak(&mut self, seq: u64, delay: Option<Duration>, now: Instant) {
        if let Some(entry) = self.unacked.get_mut(&seq) {
            match delay {
                Some(delay) if !delay.is_zero() => entry.deadline = now + delay,
                _ => {
                    self.redeliver.insert(seq);
                }
            }
        }
    }

    /// `+WPI`: the client is still working on it; the ack wait starts again.
    pub(crate) fn in_progress(&mut self, seq: u64, now: Instant) {
        let wait = self.config.ack_wait.max(1) as u64;
        if let Some(entry) = self.unacked.get_mut(&seq) {
            entry.deadline = now + Duration::from_nanos(wait);
        }
    }

    /// Moves the messages whose ack wait passed into the redelivery set (or gives up on them
    /// past `max_deliver`); true when any became due.
    pub(crate) fn expire_acks(&mut self, now: Instant) -> bool {
        let mut due = false;
        let max_deliver = self.config.max_deliver;
        let mut given_up = Vec::new();
        for (seq, entry) in &self.unacked {
            if entry.deadline <= now && !self.redeliver.contains(seq) {
                if max_deliver > 0 && entry.deliveries >= max_deliver as u64 {
                    given_up.push(*seq);
                } else {
                    self.redeliver.insert(*seq);
                    due = true;
                }
            }
        }
        for seq in given_up {
            self.unacked.remove(&seq);
        }
        if due {
            self.move_ack_floor();
        }
        due
    }

    /// The earliest ack deadline still ahead.
    pub(crate) fn next_ack_deadline(&self) -> Option<Instant> {
        self.unacked
            .iter()
            .filter(|(seq, _)| !self.redeliver.contains(seq))
            .map(|(_, e)| e.deadline)
            .min()
    }

    /// The ack floor: everything at or below it is acknowledged.
    fn move_ack_floor(&mut self) {
        match self.unacked.first_key_value() {
            Some((seq, entry)) => {
                self.ack_floor_stream_seq = seq - 1;
                self.ack_floor_consumer_seq = entry.consumer_seq.saturating_sub(1);
            }
            None => {
                self.ack_floor_stream_seq = self.delivered_stream_seq;
                self.ack_floor_consumer_seq = self.delivered_consumer_seq;
            }
        }
    }

    /// Whether `seq` was delivered and is no longer waiting for an ack (for interest
    /// retention).
    pub(crate) fn has_acked(&self, seq: u64) -> bool {
        seq < self.next_seq && !self.unacked.contains_key(&seq) && !self.initial.contains(&seq)
    }
}

/// Nanoseconds since the Unix epoch.
pub(crate) fn epoch_nanos(time: SystemTime) -> i64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}
