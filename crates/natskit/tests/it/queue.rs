//! Queue groups: each message goes to exactly one member.

use std::collections::HashMap;

use futures_util::StreamExt;

use crate::support::{client, next, server};

#[tokio::test]
async fn four_queue_responders_share_one_hundred_requests() {
    let server = server();
    let mut workers = Vec::new();
    for id in 0..4 {
        let worker = client(&server).await;
        let mut requests = worker.queue_subscribe("roger", "rogers").await.unwrap();
        worker.flush().await.unwrap();
        workers.push(tokio::spawn(async move {
            let _keep = worker;
            while let Some(request) = requests.next().await {
                request.respond(format!("Roger, from {id}!")).await.unwrap();
            }
        }));
    }
    let requester = client(&server).await;
    let mut tally: HashMap<String, usize> = HashMap::new();
    for i in 0..100 {
        let answer = requester.request("roger", format!("{i}")).await.unwrap();
        *tally
            .entry(String::from_utf8_lossy(&answer.payload).into_owned())
            .or_default() += 1;
    }
    assert_eq!(tally.values().sum::<usize>(), 100);
    assert_eq!(tally.len(), 4, "every worker answered some: {tally:?}");
    // Random choice: each share is about 25; 5 is far outside what chance gives (p < 1e-6).
    assert!(tally.values().all(|&n| n >= 5), "{tally:?}");
    workers.iter().for_each(|w| w.abort());
}

#[tokio::test]
async fn queue_members_and_plain_subscribers_both_receive() {
    let server = server();
    let client = client(&server).await;
    let q1 = client.queue_subscribe("work", "group").await.unwrap();
    let q2 = client.queue_subscribe("work", "group").await.unwrap();
    let mut plain = client.subscribe("work").await.unwrap();
    for i in 0..20 {
        client.publish("work", format!("{i}")).await.unwrap();
    }
    for _ in 0..20 {
        next(&mut plain).await;
    }
    client.flush().await.unwrap();
    let (a, b) = (q1.pending_messages(), q2.pending_messages());
    assert_eq!(
        a + b,
        20,
        "each message went to exactly one group member ({a} + {b})"
    );
}
