//! Consumer management on [`Context`]: create, update, info, delete, names and list.
//!
//! Creation uses the 2.9+ subjects: `CONSUMER.CREATE.<stream>.<name>[.<filter>]` for a named
//! consumer (a filter without wildcards goes in the subject, so permissions can see it), and
//! `CONSUMER.CREATE.<stream>` for an ephemeral one the server names. The body's `action` tells
//! the server whether the consumer must be new (`create`), must exist (`update`), or either.

use serde::{Deserialize, Serialize};

use crate::jetstream::consumer::config::ConsumerConfig;
use crate::jetstream::consumer::info::ConsumerInfo;
use crate::jetstream::context::Context;
use crate::jetstream::error::{ApiError, JetStreamError};
use crate::jetstream::name::{validate_consumer_name, validate_stream_name};

/// What a create request asks of an existing consumer.
#[derive(Clone, Copy)]
enum Action {
    /// Fail when it exists with another configuration.
    Create,
    /// Fail when it does not exist.
    Update,
    /// Create or update.
    Either,
}

#[derive(Serialize)]
struct CreateRequest<'a> {
    stream_name: &'a str,
    config: &'a ConsumerConfig,
    #[serde(skip_serializing_if = "str::is_empty")]
    action: &'static str,
}

#[derive(Deserialize)]
struct Success {
    #[serde(default)]
    success: bool,
}

impl Context {
    /// Creates a consumer on `stream`; fails with [`ApiError::CONSUMER_ALREADY_EXISTS`] when
    /// one of that name exists with another configuration (the same configuration is not an
    /// error). Without a name (`durable_name` or `name`) the consumer is ephemeral and the
    /// server names it.
    ///
    /// ```no_run
    /// use natskit::jetstream::ConsumerConfig;
    ///
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// let info = js.create_consumer("ORDERS", ConsumerConfig::durable("billing")).await?;
    /// println!("{} messages to deliver", info.num_pending);
    /// # Ok(()) }
    /// ```
    pub async fn create_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<ConsumerInfo, JetStreamError> {
        self.send_consumer(stream, &config, Action::Create).await
    }

    /// Changes an existing consumer's configuration; fails with
    /// [`ApiError::CONSUMER_DOES_NOT_EXIST`] when there is none, and with the server's reason
    /// for a field that cannot change (the deliver policy, ...).
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// let mut config = js.consumer_info("ORDERS", "billing").await?.config;
    /// config.max_ack_pending = 50;
    /// js.update_consumer("ORDERS", config).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<ConsumerInfo, JetStreamError> {
        self.send_consumer(stream, &config, Action::Update).await
    }

    /// Creates the consumer, or updates it when it exists.
    ///
    /// ```no_run
    /// use natskit::jetstream::ConsumerConfig;
    ///
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// js.create_or_update_consumer("ORDERS", ConsumerConfig::durable("billing")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_or_update_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<ConsumerInfo, JetStreamError> {
        self.send_consumer(stream, &config, Action::Either).await
    }

    async fn send_consumer(
        &self,
        stream: &str,
        config: &ConsumerConfig,
        action: Action,
    ) -> Result<ConsumerInfo, JetStreamError> {
        validate_stream_name(stream)?;
        if !config.durable_name.is_empty()
            && !config.name.is_empty()
            && config.durable_name != config.name
        {
            return Err(JetStreamError::InvalidConfig {
                reason: format!(
                    "durable_name {:?} and name {:?} differ; set one, or both the same",
                    config.durable_name, config.name
                ),
            });
        }
        let name = config.effective_name();
        let api = if name.is_empty() {
            format!("CONSUMER.CREATE.{stream}")
        } else {
            validate_consumer_name(name)?;
            // A filter with wildcards stays in the body only: a publish subject has none.
            match config.filter_subject.as_str() {
                "" => format!("CONSUMER.CREATE.{stream}.{name}"),
                filter if filter.split('.').any(|t| t == "*" || t == ">") => {
                    format!("CONSUMER.CREATE.{stream}.{name}")
                }
                filter => format!("CONSUMER.CREATE.{stream}.{name}.{filter}"),
            }
        };
        let request = CreateRequest {
            stream_name: stream,
            config,
            action: match action {
                Action::Create => "create",
                Action::Update => "update",
                Action::Either => "",
            },
        };
        self.api_call(&api, &request).await
    }

    /// A consumer's configuration and progress, read from the server.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// let info = js.consumer_info("ORDERS", "billing").await?;
    /// println!("acknowledged up to #{}", info.ack_floor.stream_seq);
    /// # Ok(()) }
    /// ```
    pub async fn consumer_info(
        &self,
        stream: &str,
        consumer: &str,
    ) -> Result<ConsumerInfo, JetStreamError> {
        validate_stream_name(stream)?;
        validate_consumer_name(consumer)?;
        self.api_call_raw(
            &self.api_subject(&format!("CONSUMER.INFO.{stream}.{consumer}")),
            bytes::Bytes::new(),
        )
        .await
    }

    /// Deletes a consumer; its pull requests end with `409 Consumer Deleted`.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// js.delete_consumer("ORDERS", "billing").await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_consumer(
        &self,
        stream: &str,
        consumer: &str,
    ) -> Result<(), JetStreamError> {
        validate_stream_name(stream)?;
        validate_consumer_name(consumer)?;
        let answer: Success = self
            .api_call_raw(
                &self.api_subject(&format!("CONSUMER.DELETE.{stream}.{consumer}")),
                bytes::Bytes::new(),
            )
            .await?;
        self.succeeded(answer.success, "CONSUMER.DELETE")
    }

    /// The names of the consumers of `stream`; every page is read.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// println!("{:?}", js.consumer_names("ORDERS").await?);
    /// # Ok(()) }
    /// ```
    pub async fn consumer_names(&self, stream: &str) -> Result<Vec<String>, JetStreamError> {
        validate_stream_name(stream)?;
        self.all_pages(&format!("CONSUMER.NAMES.{stream}"), None)
            .await
    }

    /// The configuration and progress of every consumer of `stream`; every page is read.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// for info in js.consumers("ORDERS").await? {
    ///     println!("{}: {} pending", info.name, info.num_pending);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn consumers(&self, stream: &str) -> Result<Vec<ConsumerInfo>, JetStreamError> {
        validate_stream_name(stream)?;
        self.all_pages(&format!("CONSUMER.LIST.{stream}"), None)
            .await
    }

    /// True when `error` says the consumer is not there (so a caller can create it).
    pub(crate) fn is_consumer_missing(error: &JetStreamError) -> bool {
        matches!(error, JetStreamError::Api(e) if e.is(ApiError::CONSUMER_NOT_FOUND))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_create_request_names_the_stream_and_the_action() {
        let config = ConsumerConfig::durable("d");
        let json = serde_json::to_string(&CreateRequest {
            stream_name: "S",
            config: &config,
            action: "create",
        })
        .expect("serializes");
        assert_eq!(
            json,
            r#"{"stream_name":"S","config":{"durable_name":"d","ack_policy":"explicit"},"action":"create"}"#
        );
    }
}
