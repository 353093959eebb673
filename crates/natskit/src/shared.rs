//! What the handles and the connection task share: one lock around the connection's state
//! machine, and the wake-ups between them.
//!
//! One rule for locking, kept by this module alone (the locks are private to it): [`Shared`]
//! has two mutexes, `state` (the machine) and then `dispatch` (where its effects go), always
//! taken in that order. Every change goes through [`Shared::with`]: it runs the change under
//! `state`; if the machine produced effects (messages to subscribers, answers to requests,
//! events), it takes `dispatch`, moves the effects there, lets `state` go, and carries them out.
//! Taking `dispatch` before letting `state` go keeps effects in the order the machine made
//! them, whichever thread carries them out; letting `state` go first means the wake-ups those
//! effects cause never hold up a publisher. Nothing else is locked meanwhile but the channels'
//! own internals. The wake-ups between handles and the connection task are lock-free
//! [`Notify`]s.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
// A panic elsewhere while the lock was held does not poison the state, whose invariants hold
// between any two calls of the machine.
use natskit_proto::sync::lock;
use natskit_proto::{HeaderMap, Msg};
use std::collections::VecDeque;
use tokio::sync::futures::Notified;
use tokio::sync::{broadcast, mpsc, oneshot, watch, Notify, OwnedSemaphorePermit};
use tracing::{debug, warn, Instrument};

use crate::error::{FlushError, PublishError, SubscribeError};
use crate::events::{ConnectionState, Event};
use crate::machine::{
    Batch, Config, Connection, Effect, Failure, IdMap, Pending, Queued, ServerPool, Transmit,
};
use crate::options::ConnectOptions;

/// A publisher lets its worker go each time this much more output is waiting (see
/// [`Shared::take_yield_due`]): about 6,500 small messages. Each turn given moves the publisher
/// to the other worker, which has to be woken (about 3,000 thread switches for 5,000,000 small
/// publishes at 64 KiB, with that worker's CPU idle 11-23 % of the time); at 256 KiB, 5 runs
/// each into the embedded broker, 20.7 M -> 22.5 M msgs/s (`profile_paths pub`).
const YIELD_EVERY: usize = 256 * 1024;

/// What a publish's first try came to (see [`Shared::try_publish`]).
#[derive(Clone, Copy)]
enum FirstTry {
    Queued,
    /// Queued, and the output grew past another [`YIELD_EVERY`].
    QueuedPastYield,
    Full,
    Refused,
}

/// How a request ended, as its waiter is told.
#[derive(Debug)]
pub(crate) enum Answered {
    Answer(Msg),
    NoResponders,
    Failed(Failure),
}

/// Wakes a request with its answer, and lets go of what the request held (a slot of an
/// asynchronous publisher's window) the moment the answer comes, whether or not anyone reads it.
pub(crate) struct RequestWaiter {
    answer: oneshot::Sender<Answered>,
    _hold: Option<OwnedSemaphorePermit>,
}

impl RequestWaiter {
    pub(crate) fn new(
        answer: oneshot::Sender<Answered>,
        hold: Option<OwnedSemaphorePermit>,
    ) -> Self {
        RequestWaiter {
            answer,
            _hold: hold,
        }
    }

    fn send(self, answered: Answered) {
        // An error only means the requester is gone.
        let _ = self.answer.send(answered);
    }
}

impl std::fmt::Debug for RequestWaiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestWaiter")
    }
}
/// Wakes a flush when its PONG came, or will not come.
pub(crate) type FlushWaiter = oneshot::Sender<Result<(), Failure>>;
/// The machine as the client runs it.
pub(crate) type Machine = Connection<RequestWaiter, FlushWaiter>;

/// Behind the first lock.
struct State {
    machine: Machine,
    /// Subscribed before the first event, handed to the first caller of `events()`, so that
    /// reader misses nothing since connect.
    first_events: Option<broadcast::Receiver<Event>>,
}

/// Behind the second lock: effects on their way out, and where messages go.
struct Dispatch {
    effects: VecDeque<Effect<RequestWaiter, FlushWaiter>>,
    /// Where each subscription's messages go.
    readers: IdMap<mpsc::UnboundedSender<Batch>>,
}

