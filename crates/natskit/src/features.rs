//! The Cargo features this build leaves out, checked before the first connection: a URL or an
//! option that needs one fails `connect` at once with [`ConnectError::FeatureDisabled`], before
//! any socket is opened. (A server that requires TLS is only known from its INFO: the `tls`
//! stand-in module answers that one.)

use crate::error::ConnectError;
use crate::options::ConnectOptions;
use crate::server_addr::ServerAddr;

/// Which optional parts this build has.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Built {
    pub(crate) tls: bool,
    pub(crate) nkeys: bool,
    pub(crate) websocket: bool,
}

impl Built {
    /// This build's features.
    pub(crate) const THIS: Built = Built {
        tls: cfg!(feature = "tls"),
        nkeys: cfg!(feature = "nkeys"),
        websocket: cfg!(feature = "websocket"),
    };
}

/// The feature error for `needed_by`, in the words every left-out part uses.
pub(crate) fn disabled(feature: &'static str, needed_by: String) -> ConnectError {
    ConnectError::FeatureDisabled { feature, needed_by }
}

/// The first thing in `servers` or `options` that `built` cannot do.
pub(crate) fn check(
    built: Built,
    servers: &[ServerAddr],
    options: &ConnectOptions,
) -> Result<(), ConnectError> {
    for server in servers {
        let scheme = server.scheme();
        if !built.websocket && server.is_websocket() {
            return Err(disabled("websocket", format!("the URL {server}")));
        }
        if !built.tls && matches!(scheme, "tls" | "wss") {
            return Err(disabled("tls", format!("the URL {server}")));
        }
    }
    let tls = &options.tls;
    let tls_option = [
        (tls.required, "require_tls"),
        (tls.first, "tls_first"),
        (!tls.root_certificates.is_empty(), "add_root_certificate"),
        (tls.client_certificate.is_some(), "client_certificate"),
    ];
    if let Some((_, option)) = tls_option.iter().find(|(set, _)| *set && !built.tls) {
        return Err(disabled("tls", format!("the option {option}")));
    }
    let seed_option = [
        (options.auth.nkey_seed.is_some(), "nkey"),
        (options.auth.creds.is_some(), "credentials"),
    ];
    if let Some((_, option)) = seed_option.iter().find(|(set, _)| *set && !built.nkeys) {
        return Err(disabled("nkeys", format!("the option {option}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const NOTHING: Built = Built {
        tls: false,
        nkeys: false,
        websocket: false,
    };
    const EVERYTHING: Built = Built {
        tls: true,
        nkeys: true,
        websocket: true,
    };

    fn missing(
        built: Built,
        url: &str,
        options: &ConnectOptions,
    ) -> Option<(&'static str, String)> {
        let servers = ServerAddr::parse_list(url).unwrap();
        match check(built, &servers, options) {
            Ok(()) => None,
            Err(ConnectError::FeatureDisabled { feature, needed_by }) => Some((feature, needed_by)),
            Err(other) => panic!("unexpected error {other}"),
        }
    }

    #[test]
    fn urls_name_the_feature_they_need() {
        let plain = ConnectOptions::new();
        assert_eq!(missing(NOTHING, "nats://127.0.0.1:4222", &plain), None);
        let (feature, needed_by) = missing(NOTHING, "tls://127.0.0.1:4222", &plain).unwrap();
        assert_eq!(feature, "tls");
        assert!(needed_by.contains("tls://127.0.0.1:4222"), "{needed_by}");
        assert_eq!(
            missing(NOTHING, "ws://h:80", &plain).unwrap().0,
            "websocket"
        );
        let only_ws = Built {
            websocket: true,
            ..NOTHING
        };
        assert_eq!(missing(only_ws, "wss://h:443", &plain).unwrap().0, "tls");
        assert_eq!(missing(only_ws, "ws://h:80", &plain), None);
        assert_eq!(
            missing(EVERYTHING, "nats://a,tls://b,wss://c", &plain),
            None
        );
    }

    #[test]
    fn options_name_the_feature_they_need() {
        let url = "nats://127.0.0.1:4222";
        let cases = [
            (
                ConnectOptions::new().require_tls(true),
                "tls",
                "require_tls",
            ),
            (ConnectOptions::new().tls_first(), "tls", "tls_first"),
            (
                ConnectOptions::new().add_root_certificate("ca.pem"),
                "tls",
                "add_root_certificate",
            ),
            (ConnectOptions::new().nkey("SUAB"), "nkeys", "nkey"),
            (
                ConnectOptions::new().credentials("text"),
                "nkeys",
                "credentials",
            ),
        ];
        for (options, feature, option) in cases {
            let (got, needed_by) = missing(NOTHING, url, &options).unwrap();
            assert_eq!(
                (got, needed_by.contains(option)),
                (feature, true),
                "{needed_by}"
            );
            assert_eq!(missing(EVERYTHING, url, &options), None);
        }
    }

    #[test]
    fn the_message_says_what_to_do() {
        let error = disabled("tls", "the URL tls://h:4222".into()).to_string();
        assert_eq!(
            error,
            "the URL tls://h:4222: natskit was built without its `tls` Cargo feature; \
             enable it in Cargo.toml"
        );
    }
}
