//! NKey seeds (the `nkeys` feature): the key pair a seed stands for, its public key and its
//! signatures. Errors never quote the seed.

use crate::error::ConnectError;

/// The key pair of an NKey seed.
pub(crate) struct Seed(nkeys::KeyPair);

impl Seed {
    /// The key pair of `seed` (`S...`, surrounding white space ignored).
    pub(crate) fn parse(seed: &str) -> Result<Seed, ConnectError> {
        nkeys::KeyPair::from_seed(seed.trim())
            .map(Seed)
            .map_err(|_| ConnectError::Credentials {
                reason: "the NKey seed is not a valid seed (it should start with S)".into(),
            })
    }

    /// The public key (`U...` for a user).
    pub(crate) fn public_key(&self) -> String {
        self.0.public_key()
    }

    /// The Ed25519 signature of `data`.
    pub(crate) fn sign(
        &self,
        data: &[u8],
    ) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
        Ok(self.0.sign(data)?)
    }
}
