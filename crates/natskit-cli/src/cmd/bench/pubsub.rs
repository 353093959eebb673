//! The `pub`, `sub` and `pubsub` scenarios: who connects, in which order, and when each
//! client is done.

use std::sync::Arc;
use std::time::Duration;

use natskit::{Client, Subscriber};

use super::args::{split, Amount};
use super::control::{Goal, Stop};
use super::payload::Payloads;
use super::publish::{publish, Plan};
use super::receive::{receive, Until};
use super::session::{connect_all, join_all, spawn_client, Session};
use super::stats::ClientStats;
use crate::error::CliError;

/// `natskit bench pub`: `clients` publishers share the messages (or the time).
pub async fn run_pub(
    session: &Session,
    subject: &str,
    clients: usize,
    amount: Amount,
    size: usize,
) -> Result<Vec<ClientStats>, CliError> {
    let publishers = connect_all(&session.connect, clients).await?;
    let running = session.start(goal(amount), "published", amount);
    let results = publish_all(session, &publishers, subject, amount, size).await;
    running.end();
    close_all(&publishers).await;
    results
}

/// `natskit bench sub`: `clients` subscribers each wait for every message (or the time).
///
/// Says `Subscribing on ...` on standard error once the server has every subscription. Each
/// subscriber ends at its count or `idle` after its last message; with `--duration`, when the
/// time is over (a pause in the publishing does not end it early).
pub async fn run_sub(
    session: &Session,
    subject: &str,
    clients: usize,
    amount: Amount,
    idle: Duration,
) -> Result<Vec<ClientStats>, CliError> {
    let (connections, subscribers) = subscribe_all(session, subject, clients).await?;
    let expected = match amount {
        Amount::Msgs(n) => Some(n),
        Amount::Duration(_) => None,
    };
    let waiting = match expected {
        Some(n) => format!("waiting for {} msgs each", super::units::count(n)),
        None => "until the time is up".into(),
    };
    eprintln!(
        "Subscribing on {subject}: {}, {waiting}",
        super::plural(clients, "subscriber")
    );
    let goal = match amount {
        Amount::Msgs(n) => Goal::Msgs(n.saturating_mul(clients as u64)),
        Amount::Duration(d) => Goal::Time(d),
    };
    let running = session.start(goal, "received", amount);
    let until = Until {
        expected,
        end: session.stop.clone(),
        idle: expected.map(|_| idle),
    };
    let tasks = subscribers
        .into_iter()
        .enumerate()
        .map(|(i, sub)| {
            let counter = session.counter.clone();
            let until = until.clone();
            tokio::spawn(async move { Ok(receive(sub, i + 1, until, counter).await) })
        })
        .collect();
    let mut results = join_all(tasks, &session.stop).await;
    running.end();
    close_all(&connections).await;
    if let (Ok(results), Some(n)) = (&mut results, expected) {
        for r in results {
            r.lost = Some(n.saturating_sub(r.msgs));
        }
    }
    results
}

/// `n` connections, each with a subscription to `subject` that the server has (flushed).
async fn subscribe_all(
    session: &Session,
    subject: &str,
    n: usize,
) -> Result<(Vec<Client>, Vec<Subscriber>), CliError> {
    let connections = connect_all(&session.connect, n).await?;
    let mut subscribers = Vec::with_capacity(n);
    for client in &connections {
        subscribers.push(client.subscribe(subject).await?);
        client.flush().await?;
    }
    Ok((connections, subscribers))
}

/// `natskit bench pubsub`: `subs` subscribers, then `clients` publishers on their own
/// connections; every subscriber should get every message.
///
/// Once the publishers' flushes have returned, the server has routed every message; a flush
/// on each subscriber's connection then returns only after its messages have arrived, so the
/// subscribers take what came and stop: what is missing then is lost.
pub async fn run_pubsub(
    session: &Session,
    subject: &str,
    clients: usize,
    subs: usize,
    amount: Amount,
    size: usize,
) -> Result<Vec<ClientStats>, CliError> {
    let (sub_connections, subscribers) = subscribe_all(session, subject, subs).await?;
    let publishers = connect_all(&session.connect, clients).await?;
    let drained = Stop::new();
    let until = Until {
        expected: match amount {
            Amount::Msgs(n) => Some(n),
            Amount::Duration(_) => None,
        },
        end: drained.clone(),
        idle: None,
    };
    let receivers: Vec<_> = subscribers
        .into_iter()
        .enumerate()
        .map(|(i, sub)| {
            // Their own counter: the bar shows what was published.
            let counter = Default::default();
            tokio::spawn(receive(sub, i + 1, until.clone(), counter))
        })
        .collect();
    let running = session.start(goal(amount), "published", amount);
    let published = publish_all(session, &publishers, subject, amount, size).await;
    running.end();
    for client in &sub_connections {
        // A subscriber the server cut off (a slow consumer) counts its losses all the same.
        let _ = client.flush().await;
    }
    drained.set();
    let mut received = Vec::with_capacity(subs);
    for task in receivers {
        received.push(
            task.await
                .map_err(|e| CliError::msg(format!("a subscriber failed: {e}")))?,
        );
    }
    close_all(&publishers).await;
    close_all(&sub_connections).await;
    let mut results = published?;
    let total: u64 = results.iter().map(|r| r.msgs).sum();
    for r in &mut received {
        r.lost = Some(total.saturating_sub(r.msgs));
    }
    results.extend(received);
    Ok(results)
}

/// Runs one publisher per connection, sharing `amount`.
async fn publish_all(
    session: &Session,
    publishers: &[Client],
    subject: &str,
    amount: Amount,
    size: usize,
) -> Result<Vec<ClientStats>, CliError> {
    let quotas: Vec<Option<u64>> = match amount {
        Amount::Msgs(n) => split(n, publishers.len()).into_iter().map(Some).collect(),
        Amount::Duration(_) => vec![None; publishers.len()],
    };
    let subject: Arc<str> = subject.into();
    let payloads = Payloads::new(size);
    let tasks = publishers
        .iter()
        .zip(quotas)
        .enumerate()
        .map(|(i, (client, quota))| {
            let plan = Plan {
                subject: Arc::clone(&subject),
                payloads: payloads.clone(),
                quota,
            };
            let (client, stop, counter) = (
                client.clone(),
                session.stop.clone(),
                session.counter.clone(),
            );
            spawn_client(&session.stop, async move {
                publish(&client, i + 1, plan, stop, counter).await
            })
        })
        .collect();
    join_all(tasks, &session.stop).await
}

/// What the bar fills up to for senders: the messages, or the time.
fn goal(amount: Amount) -> Goal {
    match amount {
        Amount::Msgs(n) => Goal::Msgs(n),
        Amount::Duration(d) => Goal::Time(d),
    }
}

/// Closes every connection; the results are in, so a failed close changes nothing.
async fn close_all(clients: &[Client]) {
    for client in clients {
        let _ = client.close().await;
    }
}
