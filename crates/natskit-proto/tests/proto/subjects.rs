//! Subject validation per use and wildcard matching (protocol checklist, section 3).

use natskit_proto::subject::{
    matches, validate_publish, validate_queue, validate_reply, validate_subscribe,
};
use natskit_proto::{ProtoError, Subject};

#[test]
fn publish_subjects_must_be_literal_and_well_formed() {
    for ok in [
        "a",
        "foo.bar",
        "$SRV.PING",
        "_INBOX.x.1",
        "foo*.bar",
        "a.b-c_d.e~f",
        "ünïcode.ok",
    ] {
        assert!(validate_publish(ok).is_ok(), "{ok:?} refused");
    }
    for bad in [
        "", "foo..bar", "foo.", ".foo", "foo bar", "foo\tbar", "foo\r\n", "foo.*", "foo.>", "*",
        ">",
    ] {
        assert!(validate_publish(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn subscribe_subjects_allow_whole_token_wildcards() {
    for ok in ["foo.*", "*", ">", "foo.>", "*.bar.>", "foo*"] {
        assert!(validate_subscribe(ok).is_ok(), "{ok:?} refused");
    }
    for bad in ["", "foo.>.bar", ">.x", "foo..*", "foo .bar", "foo.*."] {
        assert!(validate_subscribe(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn reply_subjects_follow_publish_rules() {
    assert!(validate_reply("_INBOX.abc.def").is_ok());
    assert!(validate_reply("_INBOX.*").is_err());
}

#[test]
fn queue_names() {
    assert!(validate_queue("workers").is_ok());
    assert!(
        validate_queue("svc.workers").is_ok(),
        "nats-server accepts dots in queue names"
    );
    for bad in ["", "two words", "tab\t", "nl\n"] {
        assert!(validate_queue(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn validation_errors_name_the_subject_and_the_rule() {
    let err = validate_publish("orders..new").unwrap_err();
    assert_eq!(
        err,
        ProtoError::InvalidSubject {
            kind: "publish subject",
            subject: "orders..new".into(),
            reason: "it has an empty token (leading, trailing or doubled '.')",
        }
    );
    assert_eq!(
        validate_subscribe("a.>.b").unwrap_err().to_string(),
        "invalid subscribe subject \"a.>.b\": '>' may only be the last token"
    );
}

#[test]
fn wildcard_matching() {
    let cases = [
        ("foo.bar", "foo.bar", true),
        ("foo.bar", "foo.baz", false),
        ("foo.*", "foo.bar", true),
        ("foo.*", "foo", false),
        ("foo.*", "foo.bar.baz", false),
        ("*.bar", "foo.bar", true),
        ("*", "foo", true),
        ("*", "foo.bar", false),
        ("foo.>", "foo.bar", true),
        ("foo.>", "foo.bar.baz", true),
        ("foo.>", "foo", false),
        (">", "anything.at.all", true),
        ("foo.*.baz.>", "foo.x.baz.y.z", true),
        ("foo.*.baz.>", "foo.x.bar.y", false),
        ("foo*", "foo1", false),
        ("foo*", "foo*", true),
        ("Foo", "foo", false),
    ];
    for (pattern, subject, expected) in cases {
        assert_eq!(matches(pattern, subject), expected, "{pattern} ~ {subject}");
    }
}

#[test]
fn subject_type_conveniences() {
    let s = Subject::from("orders.*.created");
    assert!(s.is_wildcard());
    assert_eq!(s.tokens().collect::<Vec<_>>(), ["orders", "*", "created"]);
    assert_eq!(s.to_string(), "orders.*.created");
    assert_eq!(format!("{s:?}"), "\"orders.*.created\"");
    assert!(!Subject::from_static("foo*").is_wildcard());
}

/// The rules as the protocol checklist states them, a token at a time: what the validators'
/// eight-bytes-at-a-time reading must agree with.
fn rules_allow(subject: &[u8], wildcards: bool) -> bool {
    let forbidden = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\0');
    if subject.is_empty() || subject.iter().any(forbidden) {
        return false;
    }
    let tokens: Vec<&[u8]> = subject.split(|&b| b == b'.').collect();
    tokens.iter().enumerate().all(|(i, token)| match *token {
        b"" => false,
        b"*" => wildcards,
        b">" => wildcards && i == tokens.len() - 1,
        _ => true,
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

    #[test]
    fn validators_agree_with_the_rules_a_token_at_a_time(
        subject in proptest::collection::vec(
            proptest::sample::select(b"ab.*>_ \t\r\n\x00\x01\x7f\xc3\xa9-".to_vec()),
            0..40,
        )
    ) {
        use natskit_proto::subject::{validate_publish_bytes, validate_subscribe_bytes};
        proptest::prop_assert_eq!(
            validate_publish_bytes(&subject).is_ok(),
            rules_allow(&subject, false)
        );
        proptest::prop_assert_eq!(
            validate_subscribe_bytes(&subject).is_ok(),
            rules_allow(&subject, true)
        );
    }
}
