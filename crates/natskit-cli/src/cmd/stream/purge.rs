//! `natskit stream purge NAME`: remove all of a stream's messages, or those on a subject, or
//! those below a sequence, or all but the last few; asking first unless `--force`.

use clap::Args;
use natskit::jetstream::Purge;
use serde_json::json;

use crate::error::CliError;
use crate::js::confirm::confirm;
use crate::js::error::{failed, About};
use crate::js::parse;
use crate::js::{check, json, JsArgs};
use crate::output::print;

/// Arguments of `natskit stream purge`.
#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// The stream's name.
    name: String,

    /// Only messages on subjects matching this one (wildcards allowed).
    #[arg(long, value_name = "SUBJECT")]
    subject: Option<String>,

    /// Keep the last N messages (of --subject, with it).
    #[arg(long, value_name = "N", value_parser = parse::at_least_one, conflicts_with = "seq")]
    keep: Option<u64>,

    /// Remove only the messages below this sequence.
    #[arg(long, value_name = "N", value_parser = parse::at_least_one)]
    seq: Option<u64>,

    /// Purge without asking (needed when standard input is not a terminal).
    #[arg(short, long)]
    force: bool,

    /// Print `{"stream": ..., "purged": N}` instead of a note.
    #[arg(long)]
    json: bool,
}

/// Purges and says how many messages went.
pub async fn run(args: PurgeArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::stream(&args.name)?;
    if let Some(subject) = &args.subject {
        check::filter("--subject", subject)?;
    }
    confirm(args.force, &question(&args))?;
    let mut purge = Purge::all();
    if let Some(subject) = &args.subject {
        purge = purge.filter(subject.clone());
    }
    if let Some(keep) = args.keep {
        purge = purge.keep(keep);
    }
    if let Some(seq) = args.seq {
        purge = purge.sequence(seq);
    }
    let js = js_args.open().await?;
    let doing = format!("purge stream {:?}", args.name);
    let purged = js
        .js
        .purge_stream(&args.name, purge)
        .await
        .map_err(|e| failed(&doing, About::Stream(&args.name), e))?;
    if args.json {
        let line = json::line(&json!({"stream": args.name, "purged": purged}))?;
        print(line.as_bytes())?;
    } else {
        note!(
            "Purged {purged} message{} from stream {:?}",
            if purged == 1 { "" } else { "s" },
            args.name
        );
    }
    js.close().await
}

/// `purge the messages on "a.>" below sequence 10 from stream "S"`, and the like.
fn question(args: &PurgeArgs) -> String {
    let mut what = String::from("purge the messages");
    if let Some(subject) = &args.subject {
        what.push_str(&format!(" on {subject:?}"));
    }
    if let Some(seq) = args.seq {
        what.push_str(&format!(" below sequence {seq}"));
    }
    if let Some(keep) = args.keep {
        what.push_str(&format!(" but the last {keep}"));
    }
    format!("{what} from stream {:?}", args.name)
}
