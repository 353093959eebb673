//! Certificates made at test time with rcgen (no private key is kept in the repository), as
//! the natskit client's tests make them: a CA, a server certificate for the loopback address,
//! a client certificate, and an unrelated CA.

use std::path::PathBuf;

use natskit_test::TempDir;
use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

/// A certificate file and its key file.
pub struct Pair {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A CA with certificates it signed, written to a temp dir.
pub struct Pki {
    /// Holds the files; removed with the `Pki`.
    _dir: TempDir,
    /// The CA certificate (PEM).
    pub ca: PathBuf,
    /// A server certificate for `127.0.0.1` and `localhost`.
    pub server: Pair,
    /// A client certificate.
    pub client: Pair,
    /// A CA that signed nothing here.
    pub other_ca: PathBuf,
}

impl Pki {
    pub fn new() -> Pki {
        let dir = TempDir::new("pki").unwrap();
        let (ca, ca_key) = new_ca("natskit-server test CA");
        let (other, _) = new_ca("natskit-server unrelated CA");
        let server = leaf(
            &dir,
            "server",
            &["127.0.0.1", "localhost"],
            ExtendedKeyUsagePurpose::ServerAuth,
            &ca,
            &ca_key,
        );
        let client = leaf(
            &dir,
            "client",
            &["client.natskit.test"],
            ExtendedKeyUsagePurpose::ClientAuth,
            &ca,
            &ca_key,
        );
        Pki {
            ca: write(&dir, "ca.pem", &ca.pem()),
            other_ca: write(&dir, "other-ca.pem", &other.pem()),
            server,
            client,
            _dir: dir,
        }
    }
}

fn write(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn new_ca(name: &str) -> (Certificate, KeyPair) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    (params.self_signed(&key).unwrap(), key)
}

fn leaf(
    dir: &TempDir,
    name: &str,
    names: &[&str],
    usage: ExtendedKeyUsagePurpose,
    ca: &Certificate,
    ca_key: &KeyPair,
) -> Pair {
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    params.distinguished_name.push(DnType::CommonName, names[0]);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![usage];
    let cert = params.signed_by(&key, ca, ca_key).unwrap();
    Pair {
        cert: write(dir, &format!("{name}.pem"), &cert.pem()),
        key: write(dir, &format!("{name}-key.pem"), &key.serialize_pem()),
    }
}
