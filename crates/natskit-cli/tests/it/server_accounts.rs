//! `natskit server -c FILE` with what issue 19 adds to authorization: bcrypt-hashed secrets,
//! `allow_responses`, and accounts with their imports, exports and system events. Each file
//! starts nats-server 2.10.26 and the broker alike, and the same client steps against both
//! give the same transcript.

use crate::server_config::{connect, files, same_on_both, user};

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
