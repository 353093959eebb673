//! nats-py's object store and natskit's on the two sides of one bucket: nats-py puts and
//! natskit reads and checks, then natskit puts and nats-py reads and checks.
//!
//! The Python side is the `obj_put` and `obj_get` scenarios of
//! scripts/foreign/nats_py_scenarios.py, run to completion through `natskit_test::NatsPy`. The
//! script and this file share a contract, written out in the script's "Object store" section
//! and mirrored by [`OBJECTS`] and [`payload`]; digests are computed on each side on its own.

use std::time::Duration;

use natskit::jetstream::object::{ObjectInfo, ObjectMeta, ObjectStore, ObjectStoreConfig};
use natskit::jetstream::StorageType;
use natskit_test::NatsPy;
use tokio::io::AsyncReadExt;

use super::digest;
use crate::support::{start, Js, PATIENCE};

/// The bucket nats-py creates and fills (`OBJ_PY_BUCKET`).
const PY_BUCKET: &str = "py_objects";
/// The bucket natskit creates and fills (`OBJ_RS_BUCKET`).
const RS_BUCKET: &str = "rs_objects";
/// natskit's link, and the object it points at (`OBJ_LINK`, `OBJ_LINK_TARGET`).
const LINK: &str = "latest";
const LINK_TARGET: &str = "hello.txt";
/// The object natskit puts and deletes (`OBJ_DELETED`).
const DELETED: &str = "removed";
/// Bound on one run of the script (its scenarios bound themselves to 10 s).
const NATS_PY_TIMEOUT: Duration = Duration::from_secs(60);

/// One object of the contract (`OBJ_OBJECTS`).
struct Object {
    name: &'static str,
    size: usize,
    seed: u8,
    /// `None`: the default 128 KiB.
    chunk: Option<u32>,
    description: &'static str,
    headers: &'static [(&'static str, &'static [&'static str])],
}

const OBJECTS: [Object; 4] = [
    Object {
        name: "empty",
        size: 0,
        seed: 0,
        chunk: None,
        description: "",
        headers: &[],
    },
    Object {
        name: "hello.txt",
        size: 19,
        seed: 1,
        chunk: None,
        description: "a greeting",
        headers: &[("Content-Type", &["text/plain"])],
    },
    Object {
        name: "dir/na\u{ef}ve file \u{2713}.bin",
        size: 300 * 1024,
        seed: 2,
        chunk: None,
        description: "",
        headers: &[],
    },
    Object {
        name: "multi.bin",
        size: 1024 * 1024 + 1,
        seed: 3,
        chunk: Some(64 * 1024),
        description: "1 MiB and a byte",
        headers: &[("X-Parts", &["17", "chunks"])],
    },
];

impl Object {
    fn data(&self) -> Vec<u8> {
        payload(self.size, self.seed)
    }

    fn chunk_size(&self) -> u32 {
        self.chunk.unwrap_or(128 * 1024)
    }

    fn meta(&self) -> ObjectMeta {
        let mut meta = ObjectMeta::new(self.name).description(self.description);
        for (name, values) in self.headers {
            for value in *values {
                meta = meta.header(*name, *value);
            }
        }
        match self.chunk {
            Some(size) => meta.chunk_size(size),
            None => meta,
        }
    }

    /// Checks what a bucket holds of this object against the contract.
    fn check(&self, info: &ObjectInfo, bucket: &str) {
        let data = self.data();
        let chunks = self.size.div_ceil(self.chunk_size() as usize) as u32;
        assert_eq!(
            (
                info.name.as_str(),
                info.bucket.as_str(),
                info.size,
                info.chunks
            ),
            (self.name, bucket, self.size as u64, chunks),
            "{info:?}"
        );
        assert_eq!(info.digest, digest(&data), "{}", self.name);
        assert_eq!(info.description, self.description, "{}", self.name);
        let headers: Vec<(&str, Vec<&str>)> = info
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.iter().map(String::as_str).collect()))
            .collect();
        let expected: Vec<(&str, Vec<&str>)> =
            self.headers.iter().map(|(n, v)| (*n, v.to_vec())).collect();
        assert_eq!(headers, expected, "{}", self.name);
        assert_eq!(
            info.options.max_chunk_size,
            self.chunk_size(),
            "{}",
            self.name
        );
        assert!(!info.deleted && !info.is_link() && !info.nuid.is_empty());
    }
}

/// Object data (`obj_payload` in the script).
fn payload(size: usize, seed: u8) -> Vec<u8> {
    (0..size)
        .map(|k| ((k * 7 + k / 251) as u8).wrapping_add(seed))
        .collect()
}

/// Runs one scenario of the script against the test's server, off the runtime's thread.
async fn run_nats_py(t: &Js, scenario: &'static str) {
    let url = t.server.url();
    let nats_py = NatsPy::locate()
        .unwrap_or_else(|e| panic!("{e} (scripts/install-deps.sh installs nats-py)"))
        .timeout(NATS_PY_TIMEOUT);
    tokio::task::spawn_blocking(move || nats_py.run(&url, scenario))
        .await
        .expect("the thread running nats-py")
        .unwrap_or_else(|e| panic!("{e}"));
}

/// The whole of `name`, through the reader (checked at its end).
async fn read(store: &ObjectStore, name: &str) -> Vec<u8> {
    let mut reader = store.get(name).await.unwrap();
    let mut data = Vec::new();
    tokio::time::timeout(PATIENCE, reader.read_to_end(&mut data))
        .await
        .expect("read in time")
        .unwrap();
    data
}

#[tokio::test]
async fn nats_py_puts_objects_and_natskit_reads_them_whole() {
    let t = start().await;
    run_nats_py(&t, "obj_put").await;

    let store = t.js.object_store(PY_BUCKET).await.unwrap();
    let mut listed: Vec<String> = store
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
    listed.sort();
    let mut expected: Vec<&str> = OBJECTS.iter().map(|o| o.name).collect();
    expected.sort();
    assert_eq!(listed, expected);
    for object in &OBJECTS {
        let info = store.info(object.name).await.unwrap();
        object.check(&info, PY_BUCKET);
        assert!(!info.mtime.is_empty());
        let data = read(&store, object.name).await;
        assert!(
            data == object.data(),
            "{}: {} bytes",
            object.name,
            data.len()
        );
        assert!(store.get_bytes(object.name).await.unwrap() == object.data());
    }
    // The bucket nats-py made is one natskit would make.
    let status = store.status().await.unwrap();
    let config = &status.stream_info.config;
    assert!(config.allow_rollup_hdrs && config.allow_direct);
    assert_eq!(config.subjects, ["$O.py_objects.C.>", "$O.py_objects.M.>"]);
    t.stop().await;
}

#[tokio::test]
async fn natskit_puts_objects_and_nats_py_reads_them_whole() {
    let t = start().await;
    let config = ObjectStoreConfig {
        storage: StorageType::Memory,
        ..ObjectStoreConfig::new(RS_BUCKET)
    };
    let store = t.js.create_object_store(config).await.unwrap();
    for object in &OBJECTS {
        let data = object.data();
        let info = store.put(object.meta(), &data[..]).await.unwrap();
        object.check(&info, RS_BUCKET);
    }
    let target = store.info(LINK_TARGET).await.unwrap();
    store.add_link(LINK, &target).await.unwrap();
    store.put_bytes(DELETED, "short-lived").await.unwrap();
    store.delete(DELETED).await.unwrap();

    // nats-py reads each object, checking its digest as it goes and the data and meta after.
    run_nats_py(&t, "obj_get").await;
    t.stop().await;
}
