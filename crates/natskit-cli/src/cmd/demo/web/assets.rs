//! The files the LED-matrix page is made of: ours (in `page/`), and the official NATS WebSocket
//! client with its licence, bundled at build time (see the crate's build script).

/// One file the page server can answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its bytes.
    pub body: &'static [u8],
}

const HTML: &str = "text/html; charset=utf-8";
const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// The NATS WebSocket client and its licence, when they were there at build time.
#[cfg(natskit_web_bundle)]
const NATS_CLIENT: Option<(&[u8], &[u8])> = Some((
    include_bytes!(env!("NATSKIT_NATS_WS_BUNDLE")),
    include_bytes!(env!("NATSKIT_NATS_WS_LICENCE")),
));
#[cfg(not(natskit_web_bundle))]
const NATS_CLIENT: Option<(&[u8], &[u8])> = None;

/// Whether the NATS WebSocket client was bundled (`make deps` before the build).
pub fn nats_client_bundled() -> bool {
    NATS_CLIENT.is_some()
}

/// The file at `path` (`/`, `/app.js`, ...), if the page has one there.
pub fn find(path: &str) -> Option<Asset> {
    let asset = |content_type, body: &'static [u8]| Some(Asset { content_type, body });
    match path {
        "/" | "/index.html" => asset(HTML, include_bytes!("page/index.html")),
        "/app.js" => asset(JAVASCRIPT, include_bytes!("page/app.js")),
        "/style.css" => asset(CSS, include_bytes!("page/style.css")),
        "/nats.js" => NATS_CLIENT.and_then(|(bundle, _)| asset(JAVASCRIPT, bundle)),
        "/nats.js.LICENSE.txt" => NATS_CLIENT.and_then(|(_, licence)| asset(TEXT, licence)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_and_its_script_are_found_and_nothing_else() {
        assert!(find("/").unwrap().content_type.starts_with("text/html"));
        assert_eq!(find("/index.html"), find("/"));
        let app = find("/app.js").unwrap();
        assert!(std::str::from_utf8(app.body)
            .unwrap()
            .contains("from \"./nats.js\""));
        assert!(find("/style.css").is_some());
        assert_eq!(find("/../Cargo.toml"), None);
        assert_eq!(find("/app.js?x"), None);
    }

    #[test]
    fn the_nats_client_is_served_with_its_licence_when_bundled() {
        assert_eq!(find("/nats.js").is_some(), nats_client_bundled());
        assert_eq!(
            find("/nats.js.LICENSE.txt").is_some(),
            nats_client_bundled()
        );
    }
}
