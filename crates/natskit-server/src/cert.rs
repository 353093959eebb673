//! Who a client certificate names, for nats-server's `verify_and_map`: its e-mail addresses,
//! DNS names and URIs (subject alternative names) and its subject's distinguished name, read
//! from the certificate's DER with a small reader of the few structures involved. A user
//! whose name is one of these (the names first, in that order, then the subject) is the one
//! the client logs in as.

/// The names a certificate gives its holder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CertIdentity {
    pub(crate) emails: Vec<String>,
    pub(crate) dns: Vec<String>,
    pub(crate) uris: Vec<String>,
    /// The subject's attributes in certificate order: (type, value), the type as nats-server
    /// names it (`CN`, `O`, `OU`, ... or a dotted OID).
    pub(crate) subject: Vec<(String, String)>,
}

impl CertIdentity {
    /// The SAN names to try as user names, in nats-server's order: e-mail addresses, DNS
    /// names, URIs.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.emails
            .iter()
            .chain(&self.dns)
            .chain(&self.uris)
            .map(String::as_str)
    }

    /// Whether `user`, read as a distinguished name (`CN=alice,O=acme`), names the subject:
    /// the same attributes in the same order as written (most specific first, as RFC 4514
    /// writes them), or in any order.
    pub(crate) fn subject_is(&self, user: &str) -> bool {
        let Some(mut wanted) = parse_dn(user) else {
            return false;
        };
        if wanted.is_empty() || wanted.len() != self.subject.len() {
            return false;
        }
        let same = |a: &(String, String), b: &(String, String)| {
            a.0.eq_ignore_ascii_case(&b.0) && a.1 == b.1
        };
        // RFC 4514 strings list the last attribute of the certificate's sequence first.
        if wanted
            .iter()
            .zip(self.subject.iter().rev())
            .all(|(a, b)| same(a, b))
        {
            return true;
        }
        for have in &self.subject {
            match wanted.iter().position(|w| same(w, have)) {
                Some(i) => {
                    wanted.swap_remove(i);
                }
                None => return false,
            }
        }
        wanted.is_empty()
    }
}

/// A DER element: its tag and its content.
struct Element<'a> {
    tag: u8,
    content: &'a [u8],
}

/// Reads the element at the start of `input`; the element and what follows it.
fn element(input: &[u8]) -> Option<(Element<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |n, &b| (n << 8) | usize::from(b));
        (len, &rest[count..])
    };
    if rest.len() < len {
        return None;
    }
    Some((
        Element {
            tag,
            content: &rest[..len],
        },
        &rest[len..],
    ))
}

/// The elements inside `content`, in order (stops at the first malformed one).
fn elements(mut content: &[u8]) -> Vec<Element<'_>> {
    let mut out = Vec::new();
    while let Some((e, rest)) = element(content) {
        out.push(e);
        content = rest;
    }
    out
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const OCTET_STRING: u8 = 0x04;
/// `[3]` in a TBSCertificate: the extensions.
const EXTENSIONS: u8 = 0xa3;
/// subjectAltName.
const SAN_OID: &str = "2.5.29.17";

/// The names in a DER certificate; `None` when it does not read as one.
pub(crate) fn identity(der: &[u8]) -> Option<CertIdentity> {
    let (cert, _) = element(der)?;
    let (tbs, _) = element(cert.content)?;
    let fields = elements(tbs.content);
    // [0] version (optional), serial, signature algorithm, issuer, validity, subject, ...
    let skip = usize::from(fields.first()?.tag == 0xa0);
    let subject = fields.get(skip + 4).filter(|e| e.tag == SEQUENCE)?;
    let mut id = CertIdentity {
        subject: subject_attributes(subject.content),
        ..CertIdentity::default()
    };
    let extensions = fields.iter().find(|e| e.tag == EXTENSIONS);
    for ext in extensions
        .and_then(|e| element(e.content))
        .map(|(seq, _)| elements(seq.content))
        .unwrap_or_default()
    {
        let parts = elements(ext.content);
        let is_san = parts
            .first()
            .is_some_and(|p| p.tag == OID && oid(p.content) == SAN_OID);
        let Some(value) = parts.iter().find(|p| p.tag == OCTET_STRING) else {
            continue;
        };
        if !is_san {
            continue;
        }
        let Some((names, _)) = element(value.content) else {
            continue;
        };
        for name in elements(names.content) {
            let text = String::from_utf8_lossy(name.content).into_owned();
            match name.tag {
                0x81 => id.emails.push(text),
                0x82 => id.dns.push(text),
                0x86 => id.uris.push(text),
                _ => {}
            }
        }
    }
    Some(id)
}

