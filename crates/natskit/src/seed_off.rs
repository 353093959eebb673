//! NKey seeds left out (the `nkeys` feature is off): `connect` refuses the `nkey` and
//! `credentials` options at once (`features.rs`); this stand-in keeps `auth.rs` the same in
//! every build. No seed can be made, so the methods are never reached.

use crate::error::ConnectError;
use crate::features::disabled;

/// No key pair: this build cannot read seeds.
pub(crate) enum Seed {}

impl Seed {
    /// Always fails: this build cannot read seeds.
    pub(crate) fn parse(_seed: &str) -> Result<Seed, ConnectError> {
        Err(disabled("nkeys", "an NKey seed".into()))
    }

    /// Never called: there is no `Seed`.
    pub(crate) fn public_key(&self) -> String {
        match *self {}
    }

    /// Never called: there is no `Seed`.
    pub(crate) fn sign(
        &self,
        _data: &[u8],
    ) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
        match *self {}
    }
}
