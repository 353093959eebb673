//! How `natskit stream` shows streams to people: `ls`'s table and the `info` block (which
//! `add` prints too).

use std::fmt::Write as _;

use natskit::jetstream::{RetentionPolicy, StreamInfo};

use crate::js::show;

/// `stream ls`: one line per stream, numbers aligned right.
pub(super) fn table(streams: &[StreamInfo]) -> String {
    let mut rows = vec![[
        "NAME",
        "SUBJECTS",
        "STORAGE",
        "MESSAGES",
        "BYTES",
        "CONSUMERS",
        "LAST MESSAGE",
    ]
    .map(str::to_owned)
    .to_vec()];
    rows.extend(streams.iter().map(|s| {
        let state = &s.state;
        vec![
            s.config.name.clone(),
            show::or_dash(&s.config.subjects.join(",")),
            show::storage(s.config.storage).to_owned(),
            state.messages.to_string(),
            show::size(state.bytes),
            state.consumer_count.to_string(),
            if state.last_seq == 0 {
                "-".to_owned()
            } else {
                show::time(&state.last_ts)
            },
        ]
    }));
    crate::table::columns(&rows, |c| (3..=5).contains(&c))
}

/// `limits`, `interest` or `work` (the word `--retention` takes).
fn retention(policy: RetentionPolicy) -> &'static str {
    match policy {
        RetentionPolicy::Limits => "limits",
        RetentionPolicy::Interest => "interest",
        RetentionPolicy::WorkQueue => "work",
    }
}

/// `stream info`: the name and creation time, then the configuration and the state as
/// `Label: value` lines.
pub(super) fn info(info: &StreamInfo) -> String {
    let config = &info.config;
    let state = &info.state;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "Stream {} (created {})",
        config.name,
        show::time(&info.created)
    );
    let mut configuration = vec![
        ("Description", show::or_dash(&config.description)),
        ("Subjects", show::or_dash(&config.subjects.join(", "))),
        ("Storage", show::storage(config.storage).to_owned()),
        ("Retention", retention(config.retention).to_owned()),
        (
            "Discard",
            match config.discard {
                natskit::jetstream::DiscardPolicy::Old => "old".to_owned(),
                natskit::jetstream::DiscardPolicy::New if config.discard_new_per_subject => {
                    "new, per subject".to_owned()
                }
                natskit::jetstream::DiscardPolicy::New => "new".to_owned(),
            },
        ),
        ("Replicas", config.num_replicas.max(1).to_string()),
        ("Max messages", show::limit(config.max_msgs)),
        ("Max bytes", show::size_limit(config.max_bytes)),
        ("Max age", show::duration_limit(config.max_age)),
        (
            "Max message size",
            show::size_limit(config.max_msg_size.into()),
        ),
        (
            "Max messages per subject",
            show::limit(config.max_msgs_per_subject),
        ),
        ("Max consumers", show::limit(config.max_consumers)),
        ("Duplicate window", show::duration(config.duplicate_window)),
        ("Allow direct", show::yes_no(config.allow_direct).to_owned()),
        (
            "Allow rollup",
            show::yes_no(config.allow_rollup_hdrs).to_owned(),
        ),
        ("Deny delete", show::yes_no(config.deny_delete).to_owned()),
        ("Deny purge", show::yes_no(config.deny_purge).to_owned()),
    ];
    if config.sealed {
        configuration.push(("Sealed", "yes".to_owned()));
    }
    show::section(&mut text, "Configuration", &configuration);
    // An empty stream's first sequence is the next one's; its last may be one long gone.
    let at = |seq: u64, ts: &str| format!("{seq} at {}", show::time(ts));
    show::section(
        &mut text,
        "State",
        &[
            ("Messages", state.messages.to_string()),
            ("Bytes", show::size(state.bytes)),
            (
                "First sequence",
                match state.messages {
                    0 => "-".to_owned(),
                    _ => at(state.first_seq, &state.first_ts),
                },
            ),
            (
                "Last sequence",
                match state.last_seq {
                    0 => "-".to_owned(),
                    seq => at(seq, &state.last_ts),
                },
            ),
            ("Deleted messages", state.num_deleted.to_string()),
            ("Subjects", state.num_subjects.to_string()),
            ("Consumers", state.consumer_count.to_string()),
        ],
    );
    text
}
