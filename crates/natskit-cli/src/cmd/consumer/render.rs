//! How `natskit consumer` shows consumers to people: `ls`'s table and the `info` block (which
//! `add` prints too).

use std::fmt::Write as _;

use natskit::jetstream::{
    AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy, ReplayPolicy, SequenceInfo,
};

use crate::js::show;

/// `consumer ls`: one line per consumer, numbers aligned right.
pub(super) fn table(consumers: &[ConsumerInfo]) -> String {
    let mut rows = vec![[
        "NAME",
        "TYPE",
        "FILTER",
        "ACK",
        "PENDING",
        "ACK PENDING",
        "REDELIVERED",
        "LAST DELIVERED",
    ]
    .map(str::to_owned)
    .to_vec()];
    rows.extend(consumers.iter().map(|c| {
        vec![
            c.name.clone(),
            kind(&c.config).to_owned(),
            show::or_dash(&filters(&c.config).join(",")),
            ack(c.config.ack_policy).to_owned(),
            c.num_pending.to_string(),
            c.num_ack_pending.to_string(),
            c.num_redelivered.to_string(),
            show::time(c.delivered.last_active.as_deref().unwrap_or_default()),
        ]
    }));
    crate::table::columns(&rows, |c| (4..=6).contains(&c))
}

/// `pull` or `push`.
fn kind(config: &ConsumerConfig) -> &'static str {
    if config.deliver_subject.is_empty() {
        "pull"
    } else {
        "push"
    }
}

/// The filter subjects, one or several.
fn filters(config: &ConsumerConfig) -> Vec<String> {
    if config.filter_subject.is_empty() {
        config.filter_subjects.clone()
    } else {
        vec![config.filter_subject.clone()]
    }
}

/// The word `--ack` takes.
fn ack(policy: AckPolicy) -> &'static str {
    match policy {
        AckPolicy::Explicit => "explicit",
        AckPolicy::None => "none",
        AckPolicy::All => "all",
    }
}

/// Where delivery started, in words.
fn deliver(policy: &DeliverPolicy) -> String {
    match policy {
        DeliverPolicy::All => "all".into(),
        DeliverPolicy::Last => "last".into(),
        DeliverPolicy::New => "new".into(),
        DeliverPolicy::LastPerSubject => "last per subject".into(),
        DeliverPolicy::ByStartSequence(seq) => format!("from stream sequence {seq}"),
        DeliverPolicy::ByStartTime(time) => format!("from {}", show::time(time)),
    }
}

/// `consumer sequence 2, stream sequence 5, at <time>`, or `-` before the first.
fn position(s: &SequenceInfo) -> String {
    if s.consumer_seq == 0 && s.stream_seq == 0 {
        return "-".into();
    }
    let mut text = format!(
        "consumer sequence {}, stream sequence {}",
        s.consumer_seq, s.stream_seq
    );
    if let Some(at) = s.last_active.as_deref().filter(|t| show::time(t) != "-") {
        let _ = write!(text, ", at {}", show::time(at));
    }
    text
}

/// `consumer info`: the name, stream and creation time, then the configuration and the
/// progress as `Label: value` lines.
pub(super) fn info(info: &ConsumerInfo) -> String {
    let config = &info.config;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "Consumer {} on stream {} (created {})",
        info.name,
        info.stream_name,
        show::time(&info.created)
    );
    let mut lines = vec![("Description", show::or_dash(&config.description))];
    if config.deliver_subject.is_empty() {
        lines.push(("Type", "pull".to_owned()));
        lines.push(("Max waiting pulls", show::limit(config.max_waiting)));
    } else {
        lines.push(("Type", "push".to_owned()));
        lines.push(("Target", config.deliver_subject.clone()));
        lines.push(("Deliver group", show::or_dash(&config.deliver_group)));
        lines.push(("Heartbeat", show::duration(config.idle_heartbeat)));
        lines.push(("Flow control", show::yes_no(config.flow_control).to_owned()));
    }
    lines.extend([
        ("Filter", show::or_dash(&filters(config).join(", "))),
        ("Deliver", deliver(&config.deliver_policy)),
        ("Ack", ack(config.ack_policy).to_owned()),
        ("Ack wait", show::duration(config.ack_wait)),
        ("Max deliver", show::limit(config.max_deliver)),
        ("Max ack pending", show::limit(config.max_ack_pending)),
        (
            "Replay",
            match config.replay_policy {
                ReplayPolicy::Instant => "instant".to_owned(),
                ReplayPolicy::Original => "original".to_owned(),
            },
        ),
    ]);
    if !config.backoff.is_empty() {
        let waits: Vec<String> = config.backoff.iter().map(|d| show::duration(*d)).collect();
        lines.push(("Backoff", waits.join(", ")));
    }
    lines.push((
        "Inactive threshold",
        show::duration(config.inactive_threshold),
    ));
    if config.headers_only {
        lines.push(("Headers only", "yes".to_owned()));
    }
    show::section(&mut text, "Configuration", &lines);
    show::section(
        &mut text,
        "State",
        &[
            ("Last delivered", position(&info.delivered)),
            ("Acknowledged up to", position(&info.ack_floor)),
            ("Pending", info.num_pending.to_string()),
            ("Awaiting ack", info.num_ack_pending.to_string()),
            ("Redelivered", info.num_redelivered.to_string()),
            ("Waiting pulls", info.num_waiting.to_string()),
        ],
    );
    text
}
