//! Reading and deleting one message: `STREAM.MSG.GET` (by sequence, last by subject),
//! `STREAM.MSG.DELETE`, and direct gets in both request forms.

use natskit::jetstream::{ApiError, DirectGetError, Publish, StorageType, StreamConfig};
use natskit::HeaderMap;

use crate::support::{err_code, start};

fn traced(id: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("Trace-Id", id).unwrap();
    headers
}

#[tokio::test]
async fn get_by_sequence_and_last_by_subject_with_headers() {
    let t = start().await;
    t.js.create_stream(StreamConfig::new("M").subjects(["m.*"]))
        .await
        .unwrap();
    t.js.send_publish("m.a", Publish::new("first").headers(traced("t1")))
        .await
        .unwrap();
    t.js.publish("m.b", "second").await.unwrap();
    t.js.publish("m.a", "third").await.unwrap();

    let first = t.js.get_message("M", 1).await.unwrap();
    assert_eq!((first.subject.as_str(), first.sequence), ("m.a", 1));
    assert_eq!(first.payload, "first");
    assert_eq!(first.headers.unwrap().get("Trace-Id"), Some("t1"));
    assert!(first.time.ends_with('Z'), "{}", first.time);

    let second = t.js.get_message("M", 2).await.unwrap();
    assert_eq!(
        (second.payload.as_ref(), second.headers),
        (&b"second"[..], None)
    );

    let last_a = t.js.get_last_message("M", "m.a").await.unwrap();
    assert_eq!(
        (last_a.sequence, last_a.payload.as_ref()),
        (3, &b"third"[..])
    );
    let last_any = t.js.get_last_message("M", "m.*").await.unwrap();
    assert_eq!(last_any.sequence, 3);

    let no_message = (404, ApiError::NO_MESSAGE_FOUND);
    assert_eq!(err_code(t.js.get_message("M", 99).await), no_message);
    assert_eq!(
        err_code(t.js.get_last_message("M", "m.none").await),
        no_message
    );
    assert_eq!(
        err_code(t.js.get_message("NONE", 1).await),
        (404, ApiError::STREAM_NOT_FOUND)
    );
    t.stop().await;
}

#[tokio::test]
async fn delete_a_message() {
    let t = start().await;
    t.js.create_stream(StreamConfig::new("D").subjects(["d"]))
        .await
        .unwrap();
    for payload in ["1", "2", "3"] {
        t.js.publish("d", payload).await.unwrap();
    }
    t.js.delete_message("D", 2).await.unwrap();
    assert_eq!(
        err_code(t.js.get_message("D", 2).await),
        (404, ApiError::NO_MESSAGE_FOUND)
    );
    assert_eq!(t.js.get_message("D", 3).await.unwrap().payload, "3");
    let state = t.js.stream_info("D").await.unwrap().state;
    assert_eq!((state.messages, state.num_deleted), (2, 1));

    // Gone already, or never there: the server says so.
    assert!(t
        .js
        .delete_message("D", 2)
        .await
        .unwrap_err()
        .api_error()
        .is_some());
    assert!(t
        .js
        .delete_message("D", 99)
        .await
        .unwrap_err()
        .api_error()
        .is_some());

    // A stream with deny_delete refuses.
    let config = StreamConfig {
        deny_delete: true,
        ..StreamConfig::new("KEEP").subjects(["keep"])
    };
    t.js.create_stream(config).await.unwrap();
    t.js.publish("keep", "x").await.unwrap();
    assert!(t
        .js
        .delete_message("KEEP", 1)
        .await
        .unwrap_err()
        .api_error()
        .is_some());
    t.stop().await;
}

#[tokio::test]
async fn direct_get_by_sequence_next_and_last_by_subject() {
    let t = start().await;
    let config = StreamConfig {
        allow_direct: true,
        storage: StorageType::Memory,
        ..StreamConfig::new("KV_colors").subjects(["$KV.colors.>"])
    };
    t.js.create_stream(config).await.unwrap();
    t.js.send_publish("$KV.colors.sky", Publish::new("blue").headers(traced("t1")))
        .await
        .unwrap();
    t.js.publish("$KV.colors.grass", "green").await.unwrap();
    t.js.publish("$KV.colors.sky", "grey").await.unwrap();

    let by_seq = t.js.direct_get("KV_colors", 1).await.unwrap();
    assert_eq!(
        (by_seq.subject.as_str(), by_seq.sequence),
        ("$KV.colors.sky", 1)
    );
    assert_eq!(by_seq.payload, "blue");
    let headers = by_seq.headers.unwrap();
    assert_eq!((headers.len(), headers.get("Trace-Id")), (1, Some("t1")));
    assert!(!by_seq.time.is_empty());
    // The same message as the JSON API gives.
    let via_api = t.js.get_message("KV_colors", 1).await.unwrap();
    assert_eq!(
        (via_api.subject, via_api.sequence, via_api.payload),
        (by_seq.subject, by_seq.sequence, by_seq.payload)
    );

    let last =
        t.js.direct_get_last("KV_colors", "$KV.colors.sky")
            .await
            .unwrap();
    assert_eq!(
        (last.sequence, last.payload.as_ref(), last.headers),
        (3, &b"grey"[..], None)
    );
    let next =
        t.js.direct_get_next("KV_colors", "$KV.colors.sky", 2)
            .await
            .unwrap();
    assert_eq!(next.sequence, 3);

    let not_found = DirectGetError::NotFound {
        stream: "KV_colors".into(),
    };
    assert_eq!(
        t.js.direct_get("KV_colors", 99).await.unwrap_err(),
        not_found
    );
    assert_eq!(
        t.js.direct_get_last("KV_colors", "$KV.colors.none")
            .await
            .unwrap_err(),
        not_found
    );

    // Without allow_direct nobody answers direct gets.
    t.js.create_stream(StreamConfig::new("PLAIN").subjects(["plain"]))
        .await
        .unwrap();
    t.js.publish("plain", "x").await.unwrap();
    assert_eq!(
        t.js.direct_get("PLAIN", 1).await.unwrap_err(),
        DirectGetError::Unavailable {
            stream: "PLAIN".into()
        }
    );
    t.stop().await;
}
