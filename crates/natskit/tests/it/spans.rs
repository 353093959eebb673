//! The client's tracing spans: connect, reconnect and request at debug, publish at trace, so
//! an application logging at info sees none of them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use natskit::Event;
use tracing::span::{Attributes, Id, Record};
use tracing::{Level, Metadata, Subscriber};

use crate::reconnect::quick_reconnects;
use crate::support::*;

/// A subscriber that notes the name and level of every natskit span opened.
#[derive(Clone, Default)]
struct Recorder {
    spans: Arc<Mutex<Vec<(String, Level)>>>,
    next_id: Arc<AtomicU64>,
}

impl Recorder {
    fn level_of(&self, name: &str) -> Option<Level> {
        let spans = self.spans.lock().unwrap();
        spans
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, level)| *level)
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("natskit")
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let meta = span.metadata();
        if meta.name().starts_with("natskit.") {
            let mut spans = self.spans.lock().unwrap();
            spans.push((meta.name().to_owned(), *meta.level()));
        }
        Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

// One thread: the recorder is this thread's default, and the connection task runs here too.
#[tokio::test(flavor = "current_thread")]
async fn connect_reconnect_publish_and_request_open_quiet_spans() {
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());
    // With only one dispatcher registered, tracing settles a callsite's interest with the
    // default of whichever thread reaches it first: another test's, which has no subscriber,
    // so the span would be off for good. With two, it asks every registered one, the recorder
    // included.
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    let server = server();
    let client = quick_reconnects().connect(&server.url()).await.unwrap();
    let mut events = client.events();
    let mut sub = client.subscribe("spans.echo").await.unwrap();
    client.publish("spans.x", "one").await.unwrap();
    let requester = client.clone();
    let request = tokio::spawn(async move { requester.request("spans.echo", "ping").await });
    let asked = next(&mut sub).await;
    client
        .publish(asked.reply.unwrap().as_str(), "pong")
        .await
        .unwrap();
    assert_eq!(request.await.unwrap().unwrap().payload, "pong");
    client.force_reconnect();
    wait_for_event(&mut events, |e| matches!(e, Event::Reconnected { .. })).await;

    assert_eq!(recorder.level_of("natskit.connect"), Some(Level::DEBUG));
    assert_eq!(recorder.level_of("natskit.request"), Some(Level::DEBUG));
    assert_eq!(recorder.level_of("natskit.reconnect"), Some(Level::DEBUG));
    assert_eq!(recorder.level_of("natskit.publish"), Some(Level::TRACE));
}
