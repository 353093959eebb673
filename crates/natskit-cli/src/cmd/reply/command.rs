//! `reply --command`: run a shell command per request and answer with what it prints.
//!
//! The command runs as `sh -c COMMAND` with the request body on its standard input. `{{0}}`,
//! `{{1}}`.. (the request subject's first, second.. token) become `${NATS_SUBJECT_TOKEN_0}`..,
//! variables set for the command, so the shell reads a token as data and never as shell syntax
//! (`svc.$(reboot)` stays text). `NATS_REQUEST_SUBJECT` holds the whole subject.

use bytes::Bytes;

use crate::error::CliError;
use crate::shell;
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
        let envs = std::iter::once(("NATS_REQUEST_SUBJECT".to_owned(), subject)).chain(
            subject
                .split('.')
                .enumerate()
                .map(|(n, token)| (token_variable(n), token)),
        );
        let output = shell::run(&script, envs, body)
            .await
            .map_err(Failure::new)?;
        if output.status.success() {
            shell::pass_on_stderr(&output);
            return Ok(Bytes::from(output.stdout));
        }
        Err(Failure::with_payload(
            shell::describe(output.status),
            Bytes::from(output.stderr),
        ))
    }
}