/// Shared by every handle of one client and its connection task.
pub(crate) struct Shared {
    state: Mutex<State>,
    dispatch: Mutex<Dispatch>,
    /// Wakes the connection task: output is waiting.
    output_ready: Notify,
    /// Wakes publishers waiting for room in the output.
    room: Notify,
    /// The next publish lets its worker go first (see [`Shared::take_yield_due`]).
    yield_due: AtomicBool,
    /// Asks the connection task to stop.
    shutdown: Notify,
    /// Asks the connection task to drop the connection and reconnect.
    reconnect_now: Notify,
    events: broadcast::Sender<Event>,
    /// Connected, reconnecting or closed.
    connection_state: watch::Sender<ConnectionState>,
    options: ConnectOptions,
}

impl Shared {
    /// A client that has not connected yet, with the servers of `pool` to try.
    pub(crate) fn new(options: ConnectOptions, pool: ServerPool) -> Self {
        let (events, first_events) = broadcast::channel(options.limits.event_capacity);
        let machine = Connection::new(Config::from_options(&options), pool);
        Shared {
            state: Mutex::new(State {
                machine,
                first_events: Some(first_events),
            }),
            dispatch: Mutex::new(Dispatch {
                effects: VecDeque::new(),
                readers: IdMap::default(),
            }),
            output_ready: Notify::new(),
            room: Notify::new(),
            yield_due: AtomicBool::new(false),
            shutdown: Notify::new(),
            reconnect_now: Notify::new(),
            events,
            connection_state: watch::channel(ConnectionState::Connected).0,
            options,
        }
    }

    /// The options the client was made with.
    pub(crate) fn options(&self) -> &ConnectOptions {
        &self.options
    }

    /// Asks the connection task to close the connection and stop.
    pub(crate) fn request_shutdown(&self) {
        self.shutdown.notify_one();
    }

