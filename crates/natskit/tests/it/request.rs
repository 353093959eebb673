//! Request/reply over the shared inbox subscription.

use std::time::Duration;

use futures_util::StreamExt;
use natskit::{HeaderMap, Request, RequestError};

use crate::support::{client, server, server_with, Setup};

/// Starts an echo responder on `subject` that answers with "re: <payload>" and echoes headers.
async fn echo_responder(client: &natskit::Client, subject: &str) -> tokio::task::JoinHandle<()> {
    let mut requests = client.subscribe(subject).await.unwrap();
    client.flush().await.unwrap();
    tokio::spawn(async move {
        while let Some(request) = requests.next().await {
            let body = format!("re: {}", String::from_utf8_lossy(&request.payload));
            request
                .respond_with_headers(request.headers.as_ref(), body)
                .await
                .unwrap();
        }
    })
}

#[tokio::test]
async fn request_gets_the_answer() {
    let server = server();
    let client = client(&server).await;
    let responder = echo_responder(&client, "svc.echo").await;
    let answer = client.request("svc.echo", "hello").await.unwrap();
    assert_eq!(answer.payload, "re: hello");
    assert!(answer.subject.starts_with("_INBOX."));
    assert_eq!(client.requests_in_flight(), 0);
    responder.abort();
}

#[tokio::test]
async fn request_with_headers_carries_them_both_ways() {
    let server = server();
    let client = client(&server).await;
    let responder = echo_responder(&client, "svc.h").await;
    let mut headers = HeaderMap::new();
    headers.insert("X-Request", "7").unwrap();
    let answer = client
        .send_request("svc.h", Request::new("x").headers(headers))
        .await
        .unwrap();
    assert_eq!(answer.headers.unwrap().get("X-Request"), Some("7"));
    responder.abort();
}

#[tokio::test]
async fn no_responders_fails_fast_with_its_own_error() {
    let server = server();
    let client = client(&server).await;
    let started = std::time::Instant::now();
    let err = client
        .send_request(
            "nobody.home",
            Request::new("?").timeout(Duration::from_secs(5)),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err,
        RequestError::NoResponders {
            subject: "nobody.home".into()
        }
    );
    assert_eq!(err.to_string(), "no responders for \"nobody.home\"");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "must not wait for the timeout"
    );
    assert_eq!(client.requests_in_flight(), 0);
}

#[tokio::test]
async fn timed_out_request_leaves_nothing_behind() {
    let server = server();
    let client = client(&server).await;
    // A subscriber that never answers: the server sees a responder, so no 503.
    let _silent = client.subscribe("svc.silent").await.unwrap();
    let err = client
        .send_request(
            "svc.silent",
            Request::new("?").timeout(Duration::from_millis(100)),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::TimedOut { timeout, .. } if timeout == Duration::from_millis(100)),
        "{err:?}"
    );
    assert_eq!(client.requests_in_flight(), 0);
}

#[tokio::test]
async fn abandoned_request_future_leaves_nothing_behind() {
    let server = server();
    let client = client(&server).await;
    let _silent = client.subscribe("svc.silent2").await.unwrap();
    let request = client.request("svc.silent2", "?");
    // Give up on it from the outside, as a `select!` or an outer timeout would.
    let _ = tokio::time::timeout(Duration::from_millis(50), request).await;
    assert_eq!(client.requests_in_flight(), 0);
}

#[tokio::test]
async fn concurrent_requests_are_multiplexed_and_each_gets_its_own_answer() {
    let server = server();
    let client = client(&server).await;
    let responder = echo_responder(&client, "svc.mux").await;
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                let answer = client.request("svc.mux", format!("{i}")).await.unwrap();
                assert_eq!(answer.payload, format!("re: {i}"));
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(client.requests_in_flight(), 0);
    responder.abort();
}

#[tokio::test]
async fn request_to_invalid_subject_is_refused_before_sending() {
    let server = server();
    let client = client(&server).await;
    let err = client.request("bad subject", "x").await.unwrap_err();
    assert!(
        matches!(
            err,
            RequestError::Publish(natskit::PublishError::InvalidSubject(_))
        ),
        "{err:?}"
    );
    assert_eq!(client.requests_in_flight(), 0);
}

#[tokio::test]
async fn all_requests_share_one_inbox_subscription() {
    let server = server_with(Setup::Monitoring);
    let responder_conn = client(&server).await;
    let responder = echo_responder(&responder_conn, "svc.one").await;
    let requester = natskit::ConnectOptions::new()
        .name("requester")
        .connect(&server.url())
        .await
        .unwrap();
    for i in 0..50 {
        requester.request("svc.one", format!("{i}")).await.unwrap();
    }
    requester.flush().await.unwrap();
    let connz = server.monitor_get("/connz?subs=1").unwrap();
    let connz: serde_json::Value = serde_json::from_str(&connz).unwrap();
    let conn = connz["connections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "requester")
        .expect("the requester's connection");
    let subs: Vec<&str> = conn["subscriptions_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(subs.len(), 1, "{subs:?}");
    assert!(
        subs[0].starts_with("_INBOX.") && subs[0].ends_with(".*"),
        "{subs:?}"
    );
    responder.abort();
}

#[tokio::test]
async fn responding_to_a_message_without_reply_subject_is_a_clear_error() {
    let server = server();
    let client = client(&server).await;
    let mut sub = client.subscribe("plain").await.unwrap();
    client.publish("plain", "no reply").await.unwrap();
    let msg = crate::support::next(&mut sub).await;
    let err = msg.respond("hello?").await.unwrap_err();
    assert_eq!(err, natskit::PublishError::NoReplySubject);
    assert_eq!(
        err.to_string(),
        "the message has no reply subject to respond to"
    );
}

#[tokio::test]
async fn new_inbox_uses_the_configured_inbox_prefix() {
    let server = server();
    let client = natskit::ConnectOptions::new()
        .inbox_prefix("_MY")
        .connect(&server.url())
        .await
        .unwrap();
    let (first, second) = (client.new_inbox(), client.new_inbox());
    assert!(
        first.starts_with("_MY.") && second.starts_with("_MY."),
        "{first} {second}"
    );
    assert_ne!(first, second);

    // A reply subject like any other: answers sent to it arrive.
    let responder = echo_responder(&client, "svc.inbox").await;
    let mut answers = client.subscribe(&first).await.unwrap();
    client
        .publish_with_reply("svc.inbox", &first, "ping")
        .await
        .unwrap();
    let answer = crate::support::next(&mut answers).await;
    assert_eq!(answer.payload, "re: ping");
    responder.abort();
}
