//! The discovery documents, field for field against the NATS service API (ADR-32 of the NATS
//! architecture and design records). The expected documents are written here by hand from the
//! spec's text, not made by our serializer; values that change from run to run are written as
//! placeholders and checked by type and format:
//! - `"<nuid>"`: 22 base62 characters;
//! - `"<rfc3339>"`: `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, at most 6 fraction digits (nats-py);
//! - `"<ns>"`: a whole number of nanoseconds.

use natskit_micro::{Request, Response, Service, ServiceError, Verb};
use serde_json::{json, Value};

use crate::support::{client, server};

/// Checks that `actual` has exactly the fields of `expected`, recursively, with the same values
/// except where `expected` has a placeholder.
fn conforms(actual: &Value, expected: &Value, path: &str) {
    match (expected, actual) {
        (Value::String(p), _) if p == "<nuid>" => {
            let s = actual
                .as_str()
                .unwrap_or_else(|| panic!("{path}: not a string: {actual}"));
            assert!(
                s.len() == 22 && s.bytes().all(|b| b.is_ascii_alphanumeric()),
                "{path}: not a NUID: {s:?}"
            );
        }
        (Value::String(p), _) if p == "<rfc3339>" => {
            let s = actual
                .as_str()
                .unwrap_or_else(|| panic!("{path}: not a string: {actual}"));
            assert!(is_rfc3339_utc(s), "{path}: not an RFC 3339 UTC time: {s:?}");
        }
        (Value::String(p), _) if p == "<ns>" => {
            assert!(
                actual.is_u64(),
                "{path}: not a whole number of ns: {actual}"
            );
        }
        (Value::Object(expected), Value::Object(actual_map)) => {
            let want: Vec<_> = expected.keys().collect();
            let have: Vec<_> = actual_map.keys().collect();
            assert_eq!(have, want, "{path}: field names");
            for (key, value) in expected {
                conforms(&actual_map[key], value, &format!("{path}.{key}"));
            }
        }
        (Value::Array(expected), Value::Array(actual_items)) => {
            assert_eq!(actual_items.len(), expected.len(), "{path}: length");
            for (i, (a, e)) in actual_items.iter().zip(expected).enumerate() {
                conforms(a, e, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(actual, expected, "{path}"),
    }
}

/// `YYYY-MM-DDTHH:MM:SS`, then `.` and 1 to 6 digits, then `Z`.
fn is_rfc3339_utc(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    let Some(fraction) = s.get(20..s.len().saturating_sub(1)) else {
        return false;
    };
    b.len() > 21
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[19] == b'.'
        && (1..=6).contains(&fraction.len())
        && fraction.bytes().all(|c| c.is_ascii_digit())
        && s.ends_with('Z')
}

async fn div(request: Request) -> Result<Response, ServiceError> {
    let [a, b]: [f64; 2] = request.json()?;
    if b == 0.0 {
        return Err(ServiceError::bad_request("division by zero"));
    }
    Response::json(&(a / b))
}

async fn document(client: &natskit::Client, verb: Verb, service: &Service) -> Value {
    let subject = verb.subject(Some(service.name()), Some(service.id()));
    let answer = client.request(subject, "").await.unwrap();
    serde_json::from_slice(&answer.payload).unwrap()
}

#[tokio::test]
async fn ping_info_and_stats_documents_match_the_spec() {
    let server = server();
    let client = client(&server).await;
    let service = Service::builder("calc", "1.0.0")
        .description("Arithmetic")
        .metadata("owner", "team-a")
        .stats_handler(|endpoint| json!({ "endpoint": endpoint }))
        .start(&client)
        .await
        .unwrap();
    let math = service.group("math");
    math.endpoint_builder("div")
        .metadata("format", "json")
        .handle(div)
        .await
        .unwrap();
    math.endpoint_builder("mod")
        .no_queue_group()
        .handle(div)
        .await
        .unwrap();
    for payload in ["[1, 2]", "[3, 4]", "[1, 0]"] {
        client.request("math.div", payload).await.unwrap();
    }

    let ping = document(&client, Verb::Ping, &service).await;
    conforms(
        &ping,
        &json!({
            "type": "io.nats.micro.v1.ping_response",
            "name": "calc",
            "id": "<nuid>",
            "version": "1.0.0",
            "metadata": { "owner": "team-a" },
        }),
        "ping",
    );

    let info = document(&client, Verb::Info, &service).await;
    conforms(
        &info,
        &json!({
            "type": "io.nats.micro.v1.info_response",
            "name": "calc",
            "id": "<nuid>",
            "version": "1.0.0",
            "metadata": { "owner": "team-a" },
            "description": "Arithmetic",
            "endpoints": [
                { "name": "div", "subject": "math.div", "queue_group": "q", "metadata": { "format": "json" } },
                { "name": "mod", "subject": "math.mod", "queue_group": "", "metadata": {} },
            ],
        }),
        "info",
    );

    let stats = document(&client, Verb::Stats, &service).await;
    conforms(
        &stats,
        &json!({
            "type": "io.nats.micro.v1.stats_response",
            "name": "calc",
            "id": "<nuid>",
            "version": "1.0.0",
            "metadata": { "owner": "team-a" },
            "started": "<rfc3339>",
            "endpoints": [
                {
                    "name": "div", "subject": "math.div", "queue_group": "q",
                    "num_requests": 3, "num_errors": 1, "last_error": "400:division by zero",
                    "processing_time": "<ns>", "average_processing_time": "<ns>",
                    "data": { "endpoint": "div" },
                },
                {
                    "name": "mod", "subject": "math.mod", "queue_group": "",
                    "num_requests": 0, "num_errors": 0, "last_error": "",
                    "processing_time": 0, "average_processing_time": 0,
                    "data": { "endpoint": "mod" },
                },
            ],
        }),
        "stats",
    );
    let div_stats = &stats["endpoints"][0];
    let total = div_stats["processing_time"].as_u64().unwrap();
    assert!(total > 0);
    assert_eq!(
        div_stats["average_processing_time"].as_u64().unwrap(),
        total / 3
    );
    assert_eq!(ping["id"], service.id());
    assert_eq!(info["id"], service.id());
    assert_eq!(stats["id"], service.id());
    service.stop().await;
}

#[tokio::test]
async fn without_a_stats_handler_data_is_null() {
    let server = server();
    let client = client(&server).await;
    let service = Service::builder("plain", "1.0.0")
        .start(&client)
        .await
        .unwrap();
    let _endpoint = service.endpoint("e").await.unwrap();
    let stats = document(&client, Verb::Stats, &service).await;
    // The spec makes data optional; nats-py reads it unconditionally, so it is always there.
    assert_eq!(stats["endpoints"][0]["data"], Value::Null);
    assert_eq!(
        stats["metadata"],
        json!({}),
        "empty metadata is an object, not null"
    );
    drop(_endpoint);
    service.stop().await;
}

#[test]
fn the_format_check_itself() {
    assert!(is_rfc3339_utc("2026-11-23T12:00:00.123456Z"));
    assert!(is_rfc3339_utc("2026-11-23T12:00:00.1Z"));
    assert!(!is_rfc3339_utc("2026-11-23T12:00:00.123456789Z"));
    assert!(!is_rfc3339_utc("2026-11-23T12:00:00Z"));
    assert!(!is_rfc3339_utc("2026-11-23 12:00:00.1Z"));
    assert!(!is_rfc3339_utc("2026-11-23T12:00:00.1+01:00"));
}