    /// Completes when [`request_shutdown`](Self::request_shutdown) was called.
    pub(crate) fn shutdown_requested(&self) -> Notified<'_> {
        self.shutdown.notified()
    }

    /// Asks the connection task to drop the connection and connect again.
    pub(crate) fn request_reconnect(&self) {
        self.reconnect_now.notify_one();
    }

    /// Completes when [`request_reconnect`](Self::request_reconnect) was called.
    pub(crate) fn reconnect_requested(&self) -> Notified<'_> {
        self.reconnect_now.notified()
    }

    /// Completes when output became ready for the connection task.
    pub(crate) fn output_ready(&self) -> Notified<'_> {
        self.output_ready.notified()
    }

    /// Runs `change` on the machine under the lock, carries out the effects it produced, and
    /// wakes the connection task if output became ready.
    pub(crate) fn with<R>(&self, change: impl FnOnce(&mut Machine) -> R) -> R {
        self.change(|machine, _| change(machine))
    }

    /// [`with`](Self::with) for changes that also touch where messages go (under both locks).
    fn change<R>(
        &self,
        change: impl FnOnce(&mut Machine, &dyn Fn(u64, mpsc::UnboundedSender<Batch>)) -> R,
    ) -> R {
        let mut state = lock(&self.state);
        let had_output = state.machine.has_output();
        let add_reader = |sid, reader| {
            lock(&self.dispatch).readers.insert(sid, reader);
        };
        let result = change(&mut state.machine, &add_reader);
        let has_output = state.machine.has_output();
        if state.machine.has_effects() {
            let mut dispatch = lock(&self.dispatch);
            state.machine.take_effects(&mut dispatch.effects);
            drop(state);
            self.carry_out(&mut dispatch);
        } else {
            drop(state);
        }
        if has_output && !had_output {
            self.output_ready.notify_one();
        }
        result
    }

    /// Reads the machine under the lock.
    pub(crate) fn read<R>(&self, look: impl FnOnce(&Machine) -> R) -> R {
        look(&lock(&self.state).machine)
    }

    fn carry_out(&self, dispatch: &mut Dispatch) {
        while let Some(effect) = dispatch.effects.pop_front() {
            match effect {
                Effect::Deliver { sid, batch } => {
                    if let Some(reader) = dispatch.readers.get(&sid) {
                        // A reader gone without unsubscribing cannot happen: its Drop
                        // unsubscribes first, and its stream ends with EndSubscription.
                        let _ = reader.send(batch);
                    }
                }
                Effect::EndSubscription { sid } => {
                    dispatch.readers.remove(&sid);
                }
                Effect::Answer { waiter, msg } => waiter.send(Answered::Answer(msg)),
                Effect::NoResponders { waiter } => waiter.send(Answered::NoResponders),
                Effect::FailRequest { waiter, why } => waiter.send(Answered::Failed(why)),
                Effect::Flushed { waiter } => {
                    let _ = waiter.send(Ok(()));
                }
                Effect::FailFlush { waiter, why } => {
                    let _ = waiter.send(Err(why));
                }
                Effect::Event(event) => self.emit(event),
                Effect::State(now) => {
                    let _ = self.connection_state.send_replace(now);
                }
            }
        }
    }

    fn emit(&self, event: Event) {
        match &event {
            Event::SlowConsumer { sid, subject } => {
                warn!(sid, %subject, "slow consumer: dropping messages");
            }
            Event::ServerError(text) => warn!(error = %text, "server error"),
            Event::Disconnected { reason } => warn!(%reason, "connection lost"),
            _ => debug!(?event, "natskit event"),
        }
        // An error only means nobody listens; the event was also logged.
        let _ = self.events.send(event);
    }

    /// Takes the turn a publisher owes its worker, if one is due.
    ///
    /// The connection task, woken by a publisher, waits in that worker's next-task slot,
    /// which no other worker may take, until the publisher lets the worker go: a publisher
    /// that never waits kept it there until the output was full (8 MiB), and the two took
    /// turns on one worker. So the publish after each 256 KiB of output lets the worker go
    /// first, before it queues anything, so that a publish cancelled there is not sent.
    #[inline]
    pub(crate) fn take_yield_due(&self) -> bool {
        self.yield_due.load(Ordering::Relaxed) && self.yield_due.swap(false, Ordering::Relaxed)
    }

    /// Queues a publish if there is room, without waiting; on the way, marks a turn due
    /// each time the output passes another 256 KiB (see [`take_yield_due`](Self::take_yield_due)).
    /// Inlined, so that its answer reaches the publish future in registers.
    #[inline(always)]
    pub(crate) fn try_publish(
        &self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: &Bytes,
    ) -> Result<Queued, PublishError> {
        // The closure answers in one byte, and a refusal goes out by the side: returning the
        // whole `Result` cost a store-to-load stall as it was copied out (perf).
        let mut refused = None;
        let first = self.with(|machine| {
            let before = machine.output_len() / YIELD_EVERY;
            match machine.publish(subject, reply, headers, payload) {
                Ok(Queued::Yes) if machine.output_len() / YIELD_EVERY != before => {
                    FirstTry::QueuedPastYield
                }
                Ok(Queued::Yes) => FirstTry::Queued,
                Ok(Queued::Full) => FirstTry::Full,
                Err(e) => {
                    refused = Some(e);
                    FirstTry::Refused
                }
            }
        });
        match first {
            FirstTry::Queued => Ok(Queued::Yes),
            FirstTry::QueuedPastYield => {
                self.yield_due.store(true, Ordering::Relaxed);
                Ok(Queued::Yes)
            }
            FirstTry::Full => Ok(Queued::Full),
            FirstTry::Refused => Err(refused.unwrap_or(PublishError::Closed)),
        }
    }

    /// A publish whose first try did not queue, or that owes its worker a turn, or whose span
    /// is wanted: lets the worker go if `yield_first`, then queues, waiting for room, in the
    /// span.
    pub(crate) async fn publish_slowly(
        self: &Arc<Self>,
        subject: String,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: Bytes,
        yield_first: bool,
    ) -> Result<(), PublishError> {
        if yield_first {
            tokio::task::yield_now().await;
        }
        let subject = subject.as_str();
        let span = publish_span(subject, &payload);
        // Instrumented only when some subscriber wants the span: entering and leaving even a
        // disabled one cost about 3 % of a publish (callgrind, `natskit pub --count 200000`).
        if span.is_disabled() {
            if self.try_publish(subject, reply, headers, &payload)? == Queued::Yes {
                return Ok(());
            }
            self.queue(|machine| machine.publish(subject, reply, headers, &payload))
                .await
        } else {
            self.queue(|machine| machine.publish(subject, reply, headers, &payload))
                .instrument(span)
                .await
        }
    }

    /// Runs `attempt` until it queues, waiting for room in the output between tries.
    pub(crate) async fn queue(
        self: &Arc<Self>,
        mut attempt: impl FnMut(&mut Machine) -> Result<Queued, PublishError>,
    ) -> Result<(), PublishError> {
        if self.with(&mut attempt)? == Queued::Yes {
            return Ok(());
        }
        loop {
            // Register for the wake-up before trying again, so the connection task taking the
            // output cannot slip between the try and the wait.
            let room = self.room.notified();
            tokio::pin!(room);
            room.as_mut().enable();
            if self.with(&mut attempt)? == Queued::Yes {
                return Ok(());
            }
            room.await;
        }
    }

    /// Makes a subscription and the channel its messages go to.
    pub(crate) fn subscribe(
        self: &Arc<Self>,
        subject: &str,
        queue: Option<&str>,
    ) -> Result<(u64, Arc<Pending>, mpsc::UnboundedReceiver<Batch>), SubscribeError> {
        self.change(|machine, add_reader| {
            let (sid, pending) = machine.subscribe(subject, queue)?;
            // Under the state lock still: no message can come before its reader is known.
            let (tx, rx) = mpsc::unbounded_channel();
            add_reader(sid, tx);
            Ok((sid, pending, rx))
        })
    }

    /// Queues a PING; the receiver says when its PONG came.
    pub(crate) fn ping(self: &Arc<Self>) -> Option<oneshot::Receiver<Result<(), Failure>>> {
        let (tx, rx) = oneshot::channel();
        self.with(|machine| machine.flush(tx)).ok()?;
        Some(rx)
    }

    /// The connection task's next batch of output (after giving back the one it wrote), and
    /// room for waiting publishers.
    pub(crate) fn next_transmit(self: &Arc<Self>, written: Option<Transmit>) -> Option<Transmit> {
        let transmit = self.with(|machine| {
            if let Some(written) = written {
                machine.transmitted(written);
            }
            machine.poll_transmit()
        });
        if transmit.is_some() {
            self.room.notify_waiters();
        }
        transmit
    }

    /// The connection broke: the machine keeps what was not sent, and publishers waiting for
    /// room try again (their publishes now go to the reconnect buffer).
    pub(crate) fn connection_lost(&self, reason: String, unfinished: Option<(Transmit, usize)>) {
        self.with(|machine| machine.connection_lost(reason, unfinished));
        self.room.notify_waiters();
    }

    /// Closes the machine and lets every waiting publisher see it.
    pub(crate) fn close(self: &Arc<Self>, reason: String) {
        self.with(|machine| machine.close(reason));
        self.room.notify_waiters();
    }

    /// True once closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.read(Machine::is_closed)
    }

    /// A watch of the connection's state.
    pub(crate) fn watch_state(&self) -> watch::Receiver<ConnectionState> {
        self.connection_state.subscribe()
    }

    /// The current connection state.
    pub(crate) fn connection_state(&self) -> ConnectionState {
        *self.connection_state.borrow()
    }

    /// The event stream for a reader: the first one gets every event since the start.
    /// Events from now on, leaving the first caller of `events` its replay.
    pub(crate) fn events_from_now(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    pub(crate) fn events(&self) -> broadcast::Receiver<Event> {
        let first = lock(&self.state).first_events.take();
        first.unwrap_or_else(|| self.events.subscribe())
    }
}

/// Keeps the connection open while a handle (a client or a subscriber) lives; the last one
/// gone asks the connection task to stop.
pub(crate) struct Owner {
    shared: Arc<Shared>,
}

impl Owner {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Owner { shared }
    }

    /// The connection kept open.
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        self.shared.shutdown.notify_one();
    }
}

/// Waits at most `timeout` for the PONG a flush or drain asked for.
pub(crate) async fn wait_for_pong(
    pong: oneshot::Receiver<Result<(), Failure>>,
    timeout: std::time::Duration,
) -> Result<(), FlushError> {
    match tokio::time::timeout(timeout, pong).await {
        Ok(Ok(Ok(()))) => Ok(()),
        Ok(Ok(Err(Failure::Disconnected))) => Err(FlushError::Disconnected),
        Ok(Ok(Err(Failure::Closed)) | Err(_)) => Err(FlushError::Closed),
        Err(_) => Err(FlushError::TimedOut(timeout)),
    }
}

/// A publish's tracing span: TRACE, so building one costs a publish almost nothing unless some
/// subscriber wants it.
#[inline]
pub(crate) fn publish_span(subject: &str, payload: &Bytes) -> tracing::Span {
    tracing::trace_span!("natskit.publish", subject, bytes = payload.len())
}
