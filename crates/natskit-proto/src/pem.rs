//! Certificates and private keys read from PEM files, for the TLS set-up of the client and the
//! broker (feature `pem`, off by default).
//!
//! Both sides read the same files the same way and must fail with the same clear words: which
//! file, and what was wrong with it. This module is the one copy of that. It sits behind a
//! feature of the protocol crate rather than in a crate of its own because the client and the
//! broker both depend on this crate already (the broker does not depend on the client) and a
//! second published crate would have to be kept in step for two functions; behind the feature,
//! the codec, its fuzzers and its other users build without `rustls-pki-types`. It is the only
//! part of the crate that touches the file system.
//!
//! The errors are a neutral [`PemError`]; each caller wraps its text in its own error type.
//!
//! ```
//! use natskit_proto::pem::{read_certificates, PemError};
//!
//! let err = read_certificates("/nonexistent/ca.pem".as_ref()).unwrap_err();
//! assert!(matches!(err, PemError::Certificates { .. }));
//! assert!(err.to_string().starts_with("cannot read certificates from /nonexistent/ca.pem: "));
//! ```

use std::path::{Path, PathBuf};

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use thiserror::Error;

/// A PEM file that could not be used. The text names the file and the problem, never the
/// contents, so a key's bytes stay out of messages and logs.
///
/// ```
/// use natskit_proto::pem::{read_private_key, PemError};
///
/// let err = read_private_key("/nonexistent/key.pem".as_ref()).unwrap_err();
/// assert_eq!(err.path(), std::path::Path::new("/nonexistent/key.pem"));
/// assert!(err.to_string().starts_with("no private key in /nonexistent/key.pem: "));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PemError {
    /// The file could not be read, is not PEM, or holds no certificate.
    #[error("cannot read certificates from {}: {reason}", path.display())]
    Certificates {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// The file could not be read, is not PEM, or holds no private key.
    #[error("no private key in {}: {reason}", path.display())]
    PrivateKey {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
}

impl PemError {
    /// The file the error is about.
    ///
    /// ```
    /// use natskit_proto::pem::read_certificates;
    ///
    /// let err = read_certificates("missing.pem".as_ref()).unwrap_err();
    /// assert_eq!(err.path().to_str(), Some("missing.pem"));
    /// ```
    pub fn path(&self) -> &Path {
        match self {
            PemError::Certificates { path, .. } | PemError::PrivateKey { path, .. } => path,
        }
    }
}

/// Every certificate in the PEM file at `path`, in file order (for a chain: the leaf first).
///
/// # Errors
/// [`PemError::Certificates`] when the file cannot be read, a PEM section is malformed, or
/// there is no certificate in it at all.
///
/// ```
/// use natskit_proto::pem::read_certificates;
///
/// let path = std::env::temp_dir().join(format!("natskit-doc-{}.pem", std::process::id()));
/// std::fs::write(&path, "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n")?;
/// let certs = read_certificates(&path)?;
/// std::fs::remove_file(&path)?;
/// assert_eq!(certs.len(), 1);
/// assert_eq!(certs[0].as_ref(), [0, 1, 2]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, PemError> {
    let fail = |reason: String| PemError::Certificates {
        path: path.to_owned(),
        reason,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| fail(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(e.to_string()))?;
    if certs.is_empty() {
        return Err(fail("no PEM certificate found".into()));
    }
    Ok(certs)
}

/// The first private key (PKCS #8, PKCS #1 or SEC1) in the PEM file at `path`.
///
/// # Errors
/// [`PemError::PrivateKey`] when the file cannot be read, a PEM section is malformed, or there
/// is no private key in it.
///
/// ```
/// use natskit_proto::pem::read_private_key;
///
/// let path = std::env::temp_dir().join(format!("natskit-doc-key-{}.pem", std::process::id()));
/// std::fs::write(&path, "-----BEGIN PRIVATE KEY-----\nAAEC\n-----END PRIVATE KEY-----\n")?;
/// let key = read_private_key(&path)?;
/// std::fs::remove_file(&path)?;
/// assert_eq!(key.secret_der(), [0, 1, 2]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, PemError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| PemError::PrivateKey {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n";

    /// A file in the temporary directory holding `text`, removed when dropped.
    struct TempFile(PathBuf);

    impl TempFile {
        fn new(name: &str, text: &str) -> TempFile {
            let path = std::env::temp_dir().join(format!(
                "natskit-proto-pem-{}-{name}.pem",
                std::process::id()
            ));
            std::fs::write(&path, text).expect("write a temporary file");
            TempFile(path)
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    #[test]
    fn certificates_in_file_order() {
        let two = TempFile::new("two", &format!("{CERT}{}", CERT.replace("AAEC", "AwQF")));
        let certs = read_certificates(&two.0).expect("two certificates");
        let bytes: Vec<&[u8]> = certs.iter().map(|c| c.as_ref()).collect();
        assert_eq!(bytes, [&[0u8, 1, 2][..], &[3, 4, 5][..]]);
    }

    #[test]
    fn a_missing_file_names_the_file() {
        let err = read_certificates(Path::new("/nonexistent/ca.pem")).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("cannot read certificates from /nonexistent/ca.pem: "),
            "{text}"
        );
        assert_eq!(err.path(), Path::new("/nonexistent/ca.pem"));
    }

    #[test]
    fn a_file_without_certificates_says_so() {
        let empty = TempFile::new("empty", "not PEM at all\n");
        let err = read_certificates(&empty.0).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "cannot read certificates from {}: no PEM certificate found",
                empty.0.display()
            )
        );
    }

    #[test]
    fn a_bad_pem_section_is_an_error_naming_the_file() {
        let bad = TempFile::new(
            "bad",
            "-----BEGIN CERTIFICATE-----\n!!not base64!!\n-----END CERTIFICATE-----\n",
        );
        let err = read_certificates(&bad.0).unwrap_err();
        assert!(matches!(err, PemError::Certificates { .. }));
        assert!(err.to_string().contains(&*bad.0.to_string_lossy()), "{err}");
        let unterminated = TempFile::new("unterminated", "-----BEGIN CERTIFICATE-----\nAAEC\n");
        assert!(read_certificates(&unterminated.0).is_err());
    }

    #[test]
    fn a_certificate_is_not_a_private_key() {
        let cert = TempFile::new("cert-not-key", CERT);
        let err = read_private_key(&cert.0).unwrap_err();
        assert!(matches!(err, PemError::PrivateKey { .. }));
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("no private key in {}: ", cert.0.display())),
            "{text}"
        );
        // The message names the file, never what is in it.
        assert!(!text.contains("AAEC"), "{text}");
    }
}
