//! NUIDs: form, and uniqueness across threads without a shared lock.

use std::collections::HashSet;

#[test]
fn ids_are_22_base62_characters() {
    for _ in 0..1000 {
        let id = natskit_proto::nuid::next();
        assert_eq!(id.len(), natskit_proto::nuid::NUID_LEN);
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()), "{id}");
    }
}

#[test]
fn ids_are_unique_across_threads() {
    let per_thread = 50_000;
    let handles: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(move || {
                (0..per_thread)
                    .map(|_| natskit_proto::nuid::next())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut seen = HashSet::new();
    for handle in handles {
        for id in handle.join().expect("generator thread") {
            assert!(seen.insert(id.clone()), "duplicate id {id}");
        }
    }
    assert_eq!(seen.len(), 4 * per_thread);
}
