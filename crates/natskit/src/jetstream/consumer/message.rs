//! [`Message`]: a message a consumer delivered, with its acknowledgements (ADR-15) and the
//! metadata its `$JS.ACK` reply subject carries.

use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use crate::client::{Client, Request};
use crate::jetstream::error::AckError;

/// What a consumer's messages need to be acknowledged: shared by all of them.
#[derive(Debug)]
pub(crate) struct AckTarget {
    pub(crate) client: Client,
    /// The consumer's ack_wait, when known, to tell a late acknowledgement.
    pub(crate) ack_wait: Option<Duration>,
    /// How long a double acknowledgement waits for its confirmation.
    pub(crate) timeout: Duration,
}

/// A message delivered by a JetStream consumer: the core [`Message`](crate::Message) (through
/// `Deref`: `subject`, `headers`, `payload`...) plus acknowledgements and [`info`](Self::info).
///
/// ```no_run
/// use futures_util::StreamExt;
///
/// # async fn demo(consumer: natskit::jetstream::PullConsumer) -> Result<(), Box<dyn std::error::Error>> {
/// let mut messages = consumer.messages().await?;
/// while let Some(msg) = messages.next().await {
///     let msg = msg?;
///     let info = msg.info()?;
///     println!("#{} (delivery {}): {:?}", info.stream_sequence, info.delivered, msg.payload);
///     msg.ack().await?;
/// }
/// # Ok(()) }
/// ```
pub struct Message {
    message: crate::Message,
    target: Arc<AckTarget>,
    received: Instant,
    acknowledged: AtomicBool,
}

/// How to acknowledge a message (ADR-15).
///
/// ```
/// use std::time::Duration;
/// use natskit::jetstream::AckKind;
///
/// assert_eq!(AckKind::Ack.body(), "+ACK");
/// assert_eq!(AckKind::Nak(Some(Duration::from_secs(2))).body(), r#"-NAK {"delay":2000000000}"#);
/// assert_eq!(AckKind::Term(Some("bad input".into())).body(), "+TERM bad input");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AckKind {
    /// Handled.
    Ack,
    /// Not handled: deliver it again, after the delay if one is given.
    Nak(Option<Duration>),
    /// Still working on it: restart the ack_wait clock.
    Progress,
    /// Never deliver it again, for the reason given if any.
    Term(Option<String>),
}

impl AckKind {
    /// The acknowledgement's body on the wire.
    ///
    /// ```
    /// assert_eq!(natskit::jetstream::AckKind::Progress.body(), "+WPI");
    /// ```
    pub fn body(&self) -> String {
        match self {
            AckKind::Ack => "+ACK".into(),
            AckKind::Nak(None) => "-NAK".into(),
            AckKind::Nak(Some(delay)) => format!(r#"-NAK {{"delay":{}}}"#, delay.as_nanos()),
            AckKind::Progress => "+WPI".into(),
            AckKind::Term(None) => "+TERM".into(),
            AckKind::Term(Some(reason)) => format!("+TERM {reason}"),
        }
    }

    /// True for the kinds after which the message is done with (all but progress).
    fn is_final(&self) -> bool {
        !matches!(self, AckKind::Progress)
    }
}

impl Message {
    pub(crate) fn new(message: crate::Message, target: Arc<AckTarget>, received: Instant) -> Self {
        Message {
            message,
            target,
            received,
            acknowledged: AtomicBool::new(false),
        }
    }

    /// The core message, without the acknowledgement methods.
    ///
    /// ```no_run
    /// # fn demo(msg: natskit::jetstream::Message) {
    /// let core: natskit::Message = msg.into_inner();
    /// # let _ = core; }
    /// ```
    pub fn into_inner(self) -> crate::Message {
        self.message
    }

    /// Where and when it was stored and delivered, read from its reply subject.
    ///
    /// ```no_run
    /// # fn demo(msg: natskit::jetstream::Message) -> Result<(), natskit::jetstream::AckError> {
    /// let info = msg.info()?;
    /// if info.is_redelivery() {
    ///     println!("delivered {} times", info.delivered);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn info(&self) -> Result<MessageInfo, AckError> {
        let reply = self.message.reply.as_ref().ok_or(AckError::NotAckable)?;
        MessageInfo::parse(reply).ok_or(AckError::NotAckable)
    }

    /// Acknowledges it: handled. Sent without waiting for the server; see
    /// [`double_ack`](Self::double_ack) for a confirmed one.
    ///
    /// ```no_run
    /// # async fn demo(msg: natskit::jetstream::Message) -> Result<(), natskit::jetstream::AckError> {
    /// msg.ack().await?;
    /// # Ok(()) }
    /// ```
    pub async fn ack(&self) -> Result<(), AckError> {
        self.ack_with(AckKind::Ack).await
    }

