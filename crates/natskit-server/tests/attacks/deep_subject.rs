//! Issue 23, finding 1: with a raised control-line limit, one SUB to a subject of 20,000
//! tokens crashed the broker (the subject index recursed once per token); nats-server indexes
//! such subjects. Both must index it, deliver on it, and keep serving others.

use natskit_server::Server;

use crate::support::{alone, client_runtime, count, Backend, Raw};

const TOKENS: usize = 20_000;
const CONTROL_LINE: usize = 65_536;

#[test]
fn a_20000_token_subject_is_indexed_delivered_on_and_removed_without_a_crash() {
    let _alone = alone();
    let deep = vec!["t"; TOKENS].join(".");
    // Wildcards all the way down too: matching walks a `*` beside each literal token.
    let wild: Vec<&str> = (0..TOKENS - 1)
        .map(|i| if i % 2 == 0 { "t" } else { "*" })
        .collect();
    let wild = format!("{}.>", wild.join("."));
    let backends = Backend::both(
        Server::builder().max_control_line(CONTROL_LINE),
        &format!("max_control_line: {CONTROL_LINE}"),
    );
    let clients = client_runtime();
    for backend in &backends {
        let name = backend.name();
        clients.block_on(async {
            let quiet = r#"{"verbose":false,"pedantic":false}"#;
            let mut attacker = Raw::connect(backend.addr(), quiet).await;
            attacker
                .send(format!("SUB {deep} 1\r\nSUB {wild} 2\r\nPUB {deep} 2\r\nhi\r\n").as_bytes())
                .await;
            let got = attacker.sync().await;
            assert_eq!(
                count(&got, b"MSG "),
                2,
                "{name}: both subscriptions got the message"
            );
            if let Some(server) = backend.server() {
                // Formatting the broker must not walk the trie token by token either.
                assert!(format!("{server:?}").contains("Sublist"));
            }
            let mut bystander = Raw::connect(backend.addr(), quiet).await;
            bystander.sync().await;
            attacker
                .send(format!("UNSUB 1\r\nPUB {deep} 2\r\nhi\r\n").as_bytes())
                .await;
            let got = attacker.sync().await;
            assert_eq!(count(&got, b"MSG "), 1, "{name}: only the wildcard is left");
            // Closing removes the deep wildcard with the connection.
            drop(attacker);
            let mut again = Raw::connect(backend.addr(), quiet).await;
            again
                .send(format!("PUB {deep} 2\r\nhi\r\n").as_bytes())
                .await;
            again.sync().await;
            bystander.sync().await;
        });
    }
}
