//! What `natskit stream`, `natskit consumer`, `natskit kv` and `natskit obj` share: [`JsArgs`], the
//! connection flags plus `--js-domain`, and [`JetStream`], the client and the JetStream context
//! they open.
//!
//! - `check`: names, keys and subjects checked before connecting; `parse`: flag values (policy
//!   words, limits, sizes, where a consumer starts).
//! - `error`: the library's errors as sentences that name the stream, consumer or bucket;
//!   `kv_error`: the key-value errors likewise, naming the key; `obj_error`: the object store
//!   errors likewise, naming the object.
//! - `show`: numbers, sizes, times and durations as people read them; `json`: the documents
//!   `--json` prints.
//! - `confirm`: the question before deleting or purging; `bucket_flags`: the flags `kv add` and
//!   `obj add` share.

pub mod bucket_flags;
pub mod check;
pub mod confirm;
pub mod error;
pub mod json;
pub mod kv_error;
pub mod obj_error;
pub mod parse;
pub mod show;

use std::time::Duration;

use clap::Args;
use natskit::jetstream::{self, Context};
use natskit::Client;

use crate::connect::ConnectArgs;
use crate::error::CliError;
use crate::settings::HEADING;

/// How long each JetStream API call may take when `--timeout` is not given.
const API_TIMEOUT: Duration = Duration::from_secs(5);

/// The connection flags and the JetStream domain.
#[derive(Debug, Args)]
pub struct JsArgs {
    /// The JetStream domain to manage (its API is `$JS.<DOMAIN>.API`); the local one by
    /// default.
    #[arg(long, global = true, value_name = "DOMAIN", help_heading = HEADING)]
    pub js_domain: Option<String>,

    /// `--timeout` bounds each JetStream API call (default 5s).
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// A connection and JetStream over it.
pub struct JetStream {
    /// The connection, closed (and so flushed) by [`JetStream::close`].
    client: Client,
    /// The API.
    pub js: Context,
}

impl JsArgs {
    /// Checks `--js-domain`, connects, and makes the JetStream context.
    pub async fn open(&self) -> Result<JetStream, CliError> {
        if let Some(domain) = &self.js_domain {
            check::domain(domain)?;
        }
        let client = self.connect.connect().await?;
        let mut js = jetstream::new(client.clone()).with_timeout(self.api_timeout());
        if let Some(domain) = &self.js_domain {
            js = js.with_domain(domain);
        }
        Ok(JetStream { client, js })
    }

    /// How long an API call may take: `--timeout`, else 5s.
    pub fn api_timeout(&self) -> Duration {
        self.connect.timeout_or(API_TIMEOUT)
    }
}

impl JetStream {
    /// Closes the connection once what was sent (acknowledgements, say) is flushed.
    pub async fn close(self) -> Result<(), CliError> {
        self.client.close().await?;
        Ok(())
    }
}
