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

/// nats-server's documentation on accounts: A exports a stream and a service, B imports
/// both (the stream under a prefix, the service under another subject), and SYS is the
/// system account.
const ACCOUNTS: &str = r#"
accounts {
  A {
    users: [ {user: a, password: a} ]
    exports: [
      {stream: "news.>"}
      {service: "svc"}
    ]
  }
  B {
    users: [ {user: b, password: b} ]
    imports: [
      {stream: {account: A, subject: "news.>"}, prefix: "from_a"}
      {service: {account: A, subject: "svc"}, to: "a.svc"}
    ]
  }
  SYS { users: [ {user: sys, password: sys} ] }
}
system_account: SYS
"#;

/// The next message on `sub`, in time.
async fn next(sub: &mut natskit::Subscriber) -> natskit::Message {
    tokio::time::timeout(PATIENCE, sub.next())
        .await
        .expect("a message in time")
        .expect("a message")
}

/// The fields of a system event the transcript compares.
fn event(message: &natskit::Message) -> String {
    let json: serde_json::Value = serde_json::from_slice(&message.payload).expect("JSON");
    let reason = json
        .get("reason")
        .map(|r| format!(" reason {r}"))
        .unwrap_or_default();
    let has = |key: &str| json.get(key).is_some();
    format!(
        "{} type {} acc {} user {} id/timestamp/server {}{reason}",
        message.subject,
        json["type"],
        json["client"]["acc"],
        json["client"]["user"],
        has("id") && has("timestamp") && json["server"]["id"].is_string(),
    )
}

#[test]
fn accounts_isolate_subjects_and_share_through_imports() {
    use futures_util::FutureExt;
    let dir = files("accounts-imports", &[("nats.conf", ACCOUNTS)]);
    let transcript = same_on_both(&dir.join("nats.conf"), |url| async move {
        let mut t = Vec::new();
        let sys = connect(&url, user("sys", "sys")).await.unwrap();
        let mut connects = sys.subscribe("$SYS.ACCOUNT.B.CONNECT").await.unwrap();
        let mut disconnects = sys.subscribe("$SYS.ACCOUNT.B.DISCONNECT").await.unwrap();
        sys.flush().await.unwrap();
        let a = connect(&url, user("a", "a")).await.unwrap();
        let b = connect(&url, user("b", "b")).await.unwrap();
        t.push(event(&next(&mut connects).await));

        // Isolation: B's subscriber to A's subject hears nothing; the import comes after,
        // from the same publisher, so anything on `private` would have arrived first.
        let mut private = b.subscribe("private").await.unwrap();
        let mut imported = b.subscribe("from_a.news.>").await.unwrap();
        let mut unprefixed = b.subscribe("news.>").await.unwrap();
        b.flush().await.unwrap();
        a.publish("private", "secret").await.unwrap();
        a.publish("news.sport", "goal").await.unwrap();
        a.flush().await.unwrap();
        let got = next(&mut imported).await;
        t.push(format!("b got {} {:?}", got.subject, got.payload));
        t.push(format!(
            "b private: {}",
            private.next().now_or_never().is_some()
        ));
        t.push(format!(
            "b news.>: {}",
            unprefixed.next().now_or_never().is_some()
        ));

        // A service of A, requested from B under its imported name.
        let mut requests = a.subscribe("svc").await.unwrap();
        a.flush().await.unwrap();
        let responder = a.clone();
        let answered = tokio::spawn(async move {
            let request = next(&mut requests).await;
            let reply = request.reply.expect("a reply subject").to_string();
            responder.publish(&reply, "pong").await.unwrap();
            responder.flush().await.unwrap();
            format!("a answered on _R_.: {}", reply.starts_with("_R_."))
        });
        let response = tokio::time::timeout(PATIENCE, b.request("a.svc", "ping"))
            .await
            .expect("an answer in time");
        t.push(format!("b a.svc: {:?}", response.map(|m| m.payload)));
        t.push(answered.await.unwrap());
        let direct = tokio::time::timeout(PATIENCE, b.request("svc", "ping"))
            .await
            .expect("an answer in time");
        t.push(format!(
            "b svc: {:?}",
            direct.map(|m| m.payload).map_err(|e| e.to_string())
        ));

        b.close().await.unwrap();
        t.push(event(&next(&mut disconnects).await));
        t
    });
    let b_event = |kind: &str, class: &str, reason: &str| {
        format!(
            "$SYS.ACCOUNT.B.{kind} type \"io.nats.server.advisory.v1.client_{class}\" acc \"B\" user \"b\" id/timestamp/server true{reason}"
        )
    };
    assert_eq!(transcript[0], b_event("CONNECT", "connect", ""));
    assert_eq!(transcript[1], "b got from_a.news.sport b\"goal\"");
    assert_eq!(transcript[2..4], ["b private: false", "b news.>: false"]);
    assert_eq!(transcript[4], "b a.svc: Ok(b\"pong\")");
    assert_eq!(transcript[5], "a answered on _R_.: true");
    assert!(transcript[6].contains("no responders"), "{}", transcript[6]);
    assert_eq!(
        transcript[7],
        b_event("DISCONNECT", "disconnect", " reason \"Client Closed\"")
    );
}
