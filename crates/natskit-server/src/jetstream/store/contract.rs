//! What every [`Store`] must do, as one test each kind of store runs on itself.

use bytes::Bytes;

use super::{Purge, Store, StoreState};

/// Runs every check on fresh stores from `make`.
pub(crate) fn check(make: &mut dyn FnMut() -> Box<dyn Store>) {
    sequences_count_up_and_removal_leaves_gaps(make());
    subjects_are_indexed(make());
    filters_find_the_next_and_last_match(make());
    purges_by_filter_keep_and_sequence(make());
    a_whole_purge_moves_the_first_sequence_on(make());
    times_find_their_sequence(make());
}

fn put(store: &mut dyn Store, subject: &str, payload: &str, time: i64) -> u64 {
    store
        .append(subject, None, Bytes::from(payload.to_owned()), time)
        .expect("append")
}

fn sequences_count_up_and_removal_leaves_gaps(mut store: Box<dyn Store>) {
    assert_eq!(store.state().first_seq, 1, "an empty store starts at 1");
    assert_eq!(put(&mut *store, "a", "1", 10), 1);
    assert_eq!(put(&mut *store, "b", "2", 20), 2);
    assert_eq!(put(&mut *store, "a", "3", 30), 3);
    let headers = Bytes::from_static(b"NATS/1.0\r\nK: v\r\n\r\n");
    let seq = store
        .append("c", Some(headers.clone()), Bytes::from_static(b"4"), 40)
        .unwrap();
    assert_eq!(seq, 4);
    let got = store.get(4).expect("message 4");
    assert_eq!(got.headers, Some(headers));
    assert_eq!(&*got.subject, "c");
    assert_eq!(got.time, 40);
    assert!(store.remove(2).unwrap());
    assert!(!store.remove(2).unwrap(), "removing twice finds nothing");
    assert!(store.get(2).is_none());
    let state = store.state();
    assert_eq!(
        (
            state.msgs,
            state.first_seq,
            state.last_seq,
            state.num_deleted
        ),
        (3, 1, 4, 1)
    );
    assert_eq!(store.deleted(), vec![2]);
    assert_eq!((state.first_time, state.last_time), (10, 40));
    let bytes: u64 = [1, 3, 4]
        .iter()
        .map(|s| store.get(*s).unwrap().size())
        .sum();
    assert_eq!(state.bytes, bytes);
    assert!(store.remove(1).unwrap());
    assert_eq!(
        store.state().first_seq,
        3,
        "the first moves past removed ones"
    );
    assert_eq!(
        put(&mut *store, "d", "5", 50),
        5,
        "sequences are never reused"
    );
}

fn subjects_are_indexed(mut store: Box<dyn Store>) {
    for (i, subject) in ["kv.a", "kv.b", "kv.a", "other", "kv.a"].iter().enumerate() {
        put(&mut *store, subject, "x", i as i64);
    }
    let a = store.subject_state("kv.a").unwrap();
    assert_eq!((a.msgs, a.first, a.last), (3, 1, 5));
    store.remove(1).unwrap();
    let a = store.subject_state("kv.a").unwrap();
    assert_eq!((a.msgs, a.first, a.last), (2, 3, 5));
    store.remove(5).unwrap();
    let a = store.subject_state("kv.a").unwrap();
    assert_eq!((a.msgs, a.first, a.last), (1, 3, 3));
    store.remove(2).unwrap();
    assert!(store.subject_state("kv.b").is_none());
    let mut subjects = store.subjects("kv.>");
    subjects.sort();
    assert_eq!(subjects, vec![("kv.a".into(), 1)]);
    assert_eq!(store.state().num_subjects, 2);
}

fn filters_find_the_next_and_last_match(mut store: Box<dyn Store>) {
    for (i, subject) in ["o.1", "p.1", "o.2", "p.2", "o.1"].iter().enumerate() {
        put(&mut *store, subject, "x", i as i64);
    }
    let filter = |patterns: &[&str]| patterns.iter().map(|p| p.to_string()).collect::<Vec<_>>();
    assert_eq!(store.next_matching(1, &filter(&["p.*"])).unwrap().seq, 2);
    assert_eq!(store.next_matching(3, &filter(&["p.*"])).unwrap().seq, 4);
    assert!(store.next_matching(5, &filter(&["p.*"])).is_none());
    assert_eq!(store.next_matching(2, &filter(&["o.1"])).unwrap().seq, 5);
    assert_eq!(store.next_matching(4, &[]).unwrap().seq, 4);
    assert_eq!(
        store
            .next_matching(2, &filter(&["o.2", "p.2"]))
            .unwrap()
            .seq,
        3
    );
    assert_eq!(store.last_matching("o.1").unwrap().seq, 5);
    assert_eq!(store.last_matching("p.>").unwrap().seq, 4);
    assert!(store.last_matching("q.*").is_none());
    assert_eq!(store.count_matching(1, &filter(&["o.*"])), 3);
    assert_eq!(store.count_matching(4, &filter(&["o.*"])), 1);
    assert_eq!(store.count_matching(1, &[]), 5);
}

fn purges_by_filter_keep_and_sequence(mut store: Box<dyn Store>) {
    for i in 0..10 {
        put(&mut *store, if i % 2 == 0 { "e" } else { "o" }, "x", i);
    }
    let purged = store
        .purge(&Purge {
            filter: Some("e".into()),
            keep: Some(2),
            up_to: None,
        })
        .unwrap();
    assert_eq!(purged, 3, "five on e, two kept");
    assert_eq!(store.subject_state("e").unwrap().first, 7);
    let purged = store
        .purge(&Purge {
            filter: None,
            keep: None,
            up_to: Some(6),
        })
        .unwrap();
    assert_eq!(purged, 2, "below 6, only 2 and 4 were left");
    assert_eq!(store.state().first_seq, 6);
    let purged = store
        .purge(&Purge {
            filter: None,
            keep: Some(1),
            up_to: None,
        })
        .unwrap();
    assert_eq!(purged, 4, "6 to 10 were left: all but the last go");
    assert_eq!(store.state().msgs, 1);
    assert_eq!(store.state().first_seq, 10);
}

fn a_whole_purge_moves_the_first_sequence_on(mut store: Box<dyn Store>) {
    for i in 0..3 {
        put(&mut *store, "s", "x", i);
    }
    assert_eq!(store.purge(&Purge::default()).unwrap(), 3);
    let state = store.state();
    assert_eq!(
        state,
        StoreState {
            msgs: 0,
            bytes: 0,
            first_seq: 4,
            first_time: 0,
            last_seq: 3,
            last_time: 2,
            num_subjects: 0,
            num_deleted: 0,
        }
    );
    assert_eq!(put(&mut *store, "s", "x", 9), 4);
    assert_eq!(store.state().first_seq, 4);
}

fn times_find_their_sequence(mut store: Box<dyn Store>) {
    for i in 1..=5 {
        put(&mut *store, "t", "x", i * 100);
    }
    assert_eq!(store.first_at_or_after(250), 3);
    assert_eq!(store.first_at_or_after(0), 1);
    assert_eq!(store.first_at_or_after(1000), 6);
}
