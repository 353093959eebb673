//! One responder of the demo: its own connection, a member of the queue group, answering
//! `Roger, from <name>!` until it leaves.

use futures_util::StreamExt;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::broker::Broker;
use crate::error::CliError;

/// The subject the responders answer on (the seed's).
pub const SUBJECT: &str = "roger";
/// Their queue group: the broker gives each request to one member.
pub const GROUP: &str = "rogers";

/// The answer of the responder called `name`.
pub fn answer_of(name: &str) -> String {
    format!("Roger, from {name}!")
}

/// The responder's name in an answer, if the answer is one of ours.
pub fn name_in(answer: &[u8]) -> Option<&str> {
    std::str::from_utf8(answer)
        .ok()?
        .strip_prefix("Roger, from ")?
        .strip_suffix('!')
}

/// A running responder.
pub struct Responder {
    /// Its name, in its answers.
    pub name: String,
    leave: oneshot::Sender<()>,
    task: JoinHandle<Result<u64, CliError>>,
}

impl Responder {
    /// Connects, joins the group, and returns once the broker has the subscription, so the
    /// next request can already go to it.
    pub async fn start(broker: &Broker, name: &str) -> Result<Responder, CliError> {
        let client = broker.client(name).await?;
        let mut requests = client.queue_subscribe(SUBJECT, GROUP).await?;
        client.flush().await?;
        let answer = answer_of(name);
        let (leave, mut told_to_leave) = oneshot::channel();
        let task = tokio::spawn(async move {
            let mut answered = 0u64;
            let mut leaving = false;
            loop {
                tokio::select! {
                    request = requests.next() => match request {
                        Some(request) => {
                            request.respond(answer.clone()).await?;
                            answered += 1;
                        }
                        // Drained: everything sent to us before we left is answered.
                        None => break,
                    },
                    _ = &mut told_to_leave, if !leaving => {
                        leaving = true;
                        requests.drain().await?;
                    }
                }
            }
            client.close().await?;
            Ok(answered)
        });
        Ok(Responder {
            name: name.to_owned(),
            leave,
            task,
        })
    }

    /// Leaves the group gracefully (drain: answer what was already sent, then unsubscribe),
    /// closes the connection, and returns how many requests it answered in all. When this
    /// returns, the broker no longer counts it as a member.
    pub async fn leave(self) -> Result<u64, CliError> {
        let _ = self.leave.send(());
        match self.task.await {
            Ok(result) => result,
            Err(e) => Err(CliError::msg(format!(
                "responder {} failed: {e}",
                self.name
            ))),
        }
    }
}
