//! Connection notices for the long-running commands (`sub`, `reply`): what happens to the
//! connection, one line on standard error each, so a command that waits for messages does not
//! go quiet when its server goes away.

use futures_util::StreamExt;
use natskit::{Client, Event};

use crate::style::{Palette, Role};

/// Prints the connection's events on standard error until it closes:
/// `disconnected from 127.0.0.1:4222: <why>; reconnecting`, `reconnected to 127.0.0.1:4222`,
/// and warnings for lame duck mode, messages dropped and errors the server reports.
pub fn spawn(client: &Client) {
    let mut events = client.events();
    let mut server = client.server_address();
    tokio::spawn(async move {
        let palette = Palette::stderr();
        let warn = |text: String| {
            note!(
                "{}",
                palette.paint(Role::Warning, format!("warning: {text}"))
            )
        };
        while let Some(event) = events.next().await {
            match event {
                Event::Connected { server: now } => server = now,
                Event::Disconnected { reason } => {
                    note!("disconnected from {server}: {reason}; reconnecting");
                }
                Event::Reconnected { server: now } => {
                    note!("reconnected to {now}");
                    server = now;
                }
                Event::LameDuckMode => {
                    warn(format!("{server} is shutting down (lame duck mode)"));
                }
                Event::SlowConsumer { subject, .. } => warn(format!(
                    "messages on {subject} were dropped: they came faster than they were handled"
                )),
                Event::ServerError(text) => warn(format!("the server reported: {text}")),
                Event::Closed { .. } => break,
                _ => {}
            }
        }
    });
}
