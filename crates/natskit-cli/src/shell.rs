//! Running `sh -c SCRIPT` with bytes on its standard input, for `reply --command` and
//! `sub --translate`.

use std::io::Write as _;
use std::process::{ExitStatus, Output, Stdio};

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// Runs `sh -c script` with `envs` set and `input` on its standard input; its output whole.
/// The error is in words (`could not run sh: ...`).
pub async fn run<'a>(
    script: &str,
    envs: impl IntoIterator<Item = (String, &'a str)>,
    input: &[u8],
) -> Result<Output, String> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .envs(envs)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("could not run sh: {e}"))?;
    let stdin = child.stdin.take();
    let input = input.to_vec();
    // Fed while the output is read, so neither side waits for the other; a command that does
    // not read its input is no error.
    let feed = async move {
        if let Some(mut stdin) = stdin {
            let _ = stdin.write_all(&input).await;
        }
    };
    let ((), output) = tokio::join!(feed, child.wait_with_output());
    output.map_err(|e| format!("could not run sh: {e}"))
}

/// Passes on a command's standard error (the warnings of a command that worked are for the
/// person watching); a standard error nobody reads loses them, as with `note!`.
pub fn pass_on_stderr(output: &Output) {
    let _ = std::io::stderr().write_all(&output.stderr);
}

/// `the command exited with status 3`, or the signal that ended it.
pub fn describe(status: ExitStatus) -> String {
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
