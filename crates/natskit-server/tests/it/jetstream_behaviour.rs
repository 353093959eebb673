//! JetStream behaviours, the same steps against nats-server 2.10 `-js` and the embedded
//! broker: each step's answer is reduced to a line (error codes, sequences, counts, status
//! codes) and both transcripts must be equal. The steps talk to the `$JS.API` directly, as
//! any client does, so the comparison is of the wire answers and not of a client's reading.

use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use natskit::{Client, HeaderMap, Request};
use natskit_server::{JetStream, Server};
use natskit_test::{binary, NatsServer, TempDir};
use serde_json::{json, Value};

const PATIENCE: Duration = Duration::from_secs(10);

/// The answer to a `$JS.API` request, as JSON.
async fn api(client: &Client, subject: &str, body: Value) -> Value {
    let payload = if body.is_null() {
        Bytes::new()
    } else {
        Bytes::from(body.to_string())
    };
    let answer = client
        .send_request(subject, Request::new(payload).timeout(PATIENCE))
        .await
        .unwrap_or_else(|e| panic!("{subject}: {e}"));
    serde_json::from_slice(&answer.payload)
        .unwrap_or_else(|e| panic!("{subject}: {e}: {:?}", answer.payload))
}

/// An answer reduced to what must agree: the error code, or the fields named.
fn line(step: &str, answer: &Value, fields: &[&str]) -> String {
    if let Some(code) = answer["error"]["err_code"].as_u64() {
        return format!("{step}: error {code}");
    }
    let mut out = format!("{step}:");
    for field in fields {
        let mut value = answer;
        for key in field.split('.') {
            value = &value[key];
        }
        out.push_str(&format!(" {field}={value}"));
    }
    out
}

/// Publishes with an ack; the ack reduced to a line.
async fn publish(client: &Client, subject: &str, headers: &[(&str, &str)], data: &str) -> String {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.insert(*name, *value).unwrap();
    }
    let mut request = Request::new(Bytes::from(data.to_owned())).timeout(PATIENCE);
    if !headers.is_empty() {
        request = request.headers(map);
    }
    let answer = client.send_request(subject, request).await;
    match answer {
        Ok(m) => {
            let v: Value = serde_json::from_slice(&m.payload).unwrap();
            line(&format!("pub {subject}"), &v, &["seq", "duplicate"])
        }
        Err(e) => format!("pub {subject}: {e}"),
    }
}

async fn create(client: &Client, config: Value) -> String {
    let name = config["name"].as_str().unwrap().to_owned();
    let answer = api(client, &format!("$JS.API.STREAM.CREATE.{name}"), config).await;
    line(&format!("create {name}"), &answer, &[])
}

async fn state(client: &Client, name: &str) -> String {
    let answer = api(client, &format!("$JS.API.STREAM.INFO.{name}"), Value::Null).await;
    line(
        &format!("state {name}"),
        &answer,
        &["state.messages", "state.first_seq", "state.last_seq"],
    )
}

