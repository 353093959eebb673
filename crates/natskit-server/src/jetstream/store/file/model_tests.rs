//! The file store against the memory store: any run of appends, removals, purges and reopens
//! leaves both answering every question alike.

use bytes::Bytes;
use proptest::prelude::*;

use super::super::memory::MemoryStore;
use super::super::{Purge, Store};
use super::temp_dir::TempDir;
use super::{FileStore, FileStoreOptions};

/// The subjects the runs use.
const SUBJECTS: [&str; 4] = ["a", "b", "c.x", "c.y"];
/// The filters the runs ask with.
const FILTERS: [&str; 4] = ["a", "c.*", ">", "b"];

/// One step of a run.
#[derive(Debug, Clone)]
enum Op {
    /// A message on `SUBJECTS[subject]` with a payload of `len` bytes.
    Append {
        subject: usize,
        len: usize,
        headers: bool,
    },
    Remove(u64),
    Purge {
        filter: Option<usize>,
        keep: Option<u64>,
        up_to: Option<u64>,
    },
    /// Close the file store and open it again.
    Reopen,
}

/// Any step, appends most often.
fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..SUBJECTS.len(), 0usize..60, any::<bool>())
            .prop_map(|(subject, len, headers)| Op::Append { subject, len, headers }),
        3 => (1u64..80).prop_map(Op::Remove),
        1 => (
            prop::option::of(0..FILTERS.len()),
            prop::option::of(0u64..4),
            prop::option::of(1u64..90),
        )
            .prop_map(|(filter, keep, up_to)| Op::Purge { filter, keep, up_to }),
        1 => Just(Op::Reopen),
    ]
}

/// Everything a reader can ask of a store, as text to compare.
fn answers(store: &dyn Store) -> String {
    let state = store.state();
    let mut subjects = store.subjects(">");
    subjects.sort();
    let mut out = format!("{state:?}\n{subjects:?}\n{:?}\n", store.deleted());
    for subject in SUBJECTS {
        out += &format!("{subject}: {:?}\n", store.subject_state(subject));
    }
    for seq in 0..=state.last_seq + 1 {
        out += &format!("{seq}: {:?}\n", store.get(seq));
    }
    for pattern in FILTERS {
        let filter = vec![pattern.to_string()];
        out += &format!("last {pattern}: {:?}\n", store.last_matching(pattern));
        for start in [0, state.first_seq, state.first_seq + 3, state.last_seq] {
            out += &format!(
                "{pattern} from {start}: {:?} {}\n",
                store.next_matching(start, &filter).map(|m| m.seq),
                store.count_matching(start, &filter)
            );
        }
    }
    for time in [0, 5, 20] {
        out += &format!("time {time}: {}\n", store.first_at_or_after(time));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn the_file_store_answers_as_the_memory_store(ops in prop::collection::vec(op(), 1..120)) {
        let root = TempDir::new("model");
        let dir = root.join("s");
        let options = FileStoreOptions { segment_size: 500, ..Default::default() };
        let mut file = FileStore::open(&dir, options).expect("open");
        let mut memory = MemoryStore::new();
        for (time, op) in ops.iter().enumerate() {
            match op {
                Op::Append { subject, len, headers } => {
                    let headers = headers.then(|| Bytes::from_static(b"NATS/1.0\r\n\r\n"));
                    let payload = Bytes::from(vec![b'p'; *len]);
                    let subject = SUBJECTS[*subject];
                    let time = time as i64;
                    prop_assert_eq!(
                        file.append(subject, headers.clone(), payload.clone(), time).expect("append"),
                        memory.append(subject, headers, payload, time).expect("append")
                    );
                }
                Op::Remove(seq) => prop_assert_eq!(
                    file.remove(*seq).expect("remove"),
                    memory.remove(*seq).expect("remove")
                ),
                Op::Purge { filter, keep, up_to } => {
                    let purge = Purge {
                        filter: filter.map(|f| FILTERS[f].to_string()),
                        keep: *keep,
                        up_to: *up_to,
                    };
                    prop_assert_eq!(
                        file.purge(&purge).expect("purge"),
                        memory.purge(&purge).expect("purge")
                    );
                }
                Op::Reopen => {
                    drop(file);
                    file = FileStore::open(&dir, options).expect("reopen");
                }
            }
            prop_assert_eq!(answers(&file), answers(&memory), "after {:?}", op);
        }
    }
}
