//! A handler runs concurrently, up to the endpoint's limit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures_util::future::join_all;
use natskit_micro::{Request, Response, Service};
use tokio::sync::{mpsc, watch};

use crate::support::{bounded, client, server};

#[tokio::test]
async fn handlers_run_concurrently_up_to_the_limit() {
    let server = server();
    let client = client(&server).await;
    let service = Service::builder("limited", "1.0.0")
        .start(&client)
        .await
        .unwrap();

    let active = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (entered_tx, mut entered) = mpsc::unbounded_channel();
    let (open, gate) = watch::channel(false);
    let (a, m) = (Arc::clone(&active), Arc::clone(&most));
    service
        .endpoint_builder("slow")
        .concurrency(3)
        .handle(move |_request: Request| {
            let (active, most, entered, mut gate) = (
                Arc::clone(&a),
                Arc::clone(&m),
                entered_tx.clone(),
                gate.clone(),
            );
            async move {
                let now = active.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                let _ = entered.send(());
                let _ = gate.wait_for(|open| *open).await;
                active.fetch_sub(1, Ordering::SeqCst);
                Ok(Response::new("done"))
            }
        })
        .await
        .unwrap();

    let requests = tokio::spawn({
        let client = client.clone();
        async move { join_all((0..10).map(|_| client.request("slow", ""))).await }
    });
    // Three handlers run at once while the gate is closed...
    for _ in 0..3 {
        bounded("a handler to start", entered.recv()).await.unwrap();
    }
    assert_eq!(active.load(Ordering::SeqCst), 3);
    // ...and, opened, all ten requests get through, never more than three at a time.
    open.send_replace(true);
    let answers = bounded("all answers", requests).await.unwrap();
    assert!(answers.iter().all(|a| a.is_ok()));
    assert_eq!(most.load(Ordering::SeqCst), 3);
    service.stop().await;
}
