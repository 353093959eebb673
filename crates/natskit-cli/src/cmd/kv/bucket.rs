//! Opening a bucket: connect, then ask for it, so an unknown bucket is one clear error before
//! anything is read or written.

use natskit::jetstream::kv::Store;

use crate::error::CliError;
use crate::js::kv_error::kv_failed;
use crate::js::{JetStream, JsArgs};

/// Connects and opens `bucket` (whose name was checked before).
pub(super) async fn open(js_args: &JsArgs, bucket: &str) -> Result<(JetStream, Store), CliError> {
    let js = js_args.open().await?;
    let store = js
        .js
        .key_value(bucket)
        .await
        .map_err(|e| kv_failed(&format!("open bucket {bucket:?}"), bucket, e))?;
    Ok((js, store))
}