    /// Acknowledges it and waits for the server to confirm, one round trip on the client's
    /// shared reply subscription. Once this returns `Ok` the message will not be delivered
    /// again.
    ///
    /// ```no_run
    /// # async fn demo(msg: natskit::jetstream::Message) -> Result<(), natskit::jetstream::AckError> {
    /// msg.double_ack().await?;
    /// # Ok(()) }
    /// ```
    pub async fn double_ack(&self) -> Result<(), AckError> {
        self.send(AckKind::Ack, true).await
    }

    /// Not handled: the server delivers it again (after `ack_wait` backoff rules, or at once).
    ///
    /// ```no_run
    /// # async fn demo(msg: natskit::jetstream::Message) -> Result<(), natskit::jetstream::AckError> {
    /// msg.nak().await?;
    /// # Ok(()) }
    /// ```
    pub async fn nak(&self) -> Result<(), AckError> {
        self.ack_with(AckKind::Nak(None)).await
    }

    /// Not handled: deliver it again after `delay`.
    ///
    /// ```no_run
    /// # async fn demo(msg: natskit::jetstream::Message) -> Result<(), natskit::jetstream::AckError> {
    /// msg.nak_with_delay(std::time::Duration::from_secs(10)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn nak_with_delay(&self, delay: Duration) -> Result<(), AckError> {
        self.ack_with(AckKind::Nak(Some(delay))).await
    }

    /// Still working on it: the server restarts its ack_wait clock. May be sent many times.
    ///
    /// ```no_run
    /// # async fn demo(msg: natskit::jetstream::Message) -> Result<(), natskit::jetstream::AckError> {
    /// msg.in_progress().await?;
    /// # Ok(()) }
    /// ```
    pub async fn in_progress(&self) -> Result<(), AckError> {
        self.ack_with(AckKind::Progress).await
    }

    /// Never deliver it again.
    ///
    /// ```no_run
    /// # async fn demo(msg: natskit::jetstream::Message) -> Result<(), natskit::jetstream::AckError> {
    /// msg.term().await?;
    /// # Ok(()) }
    /// ```
    pub async fn term(&self) -> Result<(), AckError> {
        self.ack_with(AckKind::Term(None)).await
    }

    /// Never deliver it again, saying why (the server puts the reason in its advisory).
    ///
    /// ```no_run
    /// # async fn demo(msg: natskit::jetstream::Message) -> Result<(), natskit::jetstream::AckError> {
    /// msg.term_with_reason("not valid JSON").await?;
    /// # Ok(()) }
    /// ```
    pub async fn term_with_reason(&self, reason: impl Into<String>) -> Result<(), AckError> {
        self.ack_with(AckKind::Term(Some(reason.into()))).await
    }

    /// Sends any kind of acknowledgement without waiting for the server.
    ///
    /// ```no_run
    /// use natskit::jetstream::AckKind;
    /// # async fn demo(msg: natskit::jetstream::Message) -> Result<(), natskit::jetstream::AckError> {
    /// msg.ack_with(AckKind::Nak(None)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn ack_with(&self, kind: AckKind) -> Result<(), AckError> {
        self.send(kind, false).await
    }

    /// Sends any kind of acknowledgement and waits for the server's confirmation.
    ///
    /// ```no_run
    /// use natskit::jetstream::AckKind;
    /// # async fn demo(msg: natskit::jetstream::Message) -> Result<(), natskit::jetstream::AckError> {
    /// msg.double_ack_with(AckKind::Term(None)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn double_ack_with(&self, kind: AckKind) -> Result<(), AckError> {
        self.send(kind, true).await
    }

    async fn send(&self, kind: AckKind, confirmed: bool) -> Result<(), AckError> {
        let reply = self.message.reply.as_ref().ok_or(AckError::NotAckable)?;
        if !reply.starts_with("$JS.ACK.") {
            return Err(AckError::NotAckable);
        }
        let is_final = kind.is_final();
        if is_final && self.acknowledged.swap(true, Ordering::AcqRel) {
            return Err(AckError::AlreadyAcknowledged);
        }
        let body = Bytes::from(kind.body());
        let client = &self.target.client;
        let sent = if confirmed {
            let request = Request::new(body).timeout(self.target.timeout);
            client
                .send_request(reply, request)
                .await
                .map(drop)
                .map_err(AckError::Request)
        } else {
            client.publish(reply, body).await.map_err(AckError::Publish)
        };
        if let Err(error) = sent {
            if is_final {
                // Not sent, or not confirmed: it may be tried again.
                self.acknowledged.store(false, Ordering::Release);
            }
            return Err(error);
        }
        match self.target.ack_wait {
            Some(ack_wait) if self.received.elapsed() > ack_wait && is_final => {
                Err(AckError::AfterAckWait {
                    elapsed: self.received.elapsed(),
                    ack_wait,
                })
            }
            _ => Ok(()),
        }
    }
}

impl Deref for Message {
    type Target = crate::Message;

    fn deref(&self) -> &crate::Message {
        &self.message
    }
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message")
            .field("message", &self.message)
            .field("acknowledged", &self.acknowledged.load(Ordering::Relaxed))
            .finish()
    }
}

