//! Endpoints answer: as streams, as handlers, in groups; names and versions are checked.

use futures_util::StreamExt;
use natskit_micro::{Error, Request, Response, Service, ServiceError};
use serde::Deserialize;

use crate::support::{bounded, client, server};

#[tokio::test]
async fn a_stream_endpoint_answers() {
    let server = server();
    let client = client(&server).await;
    let service = Service::builder("greeter", "1.0.0")
        .start(&client)
        .await
        .unwrap();
    let mut hello = service.endpoint("hello").await.unwrap();
    assert_eq!((hello.name(), hello.subject()), ("hello", "hello"));
    assert_eq!(hello.queue_group(), Some("q"));
    tokio::spawn(async move {
        while let Some(request) = hello.next().await {
            let name = String::from_utf8_lossy(request.payload()).into_owned();
            request.respond(format!("Hello, {name}!")).await.unwrap();
        }
    });

    let answer = client.request("hello", "Ada").await.unwrap();
    assert_eq!(&answer.payload[..], b"Hello, Ada!");
    service.stop().await;
}

#[derive(Deserialize)]
struct Pair {
    a: i64,
    b: i64,
}

async fn add(request: Request) -> Result<Response, ServiceError> {
    let Pair { a, b } = request.json()?;
    Response::json(&serde_json::json!({ "sum": a + b }))
}

#[tokio::test]
async fn a_handler_in_a_group_answers_json() {
    let server = server();
    let client = client(&server).await;
    let service = Service::builder("calc", "0.1.0")
        .start(&client)
        .await
        .unwrap();
    service.group("math").handle("add", add).await.unwrap();

    let answer = client
        .request("math.add", r#"{"a": 2, "b": 40}"#)
        .await
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&answer.payload).unwrap();
    assert_eq!(value, serde_json::json!({ "sum": 42 }));
    assert!(answer.headers.is_none(), "a success has no error headers");
    service.stop().await;
}

#[tokio::test]
async fn groups_prefix_subjects_and_set_queue_groups() {
    let server = server();
    let client = client(&server).await;
    let service = Service::builder("layout", "1.0.0")
        .queue_group("svc-q")
        .start(&client)
        .await
        .unwrap();
    let plain = service.endpoint("plain").await.unwrap();
    let custom = service
        .endpoint_builder("custom")
        .subject("other.subject")
        .metadata("k", "v")
        .add()
        .await
        .unwrap();
    let math = service.group("math").queue_group("math-q");
    let add = math.endpoint("add").await.unwrap();
    let v2 = math.group("v2");
    let mul = v2.endpoint("mul").await.unwrap();
    let solo = v2
        .endpoint_builder("solo")
        .no_queue_group()
        .add()
        .await
        .unwrap();
    let admin = service.group("admin").no_queue_group();
    let reload = admin
        .endpoint_builder("reload")
        .queue_group("own")
        .add()
        .await
        .unwrap();

    let seen: Vec<_> = [&plain, &custom, &add, &mul, &solo, &reload]
        .iter()
        .map(|e| (e.name(), e.subject(), e.queue_group()))
        .collect();
    assert_eq!(
        seen,
        [
            ("plain", "plain", Some("svc-q")),
            ("custom", "other.subject", Some("svc-q")),
            ("add", "math.add", Some("math-q")),
            ("mul", "math.v2.mul", Some("math-q")),
            ("solo", "math.v2.solo", None),
            ("reload", "admin.reload", Some("own")),
        ]
    );
    let info = service.info();
    let listed: Vec<_> = info
        .endpoints
        .iter()
        .map(|e| (e.name.as_str(), e.subject.as_str(), e.queue_group.as_str()))
        .collect();
    assert_eq!(
        listed,
        [
            ("plain", "plain", "svc-q"),
            ("custom", "other.subject", "svc-q"),
            ("add", "math.add", "math-q"),
            ("mul", "math.v2.mul", "math-q"),
            ("solo", "math.v2.solo", ""),
            ("reload", "admin.reload", "own"),
        ]
    );
    assert_eq!(info.endpoints[1].metadata["k"], "v");
    drop((plain, custom, add, mul, solo, reload));
    bounded("stop", service.stop()).await;
}

#[tokio::test]
async fn names_and_versions_are_checked() {
    let server = server();
    let client = client(&server).await;
    let bad_name = Service::builder("no.dots", "1.0.0").start(&client).await;
    assert!(matches!(bad_name, Err(Error::InvalidName(n)) if n == "no.dots"));
    let bad_version = Service::builder("ok", "1.0").start(&client).await;
    assert!(matches!(bad_version, Err(Error::InvalidVersion(v)) if v == "1.0"));

    let service = Service::builder("ok", "1.0.0-rc.1+build.5")
        .start(&client)
        .await
        .unwrap();
    let bad_endpoint = service.endpoint("has space").await;
    assert!(matches!(bad_endpoint, Err(Error::InvalidName(_))));
    let bad_subject = service.endpoint_builder("e").subject("a..b").add().await;
    assert!(matches!(bad_subject, Err(Error::Subscribe { .. })));
    service.stop().await;
    let after_stop = service.endpoint("late").await;
    assert!(matches!(after_stop, Err(Error::Stopped)));
}
