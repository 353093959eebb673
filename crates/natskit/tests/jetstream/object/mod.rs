//! Object stores (ADR-20) against nats-server: buckets, put and get (empty, small, many
//! chunks, streamed), replacing, corrupted data, missing and deleted objects, watch and list,
//! links, meta updates, sealing, and names refused before anything is sent. The interop with
//! nats-py's object store is in `object/nats_py.rs`.

mod nats_py;

use std::io;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine;
use futures_util::StreamExt;
use natskit::jetstream::object::{
    ObjectInfo, ObjectMeta, ObjectStore, ObjectStoreConfig, ObjectStoreError, ObjectWatch,
    WatchEvent, WatchOptions,
};
use natskit::jetstream::{
    Compression, Context, DiscardPolicy, Publish, StorageType, StreamConfig, StreamInfoDetails,
};
use natskit::HeaderMap;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};

use crate::support::{start, PATIENCE};

/// A bucket in memory.
async fn bucket(js: &Context, name: &str) -> ObjectStore {
    let config = ObjectStoreConfig {
        storage: StorageType::Memory,
        ..ObjectStoreConfig::new(name)
    };
    js.create_object_store(config).await.unwrap()
}

/// `len` bytes of a pattern that differs with `seed` and does not repeat every chunk.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 7 + i / 251) as u8).wrapping_add(seed))
        .collect()
}

/// The digest text of `data`, computed here independently of the library.
fn digest(data: &[u8]) -> String {
    format!("SHA-256={}", URL_SAFE.encode(Sha256::digest(data)))
}

/// Hands out its data in pieces of `piece` bytes, as a slow file or socket would.
struct Trickle {
    data: Vec<u8>,
    at: usize,
    piece: usize,
}

impl Trickle {
    fn new(data: &[u8], piece: usize) -> Self {
        Trickle {
            data: data.to_vec(),
            at: 0,
            piece,
        }
    }
}

impl AsyncRead for Trickle {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = self
            .piece
            .min(buf.remaining())
            .min(self.data.len() - self.at);
        let at = self.at;
        buf.put_slice(&self.data[at..at + n]);
        self.at += n;
        Poll::Ready(Ok(()))
    }
}

/// Hands out `good` bytes, then fails.
struct Failing {
    good: Trickle,
}

impl AsyncRead for Failing {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.good.at == self.good.data.len() {
            return Poll::Ready(Err(io::Error::other("disk on fire")));
        }
        Pin::new(&mut self.good).poll_read(cx, buf)
    }
}

/// Everything an object reader gives, read 1000 bytes at a time; its error if it fails.
async fn read_all(store: &ObjectStore, name: &str) -> io::Result<Vec<u8>> {
    let mut reader = store.get(name).await.unwrap();
    let mut data = Vec::new();
    let mut buf = [0u8; 1000];
    loop {
        let n = tokio::time::timeout(PATIENCE, reader.read(&mut buf))
            .await
            .expect("a read in time")?;
        if n == 0 {
            return Ok(data);
        }
        data.extend_from_slice(&buf[..n]);
    }
}

/// How many messages the bucket's stream holds on `subject`.
async fn messages_on(js: &Context, store: &ObjectStore, subject: &str) -> u64 {
    let info = js
        .stream_info_with(
            store.stream_name(),
            StreamInfoDetails::default().subjects(subject),
        )
        .await
        .unwrap();
    info.state.subjects.get(subject).copied().unwrap_or(0)
}

fn chunk_subject(info: &ObjectInfo) -> String {
    format!("$O.{}.C.{}", info.bucket, info.nuid)
}

fn meta_subject(bucket: &str, name: &str) -> String {
    format!("$O.{bucket}.M.{}", URL_SAFE.encode(name))
}

/// Stores `info` as the meta of its object, as another client (or an attacker) could.
async fn publish_meta(js: &Context, info: &serde_json::Value) {
    let mut headers = HeaderMap::new();
    headers.insert("Nats-Rollup", "sub").unwrap();
    let subject = meta_subject(
        info["bucket"].as_str().unwrap(),
        info["name"].as_str().unwrap(),
    );
    js.send_publish(
        subject,
        Publish::new(serde_json::to_vec(info).unwrap()).headers(headers),
    )
    .await
    .unwrap();
}

/// The next watch event, within [`PATIENCE`].
async fn next_event(watch: &mut ObjectWatch) -> WatchEvent {
    tokio::time::timeout(PATIENCE, watch.next())
        .await
        .expect("a watch event in time")
        .expect("the watch goes on")
        .unwrap()
}

