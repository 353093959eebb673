//! The file store's tests: the store contract, and what only files have (reopening, torn
//! tails, checksums, segments, compaction, locks, versions, syncs).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::super::{contract, Purge, Store, StoreError};
use super::temp_dir::TempDir;
use super::{FileStore, FileStoreOptions, StoreDirLock, SyncPolicy};

/// Options with segments of `segment_size` bytes and the default interval.
fn small(segment_size: u64) -> FileStoreOptions {
    FileStoreOptions {
        segment_size,
        ..Default::default()
    }
}

/// Opens the store in `dir`, which must work.
fn open(dir: &Path, options: FileStoreOptions) -> FileStore {
    FileStore::open(dir, options).expect("open the store")
}

/// Appends a message with no headers.
fn put(store: &mut FileStore, subject: &str, payload: &str) -> u64 {
    store
        .append(subject, None, Bytes::from(payload.to_owned()), 7)
        .expect("append")
}

/// The segment files in the store directory `dir`, oldest first.
fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir.join("msgs"))
        .expect("the message directory")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    paths.sort();
    paths
}

/// Everything a reader can see of a store, to compare before and after reopening.
fn snapshot(store: &FileStore) -> String {
    let state = store.state();
    let mut subjects = store.subjects(">");
    subjects.sort();
    let messages: Vec<_> = (state.first_seq..=state.last_seq)
        .filter_map(|seq| store.get(seq))
        .collect();
    format!(
        "{state:?}\n{subjects:?}\n{:?}\n{messages:?}\n{:?}",
        store.deleted(),
        store.subject_state("a")
    )
}

#[test]
fn the_file_store_keeps_the_store_contract() {
    let root = TempDir::new("contract");
    let mut n = 0;
    contract::check(&mut || {
        n += 1;
        Box::new(open(&root.join(&n.to_string()), small(300)))
    });
}

#[test]
fn everything_survives_close_and_reopen() {
    let root = TempDir::new("reopen");
    let dir = root.join("s");
    let mut store = open(&dir, small(400));
    let headers = Bytes::from_static(b"NATS/1.0\r\nK: v\r\n\r\n");
    for i in 0..30 {
        let subject = ["a", "b", "c.x"][i % 3];
        let headers = (i % 4 == 0).then(|| headers.clone());
        store
            .append(subject, headers, Bytes::from(format!("m{i}")), i as i64)
            .expect("append");
    }
    store.remove(2).expect("remove");
    store.remove(1).expect("remove");
    store.remove(29).expect("remove");
    store
        .purge(&Purge {
            filter: Some("b".into()),
            keep: Some(2),
            up_to: None,
        })
        .expect("purge");
    store
        .purge(&Purge {
            filter: None,
            keep: None,
            up_to: Some(6),
        })
        .expect("purge");
    let before = snapshot(&store);
    drop(store);
    let mut store = open(&dir, small(400));
    assert_eq!(snapshot(&store), before);
    assert_eq!(put(&mut store, "a", "next"), 31, "the next sequence");

    store.purge(&Purge::default()).expect("a whole purge");
    drop(store);
    let mut store = open(&dir, small(400));
    let state = store.state();
    assert_eq!((state.msgs, state.first_seq, state.last_seq), (0, 32, 31));
    assert_eq!(state.last_time, 7, "the last time outlives the messages");
    assert_eq!(
        put(&mut store, "a", "after"),
        32,
        "sequences are never reused"
    );

    store
        .purge(&Purge {
            up_to: Some(100),
            ..Default::default()
        })
        .expect("a purge past the last");
    drop(store);
    let mut store = open(&dir, small(400));
    assert_eq!(store.state().first_seq, 100);
    assert_eq!(put(&mut store, "a", "moved on"), 100);
}

#[test]
fn a_torn_tail_is_cut_back_to_the_last_whole_record() {
    let root = TempDir::new("torn");
    let dir = root.join("s");
    let mut store = open(&dir, small(1 << 20));
    for i in 0..10 {
        put(&mut store, "t", &format!("payload {i}"));
    }
    drop(store);
    let segment = segments(&dir).pop().expect("a segment");
    let whole = fs::metadata(&segment).expect("metadata").len();

    // A write cut short: the last record lacks its end.
    let file = OpenOptions::new().write(true).open(&segment).expect("open");
    file.set_len(whole - 5).expect("truncate");
    drop(file);
    let mut store = open(&dir, small(1 << 20));
    assert_eq!(store.state().msgs, 9, "every whole record");
    assert!(store.get(9).is_some() && store.get(10).is_none());
    assert!(fs::metadata(&segment).expect("metadata").len() < whole - 5);
    assert_eq!(
        put(&mut store, "t", "again"),
        10,
        "the torn one was never stored"
    );
    drop(store);

    // Garbage after the last whole record.
    let mut file = OpenOptions::new()
        .append(true)
        .open(&segment)
        .expect("open");
    file.write_all(&[0xAB; 77]).expect("garbage");
    drop(file);
    let store = open(&dir, small(1 << 20));
    assert_eq!(store.state().msgs, 10);
    assert_eq!(store.get(10).expect("10").payload, "again");
}

