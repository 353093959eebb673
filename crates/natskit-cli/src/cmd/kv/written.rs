//! What a write prints (`put`, `create`, `update`, `del`, `purge`): a note on standard error
//! with the new revision (`Stored key "mode" in bucket "CONFIG" (revision 3)`), or with
//! `--json` its document on standard output.

use natskit::jetstream::kv::Operation;

use crate::error::CliError;
use crate::js::json;
use crate::output::print;

/// A write that was confirmed.
pub(super) struct Written<'a> {
    /// The bucket.
    pub bucket: &'a str,
    /// The key.
    pub key: &'a str,
    /// Its new revision.
    pub revision: u64,
    /// What the write did.
    pub operation: Operation,
}

impl Written<'_> {
    /// Prints the write; `done` is the note's verb (`Stored`, `Deleted`).
    pub(super) fn report(&self, json: bool, done: &str) -> Result<(), CliError> {
        if json {
            let line = json::kv_written(self.bucket, self.key, self.revision, self.operation)?;
            print(line.as_bytes())
        } else {
            note!(
                "{done} key {:?} {} bucket {:?} (revision {})",
                self.key,
                match self.operation {
                    Operation::Put => "in",
                    Operation::Delete | Operation::Purge => "from",
                },
                self.bucket,
                self.revision
            );
            Ok(())
        }
    }
}
