//! `natskit server -c FILE` with what issue 19 adds to authorization: bcrypt-hashed secrets,
//! `allow_responses`, and accounts with their imports, exports and system events. Each file
//! starts nats-server 2.10.26 and the broker alike, and the same client steps against both
//! give the same transcript.

use futures_util::StreamExt;

use crate::server_config::{connect, files, outcome, same_on_both, user};
use crate::support::PATIENCE;

/// bcrypt of `s3cret` (cost 4, so the test stays quick), as nats-server's documentation
/// suggests storing passwords and tokens.
const HASH: &str = "$2a$04$IgmoIgmoIgmoIgmoIgmoIeResHFNH/JzcEQiuJ6olcxGdeEDvQALq";

#[test]
fn bcrypt_passwords_and_tokens_are_checked_as_hashes() {
    let users = format!("authorization {{ users: [ {{user: a, password: \"{HASH}\"}} ] }}\n");
    let dir = files("accounts-bcrypt-users", &[("nats.conf", &users)]);
    let transcript = same_on_both(&dir.join("nats.conf"), |url| async move {
        let mut t = Vec::new();
        for password in ["s3cret", "wrong", HASH] {
            let outcome = connect(&url, user("a", password)).await.err();
            t.push(format!("a/{password}: {outcome:?}"));
        }
        t
    });
    assert_eq!(
        transcript,
        [
            "a/s3cret: None".to_owned(),
            "a/wrong: Some(\"Authorization Violation\")".to_owned(),
            format!("a/{HASH}: Some(\"Authorization Violation\")"),
        ]
    );

    // A bare hash: the `$` does not make it a variable.
    let token = format!("authorization {{ token: {HASH} }}\n");
    let dir = files("accounts-bcrypt-token", &[("nats.conf", &token)]);
    let transcript = same_on_both(&dir.join("nats.conf"), |url| async move {
        let mut t = Vec::new();
        for token in ["s3cret", "wrong"] {
            let options = natskit::ConnectOptions::new().token(token);
            t.push(format!("{token}: {:?}", connect(&url, options).await.err()));
        }
        t
    });
    assert_eq!(
        transcript,
        ["s3cret: None", "wrong: Some(\"Authorization Violation\")"]
    );
}

/// Responders that may publish nothing but answers: `allow_responses` with nats-server's
/// defaults (one answer), and with `max: 2` beside a publish rule that denies `_INBOX.>`.
const RESPONDERS: &str = r#"
authorization {
  users = [
    {user: requester, password: pw, permissions: {publish: "svc.>", subscribe: "_INBOX.>"}}
    {user: once, password: pw, permissions: {subscribe: "svc.>", allow_responses: true}}
    {user: twice, password: pw, permissions: {
      subscribe: "svc.>"
      publish: {deny: "_INBOX.>"}
      allow_responses: {max: 2, expires: "1m"}
    }}
  ]
}
"#;

/// `responder` answers on `reply`: "delivered" when the requester's `inbox` got it, or the
/// server's error.
async fn answer(
    responder: &natskit::Client,
    subject: &str,
    inbox: &mut natskit::Subscriber,
) -> String {
    let mut events = responder.events();
    responder.publish(subject, "answer").await.expect("publish");
    outcome(inbox.next(), &mut events).await
}

#[test]
fn allow_responses_lets_a_responder_answer_up_to_max_times() {
    let dir = files("accounts-allow-responses", &[("nats.conf", RESPONDERS)]);
    let transcript = same_on_both(&dir.join("nats.conf"), |url| async move {
        let mut t = Vec::new();
        let requester = connect(&url, user("requester", "pw")).await.unwrap();
        for (name, answers) in [("once", 2), ("twice", 3)] {
            let responder = connect(&url, user(name, "pw")).await.unwrap();
            let mut requests = responder.subscribe("svc.>").await.unwrap();
            responder.flush().await.unwrap();
            let reply = format!("_INBOX.{name}");
            let mut inbox = requester.subscribe(&reply).await.unwrap();
            requester.flush().await.unwrap();
            let request = format!("svc.{name}");
            requester
                .publish_with_reply(&request, &reply, "question")
                .await
                .unwrap();
            let got = tokio::time::timeout(PATIENCE, requests.next())
                .await
                .expect("the request in time")
                .expect("a request");
            let reply = got.reply.expect("a reply subject").to_string();
            for n in 1..=answers {
                t.push(format!(
                    "{name} answer {n}: {}",
                    answer(&responder, &reply, &mut inbox).await
                ));
            }
            let mut never_asked = requester.subscribe("_INBOX.unasked").await.unwrap();
            requester.flush().await.unwrap();
            t.push(format!(
                "{name} unasked: {}",
                answer(&responder, "_INBOX.unasked", &mut never_asked).await
            ));
        }
        t
    });
    let denied = |s: &str| format!("Permissions Violation for Publish to \"{s}\"");
    assert_eq!(
        transcript,
        [
            "once answer 1: delivered".to_owned(),
            format!("once answer 2: {}", denied("_INBOX.once")),
            format!("once unasked: {}", denied("_INBOX.unasked")),
            "twice answer 1: delivered".to_owned(),
            "twice answer 2: delivered".to_owned(),
            format!("twice answer 3: {}", denied("_INBOX.twice")),
            format!("twice unasked: {}", denied("_INBOX.unasked")),
        ]
    );
}