/// What an event says, short: `name size` (`name deleted`), or `END`.
fn describe(event: &WatchEvent) -> String {
    match event {
        WatchEvent::Object(info) if info.deleted => format!("{} deleted", info.name),
        WatchEvent::Object(info) => {
            assert!(!info.mtime.is_empty(), "{info:?}");
            format!("{} {}", info.name, info.size)
        }
        WatchEvent::EndOfInitial => "END".into(),
    }
}

fn names(infos: &[ObjectInfo]) -> Vec<String> {
    let mut names: Vec<String> = infos.iter().map(|i| i.name.clone()).collect();
    names.sort();
    names
}

#[tokio::test]
async fn buckets_are_created_opened_listed_and_deleted() {
    let t = start().await;
    let config = ObjectStoreConfig {
        description: "build artifacts".into(),
        ttl: Duration::from_secs(3600),
        max_bytes: 64 << 20,
        storage: StorageType::File,
        compression: true,
        metadata: [("owner".to_owned(), "ci".to_owned())].into(),
        ..ObjectStoreConfig::new("artifacts")
    };
    let store = t.js.create_object_store(config.clone()).await.unwrap();
    assert_eq!(
        (store.bucket(), store.stream_name()),
        ("artifacts", "OBJ_artifacts")
    );

    // The stream is what ADR-20 says.
    let stream = t.js.stream_info("OBJ_artifacts").await.unwrap().config;
    assert_eq!(stream.subjects, ["$O.artifacts.C.>", "$O.artifacts.M.>"]);
    assert!(stream.allow_rollup_hdrs && stream.allow_direct);
    assert_eq!(stream.discard, DiscardPolicy::New);
    assert_eq!(
        (stream.max_age, stream.max_bytes, stream.num_replicas),
        (Duration::from_secs(3600), 64 << 20, 1)
    );
    assert_eq!(
        (stream.storage, stream.compression),
        (StorageType::File, Compression::S2)
    );
    assert_eq!(stream.description, "build artifacts");
    assert_eq!(stream.metadata.get("owner").map(String::as_str), Some("ci"));

    let status = store.status().await.unwrap();
    assert_eq!(status.bucket, "artifacts");
    assert_eq!(status.description, "build artifacts");
    assert_eq!(status.ttl, Duration::from_secs(3600));
    assert_eq!(
        (status.storage, status.replicas, status.sealed),
        (StorageType::File, 1, false)
    );
    assert!(status.compressed);
    assert_eq!(status.metadata.get("owner").map(String::as_str), Some("ci"));
    assert_eq!((status.size, status.backing_store()), (0, "JetStream"));
    // Read fresh each time.
    store.put_bytes("a", "abc").await.unwrap();
    assert!(store.status().await.unwrap().size > 0);

    // The same configuration again is the same bucket; another is refused.
    t.js.create_object_store(config.clone()).await.unwrap();
    let other = ObjectStoreConfig {
        description: "something else".into(),
        ..config
    };
    match t.js.create_object_store(other).await {
        Err(ObjectStoreError::BucketExists { bucket }) => assert_eq!(bucket, "artifacts"),
        other => panic!("{other:?}"),
    }

    // Opened by name; a missing one is its own error.
    let opened = t.js.object_store("artifacts").await.unwrap();
    assert_eq!(opened.get_bytes("a").await.unwrap(), "abc");
    match t.js.object_store("missing").await {
        Err(ObjectStoreError::BucketNotFound { bucket }) => assert_eq!(bucket, "missing"),
        other => panic!("{other:?}"),
    }

    // Listed among other streams, which are left out.
    bucket(&t.js, "second").await;
    t.js.create_stream(StreamConfig {
        storage: StorageType::Memory,
        ..StreamConfig::new("PLAIN").subjects(["plain.>"])
    })
    .await
    .unwrap();
    let mut listed = t.js.object_store_names().await.unwrap();
    listed.sort();
    assert_eq!(listed, ["artifacts", "second"]);
    let mut statuses: Vec<String> =
        t.js.object_stores()
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.bucket)
            .collect();
    statuses.sort();
    assert_eq!(statuses, ["artifacts", "second"]);

    // Deleted, with its objects.
    t.js.delete_object_store("second").await.unwrap();
    assert_eq!(t.js.object_store_names().await.unwrap(), ["artifacts"]);
    assert!(matches!(
        t.js.delete_object_store("second").await,
        Err(ObjectStoreError::BucketNotFound { .. })
    ));
    t.js.delete_object_store("artifacts").await.unwrap();
    assert!(matches!(
        store.status().await,
        Err(ObjectStoreError::BucketNotFound { .. })
    ));
    assert!(matches!(
        store.get_bytes("a").await,
        Err(ObjectStoreError::BucketNotFound { .. })
    ));
    assert!(matches!(
        store.put_bytes("b", "x").await,
        Err(ObjectStoreError::BucketNotFound { .. })
    ));
    t.stop().await;
}

