//! The `req` scenario: requesters, each on its own connection with one request out at a time,
//! against built-in echo responders in a queue group or an existing service.

use std::pin::pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use natskit::{Client, Request};
use tokio::task::JoinHandle;

use super::args::{split, Amount};
use super::control::{Counter, Goal, Stop};
use super::session::{connect_all, join_all, spawn_client, Session};
use super::stats::{self, ClientStats, Role};
use crate::error::CliError;

/// Queue group of the built-in responders, so each request is answered once.
pub const QUEUE: &str = "natskit-bench";

/// What each requester sends.
#[derive(Debug, Clone)]
pub struct Requests {
    /// Subject of the service.
    pub subject: Arc<str>,
    /// Request payload (the built-in responders echo it).
    pub payload: Bytes,
    /// How long each request may wait for its answer.
    pub timeout: Duration,
}

/// `natskit bench req`: `responders` built-in echo responders (none for an existing service),
/// then `clients` requesters sharing the requests (or the time).
pub async fn run_req(
    session: &Session,
    requests: Requests,
    clients: usize,
    responders: usize,
    amount: Amount,
) -> Result<Vec<ClientStats>, CliError> {
    let responder_connections = connect_all(&session.connect, responders).await?;
    let mut serving = Vec::with_capacity(responders);
    for client in &responder_connections {
        serving.push(respond(client, &requests.subject).await?);
    }
    let requesters = connect_all(&session.connect, clients).await?;
    let quotas: Vec<Option<u64>> = match amount {
        Amount::Msgs(n) => split(n, clients).into_iter().map(Some).collect(),
        Amount::Duration(_) => vec![None; clients],
    };
    let goal = match amount {
        Amount::Msgs(n) => Goal::Msgs(n),
        Amount::Duration(d) => Goal::Time(d),
    };
    let running = session.start(goal, "requests", amount);
    let tasks = requesters
        .iter()
        .zip(quotas)
        .enumerate()
        .map(|(i, (client, quota))| {
            let (client, requests) = (client.clone(), requests.clone());
            let (stop, counter) = (session.stop.clone(), session.counter.clone());
            spawn_client(&session.stop, async move {
                request(&client, i + 1, requests, quota, stop, counter).await
            })
        })
        .collect();
    let results = join_all(tasks, &session.stop).await;
    running.end();
    for client in requesters.iter().chain(&responder_connections) {
        let _ = client.close().await;
    }
    serving.iter().for_each(JoinHandle::abort);
    results
}

/// Sends `quota` requests (or until `stop`) one after the other as requester `id`.
///
/// The span runs from the first request to the last answer; every request is a latency
/// sample, from sending it to its answer. `stop` also gives up the request waiting for its
/// answer, uncounted: a service that does not answer would otherwise hold Ctrl-C and
/// `--duration` up for as long as `--timeout`.
async fn request(
    client: &Client,
    id: usize,
    requests: Requests,
    quota: Option<u64>,
    stop: Stop,
    counter: Counter,
) -> Result<ClientStats, CliError> {
    let mut out = ClientStats::new(Role::Req, id);
    let quota = quota.unwrap_or(u64::MAX);
    let mut stopped = pin!(stop.wait());
    let start = Instant::now();
    let mut result = Ok(());
    while out.msgs < quota && !stop.is_set() {
        let sent = Instant::now();
        let request = Request::new(requests.payload.clone()).timeout(requests.timeout);
        tokio::select! {
            // An answer that is in counts, even if the signal came at the same time.
            biased;
            answer = client.send_request(&*requests.subject, request) => {
                if let Err(e) = answer {
                    result = Err(e);
                    break;
                }
            }
            () = &mut stopped => break,
        }
        stats::record(&mut out.latency, sent.elapsed());
        out.msgs += 1;
        counter.tick(out.msgs);
    }
    counter.finish(out.msgs);
    result?;
    out.bytes = out.msgs * requests.payload.len() as u64;
    out.first = Some(start);
    out.last = Some(Instant::now());
    Ok(out)
}

/// Subscribes `client` in the [`QUEUE`] group and echoes every request from a task; the server
/// has the subscription when this returns.
async fn respond(client: &Client, subject: &str) -> Result<JoinHandle<()>, CliError> {
    let mut requests = client.queue_subscribe(subject, QUEUE).await?;
    client.flush().await?;
    Ok(tokio::spawn(async move {
        while let Some(request) = requests.next().await {
            if request.respond(request.payload.clone()).await.is_err() {
                break;
            }
        }
    }))
}
