//! `sub --translate COMMAND`: each payload goes through `sh -c COMMAND` (on its standard input)
//! and what the command prints is shown in its place, as the `nats` CLI's `--translate` does.
//! `{{Subject}}` in the command becomes `${NATS_SUBJECT}`, a variable holding the message's
//! subject, so a subject is read as data and never as shell syntax.

use bytes::Bytes;
use natskit::Message;

use crate::shell;
use crate::style::{Palette, Role};

/// The variable holding the message's subject.
const SUBJECT_VARIABLE: &str = "NATS_SUBJECT";

/// The command every payload goes through.
#[derive(Debug)]
pub struct Translator {
    /// The script for `sh -c`.
    script: String,
}

impl Translator {
    /// Reads `--translate`.
    pub fn new(command: &str) -> Translator {
        Translator {
            script: command.replace("{{Subject}}", &format!("${{{SUBJECT_VARIABLE}}}")),
        }
    }

    /// `msg` with its payload translated. A command that fails leaves the payload as it was,
    /// with a warning naming message `number` on standard error: the message is still shown.
    pub async fn apply(&self, number: u64, mut msg: Message) -> Message {
        let envs = [(SUBJECT_VARIABLE.to_owned(), msg.subject.as_str())];
        let failure = match shell::run(&self.script, envs, &msg.payload).await {
            Ok(output) if output.status.success() => {
                shell::pass_on_stderr(&output);
                msg.payload = Bytes::from(output.stdout);
                return msg;
            }
            Ok(output) => {
                let why = String::from_utf8_lossy(&output.stderr)
                    .trim()
                    .replace('\n', " ");
                let status = shell::describe(output.status);
                if why.is_empty() {
                    status
                } else {
                    format!("{status}: {why}")
                }
            }
            Err(e) => e,
        };
        let warning = format!(
            "warning: --translate failed for message #{number} ({failure}); shown as it came"
        );
        note!("{}", Palette::stderr().paint(Role::Warning, warning));
        msg
    }
}
