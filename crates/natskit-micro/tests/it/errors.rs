//! Error answers carry the two headers and count in the stats; reset zeroes the counters.

use futures_util::StreamExt;
use natskit_micro::{Request, Response, Service, ServiceError, ERROR_CODE_HEADER, ERROR_HEADER};

use crate::support::{client, server};

async fn picky(request: Request) -> Result<Response, ServiceError> {
    match &request.payload()[..] {
        b"ok" => Ok(Response::new("fine")),
        b"json" => request.json::<Vec<u8>>().map(|_| Response::new("parsed")),
        _ => Err(ServiceError::new(418, "I only take ok\r\nreally")),
    }
}

#[tokio::test]
async fn handler_errors_set_the_headers_and_count_in_stats() {
    let server = server();
    let client = client(&server).await;
    let service = Service::builder("picky", "1.0.0")
        .start(&client)
        .await
        .unwrap();
    service.handle("take", picky).await.unwrap();

    let fine = client.request("take", "ok").await.unwrap();
    assert_eq!(&fine.payload[..], b"fine");
    assert!(fine.headers.is_none());

    let refused = client.request("take", "tea").await.unwrap();
    let headers = refused.headers.as_ref().unwrap();
    assert_eq!(headers.get(ERROR_CODE_HEADER), Some("418"));
    // A header value cannot hold a line break: it becomes a space.
    assert_eq!(headers.get(ERROR_HEADER), Some("I only take ok  really"));
    assert!(refused.payload.is_empty());

    let bad_json = client.request("take", "json").await.unwrap();
    let headers = bad_json.headers.as_ref().unwrap();
    assert_eq!(headers.get(ERROR_CODE_HEADER), Some("400"));
    assert!(headers
        .get(ERROR_HEADER)
        .unwrap()
        .starts_with("invalid JSON request"));

    let stats = service.stats();
    let take = &stats.endpoints[0];
    assert_eq!((take.num_requests, take.num_errors), (3, 2));
    assert!(
        take.last_error.starts_with("400:invalid JSON request"),
        "{}",
        take.last_error
    );
    assert!(take.processing_time > 0);

    service.reset();
    let take = &service.stats().endpoints[0];
    assert_eq!(
        (take.num_requests, take.num_errors, take.processing_time),
        (0, 0, 0)
    );
    assert_eq!(take.last_error, "");
    service.stop().await;
}

#[tokio::test]
async fn stream_endpoints_answer_errors_and_json_too() {
    let server = server();
    let client = client(&server).await;
    let service = Service::builder("streamy", "1.0.0")
        .start(&client)
        .await
        .unwrap();
    let mut endpoint = service.endpoint("s").await.unwrap();
    tokio::spawn(async move {
        while let Some(request) = endpoint.next().await {
            if request.payload().is_empty() {
                request.respond_error(503, "empty").await.unwrap();
            } else {
                request
                    .respond_json(&serde_json::json!({ "len": request.payload().len() }))
                    .await
                    .unwrap();
            }
        }
    });

    let refused = client.request("s", "").await.unwrap();
    let headers = refused.headers.unwrap();
    assert_eq!(headers.get(ERROR_CODE_HEADER), Some("503"));
    assert_eq!(headers.get(ERROR_HEADER), Some("empty"));
    let json = client.request("s", "abc").await.unwrap();
    assert_eq!(&json.payload[..], br#"{"len":3}"#);

    let s = &service.stats().endpoints[0];
    assert_eq!(
        (s.num_requests, s.num_errors, s.last_error.as_str()),
        (2, 1, "503:empty")
    );
    service.stop().await;
}
