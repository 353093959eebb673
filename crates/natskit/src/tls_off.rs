//! TLS left out (the `tls` feature is off). The options stay, so the API is the same in every
//! build; `connect` refuses a TLS URL or TLS option at once (`features.rs`), and what is left,
//! a server that requires TLS, fails here with [`ConnectError::FeatureDisabled`].

use std::io;
use std::path::PathBuf;

use crate::error::ConnectError;
use crate::features::disabled;
use crate::server_addr::ServerAddr;
use crate::transport::Transport;

/// What the options say about TLS.
#[derive(Clone, Debug, Default)]
pub(crate) struct TlsOptions {
    pub(crate) required: bool,
    pub(crate) first: bool,
    pub(crate) root_certificates: Vec<PathBuf>,
    pub(crate) client_certificate: Option<(PathBuf, PathBuf)>,
}

impl TlsOptions {
    /// Whether the options or the URL demand TLS whatever the server says.
    pub(crate) fn demanded(&self, addr: &ServerAddr) -> bool {
        self.required || self.first || addr.scheme() == "tls"
    }

    /// Nothing to build without TLS.
    pub(crate) fn prepare(&mut self) -> Result<(), ConnectError> {
        Ok(())
    }
}

/// Always fails: this build cannot speak TLS.
pub(crate) async fn upgrade(
    _stream: Transport,
    addr: &ServerAddr,
    _options: &TlsOptions,
) -> Result<Transport, ConnectError> {
    let address = addr.socket_address();
    Err(disabled("tls", format!("server {address} requires TLS")))
}

/// An I/O error of a connection, which without TLS is never a TLS error.
pub(crate) fn classify(address: &str, source: io::Error) -> ConnectError {
    ConnectError::Io {
        address: address.to_owned(),
        source,
    }
}
