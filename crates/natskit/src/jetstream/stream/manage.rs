//! Creating, changing, finding and removing streams: `$JS.API.STREAM.*`.

use serde::{Deserialize, Serialize};

use crate::jetstream::context::Context;
use crate::jetstream::error::{ApiError, JetStreamError};
use crate::jetstream::name::validate_stream_name;
use crate::jetstream::stream::config::StreamConfig;
use crate::jetstream::stream::info::StreamInfo;
use crate::jetstream::wire::{is_default, null_default};

/// What a purge removes: everything by default, or only messages on a subject, or those
/// before a sequence, or all but the last few (ADR-10).
///
/// ```no_run
/// use natskit::jetstream::Purge;
///
/// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
/// js.purge_stream("ORDERS", Purge::all()).await?;
/// js.purge_stream("ORDERS", Purge::all().filter("orders.eu.>").keep(10)).await?;
/// js.purge_stream("ORDERS", Purge::all().sequence(1000)).await?; // below 1000
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Purge {
    #[serde(skip_serializing_if = "String::is_empty")]
    filter: String,
    #[serde(skip_serializing_if = "is_default")]
    keep: u64,
    #[serde(rename = "seq", skip_serializing_if = "is_default")]
    sequence: u64,
}

impl Purge {
    /// Every message.
    ///
    /// ```
    /// let purge = natskit::jetstream::Purge::all();
    /// # let _ = purge;
    /// ```
    pub fn all() -> Self {
        Purge::default()
    }

    /// Only messages on subjects matching `subject` (wildcards allowed).
    ///
    /// ```
    /// let purge = natskit::jetstream::Purge::all().filter("orders.eu.>");
    /// # let _ = purge;
    /// ```
    pub fn filter(mut self, subject: impl Into<String>) -> Self {
        self.filter = subject.into();
        self
    }

    /// Keeps the last `n` messages (of the filter's subjects, with a filter).
    ///
    /// ```
    /// let purge = natskit::jetstream::Purge::all().keep(5);
    /// # let _ = purge;
    /// ```
    pub fn keep(mut self, n: u64) -> Self {
        self.keep = n;
        self
    }

    /// Removes only messages with a sequence below `sequence`; the server refuses it together
    /// with [`keep`](Self::keep).
    ///
    /// ```
    /// let purge = natskit::jetstream::Purge::all().sequence(100);
    /// # let _ = purge;
    /// ```
    pub fn sequence(mut self, sequence: u64) -> Self {
        self.sequence = sequence;
        self
    }
}

/// What [`stream_info_with`](Context::stream_info_with) asks for beyond the configuration and
/// state.
///
/// ```
/// let details = natskit::jetstream::StreamInfoDetails::default().subjects(">").deleted();
/// # let _ = details;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StreamInfoDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    subjects_filter: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    deleted_details: bool,
    #[serde(skip_serializing_if = "is_zero")]
    offset: usize,
}

impl StreamInfoDetails {
    /// The message count of each subject matching `filter` (a subject or wildcard).
    ///
    /// ```
    /// let details = natskit::jetstream::StreamInfoDetails::default().subjects("orders.*");
    /// # let _ = details;
    /// ```
    pub fn subjects(mut self, filter: impl Into<String>) -> Self {
        self.subjects_filter = Some(filter.into());
        self
    }

    /// The sequences of deleted messages.
    ///
    /// ```
    /// let details = natskit::jetstream::StreamInfoDetails::default().deleted();
    /// # let _ = details;
    /// ```
    pub fn deleted(mut self) -> Self {
        self.deleted_details = true;
        self
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A stream info answer with its paging of subjects.
#[derive(Deserialize)]
struct InfoPage {
    #[serde(flatten)]
    info: StreamInfo,
    #[serde(default)]
    total: usize,
}

#[derive(Deserialize)]
struct Success {
    #[serde(default)]
    success: bool,
}

#[derive(Deserialize)]
struct Purged {
    #[serde(default)]
    purged: u64,
}

/// A page of a names or list answer.
#[derive(Deserialize)]
#[serde(default, bound(deserialize = "T: Deserialize<'de>"))]
struct Page<T> {
    total: usize,
    /// `streams` in stream pages, `consumers` in consumer pages.
    #[serde(
        alias = "streams",
        alias = "consumers",
        deserialize_with = "null_default"
    )]
    items: Vec<T>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            total: 0,
            items: Vec::new(),
        }
    }
}

