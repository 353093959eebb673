//! Certificates made at test time with rcgen, so no private key is ever kept in a repository:
//! a CA, server certificates (for the loopback names, `localhost` only, another host), a client
//! certificate, an unrelated CA, and the nats-server `tls` block that serves them.
//!
//! ```
//! let pki = natskit_test::pki::Pki::new();
//! assert!(pki.ca.exists() && pki.server.cert.exists() && pki.client.key.exists());
//! assert!(pki.tls_block(&pki.server, true).contains("verify: true"));
//! ```

use std::path::PathBuf;

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

use crate::TempDir;

/// A certificate file and its key file (PEM).
#[derive(Debug, Clone)]
pub struct Pair {
    /// The certificate.
    pub cert: PathBuf,
    /// Its private key.
    pub key: PathBuf,
}

/// A CA with the certificates it signed, written to a temp dir removed with the `Pki`.
#[derive(Debug)]
pub struct Pki {
    /// The CA certificate.
    pub ca: PathBuf,
    /// A server certificate for `127.0.0.1` and `localhost`.
    pub server: Pair,
    /// A server certificate for `nats.example.com` only.
    pub wrong_name: Pair,
    /// A server certificate for `localhost` only (not its address).
    pub localhost_only: Pair,
    /// A client certificate (`client.natskit.test`).
    pub client: Pair,
    /// A CA that signed nothing here.
    pub other_ca: PathBuf,
    /// Holds the files.
    dir: TempDir,
}

impl Pki {
    /// Makes the CA and the certificates.
    ///
    /// # Panics
    /// When the temp dir cannot be written or rcgen fails: a broken test machine.
    ///
    /// ```
    /// let pki = natskit_test::pki::Pki::new();
    /// let pem = std::fs::read_to_string(&pki.ca).unwrap();
    /// assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    /// ```
    pub fn new() -> Pki {
        let dir = TempDir::new("pki").expect("a temp dir for the certificates");
        let (ca, ca_key) = new_ca("natskit test CA");
        let (other, _) = new_ca("natskit unrelated CA");
        let leaf = |name: &str, names: &[&str], usage| leaf(&dir, name, names, usage, &ca, &ca_key);
        let server = leaf(
            "server",
            &["127.0.0.1", "localhost"],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let wrong_name = leaf(
            "wrong-name",
            &["nats.example.com"],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let localhost_only = leaf(
            "localhost-only",
            &["localhost"],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let client = leaf(
            "client",
            &["client.natskit.test"],
            ExtendedKeyUsagePurpose::ClientAuth,
        );
        Pki {
            ca: write(&dir, "ca.pem", &ca.pem()),
            other_ca: write(&dir, "other-ca.pem", &other.pem()),
            server,
            wrong_name,
            localhost_only,
            client,
            dir,
        }
    }

    /// Writes `text` to file `name` beside the certificates and returns its path (for the
    /// other files a test needs, such as credentials).
    ///
    /// ```
    /// let pki = natskit_test::pki::Pki::new();
    /// let path = pki.write("note.txt", "hi");
    /// assert_eq!(std::fs::read_to_string(path).unwrap(), "hi");
    /// ```
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        write(&self.dir, name, text)
    }

    /// A nats-server `tls` block serving `server`; `verify` asks clients for certificates.
    ///
    /// ```
    /// let pki = natskit_test::pki::Pki::new();
    /// assert!(pki.tls_block(&pki.server, false).starts_with("tls {"));
    /// ```
    pub fn tls_block(&self, server: &Pair, verify: bool) -> String {
        format!(
            "tls {{\n  cert_file: {:?}\n  key_file: {:?}\n  ca_file: {:?}\n  verify: {verify}\n  timeout: 5\n}}\n",
            server.cert, server.key, self.ca
        )
    }
}

impl Default for Pki {
    fn default() -> Self {
        Pki::new()
    }
}

fn write(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("writing into the temp dir");
    path
}

fn new_ca(name: &str) -> (Certificate, KeyPair) {
    let key = KeyPair::generate().expect("a CA key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let cert = params.self_signed(&key).expect("a self-signed CA");
    (cert, key)
}

fn leaf(
    dir: &TempDir,
    name: &str,
    names: &[&str],
    usage: ExtendedKeyUsagePurpose,
    ca: &Certificate,
    ca_key: &KeyPair,
) -> Pair {
    let key = KeyPair::generate().expect("a key");
    let alt_names = names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    let mut params = CertificateParams::new(alt_names).expect("certificate parameters");
    params.distinguished_name.push(DnType::CommonName, names[0]);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![usage];
    let cert = params
        .signed_by(&key, ca, ca_key)
        .expect("a signed certificate");
    Pair {
        cert: write(dir, &format!("{name}.pem"), &cert.pem()),
        key: write(dir, &format!("{name}-key.pem"), &key.serialize_pem()),
    }
}
