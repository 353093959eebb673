//! SUB/UNSUB churn (issue 23, contained attacks): one connection subscribes and unsubscribes
//! 100,000 distinct subjects. Others keep their latency, the subject index is empty again
//! afterwards (`/subsz`) and the broker's memory comes back near where it started.

use std::time::Instant;

use natskit_server::Server;

use crate::support::{
    alone, client_runtime, monitored_number, Backend, Bystander, Raw, BYSTANDER_P99,
};

const PAIRS: usize = 100_000;
const PAIRS_PER_WRITE: usize = 5_000;
/// What the churn may leave behind in the broker's resident memory.
const MAX_GROWTH: usize = 16 << 20;

#[test]
fn sub_unsub_churn_leaves_no_subscriptions_and_little_memory_and_stalls_nobody() {
    let _alone = alone();
    let backends = Backend::both_monitored(Server::builder(), "");
    let clients = client_runtime();
    for backend in &backends {
        let name = backend.name();
        clients.block_on(async {
            let bystander = Bystander::start(backend.addr());
            let mut churner = Raw::connect(backend.addr(), r#"{"verbose":false,"pedantic":false}"#).await;
            let subscriptions = monitored_number(backend.http_addr(), "/subsz", "num_subscriptions").await;
            let before = backend.resident();
            let start = Instant::now();
            let mut batch = String::new();
            for sid in 1..=PAIRS {
                batch.push_str(&format!("SUB churn.{sid} {sid}\r\nUNSUB {sid}\r\n"));
                if sid % PAIRS_PER_WRITE == 0 {
                    churner.send(batch.as_bytes()).await;
                    batch.clear();
                }
            }
            churner.sync().await;
            let took = start.elapsed();
            let after = backend.resident();
            let left = monitored_number(backend.http_addr(), "/subsz", "num_subscriptions").await;
            let latency = bystander.finish();
            let growth = after.saturating_sub(before);
            eprintln!(
                "{name}: {PAIRS} SUB/UNSUB pairs in {took:?}; {left} subscriptions after ({subscriptions} before); \
                 resident memory {} KiB -> {} KiB; {latency}",
                before / 1024,
                after / 1024
            );
            assert_eq!(left, subscriptions, "{name}: subscriptions left behind");
            assert!(growth < MAX_GROWTH, "{name}: the churn left {growth} B");
            assert!(latency.p99 < BYSTANDER_P99, "{name}: {latency}");
        });
    }
}
