//! `natskit kv create BUCKET KEY [VALUE]`: write a value to a key only if the key has none
//! (never written, deleted or purged). The arguments and the writing are `put`'s.

use super::put::{write, PutArgs, Write};
use crate::error::CliError;
use crate::js::JsArgs;

/// Arguments of `natskit kv create`: those of `natskit kv put`.
pub type CreateArgs = PutArgs;

/// Writes the value unless the key has one.
pub async fn run(args: CreateArgs, js_args: &JsArgs) -> Result<(), CliError> {
    write(args, js_args, Write::Create).await
}
