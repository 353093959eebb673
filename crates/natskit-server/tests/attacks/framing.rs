//! Framing and subject abuse (issue 23, contained attacks): garbage, an oversized control
//! line, payload sizes that lie, invalid subjects, subjects of thousands of tokens. Each
//! offender gets what nats-server 2.9.10 answers (the texts below were taken from it) and the
//! same fate of its connection, on both brokers, while a bystander keeps its latency and a
//! client after the battery still gets its messages.

use natskit_server::Server;

use crate::support::{
    alone, client_runtime, still_delivers, Backend, Bystander, Raw, BYSTANDER_P99,
};

const QUIET: &str = r#"{"verbose":false,"pedantic":false}"#;
const PEDANTIC: &str = r#"{"verbose":false,"pedantic":true}"#;
const UNKNOWN: &str = "-ERR 'Unknown Protocol Operation'\r\n";
const TOO_LONG: &str = "-ERR 'maximum control line exceeded'\r\n";

/// One offence: the CONNECT said first (if any), the bytes sent, what the broker answers and
/// whether it closes the connection.
struct Offence {
    name: &'static str,
    connect: Option<&'static str>,
    steps: Vec<u8>,
    answer: String,
    closes: bool,
}

fn offence(
    name: &'static str,
    connect: Option<&'static str>,
    steps: &[u8],
    answer: &str,
    closes: bool,
) -> Offence {
    Offence {
        name,
        connect,
        steps: steps.to_vec(),
        answer: answer.to_owned(),
        closes,
    }
}

/// A subject of `n` tokens.
fn deep(n: usize) -> String {
    vec!["t"; n].join(".")
}

fn offences() -> Vec<Offence> {
    let deep_1000 = deep(1_000);
    let deep_3000 = deep(3_000);
    // Just over the 4,096-byte limit: both brokers have read it all when they refuse it, so
    // their close is not a reset that could discard the -ERR.
    let long_line = format!("PUB {} 1\r\nx\r\nPING\r\n", "a".repeat(4_200));
    vec![
        offence(
            "garbage before CONNECT",
            None,
            b"\x00\x01garbage\xff\r\nPING\r\n",
            UNKNOWN,
            true,
        ),
        offence(
            "garbage after CONNECT",
            Some(QUIET),
            b"HELLO WORLD\r\nPING\r\n",
            UNKNOWN,
            true,
        ),
        offence(
            "a control line over the limit",
            Some(QUIET),
            long_line.as_bytes(),
            TOO_LONG,
            true,
        ),
        offence(
            "a payload longer than announced",
            Some(QUIET),
            b"PUB a 2\r\nhello\r\nPING\r\n",
            UNKNOWN,
            true,
        ),
        offence(
            "a payload shorter than announced",
            Some(QUIET),
            b"PUB a 5\r\nhi\r\nPING\r\n",
            UNKNOWN,
            true,
        ),
        offence(
            "a negative size",
            Some(QUIET),
            b"PUB a -1\r\nPING\r\n",
            "",
            true,
        ),
        offence(
            "a size beyond any number",
            Some(QUIET),
            b"PUB a 99999999999\r\nPING\r\n",
            "",
            true,
        ),
        offence(
            "a PUB with spaces in its subject",
            Some(QUIET),
            b"PUB a b c 1\r\nx\r\nPING\r\n",
            "",
            true,
        ),
        offence(
            "a SUB with spaces in its subject",
            Some(QUIET),
            b"SUB a b c 1\r\nPING\r\n",
            "",
            true,
        ),
        offence(
            "SUBs to invalid subjects",
            Some(QUIET),
            b"SUB a..b 1\r\nSUB a. 2\r\nSUB .a 3\r\nSUB a.>.b 4\r\nSUB a* 5\r\nPING\r\n",
            &format!("{}PONG\r\n", "-ERR 'Invalid Subject'\r\n".repeat(4)),
            false,
        ),
        offence(
            "PUBs to invalid subjects, not pedantic",
            Some(QUIET),
            b"PUB a..b 1\r\nx\r\nPUB * 1\r\nx\r\nPUB a.> 1\r\nx\r\nPING\r\n",
            "PONG\r\n",
            false,
        ),
        offence(
            "PUBs to invalid subjects, pedantic",
            Some(PEDANTIC),
            b"PUB a..b 1\r\nx\r\nPUB * 1\r\nx\r\nPING\r\n",
            &format!("{}PONG\r\n", "-ERR 'Invalid Publish Subject'\r\n".repeat(2)),
            false,
        ),
        offence(
            "a subject of 1,000 tokens",
            Some(QUIET),
            format!("SUB {deep_1000} 1\r\nPUB {deep_1000} 2\r\nhi\r\nPING\r\n").as_bytes(),
            &format!("MSG {deep_1000} 1 2\r\nhi\r\nPONG\r\n"),
            false,
        ),
        offence(
            "a subject of 3,000 tokens",
            Some(QUIET),
            format!("SUB {deep_3000} 1\r\nPING\r\n").as_bytes(),
            TOO_LONG,
            true,
        ),
    ]
}

#[test]
fn framing_and_subject_abuse_is_answered_as_nats_server_does_and_harms_nobody() {
    let _alone = alone();
    let backends = Backend::both(Server::builder(), "");
    let clients = client_runtime();
    for backend in &backends {
        let name = backend.name();
        clients.block_on(async {
            let bystander = Bystander::start(backend.addr());
            for offence in offences() {
                let mut raw = Raw::open(backend.addr()).await;
                let mut bytes = offence
                    .connect
                    .map(|json| format!("CONNECT {json}\r\n").into_bytes())
                    .unwrap_or_default();
                bytes.extend_from_slice(&offence.steps);
                raw.send(&bytes).await;
                let (said, closed) = raw.answer().await;
                assert_eq!(
                    (String::from_utf8_lossy(&said).as_ref(), closed),
                    (offence.answer.as_str(), offence.closes),
                    "{name}: {}",
                    offence.name
                );
            }
            still_delivers(backend.addr(), name).await;
            let latency = bystander.finish();
            eprintln!(
                "{name}: {} framing and subject offences; {latency}",
                offences().len()
            );
            assert!(latency.p99 < BYSTANDER_P99, "{name}: {latency}");
        });
    }
}
