//! Requests to the system account's `$SYS.REQ.SERVER...` subjects, whose answers come from
//! every server of the cluster: sent once, answers gathered until the expected number came or
//! the time is up. Refusals become one clear error: no responders (the account is not the
//! system account) and a permissions violation (the user may not publish there).

use std::time::Duration;

use futures_util::StreamExt;
use natskit::{Client, Event};
use serde_json::Value;
use tokio::time::Instant;

use crate::error::CliError;

/// The subject every server of the system account answers with its statistics.
pub const PING: &str = "$SYS.REQ.SERVER.PING";

/// One server's answer and how long after the request it came.
#[derive(Debug)]
pub struct Answer {
    /// The answer's JSON document.
    pub body: Value,
    /// Time from the request to this answer.
    pub rtt: Duration,
}

/// How many answers end the wait: a fixed number, or the number of servers the first answer
/// says are active (`statsz.active_servers`, as `$SYS.REQ.SERVER.PING` tells).
#[derive(Debug, Clone, Copy)]
pub enum Expect {
    /// This many.
    Count(usize),
    /// As many as the first answer's `statsz.active_servers`; every answer until the time is
    /// up when it does not say.
    ActiveServers,
    /// The first one.
    First,
}

/// Sends `body` to `subject` and gathers answers until `expect` is met or `wait` is over. An
/// empty result is an error that says what to do: no server answered.
pub async fn gather(
    client: &Client,
    subject: &str,
    body: &str,
    expect: Expect,
    wait: Duration,
) -> Result<Vec<Answer>, CliError> {
    let inbox = client.new_inbox();
    let mut answers_sub = client
        .subscribe(&inbox)
        .await
        .map_err(|e| CliError::msg(format!("subscribing to the answers: {e}")))?;
    let mut events = client.events();
    let start = Instant::now();
    client
        .publish_with_reply(subject, &inbox, body.to_owned())
        .await
        .map_err(|e| CliError::msg(format!("sending {subject}: {e}")))?;
    let deadline = start + wait;
    let mut wanted = match expect {
        Expect::Count(n) => Some(n),
        Expect::First => Some(1),
        Expect::ActiveServers => None,
    };
    let mut answers = Vec::new();
    loop {
        if wanted.is_some_and(|n| answers.len() >= n) {
            break;
        }
        tokio::select! {
            message = answers_sub.next() => {
                let Some(message) = message else { break };
                if message.is_no_responders() {
                    return Err(not_system(subject, "no responders"));
                }
                let text = String::from_utf8_lossy(&message.payload);
                let body: Value = serde_json::from_str(&text).map_err(|e| {
                    CliError::msg(format!("the answer on {subject} is not JSON ({e}): {text}"))
                })?;
                if let Some(error) = body.get("error") {
                    return Err(CliError::msg(format!("{subject} answered with an error: {error}")));
                }
                if answers.is_empty() && matches!(expect, Expect::ActiveServers) {
                    wanted = body
                        .pointer("/statsz/active_servers")
                        .and_then(Value::as_u64)
                        .filter(|&n| n > 0)
                        .map(|n| n as usize);
                }
                answers.push(Answer { body, rtt: start.elapsed() });
            }
            event = events.next() => {
                if let Some(Event::ServerError(text)) = event {
                    if text.to_lowercase().contains("permissions violation") {
                        return Err(not_system(subject, &format!("the server said '{text}'")));
                    }
                }
            }
            _ = tokio::time::sleep_until(deadline) => break,
        }
    }
    if answers.is_empty() {
        return Err(not_system(
            subject,
            &format!("no answer within {}", crate::clock::short_duration(wait)),
        ));
    }
    Ok(answers)
}

/// The error when the system account cannot be reached: what happened and what to do.
pub fn not_system(subject: &str, what: &str) -> CliError {
    CliError::msg(format!(
        "no server answered {subject} ({what}): connect as a user of the system account \
         with permission to publish to $SYS.REQ.>, or read a server's monitoring port with \
         --monitor http://HOST:8222"
    ))
}
