//! Instances of a service share its requests through the queue group.

use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::future::join_all;
use natskit_micro::{Discovery, Request, Response, Service, ServiceError};

use crate::support::{bounded, client, server};

async fn who(request: Request) -> Result<Response, ServiceError> {
    let _ = request;
    Ok(Response::new("ok"))
}

#[tokio::test]
async fn four_instances_share_100_requests() {
    let server = server();
    let mut services = Vec::new();
    for _ in 0..4 {
        // One connection each, as four processes would have.
        let client = client(&server).await;
        let service = Service::builder("sharing", "1.0.0")
            .start(&client)
            .await
            .unwrap();
        service.handle("work", who).await.unwrap();
        client.flush().await.unwrap();
        services.push(service);
    }

    let requester = client(&server).await;
    let answers = bounded(
        "100 requests",
        join_all((0..100).map(|_| requester.request("work", ""))),
    )
    .await;
    assert!(answers.iter().all(|a| a.is_ok()), "every request answered");

    let per_instance: Vec<u64> = services
        .iter()
        .map(|s| s.stats().endpoints[0].num_requests)
        .collect();
    assert_eq!(per_instance.iter().sum::<u64>(), 100, "{per_instance:?}");
    // The server picks a member at random: all four get some (a miss is ~1e-12 likely).
    assert!(per_instance.iter().all(|&n| n > 0), "{per_instance:?}");

    // Discovery sees the same split, by instance id.
    let stats = Discovery::new(&requester)
        .timeout(Duration::from_millis(500))
        .stats(Some("sharing"))
        .await
        .unwrap();
    let ids: BTreeSet<_> = stats.iter().map(|s| s.id.clone()).collect();
    let expected: BTreeSet<_> = services.iter().map(|s| s.id().to_owned()).collect();
    assert_eq!(ids, expected);
    let total: u64 = stats.iter().map(|s| s.endpoints[0].num_requests).sum();
    assert_eq!(total, 100);
    for service in &services {
        service.stop().await;
    }
}
