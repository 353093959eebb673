//! `reply --command`: run a shell command per request and answer with what it prints.
//!
//! The command runs as `sh -c COMMAND` with the request body on its standard input. `{{0}}`,
//! `{{1}}`.. (the request subject's first, second.. token) become `${NATS_SUBJECT_TOKEN_0}`..,
//! variables set for the command, so the shell reads a token as data and never as shell syntax
//! (`svc.$(reboot)` stays text). `NATS_REQUEST_SUBJECT` holds the whole subject.

use std::io::Write as _;
use std::process::{ExitStatus, Stdio};

use bytes::Bytes;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::error::CliError;
use crate::template::{token_variable, Fill, Place, Template};

use super::answer::Failure;

/// The command line, read once.
#[derive(Debug)]
pub struct ShellCommand {
    /// The script for `sh -c`, its subject tokens rendered as variables.
    script: Template,
}

impl ShellCommand {
    /// Reads `--command`; its words are checked now, before connecting.
    pub fn parse(text: &str, templates: bool) -> Result<ShellCommand, CliError> {
        Ok(ShellCommand {
            script: Template::read(text, "--command", Place::Command, templates)?,
        })
    }

    /// Runs the command for the request in `fill`: its standard output when it succeeds;
    /// otherwise a failure carrying its standard error.
    pub async fn run(&self, fill: &Fill<'_>) -> Result<Bytes, Failure> {
        let script = self.script.render_script(fill).map_err(Failure::new)?;
        let (subject, body) = fill
            .request
            .map(|asked| (asked.subject, asked.body))
            .unwrap_or_default();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(&script)
            .env("NATS_REQUEST_SUBJECT", subject)
            .envs(
                subject
                    .split('.')
                    .enumerate()
                    .map(|(n, token)| (token_variable(n), token)),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| Failure::new(format!("could not run sh: {e}")))?;
        let stdin = child.stdin.take();
        let body = body.to_vec();
        // Fed while the output is read, so neither side waits for the other; a command that
        // does not read its input is no error.
        let feed = async move {
            if let Some(mut stdin) = stdin {
                let _ = stdin.write_all(&body).await;
            }
        };
        let ((), output) = tokio::join!(feed, child.wait_with_output());
        let output = output.map_err(|e| Failure::new(format!("could not run sh: {e}")))?;
        if output.status.success() {
            // Warnings of a command that worked are for the person watching, not the answer.
            // Passed on as bytes; a standard error nobody reads loses them, as with `note!`.
            let _ = std::io::stderr().write_all(&output.stderr);
            return Ok(Bytes::from(output.stdout));
        }
        Err(Failure::with_payload(
            describe(output.status),
            Bytes::from(output.stderr),
        ))
    }
}

/// `the command exited with status 3`, or the signal that ended it.
fn describe(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("the command was ended by signal {signal}");
        }
    }
    match status.code() {
        Some(code) => format!("the command exited with status {code}"),
        None => "the command failed".to_owned(),
    }
}