#[tokio::test]
async fn bad_names_are_refused_before_anything_is_sent() {
    let t = start().await;
    // A client of its own, closed before the calls: anything they sent would fail as a
    // request on a closed connection, not as a bad name.
    let client = natskit::connect(&t.server.url()).await.unwrap();
    let js = natskit::jetstream::new(client.clone());
    let store = bucket(&js, "names").await;
    let other = bucket(&js, "others").await;
    client.close().await.unwrap();

    for bad in ["", "a.b", "a b", "a*", "a>", "ünï", "a/b", "$O"] {
        for result in [
            js.create_object_store(ObjectStoreConfig::new(bad))
                .await
                .map(drop),
            js.object_store(bad).await.map(drop),
            js.delete_object_store(bad).await,
        ] {
            match result {
                Err(ObjectStoreError::InvalidBucket { bucket, .. }) => assert_eq!(bucket, bad),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }

    let mut target = ObjectInfo::default();
    target.name = "x".into();
    target.bucket = "names".into();
    let empty_name = |result: Result<(), ObjectStoreError>, what: &str| match result {
        Err(ObjectStoreError::InvalidObjectName { .. }) => {}
        other => panic!("{what}: {other:?}"),
    };
    empty_name(store.put("", &b"data"[..]).await.map(drop), "put");
    empty_name(store.put_bytes("", "data").await.map(drop), "put_bytes");
    empty_name(store.get("").await.map(drop), "get");
    empty_name(store.get_bytes("").await.map(drop), "get_bytes");
    empty_name(store.info("").await.map(drop), "info");
    empty_name(
        store.info_including_deleted("").await.map(drop),
        "info_including_deleted",
    );
    empty_name(store.delete("").await, "delete");
    empty_name(
        store.update_meta("", ObjectMeta::new("y")).await.map(drop),
        "update_meta",
    );
    empty_name(
        store.update_meta("x", ObjectMeta::new("")).await.map(drop),
        "update_meta to empty",
    );
    empty_name(store.add_link("", &target).await.map(drop), "add_link");
    empty_name(
        store.add_link("l", &ObjectInfo::default()).await.map(drop),
        "add_link to nameless",
    );
    empty_name(
        store.add_bucket_link("", &other).await.map(drop),
        "add_bucket_link",
    );
    // A put of a link is refused too.
    let mut linked = ObjectMeta::new("l");
    linked.options.link = Some(natskit::jetstream::object::ObjectLink {
        bucket: "others".into(),
        name: "x".into(),
    });
    match store.put(linked, &b"x"[..]).await {
        Err(ObjectStoreError::LinkNotAllowed { name }) => assert_eq!(name, "l"),
        other => panic!("{other:?}"),
    }
    // So are chunks larger than the server takes in one message (1 MiB by default).
    match store
        .put(ObjectMeta::new("huge").chunk_size(2 << 20), &b"x"[..])
        .await
    {
        Err(ObjectStoreError::ChunkTooLarge {
            name,
            chunk_size,
            max_payload,
        }) => assert_eq!(
            (name.as_str(), chunk_size, max_payload),
            ("huge", 2 << 20, 1 << 20)
        ),
        other => panic!("{other:?}"),
    }
    // And something that is sent fails as a closed connection, which shows the above were not.
    assert!(matches!(
        store.info("x").await,
        Err(ObjectStoreError::DirectGet(_))
    ));
    t.stop().await;
}

#[tokio::test]
async fn objects_small_empty_and_of_many_chunks_come_back_whole() {
    let t = start().await;
    let store = bucket(&t.js, "data").await;

    // Small, with meta.
    let meta = ObjectMeta::new("hello.txt")
        .description("a greeting")
        .header("Content-Type", "text/plain")
        .header("X-Many", "1")
        .header("X-Many", "2")
        .metadata("lang", "en");
    let put = store.put_bytes(meta, "hello").await.unwrap();
    assert_eq!((put.size, put.chunks), (5, 1));
    assert_eq!(put.digest, digest(b"hello"));
    assert_eq!((put.bucket.as_str(), put.deleted), ("data", false));
    assert_eq!(put.options.max_chunk_size, 128 * 1024);
    assert!(!put.nuid.is_empty() && !put.mtime.is_empty());
    let info = store.info("hello.txt").await.unwrap();
    assert_eq!(info.description, "a greeting");
    assert_eq!(info.headers["Content-Type"], ["text/plain"]);
    assert_eq!(info.headers["X-Many"], ["1", "2"]);
    assert_eq!(info.metadata["lang"], "en");
    assert_eq!(
        (info.nuid.as_str(), info.digest.as_str(), info.size),
        (put.nuid.as_str(), put.digest.as_str(), 5)
    );
    assert!(
        info.mtime.ends_with('Z'),
        "the server's time: {}",
        info.mtime
    );
    assert_eq!(store.get_bytes("hello.txt").await.unwrap(), "hello");
    let reader = store.get("hello.txt").await.unwrap();
    assert_eq!(reader.info().name, "hello.txt");
    drop(reader);

    // Empty: no chunks, the digest of nothing.
    let empty = store.put_bytes("empty", "").await.unwrap();
    assert_eq!((empty.size, empty.chunks), (0, 0));
    assert_eq!(empty.digest, digest(b""));
    assert!(store.get_bytes("empty").await.unwrap().is_empty());
    assert!(read_all(&store, "empty").await.unwrap().is_empty());

    // Any name: slashes, spaces, dots, wildcards, UTF-8.
    let odd = "dir/sub dir/ä.b*c>d ✓";
    store.put_bytes(odd, "odd").await.unwrap();
    assert_eq!(store.get_bytes(odd).await.unwrap(), "odd");

    // 1 MiB + 1 byte in 64 KiB chunks, read from a trickle of 1000-byte pieces.
    let big = pattern((1 << 20) + 1, 3);
    let meta = ObjectMeta::new("big.bin").chunk_size(64 * 1024);
    let info = store.put(meta, Trickle::new(&big, 1000)).await.unwrap();
    assert_eq!((info.size, info.chunks), (big.len() as u64, 17));
    assert_eq!(info.digest, digest(&big));
    assert_eq!(info.options.max_chunk_size, 64 * 1024);
    assert_eq!(messages_on(&t.js, &store, &chunk_subject(&info)).await, 17);
    // Each chunk is full but the last.
    let last =
        t.js.get_last_message("OBJ_data", &chunk_subject(&info))
            .await;
    assert_eq!(last.unwrap().payload.len(), 1);
    // Back through AsyncRead, 1000 bytes at a time, and whole.
    let back = read_all(&store, "big.bin").await.unwrap();
    assert!(back == big, "{} bytes back", back.len());
    assert!(store.get_bytes("big.bin").await.unwrap() == big);

    // The default chunk size: 300 KiB in three chunks.
    let medium = pattern(300 * 1024, 9);
    let info = store.put("medium", &medium[..]).await.unwrap();
    assert_eq!(info.chunks, 3);
    assert!(store.get_bytes("medium").await.unwrap() == medium);

    // Every chunk was acknowledged and only the objects' messages are there: the chunks of
    // hello.txt, the odd name, big.bin and medium, and five metas.
    let state = t.js.stream_info("OBJ_data").await.unwrap().state;
    assert_eq!(state.messages, (1 + 1 + 17 + 3) + 5);
    t.stop().await;
}

#[tokio::test]
async fn a_replaced_object_leaves_no_chunks_behind() {
    let t = start().await;
    let store = bucket(&t.js, "replace").await;
    let v1 = pattern(10_000, 1);
    let old = store
        .put(ObjectMeta::new("doc").chunk_size(4096), &v1[..])
        .await
        .unwrap();
    assert_eq!(old.chunks, 3);
    let v2 = pattern(5_000, 2);
    let new = store
        .put(ObjectMeta::new("doc").chunk_size(4096), &v2[..])
        .await
        .unwrap();
    assert_ne!(old.nuid, new.nuid);
    assert_eq!(messages_on(&t.js, &store, &chunk_subject(&old)).await, 0);
    assert_eq!(messages_on(&t.js, &store, &chunk_subject(&new)).await, 2);
    assert!(store.get_bytes("doc").await.unwrap() == v2);
    // Two chunks and one meta: the old meta was rolled up.
    assert_eq!(
        t.js.stream_info("OBJ_replace")
            .await
            .unwrap()
            .state
            .messages,
        3
    );
    t.stop().await;
}

#[tokio::test]
async fn a_failed_put_leaves_nothing_and_the_old_object_stays() {
    let t = start().await;
    let store = bucket(&t.js, "failing").await;
    store.put_bytes("doc", "version one").await.unwrap();
    let input = Failing {
        good: Trickle::new(&pattern(10_000, 4), 700),
    };
    match store
        .put(ObjectMeta::new("doc").chunk_size(1024), input)
        .await
    {
        Err(ObjectStoreError::Read { name, error }) => {
            assert_eq!(name, "doc");
            assert_eq!(error.to_string(), "disk on fire");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(store.get_bytes("doc").await.unwrap(), "version one");
    // One chunk and one meta: the failed put's chunks were purged.
    assert_eq!(
        t.js.stream_info("OBJ_failing")
            .await
            .unwrap()
            .state
            .messages,
        2
    );
    t.stop().await;
}

#[tokio::test]
async fn corrupted_objects_fail_with_typed_errors_naming_them() {
    let t = start().await;
    let store = bucket(&t.js, "corrupt").await;
    let data = pattern(10_000, 5);
    let info = store
        .put(ObjectMeta::new("tampered").chunk_size(1000), &data[..])
        .await
        .unwrap();
    assert_eq!(info.chunks, 10);

    // A chunk replaced by other bytes of the same size: deleted, and another published last.
    let second = t.js.get_message("OBJ_corrupt", 2).await.unwrap();
    assert_eq!(second.subject, chunk_subject(&info));
    t.js.delete_message("OBJ_corrupt", 2).await.unwrap();
    t.js.publish(chunk_subject(&info), pattern(1000, 99))
        .await
        .unwrap();
    match store.get_bytes("tampered").await {
        Err(ObjectStoreError::DigestMismatch {
            bucket,
            name,
            expected,
            actual,
        }) => {
            assert_eq!((bucket.as_str(), name.as_str()), ("corrupt", "tampered"));
            assert_eq!(expected, digest(&data));
            assert_ne!(actual, expected);
        }
        other => panic!("{other:?}"),
    }
    // Through AsyncRead: an InvalidData error carrying the same, never a clean end.
    let e = read_all(&store, "tampered").await.unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    assert!(matches!(
        ObjectStoreError::from_io(&e),
        Some(ObjectStoreError::DigestMismatch { name, .. }) if name == "tampered"
    ));

    // The same for an object of many full chunks (5 MiB in the default 128 KiB, large enough
    // for `get_bytes` to gather it in a mapping and sum it on another thread): its last chunk
    // replaced by other bytes of the same size.
    let large = pattern(5 << 20, 6);
    let info = store.put("tampered-large", &large[..]).await.unwrap();
    assert!(store.get_bytes("tampered-large").await.unwrap() == large);
    let subject = chunk_subject(&info);
    let last =
        t.js.get_last_message("OBJ_corrupt", &subject)
            .await
            .unwrap();
    t.js.delete_message("OBJ_corrupt", last.sequence)
        .await
        .unwrap();
    t.js.publish(subject, pattern(last.payload.len(), 98))
        .await
        .unwrap();
    assert!(matches!(
        store.get_bytes("tampered-large").await,
        Err(ObjectStoreError::DigestMismatch { name, .. }) if name == "tampered-large"
    ));
    let e = read_all(&store, "tampered-large").await.unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::InvalidData);

    // Meta with a wrong digest.
    store.put_bytes("wrong-digest", "content").await.unwrap();
    let mut meta = serde_json::to_value(store.info("wrong-digest").await.unwrap()).unwrap();
    meta["digest"] = digest(b"other content").into();
    publish_meta(&t.js, &meta).await;
    assert!(matches!(
        store.get_bytes("wrong-digest").await,
        Err(ObjectStoreError::DigestMismatch { name, .. }) if name == "wrong-digest"
    ));

    // Meta with the wrong size, bigger or smaller than the chunks.
    store.put_bytes("sized", "0123456789").await.unwrap();
    let mut meta = serde_json::to_value(store.info("sized").await.unwrap()).unwrap();
    meta["size"] = 11.into();
    publish_meta(&t.js, &meta).await;
    assert!(matches!(
        store.get_bytes("sized").await,
        Err(ObjectStoreError::SizeMismatch {
            expected: 11,
            actual: 10,
            ..
        })
    ));
    meta["size"] = 4.into();
    publish_meta(&t.js, &meta).await;
    assert!(matches!(
        store.get_bytes("sized").await,
        Err(ObjectStoreError::SizeMismatch {
            expected: 4,
            actual: 10,
            ..
        })
    ));

    // Meta that is not object info.
    let mut headers = HeaderMap::new();
    headers.insert("Nats-Rollup", "sub").unwrap();
    t.js.send_publish(
        meta_subject("corrupt", "garbage"),
        Publish::new("not json").headers(headers),
    )
    .await
    .unwrap();
    assert!(matches!(
        store.info("garbage").await,
        Err(ObjectStoreError::BadMeta { name, .. }) if name == "garbage"
    ));

    // Chunks gone while the meta stays: the read stalls, and says so after the timeout.
    store.put_bytes("hollow", "content").await.unwrap();
    let hollow = store.info("hollow").await.unwrap();
    t.js.purge_stream(
        "OBJ_corrupt",
        natskit::jetstream::Purge::all().filter(chunk_subject(&hollow)),
    )
    .await
    .unwrap();
    let impatient =
        t.js.clone()
            .with_timeout(Duration::from_millis(500))
            .object_store("corrupt")
            .await
            .unwrap();
    match impatient.get_bytes("hollow").await {
        Err(ObjectStoreError::Stalled {
            name,
            received,
            size,
            ..
        }) => assert_eq!((name.as_str(), received, size), ("hollow", 0, 7)),
        other => panic!("{other:?}"),
    }
    t.stop().await;
}

#[tokio::test]
async fn missing_and_deleted_objects_read_as_not_found() {
    let t = start().await;
    // A long timeout: a missing object must be found missing, not waited for.
    let js = t.js.clone().with_timeout(Duration::from_secs(30));
    let store = bucket(&js, "gone").await;
    let started = Instant::now();
    let not_found = |result: Result<(), ObjectStoreError>, what: &str| match result {
        Err(ObjectStoreError::NotFound { bucket, name }) => {
            assert_eq!((bucket.as_str(), name.as_str()), ("gone", "nope"), "{what}")
        }
        other => panic!("{what}: {other:?}"),
    };
    not_found(store.get("nope").await.map(drop), "get");
    not_found(store.get_bytes("nope").await.map(drop), "get_bytes");
    not_found(store.info("nope").await.map(drop), "info");
    not_found(
        store.info_including_deleted("nope").await.map(drop),
        "info_including_deleted",
    );
    not_found(store.delete("nope").await, "delete");
    not_found(
        store
            .update_meta("nope", ObjectMeta::new("x"))
            .await
            .map(drop),
        "update_meta",
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    // Deleted: the meta stays, marked, and the chunks go.
    let data = pattern(5000, 6);
    let info = store
        .put(ObjectMeta::new("nope").chunk_size(1000), &data[..])
        .await
        .unwrap();
    store.put_bytes("kept", "kept").await.unwrap();
    store.delete("nope").await.unwrap();
    assert_eq!(messages_on(&js, &store, &chunk_subject(&info)).await, 0);
    not_found(store.get("nope").await.map(drop), "get deleted");
    not_found(store.info("nope").await.map(drop), "info deleted");
    let deleted = store.info_including_deleted("nope").await.unwrap();
    assert!(deleted.deleted);
    assert_eq!(
        (deleted.size, deleted.chunks, deleted.digest.as_str()),
        (0, 0, "")
    );
    assert_eq!(deleted.nuid, info.nuid);
    // Deleting again does nothing.
    store.delete("nope").await.unwrap();
    assert_eq!(names(&store.list().await.unwrap()), ["kept"]);
    assert_eq!(
        names(&store.list_including_deleted().await.unwrap()),
        ["kept", "nope"]
    );
    // The name can be used again.
    store.put_bytes("nope", "back").await.unwrap();
    assert_eq!(store.get_bytes("nope").await.unwrap(), "back");
    t.stop().await;
}

#[tokio::test]
async fn watch_marks_the_end_of_initial_values_even_for_an_empty_bucket() {
    let t = start().await;
    let store = bucket(&t.js, "watched").await;

    // Empty: the marker first, then changes.
    let mut watch = store.watch().await.unwrap();
    assert_eq!(describe(&next_event(&mut watch).await), "END");
    assert!(store.list().await.unwrap().is_empty());
    store.put_bytes("a", "1").await.unwrap();
    assert_eq!(describe(&next_event(&mut watch).await), "a 1");
    store.put_bytes("a", "22").await.unwrap();
    assert_eq!(describe(&next_event(&mut watch).await), "a 2");
    store.put_bytes("b", "333").await.unwrap();
    store.put_bytes("c", "4444").await.unwrap();
    store.delete("c").await.unwrap();
    for expected in ["b 3", "c 4", "c deleted"] {
        assert_eq!(describe(&next_event(&mut watch).await), expected);
    }
    drop(watch);

    // Stored before: the latest of each object, then the marker, then changes.
    let mut watch = store.watch().await.unwrap();
    let mut initial = Vec::new();
    for _ in 0..3 {
        initial.push(describe(&next_event(&mut watch).await));
    }
    assert_eq!(initial, ["a 2", "b 3", "c deleted"]);
    assert_eq!(describe(&next_event(&mut watch).await), "END");
    store.put_bytes("d", "55555").await.unwrap();
    assert_eq!(describe(&next_event(&mut watch).await), "d 5");
    drop(watch);

    // Without deletes.
    let options = WatchOptions {
        ignore_deletes: true,
        ..WatchOptions::default()
    };
    let mut watch = store.watch_with(options).await.unwrap();
    let mut seen = Vec::new();
    loop {
        let event = describe(&next_event(&mut watch).await);
        let end = event == "END";
        seen.push(event);
        if end {
            break;
        }
    }
    assert_eq!(seen, ["a 2", "b 3", "d 5", "END"]);
    drop(watch);

    // With history.
    let options = WatchOptions {
        include_history: true,
        ..WatchOptions::default()
    };
    let mut watch = store.watch_with(options).await.unwrap();
    let mut seen = Vec::new();
    for _ in 0..5 {
        seen.push(describe(&next_event(&mut watch).await));
    }
    // The metas replaced were rolled up: the history is what the stream still holds.
    assert_eq!(seen, ["a 2", "b 3", "c deleted", "d 5", "END"]);
    drop(watch);

    // Updates only: no marker, nothing stored before.
    let options = WatchOptions {
        updates_only: true,
        ..WatchOptions::default()
    };
    let mut watch = store.watch_with(options).await.unwrap();
    store.put_bytes("e", "666666").await.unwrap();
    assert_eq!(describe(&next_event(&mut watch).await), "e 6");
    drop(watch);

    // List: the latest of each live object.
    assert_eq!(names(&store.list().await.unwrap()), ["a", "b", "d", "e"]);
    let all = store.list_including_deleted().await.unwrap();
    assert_eq!(names(&all), ["a", "b", "c", "d", "e"]);
    assert!(all.iter().all(|i| !i.mtime.is_empty()));
    t.stop().await;
}

#[tokio::test]
async fn links_lead_to_objects_and_name_buckets() {
    let t = start().await;
    let docs = bucket(&t.js, "docs").await;
    let assets = bucket(&t.js, "assets").await;
    let v1 = docs.put_bytes("v1.txt", "version 1").await.unwrap();

    // A link to an object reads as the object.
    let link = docs.add_link("latest", &v1).await.unwrap();
    assert!(link.is_link());
    let target = link.options.link.clone().unwrap();
    assert_eq!(
        (target.bucket.as_str(), target.name.as_str()),
        ("docs", "v1.txt")
    );
    assert_eq!(docs.get_bytes("latest").await.unwrap(), "version 1");
    let reader = docs.get("latest").await.unwrap();
    assert_eq!(reader.info().name, "v1.txt");
    drop(reader);
    let stored = docs.info("latest").await.unwrap();
    assert!(stored.is_link() && stored.digest.is_empty());

    // A link to a link, or to a deleted object, is refused.
    match docs.add_link("again", &stored).await {
        Err(ObjectStoreError::LinkToLink { bucket, name }) => {
            assert_eq!((bucket.as_str(), name.as_str()), ("docs", "latest"))
        }
        other => panic!("{other:?}"),
    }
    docs.put_bytes("old.txt", "old").await.unwrap();
    docs.delete("old.txt").await.unwrap();
    let old = docs.info_including_deleted("old.txt").await.unwrap();
    assert!(matches!(
        docs.add_link("to-old", &old).await,
        Err(ObjectStoreError::LinkToDeleted { .. })
    ));

    // A link may take the name of a deleted object or of a link, not of a live object.
    docs.add_link("old.txt", &v1).await.unwrap();
    assert_eq!(docs.get_bytes("old.txt").await.unwrap(), "version 1");
    docs.add_link("latest", &v1).await.unwrap();
    match docs.add_link("v1.txt", &v1).await {
        Err(ObjectStoreError::AlreadyExists { name, .. }) => assert_eq!(name, "v1.txt"),
        other => panic!("{other:?}"),
    }

    // Across buckets.
    let logo = pattern(3000, 7);
    let logo_info = assets
        .put(ObjectMeta::new("logo.png").chunk_size(1024), &logo[..])
        .await
        .unwrap();
    docs.add_link("logo", &logo_info).await.unwrap();
    assert!(docs.get_bytes("logo").await.unwrap() == logo);

    // A link to a whole bucket names it and cannot be read as data.
    let bucket_link = docs.add_bucket_link("all-assets", &assets).await.unwrap();
    let target = bucket_link.options.link.clone().unwrap();
    assert!(target.is_bucket());
    assert_eq!(target.bucket, "assets");
    match docs.get("all-assets").await {
        Err(ObjectStoreError::LinkIsBucket {
            bucket,
            name,
            target,
        }) => assert_eq!(
            (bucket.as_str(), name.as_str(), target.as_str()),
            ("docs", "all-assets", "assets")
        ),
        other => panic!("{other:?}"),
    }
    match docs.add_bucket_link("v1.txt", &assets).await {
        Err(ObjectStoreError::AlreadyExists { .. }) => {}
        other => panic!("{other:?}"),
    }

    // Links are listed; a link whose target went reads as not found, naming the target.
    assert_eq!(
        names(&docs.list().await.unwrap()),
        ["all-assets", "latest", "logo", "old.txt", "v1.txt"]
    );
    assets.delete("logo.png").await.unwrap();
    match docs.get_bytes("logo").await {
        Err(ObjectStoreError::NotFound { bucket, name }) => {
            assert_eq!((bucket.as_str(), name.as_str()), ("assets", "logo.png"))
        }
        other => panic!("{other:?}"),
    }
    t.stop().await;
}

#[tokio::test]
async fn meta_updates_change_and_rename_without_copying() {
    let t = start().await;
    let store = bucket(&t.js, "meta").await;
    let data = pattern(3000, 8);
    let put = store
        .put(
            ObjectMeta::new("draft")
                .header("X-Old", "1")
                .chunk_size(1024),
            &data[..],
        )
        .await
        .unwrap();

    let meta = ObjectMeta::new("draft")
        .description("second thoughts")
        .header("Content-Type", "text/plain")
        .metadata("stage", "review");
    let updated = store.update_meta("draft", meta).await.unwrap();
    assert_eq!(updated.description, "second thoughts");
    let info = store.info("draft").await.unwrap();
    assert_eq!(info.description, "second thoughts");
    assert_eq!(info.headers.keys().collect::<Vec<_>>(), ["Content-Type"]);
    assert_eq!(info.metadata["stage"], "review");
    // The data and its options are those of the put.
    assert_eq!(
        (info.nuid.as_str(), info.size, info.options.max_chunk_size),
        (put.nuid.as_str(), 3000, 1024)
    );
    assert!(store.get_bytes("draft").await.unwrap() == data);

    // Renamed: the old name is gone altogether, the data is the same chunks.
    let renamed = store
        .update_meta("draft", ObjectMeta::new("final").description("done"))
        .await
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.nuid.as_str()),
        ("final", put.nuid.as_str())
    );
    assert!(matches!(
        store.info_including_deleted("draft").await,
        Err(ObjectStoreError::NotFound { .. })
    ));
    assert!(store.get_bytes("final").await.unwrap() == data);
    assert_eq!(messages_on(&t.js, &store, &chunk_subject(&put)).await, 3);

    // Not onto a live object; onto a deleted one, yes.
    store.put_bytes("other", "x").await.unwrap();
    match store.update_meta("final", ObjectMeta::new("other")).await {
        Err(ObjectStoreError::AlreadyExists { name, .. }) => assert_eq!(name, "other"),
        other => panic!("{other:?}"),
    }
    store.delete("other").await.unwrap();
    store
        .update_meta("final", ObjectMeta::new("other"))
        .await
        .unwrap();
    assert!(store.get_bytes("other").await.unwrap() == data);
    t.stop().await;
}

#[tokio::test]
async fn a_sealed_bucket_is_read_only() {
    let t = start().await;
    let store = bucket(&t.js, "sealed").await;
    store.put_bytes("a", "before").await.unwrap();
    let status = store.seal().await.unwrap();
    assert!(status.sealed);
    assert!(store.status().await.unwrap().sealed);
    assert!(t.js.stream_info("OBJ_sealed").await.unwrap().config.sealed);

    let sealed = |result: Result<(), ObjectStoreError>, what: &str| match result {
        Err(ObjectStoreError::Sealed { bucket }) => assert_eq!(bucket, "sealed", "{what}"),
        other => panic!("{what}: {other:?}"),
    };
    sealed(store.put_bytes("b", "new").await.map(drop), "new object");
    sealed(store.put_bytes("a", "replaced").await.map(drop), "replace");
    sealed(store.put_bytes("empty", "").await.map(drop), "empty object");
    sealed(store.delete("a").await, "delete");
    let e = store.put_bytes("b", "new").await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "object store \"sealed\" is sealed: nothing can be stored, changed or deleted"
    );
    // Reading goes on.
    assert_eq!(store.get_bytes("a").await.unwrap(), "before");
    assert_eq!(names(&store.list().await.unwrap()), ["a"]);
    t.stop().await;
}

/// Puts and gets of one object each, at once on one connection, stay apart.
#[tokio::test]
async fn concurrent_puts_and_gets_stay_apart() {
    let t = start().await;
    let store = bucket(&t.js, "busy").await;
    let mut tasks = Vec::new();
    for i in 0..8u8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let data = pattern(50_000 + usize::from(i) * 1000, i);
            let name = format!("object-{i}");
            store
                .put(
                    ObjectMeta::new(&name).chunk_size(4096),
                    Trickle::new(&data, 3000),
                )
                .await
                .unwrap();
            assert!(store.get_bytes(&name).await.unwrap() == data, "{name}");
        }));
    }
    for task in tasks {
        tokio::time::timeout(PATIENCE, task).await.unwrap().unwrap();
    }
    assert_eq!(store.list().await.unwrap().len(), 8);
    // Every get deleted its consumer once done.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let left = t.js.consumer_names("OBJ_busy").await.unwrap();
        if left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "consumers left behind: {left:?}");
        tokio::task::yield_now().await;
    }
    t.stop().await;
}
