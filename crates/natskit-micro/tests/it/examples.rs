//! The examples, run as a user would: `greeter` and `calculator` answer, and discovery finds
//! them.

use std::process::Stdio;
use std::time::Duration;

use natskit_micro::{Discovery, ERROR_CODE_HEADER, ERROR_HEADER};
use tokio::io::{AsyncBufReadExt, BufReader};

use natskit_test::binary::example;

use crate::support::{bounded, client, server};

/// Starts an example and returns it with the id from its first line (`<name> <id> answering
/// ...`); killed when dropped.
async fn start(name: &str, url: &str) -> (tokio::process::Child, String) {
    let mut child = tokio::process::Command::new(example(name))
        .arg(url)
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    bounded(
        "the example's first line",
        BufReader::new(stdout).read_line(&mut line),
    )
    .await
    .unwrap();
    let id = line
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    assert!(line.starts_with(name) && id.len() == 22, "{line:?}");
    (child, id)
}

#[tokio::test]
async fn greeter_and_calculator_answer_and_are_discovered() {
    let server = server();
    let client = client(&server).await;
    let (mut greeter, greeter_id) = start("greeter", &server.url()).await;
    let (mut calculator, calculator_id) = start("calculator", &server.url()).await;

    let roger = client.request("roger", "").await.unwrap();
    assert_eq!(
        String::from_utf8_lossy(&roger.payload),
        format!("Roger, from {greeter_id}!")
    );
    let sum = client
        .request("calc.add", r#"{"a": 1, "b": 2}"#)
        .await
        .unwrap();
    assert_eq!(&sum.payload[..], br#"{"result":3.0}"#);
    let refused = client
        .request("calc.div", r#"{"a": 1, "b": 0}"#)
        .await
        .unwrap();
    let headers = refused.headers.unwrap();
    assert_eq!(headers.get(ERROR_CODE_HEADER), Some("400"));
    assert_eq!(headers.get(ERROR_HEADER), Some("division by zero"));

    let discovery = Discovery::new(&client).timeout(Duration::from_millis(300));
    let mut found: Vec<_> = discovery
        .ping(None)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.name, p.id))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("calculator".to_owned(), calculator_id.clone()),
            ("greeter".to_owned(), greeter_id)
        ]
    );
    let info = discovery
        .info_of("calculator", &calculator_id)
        .await
        .unwrap()
        .unwrap();
    let subjects: Vec<_> = info.endpoints.iter().map(|e| e.subject.as_str()).collect();
    assert_eq!(subjects, ["calc.add", "calc.div"]);
    let stats = discovery
        .stats_of("calculator", &calculator_id)
        .await
        .unwrap()
        .unwrap();
    let div = &stats.endpoints[1];
    assert_eq!((div.num_requests, div.num_errors), (1, 1));
    assert_eq!(div.last_error, "400:division by zero");

    for child in [&mut greeter, &mut calculator] {
        child.kill().await.unwrap();
    }
}
