//! Opening a bucket: connect, then ask for it, so an unknown bucket is one clear error before
//! anything is read or written.

use natskit::jetstream::object::ObjectStore;

use crate::error::CliError;
use crate::js::obj_error::obj_failed;
use crate::js::{JetStream, JsArgs};

/// Connects and opens `bucket` (whose name was checked before).
pub(super) async fn open(
    js_args: &JsArgs,
    bucket: &str,
) -> Result<(JetStream, ObjectStore), CliError> {
    let js = js_args.open().await?;
    let store = js
        .js
        .object_store(bucket)
        .await
        .map_err(|e| obj_failed(&format!("open bucket {bucket:?}"), bucket, e))?;
    Ok((js, store))
}
