//! What the framework does with a handler: a panic is a 500 answer, an answer the handler sent
//! itself is the only one, and any concurrency limit is usable.

use futures_util::StreamExt;
use natskit_micro::{Request, Response, Service, ServiceError, ERROR_CODE_HEADER, ERROR_HEADER};

use crate::support::{bounded, client, server};

async fn panics(request: Request) -> Result<Response, ServiceError> {
    if &request.payload()[..] == b"boom" {
        panic!("the handler gives up");
    }
    Ok(Response::new("fine"))
}

#[tokio::test]
async fn a_panicking_handler_is_answered_with_500_and_counted_as_an_error() {
    let server = server();
    let client = client(&server).await;
    let service = Service::builder("fragile", "1.0.0")
        .start(&client)
        .await
        .unwrap();
    service.handle("try", panics).await.unwrap();

    let answer = bounded("the answer to a panic", client.request("try", "boom"))
        .await
        .unwrap();
    let headers = answer.headers.unwrap();
    assert_eq!(headers.get(ERROR_CODE_HEADER), Some("500"));
    assert_eq!(headers.get(ERROR_HEADER), Some("handler panicked"));
    // The endpoint still works.
    let fine = client.request("try", "ok").await.unwrap();
    assert_eq!(&fine.payload[..], b"fine");

    let stats = &service.stats().endpoints[0];
    assert_eq!(
        (
            stats.num_requests,
            stats.num_errors,
            stats.last_error.as_str()
        ),
        (2, 1, "500:handler panicked")
    );
    bounded("stop", service.stop()).await;
}

#[tokio::test]
async fn a_handler_that_answers_itself_is_answered_once() {
    let server = server();
    let client = client(&server).await;
    let service = Service::builder("eager", "1.0.0")
        .start(&client)
        .await
        .unwrap();
    service
        .handle("early", |request: Request| async move {
            request.respond("early").await.unwrap();
            Ok(Response::new("late"))
        })
        .await
        .unwrap();
    client.flush().await.unwrap();

    let requester = natskit::connect(&server.url()).await.unwrap();
    let inbox = requester.new_inbox();
    let mut answers = requester.subscribe(&inbox).await.unwrap();
    requester
        .publish_with_reply("early", &inbox, "")
        .await
        .unwrap();
    let first = bounded("the answer", answers.next()).await.unwrap();
    assert_eq!(&first.payload[..], b"early");

    // Stop returns once the handler's task is finished, any answer of the framework's already
    // queued on the service's connection; a marker sent after it on that connection arrives
    // after any second answer.
    bounded("stop", service.stop()).await;
    client.publish(&inbox, "marker").await.unwrap();
    let next = bounded("the marker", answers.next()).await.unwrap();
    assert_eq!(&next.payload[..], b"marker");
    assert_eq!(service.stats().endpoints[0].num_requests, 1);
}

#[tokio::test]
async fn a_huge_concurrency_limit_is_clamped_not_a_panic() {
    let server = server();
    let client = client(&server).await;
    let service = Service::builder("unlimited", "1.0.0")
        .start(&client)
        .await
        .unwrap();
    service
        .endpoint_builder("any")
        .concurrency(usize::MAX)
        .handle(|_request: Request| async { Ok(Response::new("ok")) })
        .await
        .unwrap();
    let answer = bounded("the answer", client.request("any", ""))
        .await
        .unwrap();
    assert_eq!(&answer.payload[..], b"ok");
    bounded("stop", service.stop()).await;
}