#[test]
fn a_flipped_byte_is_caught_by_the_checksum() {
    let root = TempDir::new("flip");
    let dir = root.join("s");
    let mut store = open(&dir, small(200));
    for i in 0..12 {
        put(&mut store, "f", &format!("payload number {i}"));
    }
    drop(store);
    let files = segments(&dir);
    assert!(files.len() > 2, "several segments");
    let flip = |path: &Path, at: usize| {
        let mut bytes = fs::read(path).expect("read");
        bytes[at] ^= 0x01;
        fs::write(path, bytes).expect("write");
    };

    // In a closed segment: refused, naming the file and the offset.
    flip(&files[0], 40);
    let error = FileStore::open(&dir, small(200)).expect_err("damaged");
    let text = error.to_string();
    assert!(matches!(error, StoreError::Corrupt(_)), "{text}");
    assert!(text.contains(&files[0].display().to_string()) && text.contains("byte 32"));
    flip(&files[0], 40);

    // In the newest one, with whole records after it: refused too, not cut.
    let newest = files.last().expect("newest");
    assert!(
        fs::read(newest).expect("read").len() > 32 + 2 * 50,
        "two records"
    );
    flip(newest, 40);
    let error = FileStore::open(&dir, small(200)).expect_err("damaged");
    assert!(
        error.to_string().contains("whole record follows"),
        "{error}"
    );
    flip(newest, 40);

    // On disk after opening: the read fails its check and finds nothing.
    let store = open(&dir, small(200));
    flip(&files[1], 40);
    let first_in_second = (1..=12)
        .find(|&seq| store.get(seq).is_none())
        .expect("a message that no longer reads");
    assert!(first_in_second > 1);
}

#[test]
fn segments_roll_over_and_reads_cross_them() {
    let root = TempDir::new("roll");
    let dir = root.join("s");
    let mut store = open(&dir, small(256));
    for i in 0..100 {
        put(
            &mut store,
            if i % 2 == 0 { "even" } else { "odd" },
            &format!("{i:04}"),
        );
    }
    let files = segments(&dir);
    assert!(files.len() > 10, "{} segments", files.len());
    for file in &files {
        assert!(fs::metadata(file).expect("metadata").len() <= 256);
    }
    let check = |store: &FileStore| {
        for seq in 1..=100 {
            assert_eq!(
                store.get(seq).expect("held").payload,
                format!("{:04}", seq - 1)
            );
        }
        let odd = vec!["odd".to_string()];
        assert_eq!(store.next_matching(51, &odd).expect("odd").seq, 52);
        assert_eq!(store.count_matching(50, &odd), 26, "50, 52, ... 100");
        assert_eq!(store.last_matching("even").expect("even").seq, 99);
    };
    check(&store);
    drop(store);
    check(&open(&dir, small(256)));
}

#[test]
fn compaction_reclaims_removed_space_and_keeps_the_rest() {
    let root = TempDir::new("compact");
    let dir = root.join("s");
    let mut store = open(&dir, small(1024));
    for i in 0..200 {
        put(&mut store, &format!("k.{}", i % 5), &"x".repeat(40 + i % 7));
    }
    let on_disk = |dir: &Path| -> u64 {
        segments(dir)
            .iter()
            .map(|p| fs::metadata(p).expect("metadata").len())
            .sum()
    };
    let full = on_disk(&dir);
    let count = segments(&dir).len();
    // Every message of the first half but each tenth, one by one; then a filtered purge.
    for seq in 1..=100 {
        if seq % 10 != 0 {
            assert!(store.remove(seq).expect("remove"));
        }
    }
    store
        .purge(&Purge {
            filter: Some("k.1".into()),
            keep: None,
            up_to: Some(150),
        })
        .expect("purge");
    let after = on_disk(&dir);
    assert!(after < full * 3 / 4, "{after} bytes of {full}");
    assert_eq!(store.segment_sizes().iter().sum::<u64>(), after);
    // Dropping the messages below 180 leaves every segment before it to delete.
    store
        .purge(&Purge {
            up_to: Some(180),
            ..Default::default()
        })
        .expect("purge");
    assert!(segments(&dir).len() < count / 2, "{:?}", segments(&dir));
    let before = snapshot(&store);
    drop(store);
    let store = open(&dir, small(1024));
    assert_eq!(snapshot(&store), before);
    assert_eq!(store.state().first_seq, 180);
    assert_eq!(store.get(200).expect("200").subject.as_ref(), "k.4");
}

