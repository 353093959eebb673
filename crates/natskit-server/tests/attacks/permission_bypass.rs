//! Permission bypass attempts (issue 23, contained attacks): a user allowed to publish only
//! under `allowed.>` and to subscribe under `allowed.>` but not `allowed.secret.>` tries
//! subjects that escape the pattern, literal wildcards, a reply subject outside it, and
//! wildcard subscriptions over denied subjects. Both brokers refuse the same ones with the same
//! texts (taken from nats-server 2.9.10), deliver the same ones, and keep denied messages from
//! a permitted wildcard subscription.

use natskit_server::{Permissions, Rule, Server, User};

use crate::support::{alone, client_runtime, Backend, Raw};

const NATS_CONFIG: &str = r#"
authorization {
  users = [
    { user: attacker, password: pw, permissions: {
        publish: { allow: ["allowed.>"] },
        subscribe: { allow: ["allowed.>", "_INBOX.>"], deny: ["allowed.secret.>"] } } }
    { user: victim, password: pw }
  ]
}
"#;

fn attacker() -> User {
    User::new("attacker", "pw").permissions(
        Permissions::default()
            .publish(Rule::allow(["allowed.>"]))
            .subscribe(Rule::allow(["allowed.>", "_INBOX.>"]).deny(["allowed.secret.>"])),
    )
}

fn connect(user: &str) -> String {
    format!(r#"{{"verbose":false,"pedantic":false,"user":"{user}","pass":"pw"}}"#)
}

/// The attacker's publishes: the payload says which one arrived.
const PUBLISHES: &[u8] = b"PUB allowed 1\r\n1\r\nPUB Allowed.x 1\r\n2\r\nPUB allowed.* 1\r\n3\r\n\
PUB allowed.> 1\r\n4\r\nPUB allowed.x denied.y 1\r\n5\r\nPUB allowed..x 1\r\n6\r\n\
PUB allowed.x.> 1\r\n7\r\nPUB denied.allowed.x 1\r\n8\r\nPUB allowed.secret.x 1\r\n9\r\n";

const PUBLISH_REFUSALS: &str = "-ERR 'Permissions Violation for Publish to \"allowed\"'\r\n\
-ERR 'Permissions Violation for Publish to \"Allowed.x\"'\r\n\
-ERR 'Permissions Violation for Publish to \"allowed..x\"'\r\n\
-ERR 'Permissions Violation for Publish to \"denied.allowed.x\"'\r\nPONG\r\n";

/// What the victim, subscribed to everything, got of them: the literal wildcards and the
/// reply outside the pattern pass on both (publish permissions check the subject only).
const PASSED: &str = "MSG allowed.* 1 1\r\n3\r\nMSG allowed.> 1 1\r\n4\r\n\
MSG allowed.x 1 denied.y 1\r\n5\r\nMSG allowed.x.> 1 1\r\n7\r\nMSG allowed.secret.x 1 1\r\n9\r\nPONG\r\n";

const SUBSCRIPTIONS: &[u8] = b"SUB > 1\r\nSUB *.x 2\r\nSUB allowed 3\r\nSUB allowed.> 4\r\n\
SUB allowed.secret.* 5\r\nSUB allowed.* q 6\r\nSUB Allowed.> 7\r\nSUB allowed.secret.> 8\r\n\
SUB _INBOX.> 9\r\nSUB allowed.*.x 10\r\n";

const SUBSCRIBE_REFUSALS: &str = "-ERR 'Permissions Violation for Subscription to \">\"'\r\n\
-ERR 'Permissions Violation for Subscription to \"*.x\"'\r\n\
-ERR 'Permissions Violation for Subscription to \"allowed\"'\r\n\
-ERR 'Permissions Violation for Subscription to \"allowed.secret.*\"'\r\n\
-ERR 'Permissions Violation for Subscription to \"Allowed.>\"'\r\n\
-ERR 'Permissions Violation for Subscription to \"allowed.secret.>\"'\r\nPONG\r\n";

/// What the attacker's permitted subscriptions (4: `allowed.>`, 6: `allowed.*` in a queue)
/// get of the victim's `allowed.secret.x`, `allowed.x` and `allowed.secret`: not the denied one.
const RECEIVED: [&str; 4] = [
    "MSG allowed.x 4 1\r\nB\r\n",
    "MSG allowed.x 6 1\r\nB\r\n",
    "MSG allowed.secret 4 1\r\nC\r\n",
    "MSG allowed.secret 6 1\r\nC\r\n",
];

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn permission_bypass_attempts_are_refused_alike_with_nats_servers_texts() {
    let _alone = alone();
    let builder = Server::builder()
        .add_user(attacker())
        .add_user(User::new("victim", "pw"));
    let backends = Backend::both(builder, NATS_CONFIG);
    let clients = client_runtime();
    for backend in &backends {
        let name = backend.name();
        clients.block_on(async {
            let mut victim = Raw::connect(backend.addr(), &connect("victim")).await;
            victim.send(b"SUB > 1\r\n").await;
            victim.sync().await;
            let mut attacker = Raw::connect(backend.addr(), &connect("attacker")).await;

            attacker.send(PUBLISHES).await;
            assert_eq!(text(&attacker.sync().await), PUBLISH_REFUSALS, "{name}: publishes");
            assert_eq!(text(&victim.sync().await), PASSED, "{name}: what passed");

            attacker.send(SUBSCRIPTIONS).await;
            assert_eq!(text(&attacker.sync().await), SUBSCRIBE_REFUSALS, "{name}: subscriptions");

            victim
                .send(b"PUB allowed.secret.x 1\r\nA\r\nPUB allowed.x 1\r\nB\r\nPUB allowed.secret 1\r\nC\r\n")
                .await;
            victim.sync().await;
            let got = text(&attacker.sync().await);
            // One message's copies to a plain and a queue subscription may come in either order.
            let mut frames: Vec<&str> = got.split_inclusive("\r\n").collect();
            assert_eq!(frames.pop(), Some("PONG\r\n"), "{name}: {got:?}");
            let mut frames: Vec<String> = frames.chunks(2).map(|frame| frame.concat()).collect();
            frames.sort();
            let mut expected = RECEIVED.map(str::to_owned).to_vec();
            expected.sort();
            assert_eq!(frames, expected, "{name}: what the attacker received");
        });
    }
}