/// The (type, value) pairs of a Name, in order.
fn subject_attributes(name: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for rdn in elements(name).iter().filter(|e| e.tag == SET) {
        for atv in elements(rdn.content).iter().filter(|e| e.tag == SEQUENCE) {
            let parts = elements(atv.content);
            let (Some(kind), Some(value)) = (parts.first(), parts.get(1)) else {
                continue;
            };
            if kind.tag != OID {
                continue;
            }
            let dotted = oid(kind.content);
            out.push((short_name(&dotted), string_value(value)));
        }
    }
    out
}

/// A directory string's text: UTF-8, printable, IA5 and T.61 as bytes, BMP as UTF-16.
fn string_value(e: &Element<'_>) -> String {
    match e.tag {
        0x1e => {
            let units: Vec<u16> = e
                .content
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => String::from_utf8_lossy(e.content).into_owned(),
    }
}

/// An OID's dotted form.
fn oid(content: &[u8]) -> String {
    let mut parts: Vec<u64> = Vec::new();
    let mut value = 0u64;
    for &b in content {
        value = (value << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if parts.is_empty() {
                let first = value.min(80) / 40;
                parts.push(first);
                parts.push(value - first * 40);
            } else {
                parts.push(value);
            }
            value = 0;
        }
    }
    parts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// The short names distinguished names use for the common attribute types.
fn short_name(dotted: &str) -> String {
    let name = match dotted {
        "2.5.4.3" => "CN",
        "2.5.4.5" => "SERIALNUMBER",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "STREET",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.17" => "POSTALCODE",
        "0.9.2342.19200300.100.1.1" => "UID",
        "0.9.2342.19200300.100.1.25" => "DC",
        "1.2.840.113549.1.9.1" => "emailAddress",
        other => other,
    };
    name.to_owned()
}

/// A distinguished name as written (`CN=alice,OU=dev+O=acme`): its (type, value) pairs in
/// written order, with `\,`-style escapes undone and spaces around them trimmed; `None` when
/// a part has no `=`.
fn parse_dn(text: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut part = String::new();
    let mut chars = text.chars();
    let mut finish = |part: &mut String| -> Option<()> {
        let (kind, value) = part.split_once('=')?;
        out.push((kind.trim().to_owned(), value.trim().replace('\u{0}', "")));
        part.clear();
        Some(())
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    part.push(next);
                }
            }
            ',' | '+' | ';' => finish(&mut part)?,
            c => part.push(c),
        }
    }
    if !part.trim().is_empty() {
        finish(&mut part)?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(subject: &[(&str, &str)]) -> CertIdentity {
        CertIdentity {
            subject: subject
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..CertIdentity::default()
        }
    }

    #[test]
    fn subjects_match_in_written_or_any_order() {
        let cert = id(&[("C", "US"), ("O", "acme"), ("CN", "alice")]);
        assert!(cert.subject_is("CN=alice,O=acme,C=US"));
        assert!(cert.subject_is("C=US, O=acme, CN=alice"));
        assert!(cert.subject_is("cn=alice,o=acme,c=US"));
        assert!(!cert.subject_is("CN=alice,O=acme"));
        assert!(!cert.subject_is("CN=bob,O=acme,C=US"));
        assert!(!cert.subject_is("alice"));
        assert!(id(&[("CN", "a,b")]).subject_is("CN=a\\,b"));
    }

    #[test]
    fn a_real_certificate_gives_its_names() {
        let pki = natskit_test::pki::Pki::new();
        let der = natskit_proto::pem::read_certificates(&pki.client.cert).unwrap();
        let id = identity(&der[0]).unwrap();
        assert_eq!(id.dns, ["client.natskit.test"]);
        assert_eq!(
            id.subject,
            [("CN".to_owned(), "client.natskit.test".to_owned())]
        );
        assert!(id.subject_is("CN=client.natskit.test"));
    }

    #[test]
    fn oids_read_dotted() {
        assert_eq!(oid(&[0x55, 0x04, 0x03]), "2.5.4.3");
        assert_eq!(
            oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01]),
            "1.2.840.113549.1.9.1"
        );
        assert_eq!(identity(b"\x30\x02\x30"), None);
        assert_eq!(identity(b""), None);
    }
}
