//! JetStream in the broker: streams and consumers on memory or file storage, answering the
//! `$JS.API` as nats-server 2.10 does, for unmodified NATS clients.
//!
//! One [`engine::Engine`] per account runs as the broker's own client: an in-process
//! connection brings it `$JS.API.>`, acks, flow-control answers and the streams' subjects;
//! it answers straight into subscribers' buffers (`deliver`). Parts: `api` (requests, their
//! JSON, errors, configurations), `stream` (publish checks and limits), `consumer`
//! (delivery state), `pump` (serving consumers, acks, timers), `persist` (configurations on
//! disk), `store` (messages: memory and file), `subjects` (overlap and subset).

pub(crate) mod api;
pub(crate) mod consumer;
pub(crate) mod deliver;
pub(crate) mod disabled;
pub(crate) mod engine;
pub(crate) mod held;
pub(crate) mod options;
pub(crate) mod persist;
pub(crate) mod pump;
pub(crate) mod store;
pub(crate) mod stream;
pub(crate) mod subjects;

use std::sync::Arc;

use crate::state::State;

/// Starts an engine for every account that has JetStream (the global account, and those
/// configured with it), each with its in-process connection, and returns once every engine's
/// subscriptions are in place.
pub(crate) async fn start(
    state: &Arc<State>,
    options: &options::JetStream,
) -> Result<(), store::StoreError> {
    // One server per store directory: a second one (or another version's files) is refused.
    let lock = Arc::new(store::file::StoreDirLock::acquire(
        &options.directory().join("jetstream"),
    )?);
    let accounts = state.options().accounts.clone();
    for space in state.spaces.iter() {
        // Accounts without JetStream get an engine too: it answers their API requests with
        // nats-server's "not enabled for account".
        let enabled = space.index == 0
            || accounts
                .get(space.index - 1)
                .is_some_and(|account| account.jetstream);
        start_engine(state, space.clone(), options, lock.clone(), enabled).await;
    }
    Ok(())
}

/// One account's engine: its connection into the broker, its task, and the wait for its
/// subscriptions (nats-server enables JetStream before it listens, so a client's first request
/// finds it).
async fn start_engine(
    state: &Arc<State>,
    space: Arc<crate::space::Space>,
    options: &options::JetStream,
    lock: Arc<store::file::StoreDirLock>,
    enabled: bool,
) {
    let conn = state.register_internal(space.index);
    let (ours, theirs) = tokio::io::duplex(256 * 1024);
    let (reader, writer) = tokio::io::split(theirs);
    state.spawn_tracked(crate::client::io::serve(
        state.clone(),
        conn,
        reader,
        writer,
    ));
    let engine = engine::Engine::new(state.clone(), space, options.clone(), lock, enabled);
    let (ready, subscribed) = tokio::sync::oneshot::channel();
    state.spawn_tracked(engine.run(ours, ready));
    // An engine that stopped before its first PONG has nothing to wait for.
    let _ = subscribed.await;
}
