//! The service's side of discovery: answers `$SRV.PING|INFO|STATS`, for all services, for
//! this service's name, and for this instance's id.

use std::sync::Arc;

use futures_util::future::join_all;
use futures_util::stream::select_all;
use futures_util::StreamExt;
use natskit::Message;

use crate::lifecycle::stopping;
use crate::state::State;
use crate::Error;

/// The prefix of every discovery subject.
///
/// ```
/// assert_eq!(natskit_micro::SRV_PREFIX, "$SRV");
/// ```
pub const SRV_PREFIX: &str = "$SRV";

/// The three discovery verbs.
///
/// ```
/// use natskit_micro::Verb;
///
/// assert_eq!(Verb::Info.subject(None, None), "$SRV.INFO");
/// assert_eq!(Verb::Ping.subject(Some("greeter"), Some("abc")), "$SRV.PING.greeter.abc");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// Who is there.
    Ping,
    /// Description and endpoints.
    Info,
    /// Counters per endpoint.
    Stats,
}

impl Verb {
    /// All three, in the order services subscribe to them.
    ///
    /// ```
    /// use natskit_micro::Verb;
    ///
    /// assert_eq!(Verb::ALL, [Verb::Ping, Verb::Info, Verb::Stats]);
    /// ```
    pub const ALL: [Verb; 3] = [Verb::Ping, Verb::Info, Verb::Stats];

    /// The verb as it appears in subjects.
    ///
    /// ```
    /// assert_eq!(natskit_micro::Verb::Stats.as_str(), "STATS");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Ping => "PING",
            Verb::Info => "INFO",
            Verb::Stats => "STATS",
        }
    }

    /// `$SRV.<verb>`, then `.<name>` when given, then `.<id>` when given with a name.
    ///
    /// ```
    /// assert_eq!(natskit_micro::Verb::Stats.subject(Some("calc"), None), "$SRV.STATS.calc");
    /// ```
    pub fn subject(self, name: Option<&str>, id: Option<&str>) -> String {
        let mut subject = format!("{SRV_PREFIX}.{}", self.as_str());
        if let Some(name) = name {
            subject.push('.');
            subject.push_str(name);
            if let Some(id) = id {
                subject.push('.');
                subject.push_str(id);
            }
        }
        subject
    }

    fn of_subject(subject: &str) -> Option<Verb> {
        match subject.split('.').nth(1)? {
            "PING" => Some(Verb::Ping),
            "INFO" => Some(Verb::Info),
            "STATS" => Some(Verb::Stats),
            _ => None,
        }
    }
}

/// Subscribes to the nine discovery subjects and answers them until the service stops, then
/// drains them.
/// Plain subscriptions: every instance answers.
pub(crate) async fn start(state: &Arc<State>) -> Result<(), Error> {
    let share = state.lifecycle.share().ok_or(Error::Stopped)?;
    let mut subscribers = Vec::with_capacity(9);
    for verb in Verb::ALL {
        for subject in [
            verb.subject(None, None),
            verb.subject(Some(&state.name), None),
            verb.subject(Some(&state.name), Some(&state.id)),
        ] {
            let subscriber = state
                .client
                .subscribe(&subject)
                .await
                .map_err(|source| Error::Subscribe { subject, source })?;
            subscribers.push(subscriber);
        }
    }
    let state = Arc::clone(state);
    let mut stop = state.lifecycle.stop_signal();
    tokio::spawn(async move {
        let mut requests = select_all(subscribers);
        loop {
            tokio::select! {
                message = requests.next() => match message {
                    Some(message) => answer(&state, &message).await,
                    None => break,
                },
                () = stopping(&mut stop) => break,
            }
        }
        // Stop drains every subscription: the server stops sending, and the questions it had
        // already sent are still answered.
        let drained = join_all(requests.iter_mut().map(|subscriber| subscriber.drain())).await;
        if let Some(Err(e)) = drained.into_iter().find(Result::is_err) {
            tracing::debug!(error = %e, "discovery drain incomplete");
        }
        while let Some(message) = requests.next().await {
            answer(&state, &message).await;
        }
        drop(share);
    });
    Ok(())
}

async fn answer(state: &State, message: &Message) {
    let document = match Verb::of_subject(&message.subject) {
        Some(Verb::Ping) => serde_json::to_vec(&state.ping()),
        Some(Verb::Info) => serde_json::to_vec(&state.info()),
        Some(Verb::Stats) => serde_json::to_vec(&state.stats()),
        None => return,
    };
    match document {
        Ok(document) => {
            if let Err(e) = message.respond(document).await {
                tracing::debug!(subject = %message.subject, error = %e, "discovery answer not sent");
            }
        }
        Err(e) => tracing::warn!(error = %e, "discovery document not encoded"),
    }
}
