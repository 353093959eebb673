//! TLS for client connections, as nats-server 2.9 does it: INFO goes out in plain text with
//! `tls_required`, then the client starts the handshake and everything else runs over TLS.
//! The configuration (certificate chain, key, client CAs) is read from PEM files when the
//! broker starts, with [`natskit_proto::pem`] (the reader the client uses too), and served with
//! rustls and its ring provider.

use std::path::PathBuf;
use std::sync::Arc;

use natskit_proto::pem::{read_certificates, read_private_key, PemError};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tokio_rustls::TlsAcceptor;

use crate::error::ServerError;

/// Where the broker's certificate, its key and (for mutual TLS) the client CAs are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TlsFiles {
    /// The certificate chain (PEM), the broker's own certificate first.
    pub(crate) cert: Option<PathBuf>,
    /// The private key (PEM).
    pub(crate) key: Option<PathBuf>,
    /// CA certificates (PEM) client certificates must chain to; `None`: no client certificate
    /// is asked for.
    pub(crate) client_ca: Option<PathBuf>,
    /// The handshake comes first, before INFO (nats-server 2.10's `handshake_first`).
    pub(crate) handshake_first: bool,
    /// Clients are the users their certificates name (nats-server's `verify_and_map`).
    pub(crate) map_users: bool,
}

impl TlsFiles {
    /// True when TLS is configured at all.
    pub(crate) fn is_set(&self) -> bool {
        self.cert.is_some()
            || self.key.is_some()
            || self.client_ca.is_some()
            || self.handshake_first
    }
}

/// The TLS side of a running broker.
#[derive(Clone)]
pub(crate) struct Tls {
    pub(crate) acceptor: TlsAcceptor,
    /// Client certificates are required and verified (`tls_verify` in INFO).
    pub(crate) verify: bool,
    /// Clients start the handshake at once; INFO follows over TLS.
    pub(crate) handshake_first: bool,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("verify", &self.verify)
            .field("handshake_first", &self.handshake_first)
            .finish()
    }
}

fn tls_error(reason: String) -> ServerError {
    ServerError::Tls { reason }
}

/// A PEM file that could not be used, as this crate's error (the text names the file only).
fn pem_error(error: PemError) -> ServerError {
    tls_error(error.to_string())
}

/// Reads the files and builds the acceptor; `None` when TLS is not configured.
pub(crate) fn load(files: &TlsFiles) -> Result<Option<Tls>, ServerError> {
    if !files.is_set() {
        return Ok(None);
    }
    let (Some(cert_path), Some(key_path)) = (&files.cert, &files.key) else {
        return Err(tls_error(
            "client verification and handshake-first need a certificate and key too \
             (ServerBuilder::tls)"
                .into(),
        ));
    };
    let certs = read_certificates(cert_path).map_err(pem_error)?;
    let key = read_private_key(key_path).map_err(pem_error)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(e.to_string()))?;
    let builder = match &files.client_ca {
        None => builder.with_no_client_auth(),
        Some(ca_path) => {
            let mut roots = RootCertStore::empty();
            for cert in read_certificates(ca_path).map_err(pem_error)? {
                roots
                    .add(cert)
                    .map_err(|e| tls_error(format!("CA file {}: {e}", ca_path.display())))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| tls_error(format!("CA file {}: {e}", ca_path.display())))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let config = builder
        .with_single_cert(certs, key)
        .map_err(|e| tls_error(format!("certificate {}: {e}", cert_path.display())))?;
    Ok(Some(Tls {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        verify: files.client_ca.is_some(),
        handshake_first: files.handshake_first,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_configured_is_no_tls_and_half_a_configuration_fails() {
        assert!(load(&TlsFiles::default()).unwrap().is_none());
        let only_ca = TlsFiles {
            client_ca: Some("ca.pem".into()),
            ..TlsFiles::default()
        };
        assert!(load(&only_ca).is_err());
        let only_first = TlsFiles {
            handshake_first: true,
            ..TlsFiles::default()
        };
        assert!(load(&only_first).is_err());
        let missing = TlsFiles {
            cert: Some("/nonexistent/cert.pem".into()),
            key: Some("/nonexistent/key.pem".into()),
            ..TlsFiles::default()
        };
        let err = load(&missing).unwrap_err().to_string();
        assert!(err.contains("/nonexistent/cert.pem"), "{err}");
    }
}