#[test]
fn removals_outlive_the_compaction_of_their_segment() {
    let root = TempDir::new("removals");
    let dir = root.join("s");
    let mut store = open(&dir, small(512));
    for i in 0..60 {
        put(&mut store, "r", &format!("{i:08}"));
    }
    // Empty the newest segment, then remove two messages of the first: their removal records
    // land in a segment that will hold no message once closed.
    let newest = store.segments.last().expect("a segment");
    let held: Vec<u64> = newest.entries.iter().map(|e| newest.seq(e)).collect();
    for seq in held {
        store.remove(seq).expect("remove");
    }
    store.remove(1).expect("remove");
    store.remove(3).expect("remove");
    let marked = store.segments.last().expect("a segment").id;
    for i in 0..30 {
        let seq = put(&mut store, "r", &format!("x{i:07}"));
        store.remove(seq).expect("remove");
    }
    assert!(store.segments.last().expect("a segment").id > marked);
    let kept = store
        .segments
        .iter()
        .find(|s| s.id == marked)
        .expect("kept for the removals it holds");
    assert!(kept.entries.is_empty(), "compacted: its messages are gone");
    assert_eq!((kept.size - 32) % 34, 0, "only removal records are left");
    let held = store.state().msgs;
    drop(store);
    let store = open(&dir, small(512));
    assert!(store.get(1).is_none() && store.get(3).is_none());
    assert_eq!(store.get(2).expect("2").payload, "00000001");
    assert_eq!(store.state().msgs, held);
}

#[test]
fn a_whole_purge_holds_even_if_old_files_survive_it() {
    let root = TempDir::new("purge-crash");
    let dir = root.join("s");
    let mut store = open(&dir, small(300));
    for i in 0..20 {
        put(&mut store, "p", &format!("{i:08}"));
    }
    let old: Vec<(PathBuf, Vec<u8>)> = segments(&dir)
        .into_iter()
        .map(|p| {
            let bytes = fs::read(&p).expect("read");
            (p, bytes)
        })
        .collect();
    store.purge(&Purge::default()).expect("purge");
    drop(store);
    // As if the process died before the old files were removed.
    for (path, bytes) in &old {
        fs::write(path, bytes).expect("restore");
    }
    let mut store = open(&dir, small(300));
    let state = store.state();
    assert_eq!((state.msgs, state.first_seq, state.last_seq), (0, 21, 20));
    assert_eq!(segments(&dir).len(), 1, "the old files are compacted away");
    assert_eq!(put(&mut store, "p", "next"), 21);
}

#[test]
fn an_index_entry_is_24_bytes() {
    assert_eq!(std::mem::size_of::<super::segment::Entry>(), 24);
}

#[test]
fn a_held_directory_is_refused_clearly() {
    let root = TempDir::new("lock");
    let lock = StoreDirLock::acquire(&root.join("js")).expect("the first lock");
    let error = StoreDirLock::acquire(&root.join("js")).expect_err("a second lock");
    let text = error.to_string();
    assert!(matches!(error, StoreError::Locked(_)), "{text}");
    assert!(text.contains("in use by another server"), "{text}");
    assert!(
        text.contains(&format!("process {}", std::process::id())),
        "{text}"
    );
    assert_eq!(lock.root(), root.join("js"));
    drop(lock);
    StoreDirLock::acquire(&root.join("js")).expect("free again");

    let store = open(&root.join("s"), small(1024));
    let error = FileStore::open(&root.join("s"), small(1024)).expect_err("opened twice");
    assert!(matches!(error, StoreError::Locked(_)), "{error}");
    drop(store);
}

#[test]
fn another_version_is_refused() {
    let root = TempDir::new("version");
    let js = root.join("js");
    fs::create_dir_all(&js).expect("mkdir");
    fs::write(js.join("VERSION"), "natskit-jetstream-store 2\n").expect("write");
    let error = StoreDirLock::acquire(&js).expect_err("another version");
    assert!(matches!(error, StoreError::Version(_)), "{error}");
    assert!(error.to_string().contains("another version"), "{error}");

    let dir = root.join("s");
    let mut store = open(&dir, small(1024));
    put(&mut store, "v", "1");
    drop(store);
    let segment = segments(&dir).pop().expect("a segment");
    let mut bytes = fs::read(&segment).expect("read");
    bytes[8] = 9;
    fs::write(&segment, &bytes).expect("write");
    let error = FileStore::open(&dir, small(1024)).expect_err("segment format 9");
    assert!(matches!(error, StoreError::Version(_)), "{error}");
    assert!(error.to_string().contains("format 9"), "{error}");

    let foreign = root.join("foreign");
    fs::create_dir_all(foreign.join("msgs")).expect("mkdir");
    fs::write(foreign.join("msgs").join("1.blk"), b"nats-server").expect("write");
    let error = FileStore::open(&foreign, small(1024)).expect_err("a foreign file");
    assert!(error.to_string().contains("1.blk"), "{error}");
}