#[derive(Serialize)]
struct PageRequest<'a> {
    offset: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
}

impl Context {
    /// Creates a stream; fails with [`ApiError::STREAM_NAME_IN_USE`] when one of that name
    /// exists with another configuration (the same configuration again succeeds).
    ///
    /// ```no_run
    /// use natskit::jetstream::StreamConfig;
    ///
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// let info = js.create_stream(StreamConfig::new("ORDERS").subjects(["orders.>"])).await?;
    /// assert_eq!(info.state.messages, 0);
    /// # Ok(()) }
    /// ```
    pub async fn create_stream(&self, config: StreamConfig) -> Result<StreamInfo, JetStreamError> {
        validate_stream_name(&config.name)?;
        let api = format!("STREAM.CREATE.{}", config.name);
        self.api_call(&api, &config).await
    }

    /// Changes a stream's configuration; the server refuses what cannot change (storage,
    /// retention to or from work queue, ...).
    ///
    /// ```no_run
    /// use natskit::jetstream::StreamConfig;
    ///
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// let mut config = js.stream_info("ORDERS").await?.config;
    /// config.max_msgs = 1_000;
    /// js.update_stream(config).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update_stream(&self, config: StreamConfig) -> Result<StreamInfo, JetStreamError> {
        validate_stream_name(&config.name)?;
        let api = format!("STREAM.UPDATE.{}", config.name);
        self.api_call(&api, &config).await
    }

    /// The stream named in `config` as it is, or created with `config` when there is none.
    /// An existing stream is returned whatever its configuration.
    ///
    /// ```no_run
    /// use natskit::jetstream::StreamConfig;
    ///
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// let info = js.get_or_create_stream(StreamConfig::new("ORDERS").subjects(["orders.>"])).await?;
    /// # let _ = info;
    /// # Ok(()) }
    /// ```
    pub async fn get_or_create_stream(
        &self,
        config: StreamConfig,
    ) -> Result<StreamInfo, JetStreamError> {
        let name = config.name.clone();
        match self.stream_info(&name).await {
            Err(JetStreamError::Api(e)) if e.is(ApiError::STREAM_NOT_FOUND) => {}
            found => return found,
        }
        match self.create_stream(config).await {
            // Someone else created it in between.
            Err(JetStreamError::Api(e)) if e.is(ApiError::STREAM_NAME_IN_USE) => {
                self.stream_info(&name).await
            }
            created => created,
        }
    }

    /// Deletes a stream and its messages.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// js.delete_stream("ORDERS").await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_stream(&self, name: &str) -> Result<(), JetStreamError> {
        validate_stream_name(name)?;
        let answer: Success = self
            .api_call_raw(
                &self.api_subject(&format!("STREAM.DELETE.{name}")),
                bytes::Bytes::new(),
            )
            .await?;
        self.succeeded(answer.success, "STREAM.DELETE")
    }

    /// A stream's configuration and state.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// let info = js.stream_info("ORDERS").await?;
    /// println!("{:?}", info.state);
    /// # Ok(()) }
    /// ```
    pub async fn stream_info(&self, name: &str) -> Result<StreamInfo, JetStreamError> {
        validate_stream_name(name)?;
        self.api_call_raw(
            &self.api_subject(&format!("STREAM.INFO.{name}")),
            bytes::Bytes::new(),
        )
        .await
    }

    /// A stream's configuration and state with the details `details` asks for: the message
    /// count of each subject matching a filter (`state.subjects`, every page read), and the
    /// sequences of deleted messages (`state.deleted`).
    ///
    /// ```no_run
    /// use natskit::jetstream::StreamInfoDetails;
    ///
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// let info = js
    ///     .stream_info_with("ORDERS", StreamInfoDetails::default().subjects("orders.eu.>").deleted())
    ///     .await?;
    /// for (subject, count) in &info.state.subjects {
    ///     println!("{subject}: {count}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn stream_info_with(
        &self,
        name: &str,
        details: StreamInfoDetails,
    ) -> Result<StreamInfo, JetStreamError> {
        validate_stream_name(name)?;
        let api = format!("STREAM.INFO.{name}");
        let mut request = details;
        let mut first: Option<StreamInfo> = None;
        loop {
            let page: InfoPage = self.api_call(&api, &request).await?;
            let got = page.info.state.subjects.len();
            let collected = match first.as_mut() {
                None => {
                    first = Some(page.info);
                    got
                }
                Some(info) => {
                    info.state.subjects.extend(page.info.state.subjects);
                    info.state.subjects.len()
                }
            };
            // Pages only when a filter asks for more subjects than one answer holds.
            if request.subjects_filter.is_none() || got == 0 || collected >= page.total {
                break;
            }
            request.offset = collected;
        }
        Ok(first.unwrap_or_default())
    }

    /// The names of all streams, or of those capturing subjects that match `subject` (a
    /// subject or wildcard); every page is read.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// let all = js.stream_names(None).await?;
    /// let for_orders = js.stream_names(Some("orders.eu.7")).await?;
    /// # let _ = (all, for_orders);
    /// # Ok(()) }
    /// ```
    pub async fn stream_names(&self, subject: Option<&str>) -> Result<Vec<String>, JetStreamError> {
        self.all_pages("STREAM.NAMES", subject).await
    }

    /// The configuration and state of every stream; every page is read.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// for info in js.streams().await? {
    ///     println!("{}: {} messages", info.config.name, info.state.messages);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn streams(&self) -> Result<Vec<StreamInfo>, JetStreamError> {
        self.all_pages("STREAM.LIST", None).await
    }

    /// Removes messages from a stream as `purge` says; returns how many were removed.
    ///
    /// ```no_run
    /// use natskit::jetstream::Purge;
    ///
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// let removed = js.purge_stream("ORDERS", Purge::all().filter("orders.test.>")).await?;
    /// println!("{removed} test orders removed");
    /// # Ok(()) }
    /// ```
    pub async fn purge_stream(&self, name: &str, purge: Purge) -> Result<u64, JetStreamError> {
        validate_stream_name(name)?;
        let answer: Purged = self
            .api_call(&format!("STREAM.PURGE.{name}"), &purge)
            .await?;
        Ok(answer.purged)
    }

    /// Reads pages of `api` until all `total` items are in.
    pub(crate) async fn all_pages<T: serde::de::DeserializeOwned>(
        &self,
        api: &str,
        subject: Option<&str>,
    ) -> Result<Vec<T>, JetStreamError> {
        let mut items = Vec::new();
        loop {
            let request = PageRequest {
                offset: items.len(),
                subject,
            };
            let page: Page<T> = self.api_call(api, &request).await?;
            let empty = page.items.is_empty();
            items.extend(page.items);
            // Also stops when items vanish between pages, so the total is never reached.
            if empty || items.len() >= page.total {
                return Ok(items);
            }
        }
    }

    /// An answer without an error but without `success` either.
    pub(crate) fn succeeded(&self, success: bool, api: &str) -> Result<(), JetStreamError> {
        if success {
            Ok(())
        } else {
            Err(JetStreamError::Decode {
                subject: self.api_subject(api),
                reason: "neither success nor an error".into(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purge_requests_leave_out_what_is_not_asked() {
        let json = |p: &Purge| serde_json::to_string(p).expect("serializes");
        assert_eq!(json(&Purge::all()), "{}");
        assert_eq!(
            json(&Purge::all().filter("a.>").keep(3)),
            r#"{"filter":"a.>","keep":3}"#
        );
        assert_eq!(json(&Purge::all().sequence(9)), r#"{"seq":9}"#);
    }

    #[test]
    fn a_names_page_with_null_streams_is_empty() {
        let page: Page<String> =
            serde_json::from_str(r#"{"total":0,"offset":0,"limit":1024,"streams":null}"#)
                .expect("parses");
        assert!(page.items.is_empty());
    }
}
