//! TLS with rustls: when to upgrade, the client configuration (trust roots, client
//! certificate), and errors that say which certificate problem stopped the handshake.
//!
//! Certificate and host-name verification are always on. The default trust store is
//! `webpki-roots` (Mozilla's roots compiled in): the same on every machine and container, with
//! no file system or OS look-ups; private CAs are added with
//! [`add_root_certificate`](crate::ConnectOptions::add_root_certificate).
//!
//! CA and client-certificate files are read with [`natskit_proto::pem`], the reader the broker
//! uses too.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use natskit_proto::pem::{read_certificates, read_private_key, PemError};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

use crate::error::ConnectError;
use crate::server_addr::ServerAddr;
use crate::transport::Transport;

/// What the options say about TLS.
#[derive(Clone, Default)]
pub(crate) struct TlsOptions {
    pub(crate) required: bool,
    pub(crate) first: bool,
    pub(crate) root_certificates: Vec<PathBuf>,
    pub(crate) client_certificate: Option<(PathBuf, PathBuf)>,
    /// The user's own configuration, or the one built from the fields above at connect.
    pub(crate) config: Option<Arc<ClientConfig>>,
}

impl TlsOptions {
    /// Whether the options or the URL demand TLS whatever the server says.
    pub(crate) fn demanded(&self, addr: &ServerAddr) -> bool {
        self.required || self.first || addr.scheme() == "tls"
    }

    /// Builds the configuration once, before the first connection, so a missing CA or key
    /// file fails `connect` at once rather than every reconnect.
    pub(crate) fn prepare(&mut self) -> Result<(), ConnectError> {
        if self.config.is_none()
            && (!self.root_certificates.is_empty() || self.client_certificate.is_some())
        {
            self.config = Some(Arc::new(build_config(
                &self.root_certificates,
                self.client_certificate.as_ref(),
            )?));
        }
        Ok(())
    }

    fn client_config(&self) -> Result<Arc<ClientConfig>, ConnectError> {
        match &self.config {
            Some(config) => Ok(Arc::clone(config)),
            None => default_config(),
        }
    }
}

/// The configuration with the default roots and no client certificate, built once per process
/// (not at every connection attempt to a server that requires TLS).
fn default_config() -> Result<Arc<ClientConfig>, ConnectError> {
    static DEFAULT: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    if let Some(config) = DEFAULT.get() {
        return Ok(Arc::clone(config));
    }
    let config = Arc::new(build_config(&[], None)?);
    Ok(Arc::clone(DEFAULT.get_or_init(|| config)))
}

impl fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsOptions")
            .field("required", &self.required)
            .field("first", &self.first)
            .field("root_certificates", &self.root_certificates)
            .field("client_certificate", &self.client_certificate)
            .field("config", &self.config.as_ref().map(|_| ".."))
            .finish()
    }
}

fn config_error(reason: String) -> ConnectError {
    ConnectError::TlsConfig { reason }
}

/// A PEM file that could not be used, as this crate's error (the text names the file only).
fn pem_error(error: PemError) -> ConnectError {
    config_error(error.to_string())
}

/// Given CA files replace the default roots (as Go's `RootCAs` does): a private deployment
/// should not also trust every public CA for its host names.
fn build_config(
    roots: &[PathBuf],
    client_certificate: Option<&(PathBuf, PathBuf)>,
) -> Result<ClientConfig, ConnectError> {
    let mut store = RootCertStore::empty();
    if roots.is_empty() {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    for path in roots {
        for cert in read_certificates(path).map_err(pem_error)? {
            store
                .add(cert)
                .map_err(|e| config_error(format!("CA file {}: {e}", path.display())))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| config_error(e.to_string()))?
        .with_root_certificates(store);
    match client_certificate {
        None => Ok(builder.with_no_client_auth()),
        Some((cert_path, key_path)) => {
            let certs = read_certificates(cert_path).map_err(pem_error)?;
            let key = read_private_key(key_path).map_err(pem_error)?;
            builder.with_client_auth_cert(certs, key).map_err(|e| {
                config_error(format!("client certificate {}: {e}", cert_path.display()))
            })
        }
    }
}

/// Runs the TLS handshake over `stream`, checking the certificate against `addr`'s host (or,
/// for a server announced by IP address, the host name it was announced under).
pub(crate) async fn upgrade(
    stream: Transport,
    addr: &ServerAddr,
    options: &TlsOptions,
) -> Result<Transport, ConnectError> {
    let address = addr.socket_address();
    let host = addr.tls_name();
    let name = ServerName::try_from(host.to_owned())
        .map_err(|_| config_error(format!("{host:?} is not a valid TLS server name")))?;
    let connector = TlsConnector::from(options.client_config()?);
    match connector.connect(name, stream).await {
        Ok(tls) => Ok(Transport::Custom(Box::new(tls))),
        Err(source) => Err(match rustls_error(&source) {
            Some(rustls::Error::InvalidCertificate(problem)) => ConnectError::CertificateRejected {
                address,
                server_name: host.to_owned(),
                reason: describe(problem, host),
            },
            _ => classify(&address, source),
        }),
    }
}

/// An I/O error of a connection: [`ConnectError::ClientCertificateRefused`] for the server's
/// alerts about our certificate, [`ConnectError::Tls`] for other TLS errors, else
/// [`ConnectError::Io`]. (With TLS 1.3 the server judges our certificate after the client
/// finished its handshake, so such alerts come on a later read.)
pub(crate) fn classify(address: &str, source: io::Error) -> ConnectError {
    use rustls::AlertDescription as A;
    let address = address.to_owned();
    match rustls_error(&source) {
        Some(rustls::Error::AlertReceived(
            alert @ (A::BadCertificate
            | A::CertificateRequired
            | A::UnknownCA
            | A::CertificateUnknown
            | A::UnsupportedCertificate
            | A::CertificateExpired
            | A::CertificateRevoked),
        )) => ConnectError::ClientCertificateRefused {
            address,
            alert: format!("{alert:?}"),
        },
        Some(_) => ConnectError::Tls { address, source },
        None => ConnectError::Io { address, source },
    }
}

fn rustls_error(error: &io::Error) -> Option<&rustls::Error> {
    error.get_ref()?.downcast_ref::<rustls::Error>()
}

fn describe(problem: &rustls::CertificateError, host: &str) -> String {
    use rustls::CertificateError as E;
    match problem {
        E::NotValidForName | E::NotValidForNameContext { .. } => {
            format!("the certificate is not valid for the name {host:?}")
        }
        E::UnknownIssuer => "the certificate is not signed by a trusted CA (add the CA with \
                             ConnectOptions::add_root_certificate)"
            .into(),
        E::Expired | E::ExpiredContext { .. } => "the certificate has expired".into(),
        E::NotValidYet | E::NotValidYetContext { .. } => "the certificate is not valid yet".into(),
        E::Revoked => "the certificate has been revoked".into(),
        other => format!("the certificate is invalid: {other:?}"),
    }
}