#[test]
fn the_sync_policy_is_honoured() {
    let root = TempDir::new("sync");
    let always = FileStoreOptions {
        sync: SyncPolicy::Always,
        ..Default::default()
    };
    let mut store = open(&root.join("always"), always);
    for _ in 0..5 {
        put(&mut store, "s", "x");
    }
    assert_eq!(store.fsyncs(), 5, "one sync per append");
    store.remove(1).expect("remove");
    assert_eq!(store.fsyncs(), 6, "and per removal");
    assert!(!store.sync_due(Instant::now() + Duration::from_secs(3600)));

    let interval = FileStoreOptions {
        sync: SyncPolicy::Interval(Duration::from_secs(60)),
        ..Default::default()
    };
    let mut store = open(&root.join("interval"), interval);
    let opened = Instant::now();
    assert!(
        !store.sync_due(opened + Duration::from_secs(61)),
        "nothing to sync"
    );
    for _ in 0..5 {
        put(&mut store, "s", "x");
    }
    assert_eq!(store.fsyncs(), 0);
    assert!(!store.sync_due(opened));
    assert!(store.sync_due(opened + Duration::from_secs(61)));
    store.sync().expect("sync");
    assert_eq!(store.fsyncs(), 1);
    assert!(!store.sync_due(Instant::now() + Duration::from_secs(61)));
    assert_eq!(
        SyncPolicy::default(),
        SyncPolicy::Interval(Duration::from_secs(120))
    );
}

#[test]
fn destroy_removes_the_files() {
    let root = TempDir::new("destroy");
    let dir = root.join("s");
    let mut store = open(&dir, small(1024));
    put(&mut store, "d", "1");
    store.destroy().expect("destroy");
    assert!(!dir.join("msgs").exists());
    assert!(store.append("d", None, Bytes::new(), 0).is_err());
    assert_eq!(store.state().msgs, 0);
    drop(store);
    let store = open(&dir, small(1024));
    assert_eq!(store.state().last_seq, 0, "a new store");
}

/// Times appends of 16 bytes under each policy (100,000; 10,000 syncing each). Run it in release to read the figures:
/// `cargo test --release -p natskit-server --lib append_figures -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check"]
fn append_figures() {
    let root = TempDir::new("figures");
    let payload = Bytes::from_static(&[7; 16]);
    for (name, sync) in [
        ("interval", SyncPolicy::default()),
        ("always", SyncPolicy::Always),
    ] {
        let options = FileStoreOptions {
            sync,
            ..Default::default()
        };
        let mut store = open(&root.join(name), options);
        // A sync per append takes the disk's time: fewer, for a figure in seconds.
        let count = match sync {
            SyncPolicy::Always => 10_000,
            SyncPolicy::Interval(_) => 100_000,
        };
        let started = Instant::now();
        for _ in 0..count {
            store
                .append("bench.subject", None, payload.clone(), 0)
                .expect("append");
        }
        store.sync().expect("sync");
        let took = started.elapsed();
        println!(
            "{name}: {count} appends of 16 bytes in {took:?} ({:.0} msgs/s)",
            count as f64 / took.as_secs_f64()
        );
    }
}

/// The resident memory of this process in KiB, where /proc says (Linux).
fn rss_kib() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The memory 100 streams of 10,000 small messages take, reopened from disk (the issue's RSS
/// figure): `cargo test --release -p natskit-server --lib memory_figures -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check"]
fn memory_figures() {
    let root = TempDir::new("memory");
    let payload = Bytes::from_static(&[7; 16]);
    for stream in 0..100 {
        let mut store = open(&root.join(&stream.to_string()), FileStoreOptions::default());
        for i in 0..10_000 {
            let subject = format!("kv.{stream}.{}", i % 100);
            store
                .append(&subject, None, payload.clone(), 0)
                .expect("append");
        }
    }
    let before = rss_kib();
    let started = Instant::now();
    let stores: Vec<FileStore> = (0..100)
        .map(|stream| open(&root.join(&stream.to_string()), FileStoreOptions::default()))
        .collect();
    let took = started.elapsed();
    let after = rss_kib();
    let msgs: u64 = stores.iter().map(|s| s.state().msgs).sum();
    println!(
        "{msgs} messages in 100 streams reopened in {took:?}; resident memory {before:?} KiB \
         before, {after:?} KiB after"
    );
}