/// The steps; every line they return must be the same on both servers.
async fn steps(url: String) -> Vec<String> {
    let client = natskit::connect(&url).await.unwrap();
    let mut t = Vec::new();

    // Limits per subject with discard new per subject; then discard new on the message count.
    t.push(
        create(
            &client,
            json!({"name": "PS", "subjects": ["ps.*"], "storage": "memory",
        "max_msgs_per_subject": 2, "discard": "new", "discard_new_per_subject": true}),
        )
        .await,
    );
    for subject in ["ps.a", "ps.a", "ps.a", "ps.b"] {
        t.push(publish(&client, subject, &[], "x").await);
    }
    t.push(
        create(
            &client,
            json!({"name": "DN", "subjects": ["dn"], "storage": "memory",
        "max_msgs": 2, "discard": "new"}),
        )
        .await,
    );
    for _ in 0..3 {
        t.push(publish(&client, "dn", &[], "x").await);
    }
    // Discard old by bytes and by count; the message size limit.
    t.push(
        create(
            &client,
            json!({"name": "OLD", "subjects": ["old"], "storage": "memory",
        "max_msgs": 3, "max_msg_size": 8}),
        )
        .await,
    );
    for i in 0..5 {
        t.push(publish(&client, "old", &[], &format!("m{i}")).await);
    }
    t.push(publish(&client, "old", &[], "far too long").await);
    t.push(state(&client, "OLD").await);
    // Overlapping subjects are refused; names with wildcards too.
    t.push(create(&client, json!({"name": "OVER", "subjects": ["ps.a"]})).await);
    t.push(create(&client, json!({"name": "BAD*", "subjects": ["bad"]})).await);
    // Dedup and the expected headers.
    t.push(
        create(
            &client,
            json!({"name": "EX", "subjects": ["ex.*"], "storage": "memory"}),
        )
        .await,
    );
    t.push(publish(&client, "ex.a", &[("Nats-Msg-Id", "one")], "1").await);
    t.push(publish(&client, "ex.a", &[("Nats-Msg-Id", "one")], "1").await);
    t.push(
        publish(
            &client,
            "ex.a",
            &[("Nats-Expected-Last-Sequence", "9")],
            "2",
        )
        .await,
    );
    t.push(
        publish(
            &client,
            "ex.a",
            &[("Nats-Expected-Last-Sequence", "1")],
            "2",
        )
        .await,
    );
    t.push(
        publish(
            &client,
            "ex.b",
            &[("Nats-Expected-Last-Subject-Sequence", "0")],
            "3",
        )
        .await,
    );
    t.push(
        publish(
            &client,
            "ex.b",
            &[("Nats-Expected-Last-Subject-Sequence", "0")],
            "3",
        )
        .await,
    );
    t.push(
        publish(
            &client,
            "ex.a",
            &[("Nats-Expected-Last-Msg-Id", "nope")],
            "4",
        )
        .await,
    );
    t.push(publish(&client, "ex.a", &[("Nats-Expected-Stream", "OTHER")], "5").await);
    // Rollups, and delete and purge refused where the stream says so.
    t.push(publish(&client, "ex.a", &[("Nats-Rollup", "sub")], "6").await);
    t.push(
        create(
            &client,
            json!({"name": "RU", "subjects": ["ru.*"], "storage": "memory",
        "allow_rollup_hdrs": true, "deny_delete": true, "deny_purge": true}),
        )
        .await,
    );
    t.push(
        create(
            &client,
            json!({"name": "RD", "subjects": ["rd.*"], "storage": "memory",
                "deny_delete": true, "deny_purge": true}),
        )
        .await,
    );
    t.push(publish(&client, "rd.a", &[], "1").await);
    t.push(publish(&client, "rd.a", &[("Nats-Rollup", "sub")], "2").await);
    t.push(
        create(
            &client,
            json!({"name": "RO", "subjects": ["ro.*"], "storage": "memory",
        "allow_rollup_hdrs": true}),
        )
        .await,
    );
    for subject in ["ro.a", "ro.a", "ro.b"] {
        t.push(publish(&client, subject, &[], "x").await);
    }
    t.push(publish(&client, "ro.c", &[("Nats-Rollup", "sub")], "x").await);
    t.push(publish(&client, "ro.a", &[("Nats-Rollup", "sub")], "x").await);
    t.push(state(&client, "RO").await);
    t.push(publish(&client, "ro.b", &[("Nats-Rollup", "all")], "x").await);
    t.push(state(&client, "RO").await);
    let answer = api(&client, "$JS.API.STREAM.MSG.DELETE.RD", json!({"seq": 1})).await;
    t.push(line("delete from RD", &answer, &["success"]));
    let answer = api(&client, "$JS.API.STREAM.PURGE.RD", json!({})).await;
    t.push(line("purge RD", &answer, &["success"]));
    // Interest retention: nothing is kept without a consumer; acked messages go.
    t.push(
        create(
            &client,
            json!({"name": "IN", "subjects": ["in"], "storage": "memory",
        "retention": "interest"}),
        )
        .await,
    );
    t.push(publish(&client, "in", &[], "nobody").await);
    t.push(state(&client, "IN").await);
    let answer = api(
        &client,
        "$JS.API.CONSUMER.CREATE.IN.C",
        json!({"stream_name": "IN",
        "config": {"durable_name": "C", "ack_policy": "explicit"}}),
    )
    .await;
    t.push(line("consumer IN.C", &answer, &["num_pending"]));
    t.push(publish(&client, "in", &[], "kept").await);
    t.push(state(&client, "IN").await);
    let (msgs, statuses) = pull(
        &client,
        "IN",
        "C",
        json!({"batch": 1, "expires": 2_000_000_000u64}),
        true,
    )
    .await;
    t.push(format!("pulled {msgs:?} {statuses:?}"));
    t.push(eventually_state(&client, "IN", 0).await);
    // Pull statuses: nothing with no_wait, a 408 with the pending counts, a 409 for bytes.
    t.push(
        create(
            &client,
            json!({"name": "PL", "subjects": ["pl"], "storage": "memory"}),
        )
        .await,
    );
    let answer = api(
        &client,
        "$JS.API.CONSUMER.CREATE.PL.P",
        json!({"stream_name": "PL",
        "config": {"durable_name": "P", "ack_policy": "explicit", "max_ack_pending": 2}}),
    )
    .await;
    t.push(line(
        "consumer PL.P",
        &answer,
        &["config.max_ack_pending", "config.ack_wait"],
    ));
    let (msgs, statuses) = pull(
        &client,
        "PL",
        "P",
        json!({"batch": 3, "no_wait": true}),
        false,
    )
    .await;
    t.push(format!("empty no_wait: {msgs:?} {statuses:?}"));
    for i in 0..4 {
        t.push(publish(&client, "pl", &[], &format!("p{i}")).await);
    }
    let (msgs, statuses) = pull(
        &client,
        "PL",
        "P",
        json!({"batch": 4, "expires": 300_000_000u64}),
        false,
    )
    .await;
    t.push(format!("max_ack_pending 2: {msgs:?} {statuses:?}"));
    let answer = api(&client, "$JS.API.CONSUMER.INFO.PL.P", Value::Null).await;
    t.push(line(
        "info PL.P",
        &answer,
        &["num_ack_pending", "num_pending", "delivered.stream_seq"],
    ));
    // Headers only, with the size of the payload left out.
    let answer = api(
        &client,
        "$JS.API.CONSUMER.CREATE.PL.H",
        json!({"stream_name": "PL",
        "config": {"name": "H", "ack_policy": "none", "headers_only": true}}),
    )
    .await;
    t.push(line("consumer PL.H", &answer, &["config.headers_only"]));
    let reply = client.new_inbox();
    let mut sub = client.subscribe(&reply).await.unwrap();
    client
        .publish_with_reply("$JS.API.CONSUMER.MSG.NEXT.PL.H", &reply, r#"{"batch":1}"#)
        .await
        .unwrap();
    let m = tokio::time::timeout(PATIENCE, sub.next())
        .await
        .unwrap()
        .unwrap();
    let size = m
        .headers
        .as_ref()
        .and_then(|h| h.get("Nats-Msg-Size"))
        .map(str::to_owned);
    t.push(format!(
        "headers only: size {size:?} payload {:?}",
        m.payload
    ));
    // Deliver policies.
    for (name, config) in [
        (
            "LAST",
            json!({"name": "LAST", "deliver_policy": "last", "ack_policy": "none"}),
        ),
        (
            "NEW",
            json!({"name": "NEW", "deliver_policy": "new", "ack_policy": "none"}),
        ),
        (
            "SEQ",
            json!({"name": "SEQ", "deliver_policy": "by_start_sequence", "opt_start_seq": 3, "ack_policy": "none"}),
        ),
        (
            "TIME",
            json!({"name": "TIME", "deliver_policy": "by_start_time", "opt_start_time": "2000-01-01T00:00:00Z", "ack_policy": "none"}),
        ),
        (
            "LPS",
            json!({"name": "LPS", "deliver_policy": "last_per_subject", "ack_policy": "none"}),
        ),
        (
            "LPSF",
            json!({"name": "LPSF", "deliver_policy": "last_per_subject", "filter_subject": "pl", "ack_policy": "none"}),
        ),
        (
            "OVER",
            json!({"name": "OVER", "filter_subjects": ["pl", ">"], "ack_policy": "none"}),
        ),
        (
            "FC",
            json!({"name": "FC", "deliver_subject": "fc.inbox", "flow_control": true, "ack_policy": "none"}),
        ),
        (
            "TWO",
            json!({"name": "TWO", "filter_subjects": ["pl", "nothing.here"], "ack_policy": "none"}),
        ),
    ] {
        let answer = api(
            &client,
            &format!("$JS.API.CONSUMER.CREATE.PL.{name}"),
            json!({"stream_name": "PL", "config": config}),
        )
        .await;
        t.push(line(
            &format!("consumer PL.{name}"),
            &answer,
            &["num_pending", "delivered.stream_seq"],
        ));
    }
    client.close().await.unwrap();
    t
}

/// Sends a pull request and reads until its end (a status, or `want_one` message); returns
/// the payloads and the status codes seen.
async fn pull(
    client: &Client,
    stream: &str,
    consumer: &str,
    body: Value,
    ack: bool,
) -> (Vec<String>, Vec<u16>) {
    let reply = client.new_inbox();
    let mut sub = client.subscribe(&reply).await.unwrap();
    client
        .publish_with_reply(
            format!("$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}"),
            &reply,
            body.to_string(),
        )
        .await
        .unwrap();
    let batch = body["batch"].as_u64().unwrap_or(1) as usize;
    let (mut msgs, mut statuses) = (Vec::new(), Vec::new());
    while let Ok(Some(m)) = tokio::time::timeout(PATIENCE, sub.next()).await {
        if let Some(status) = m.status {
            statuses.push(status);
            if status != 100 {
                break;
            }
            continue;
        }
        msgs.push(String::from_utf8_lossy(&m.payload).into_owned());
        if ack {
            client
                .publish(m.reply.clone().unwrap().as_str(), "+ACK")
                .await
                .unwrap();
        }
        if msgs.len() == batch {
            break;
        }
    }
    client.flush().await.unwrap();
    (msgs, statuses)
}

/// The stream's state once it holds `messages` (bounded wait: acks are taken in the
/// background on both servers).
async fn eventually_state(client: &Client, name: &str, messages: u64) -> String {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let answer = api(client, &format!("$JS.API.STREAM.INFO.{name}"), Value::Null).await;
        if answer["state"]["messages"] == messages || tokio::time::Instant::now() > deadline {
            return line(&format!("state {name}"), &answer, &["state.messages"]);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn stream_and_consumer_behaviours_are_those_of_nats_server() {
    let mut reference = NatsServer::builder()
        .binary(binary::newer_nats_server().expect("nats-server 2.10: run make deps"))
        .jetstream()
        .start()
        .unwrap();
    let expected = steps(reference.url()).await;
    reference.stop().unwrap();

    let dir = TempDir::new("js-behaviour").unwrap();
    let ours = Server::builder()
        .port(0)
        .jetstream(JetStream::new().store_dir(dir.path()))
        .start()
        .await
        .unwrap();
    let got = steps(ours.client_url()).await;
    ours.shutdown().await;
    let differences: Vec<String> = expected
        .iter()
        .zip(&got)
        .enumerate()
        .filter(|(_, (want, have))| want != have)
        .map(|(i, (want, have))| format!("step {i}: nats-server {want:?}, embedded {have:?}"))
        .collect();
    assert!(
        differences.is_empty(),
        "{differences:#?}\nnats-server: {expected:#?}"
    );
    assert_eq!(got.len(), expected.len());
}

/// Steps under a 64 KiB memory limit, and an idle consumer that goes.
async fn limited_steps(url: String) -> Vec<String> {
    let client = natskit::connect(&url).await.unwrap();
    let mut t = Vec::new();
    let answer = api(&client, "$JS.API.INFO", Value::Null).await;
    t.push(line("account", &answer, &["limits.max_memory", "streams"]));
    t.push(
        create(
            &client,
            json!({"name": "BIG", "subjects": ["big"], "storage": "memory",
        "max_bytes": 10_000_000}),
        )
        .await,
    );
    t.push(
        create(
            &client,
            json!({"name": "M", "subjects": ["m"], "storage": "memory"}),
        )
        .await,
    );
    let big = "x".repeat(30_000);
    for _ in 0..5 {
        t.push(publish(&client, "m", &[], &big).await);
    }
    // Replicas need a cluster; a stream may start at a later sequence.
    t.push(
        create(
            &client,
            json!({"name": "R3", "subjects": ["r3"], "num_replicas": 3}),
        )
        .await,
    );
    t.push(
        create(
            &client,
            json!({"name": "LATE", "subjects": ["late"], "storage": "memory",
        "first_seq": 100}),
        )
        .await,
    );
    t.push(publish(&client, "late", &[], "x").await);
    // Messages older than max_age go.
    t.push(
        create(
            &client,
            json!({"name": "AGE", "subjects": ["age"], "storage": "memory",
        "max_age": 300_000_000}),
        )
        .await,
    );
    t.push(publish(&client, "age", &[], "old").await);
    t.push(eventually_state(&client, "AGE", 0).await);
    // An ephemeral consumer nobody pulls from is removed after its inactive threshold.
    let answer = api(
        &client,
        "$JS.API.CONSUMER.CREATE.M.IDLE",
        json!({"stream_name": "M",
        "config": {"name": "IDLE", "inactive_threshold": 300_000_000}}),
    )
    .await;
    t.push(line(
        "consumer M.IDLE",
        &answer,
        &["config.ack_policy", "config.inactive_threshold"],
    ));
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let gone = loop {
        let answer = api(&client, "$JS.API.CONSUMER.INFO.M.IDLE", Value::Null).await;
        if answer["error"]["err_code"] == 10014 {
            break true;
        }
        if tokio::time::Instant::now() > deadline {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    t.push(format!("idle consumer removed: {gone}"));
    client.close().await.unwrap();
    t
}

#[tokio::test]
async fn limits_and_idle_consumers_are_those_of_nats_server() {
    let mut reference = NatsServer::builder()
        .binary(binary::newer_nats_server().expect("nats-server 2.10: run make deps"))
        .with_config("jetstream { max_memory_store: 65536 }\n")
        .jetstream()
        .start()
        .unwrap();
    let expected = limited_steps(reference.url()).await;
    reference.stop().unwrap();

    let dir = TempDir::new("js-limits").unwrap();
    let ours = Server::builder()
        .port(0)
        .jetstream(JetStream::new().store_dir(dir.path()).max_memory(65536))
        .start()
        .await
        .unwrap();
    let got = limited_steps(ours.client_url()).await;
    ours.shutdown().await;
    assert_eq!(got, expected);
    assert_eq!(got.last().unwrap(), "idle consumer removed: true");
}

#[tokio::test]
async fn a_store_directory_serves_one_broker_at_a_time() {
    let dir = TempDir::new("js-lock").unwrap();
    let first = Server::builder()
        .port(0)
        .jetstream(JetStream::new().store_dir(dir.path()))
        .start()
        .await
        .unwrap();
    let second = Server::builder()
        .port(0)
        .jetstream(JetStream::new().store_dir(dir.path()))
        .start()
        .await;
    let error = match second {
        Ok(_) => panic!("the second broker is refused"),
        Err(e) => e.to_string(),
    };
    assert!(error.contains("in use by another server"), "{error}");
    first.shutdown().await;
    // Once the first is gone the directory is free again. (A process another test forks in
    // that moment holds a copy of the lock until it execs, so this may take a few tries.)
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let third = loop {
        let started = Server::builder()
            .port(0)
            .jetstream(JetStream::new().store_dir(dir.path()))
            .start()
            .await;
        match started {
            Ok(server) => break server,
            Err(e) if tokio::time::Instant::now() < deadline => {
                assert!(e.to_string().contains("in use"), "{e}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => panic!("the directory stays held after shutdown: {e}"),
        }
    };
    third.shutdown().await;
}

const ACCOUNTS: &str = "accounts {
  A { jetstream: enabled, users: [ {user: a, password: a} ] }
  B { users: [ {user: b, password: b} ] }
}
";

/// Account A has JetStream, B does not; A's streams are A's alone.
async fn account_steps(url: String) -> Vec<String> {
    let connect = |user: &'static str| {
        let url = url.clone();
        async move {
            natskit::ConnectOptions::new()
                .user_and_password(user, user)
                .connect(&url)
                .await
                .unwrap()
        }
    };
    let (a, b) = (connect("a").await, connect("b").await);
    let mut t = Vec::new();
    let answer = api(&a, "$JS.API.INFO", Value::Null).await;
    t.push(line("A info", &answer, &["streams"]));
    let answer = api(&b, "$JS.API.INFO", Value::Null).await;
    t.push(line("B info", &answer, &["streams"]));
    t.push(
        create(
            &a,
            json!({"name": "S", "subjects": ["s"], "storage": "memory"}),
        )
        .await,
    );
    t.push(
        create(
            &b,
            json!({"name": "S", "subjects": ["s"], "storage": "memory"}),
        )
        .await,
    );
    t.push(publish(&a, "s", &[], "in A").await);
    t.push(publish(&b, "s", &[], "in B").await);
    a.close().await.unwrap();
    b.close().await.unwrap();
    t
}

#[tokio::test]
async fn jetstream_is_per_account_as_with_nats_server() {
    let mut reference = NatsServer::builder()
        .binary(binary::newer_nats_server().expect("nats-server 2.10: run make deps"))
        .with_config(ACCOUNTS)
        .jetstream()
        .start()
        .unwrap();
    let expected = account_steps(reference.url()).await;
    reference.stop().unwrap();

    let dir = TempDir::new("js-accounts").unwrap();
    let (builder, _) =
        natskit_server::config::settings_from_str(ACCOUNTS, "accounts.conf").unwrap();
    let ours = builder
        .port(0)
        .jetstream(JetStream::new().store_dir(dir.path()))
        .start()
        .await
        .unwrap();
    let got = account_steps(ours.client_url()).await;
    ours.shutdown().await;
    assert_eq!(got, expected);
    assert_eq!(got[1], "B info: error 10039");
}