/// What a consumer's reply subject says about a delivery (ADR-15), in either of its forms:
/// `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>`
/// and, from 2.9, `$JS.ACK.<domain>.<account hash>.<stream>...<pending>.<token>`.
///
/// ```
/// use natskit::jetstream::MessageInfo;
///
/// let info = MessageInfo::parse("$JS.ACK.ORDERS.billing.2.41.7.1700000000000000000.3").unwrap();
/// assert_eq!((info.stream.as_str(), info.consumer.as_str()), ("ORDERS", "billing"));
/// assert_eq!((info.delivered, info.stream_sequence, info.consumer_sequence, info.pending), (2, 41, 7, 3));
/// assert!(info.is_redelivery());
/// assert_eq!(info.domain, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MessageInfo {
    /// The JetStream domain, in the long form when it names one.
    pub domain: Option<String>,
    /// The account's hash, in the long form.
    pub account_hash: Option<String>,
    /// The stream.
    pub stream: String,
    /// The consumer.
    pub consumer: String,
    /// How many times it was delivered, this delivery included.
    pub delivered: u64,
    /// Its sequence in the stream.
    pub stream_sequence: u64,
    /// Its delivery's sequence in the consumer.
    pub consumer_sequence: u64,
    /// When it was stored.
    pub published: SystemTime,
    /// Messages left for the consumer after this one.
    pub pending: u64,
}

impl MessageInfo {
    /// Reads an ack subject; `None` when it is not one.
    ///
    /// ```
    /// use natskit::jetstream::MessageInfo;
    ///
    /// let long = MessageInfo::parse("$JS.ACK.hub.ACCHASH.ORDERS.billing.1.5.5.1700000000000000000.0.x1").unwrap();
    /// assert_eq!(long.domain.as_deref(), Some("hub"));
    /// let no_domain = MessageInfo::parse("$JS.ACK._.ACCHASH.S.C.1.5.5.17.0.x1").unwrap();
    /// assert_eq!(no_domain.domain, None);
    /// assert!(MessageInfo::parse("_INBOX.abc").is_none());
    /// assert!(MessageInfo::parse("$JS.ACK.S.C.1.x.5.17.0").is_none());
    /// ```
    pub fn parse(reply: &str) -> Option<MessageInfo> {
        let tokens: Vec<&str> = reply.split('.').collect();
        if tokens.len() < 9 || tokens[0] != "$JS" || tokens[1] != "ACK" {
            return None;
        }
        let (domain, account_hash, rest) = match tokens.len() {
            9 => (None, None, &tokens[2..]),
            n if n >= 11 => {
                let domain = (tokens[2] != "_").then(|| tokens[2].to_owned());
                (domain, Some(tokens[3].to_owned()), &tokens[4..])
            }
            _ => return None,
        };
        let number = |i: usize| rest.get(i)?.parse::<u64>().ok();
        Some(MessageInfo {
            domain,
            account_hash,
            stream: rest[0].to_owned(),
            consumer: rest[1].to_owned(),
            delivered: number(2)?,
            stream_sequence: number(3)?,
            consumer_sequence: number(4)?,
            published: UNIX_EPOCH + Duration::from_nanos(number(5)?),
            pending: number(6)?,
        })
    }

    /// True when the message was delivered before.
    ///
    /// ```
    /// let info = natskit::jetstream::MessageInfo::parse("$JS.ACK.S.C.1.1.1.0.0").unwrap();
    /// assert!(!info.is_redelivery());
    /// ```
    pub fn is_redelivery(&self) -> bool {
        self.delivered > 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_layouts_read_the_same_fields() {
        let short = MessageInfo::parse("$JS.ACK.S.C.3.10.4.1700000000123456789.6").expect("short");
        let long = MessageInfo::parse("$JS.ACK.dom.HASH.S.C.3.10.4.1700000000123456789.6.tok")
            .expect("long");
        for info in [&short, &long] {
            assert_eq!(
                (
                    info.stream.as_str(),
                    info.consumer.as_str(),
                    info.delivered,
                    info.stream_sequence,
                    info.consumer_sequence,
                    info.pending
                ),
                ("S", "C", 3, 10, 4, 6)
            );
            assert_eq!(
                info.published,
                UNIX_EPOCH + Duration::from_nanos(1_700_000_000_123_456_789)
            );
        }
        assert_eq!(long.account_hash.as_deref(), Some("HASH"));
        // Eleven tokens: the long form without the trailing token.
        assert!(MessageInfo::parse("$JS.ACK._.HASH.S.C.1.2.3.4.5").is_some());
        // Ten tokens is neither form.
        assert!(MessageInfo::parse("$JS.ACK.x.S.C.1.2.3.4.5").is_none());
    }

    #[test]
    fn nak_with_delay_is_nanoseconds() {
        assert_eq!(
            AckKind::Nak(Some(Duration::from_millis(1500))).body(),
            r#"-NAK {"delay":1500000000}"#
        );
        assert_eq!(AckKind::Nak(None).body(), "-NAK");
        assert_eq!(AckKind::Term(None).body(), "+TERM");
    }
}
