//! Settings applied to the broker's options, and the errors and warnings for the ones it
//! does not have.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::options::{Auth, ServerOptions, User};
use crate::permissions::{Permissions, Rule};

fn options(text: &str) -> (ServerOptions, Vec<String>) {
    let (builder, warnings) =
        settings_from_str(text, "s.conf").unwrap_or_else(|e| panic!("{text:?}: {e}"));
    (
        builder.options().clone(),
        warnings.iter().map(ToString::to_string).collect(),
    )
}

fn error(text: &str) -> String {
    settings_from_str(text, "s.conf")
        .map(|_| ())
        .expect_err(text)
        .to_string()
}

#[test]
fn listen_host_port_and_names() {
    let (o, w) = options("listen: 0.0.0.0:4333\nserver_name: n1\nhttp: 8333");
    assert_eq!((o.host.as_str(), o.port), ("0.0.0.0", 4333));
    assert_eq!(o.server_name, "n1");
    assert_eq!(o.http_port, Some(8333));
    assert!(w.is_empty());
    let (o, _) = options("host: 10.1.2.3\nport: 4444\nhttp_port: -1");
    assert_eq!((o.host.as_str(), o.port), ("10.1.2.3", 4444));
    assert_eq!(o.http_port, Some(0));
    // nats-server: -1 is any free port, 0 the default.
    assert_eq!(options("port: -1").0.port, 0);
    assert_eq!(options("port: 0").0.port, 4222);
    assert_eq!(options("listen: 4555").0.port, 4555);
    assert_eq!(options("listen: \"[::1]:4556\"").0.host, "::1");
}

#[test]
fn a_monitoring_host_other_than_the_client_host_is_a_warning() {
    let (o, w) = options("host: 127.0.0.1\nhttp: 0.0.0.0:8222");
    assert_eq!(o.http_port, Some(8222));
    assert_eq!(
        w,
        ["s.conf:2:1: monitoring listens on the client host 127.0.0.1, not 0.0.0.0"]
    );
}

#[test]
fn limits() {
    let (o, w) = options(concat!(
        "max_payload: 64KB\nmax_connections: 10\nmax_control_line: 2KB\n",
        "max_pending: 8MB\nmax_subscriptions: 7\nping_interval: \"30s\"\nping_max: 5\n",
        "write_deadline: 3s\nlame_duck_grace_period: \"4s\"\n",
    ));
    assert_eq!(o.limits.max_payload, 64 * 1024);
    assert_eq!(o.limits.max_connections, 10);
    assert_eq!(o.limits.max_control_line, 2048);
    assert_eq!(o.limits.max_pending, 8 << 20);
    assert_eq!(o.limits.max_subscriptions, 7);
    assert_eq!(o.limits.ping_interval, Duration::from_secs(30));
    assert_eq!(o.limits.max_pings_outstanding, 5);
    assert_eq!(o.limits.write_deadline, Duration::from_secs(3));
    assert_eq!(o.lame_duck_grace, Some(Duration::from_secs(4)));
    assert!(w.is_empty(), "{w:?}");
}

#[test]
fn durations_as_bare_seconds_work_with_nats_servers_warning() {
    let (o, w) = options("ping_interval: 5");
    assert_eq!(o.limits.ping_interval, Duration::from_secs(5));
    assert_eq!(
        w,
        ["s.conf:1:16: ping_interval should be converted to a duration (like \"5s\"); read as 5 seconds"]
    );
}

#[test]
fn tls_block() {
    let (o, w) = options(
        "tls { cert_file: s.pem, key_file: \"k.pem\", ca_file: ca.pem, verify: true, handshake_first: true, timeout: 2 }",
    );
    assert_eq!(o.tls.cert, Some(PathBuf::from("s.pem")));
    assert_eq!(o.tls.key, Some(PathBuf::from("k.pem")));
    assert_eq!(o.tls.client_ca, Some(PathBuf::from("ca.pem")));
    assert!(o.tls.handshake_first);
    assert_eq!(w.len(), 1, "the ignored timeout: {w:?}");
    // ca_file without verify asks for no client certificate, as with nats-server.
    let (o, _) = options("tls { cert_file: s.pem, key_file: k.pem, ca_file: ca.pem }");
    assert_eq!(o.tls.client_ca, None);
}

#[test]
fn authorization_single_user_token_and_timeout() {
    let (o, _) = options("authorization { user: a, password: b, timeout: 1.5 }");
    assert_eq!(o.auth, Auth::Users(vec![User::new("a", "b")]));
    assert_eq!(o.limits.auth_timeout, Duration::from_millis(1500));
    let (o, _) = options("authorization { token: t0ken }");
    assert_eq!(o.auth, Auth::Token("t0ken".into()));
    // A bcrypt hash, quoted or bare, is kept as written and checked as a hash at CONNECT.
    let hash = "$2a$11$W2zko751KUvVy59mUTWmpOdWjpEm5qhcCZRd05GjI/sSOT.xtiHyG";
    let (o, _) = options(&format!(
        "authorization {{ user: a, password: \"{hash}\" }}"
    ));
    assert_eq!(o.auth, Auth::Users(vec![User::new("a", hash)]));
    let (o, _) = options(&format!("authorization {{ token: {hash} }}"));
    assert_eq!(o.auth, Auth::Token(hash.into()));
}

#[test]
fn users_with_permissions_nkeys_and_defaults() {
    let key = nkeys::KeyPair::new_user().public_key();
    let text = format!(
        r#"authorization {{
  default_permissions {{ publish: "default.>" }}
  users [
    {{ user: alice, password: pw, permissions: {{ publish: ["a.>", "b"], subscribe: {{ allow: "x.>", deny: ["x.secret"] }} }} }}
    {{ user: bob, password: pw2 }}
    {{ nkey: {key}, permissions: {{ sub: "k.*" }} }}
  ]
}}"#
    );
    let (o, _) = options(&text);
    let Auth::Users(users) = o.auth else {
        panic!("{:?}", o.auth)
    };
    let alice = Permissions::default()
        .publish(Rule::allow(["a.>", "b"]))
        .subscribe(Rule::allow(["x.>"]).deny(["x.secret"]));
    assert_eq!(users[0].permissions, Some(Arc::new(alice)));
    let defaults = Permissions::default().publish(Rule::allow(["default.>"]));
    assert_eq!(users[1].permissions, Some(Arc::new(defaults)));
    assert_eq!(users[2].nkey.as_deref(), Some(key.as_str()));
    let nkey_perms = Permissions::default().subscribe(Rule::allow(["k.*"]));
    assert_eq!(users[2].permissions, Some(Arc::new(nkey_perms)));
}

#[test]
fn allow_responses_as_nats_server_reads_it() {
    let perms = |text: &str| {
        let (o, _) = options(&format!(
            "authorization {{ users: [ {{ user: a, permissions: {{ {text} }} }} ] }}"
        ));
        let Auth::Users(users) = o.auth else {
            panic!("users")
        };
        users[0].permissions.as_deref().cloned().unwrap()
    };
    let r = |max, secs: Option<u64>| {
        Some(crate::permissions::Responses {
            max,
            expires: secs.map(Duration::from_secs),
        })
    };
    assert_eq!(perms("allow_responses: true").responses, r(1, Some(120)));
    assert_eq!(perms("allow_responses: false").responses, None);
    let custom = "allow_responses: { max: 5, expires: \"1m\" }";
    assert_eq!(perms(custom).responses, r(5, Some(60)));
    let defaults = "allow_responses: { max: 0, expires: \"0s\" }";
    assert_eq!(perms(defaults).responses, r(1, Some(120)));
    let unlimited = "allow_responses: { max: -1, ttl: \"-1s\" }";
    assert_eq!(perms(unlimited).responses, r(0, None));
    // With allow_responses and no publish allow list, nothing else may be published.
    let p = perms("allow_responses: true");
    assert!(!p.permits_publish("anything"));
    let p = perms("allow_responses: true, publish: \"a\"");
    assert!(p.permits_publish("a") && !p.permits_publish("b"));
}

#[test]
fn authorization_conflicts_and_bad_users() {
    let cases = [
        ("authorization { user: a, password: b, token: t }", "s.conf:1:15: authorization: cannot have a user/password and a token"),
        ("authorization { user: a, users: [] }", "s.conf:1:15: authorization: cannot have a single user/password and a users array"),
        ("authorization { token: t, users: [] }", "s.conf:1:15: authorization: cannot have a token and a users array"),
        ("authorization { users: [ { password: x } ] }", "s.conf:1:26: users entry: a user entry needs a user or an nkey"),
        ("authorization { users: [ { nkey: UABC } ] }", "s.conf:1:26: nkey: not a valid public NKey of a user (U...)"),
        ("authorization { users: [ {user: a}, {user: a} ] }", "s.conf:1:37: users entry: duplicate user \"a\""),
        ("authorization { users: 5 }", "s.conf:1:24: users: expected an array of users, found an integer"),
        ("authorization { users: [ { user: a, permissions: { publish: \"a..b\" } } ] }", "s.conf:1:61: publish: subject \"a..b\" is not a valid subject"),
        ("authorization { users: [ { user: a, permissions: { publish: 7 } } ] }", "s.conf:1:61: publish: expected a string or an array of strings, found an integer"),
        ("authorization { users: [ { user: a, permissions: { publish: { allow: a, nope: b } } } ] }", "s.conf:1:73: unknown field \"nope\""),
        ("authorization { users: [ { user: a, permissions: { allow_responses: 3 } } ] }", "s.conf:1:69: allow_responses: expected a boolean or a map, found an integer"),
        ("authorization { users: [ { user: a, permissions: { allow_responses: { expires: soon } } } ] }", "s.conf:1:80: expires: \"soon\" is not a duration (like \"2s\", \"1m30s\" or \"500ms\")"),
        ("authorization { users: [ { user: a, permissions: { allow_responses: { often: 2 } } } ] }", "s.conf:1:71: unknown field \"often\""),
        ("authorization { colour: blue }", "s.conf:1:17: unknown field \"colour\""),
    ];
    for (text, want) in cases {
        assert_eq!(error(text), want, "{text}");
    }
}

#[test]
fn websocket_block() {
    let (o, w) = options(
        "websocket { port: 8443, host: 127.0.0.2, no_tls: true, compression: true, same_origin: true, allowed_origins: [\"https://a.example\"], handshake_timeout: \"5s\" }",
    );
    let ws = o.websocket.expect("a WebSocket listener");
    assert_eq!(ws.port, 8443);
    assert_eq!(ws.host.as_deref(), Some("127.0.0.2"));
    assert!(ws.no_tls && ws.compression && ws.same_origin);
    assert_eq!(ws.allowed_origins, ["https://a.example"]);
    assert_eq!(ws.handshake_timeout, Duration::from_secs(5));
    assert!(w.is_empty());
    let (o, _) = options("websocket { port: -1, tls { cert_file: c.pem, key_file: k.pem } }");
    let ws = o.websocket.expect("a WebSocket listener");
    assert_eq!(ws.port, 0);
    assert_eq!(ws.tls.cert, Some(PathBuf::from("c.pem")));
    let (o, w) = options("websocket { no_tls: true }");
    assert!(o.websocket.is_none());
    assert_eq!(w.len(), 1);
}

#[test]
fn features_natskit_server_will_never_have_are_named() {
    for (text, want) in [
        ("cluster { port: 6222 }", "s.conf:1:1: cluster: natskit server is a single broker and has no clustering (cluster)"),
        ("port: 1\ngateway {}", "s.conf:2:1: gateway: natskit server is a single broker and has no gateways (superclusters)"),
        ("leafnodes {}", "s.conf:1:1: leafnodes: natskit server is a single broker and has no leaf nodes"),
        ("mqtt { port: 1883 }", "s.conf:1:1: mqtt: natskit server is a single broker and has no MQTT"),
    ] {
        assert_eq!(error(text), want);
    }
}

#[test]
fn features_natskit_server_does_not_have_yet_are_named() {
    for (text, want) in [
        ("accounts { A { mappings: {} } }", "mappings: natskit server does not support subject mappings yet"),
        ("resolver: URL(http://localhost:9090/jwt/v1/accounts/)", "resolver: natskit server does not support an account resolver other than MEMORY (URL, full or cache) yet"),
        ("resolver_pinned_accounts: []", "resolver_pinned_accounts: natskit server does not support this operator mode setting (natskit reads operator, resolver: MEMORY and resolver_preload) yet"),
        ("jetstream { cipher: chachapoly }", "cipher: natskit server does not support this JetStream setting yet"),
        ("log_size_limit: 1MB", "log_size_limit: natskit server does not support log file rotation yet"),
        ("syslog: true", "syslog: natskit server does not support syslog yet"),
        ("websocket { port: 1, tls { cert_file: a, key_file: b, verify_and_map: true } }", "verify_and_map: natskit server does not support verify_and_map on the WebSocket listener yet"),
        ("tls { cert_file: a, key_file: b, cipher_suites: [] }", "cipher_suites: natskit server does not support this TLS setting yet"),
    ] {
        let got = error(text);
        assert!(got.ends_with(want), "{text}\n got: {got}\nwant: {want}");
    }
}

#[test]
fn operator_settings_are_read_and_bad_ones_named() {
    for (text, want) in [
        ("operator: op.jwt\nresolver: MEMORY", "s.conf:1:11: operator: error parsing operator JWT: op.jwt: No such file or directory (os error 2)"),
        ("operator: eyJhbGciOi.x.y\nresolver: MEMORY", "s.conf:1:11: operator: error parsing operator JWT: the JWT's header does not decode"),
        ("operator: [a, b]", "s.conf:1:11: operator: natskit server trusts one operator; more than one is not supported yet"),
        ("resolver: MEMORY", "s.conf:1:11: resolver: an account resolver is for operator mode: an operator is needed too"),
        ("resolver_preload: { AABC: eyJx }", "s.conf:1:27: AABC: invalid account JWT: not a JWT: expected 3 parts separated by dots"),
        ("resolver_preload: [ a ]", "s.conf:1:19: resolver_preload: preload should be a map of account_public_key:account_jwt"),
    ] {
        let got = error(text);
        assert!(got.starts_with(want), "{text}\n got: {got}\nwant: {want}");
    }
    let op = natskit_test::jwt::Operator::new();
    let (o, w) = options(&op.server_config());
    assert!(w.is_empty() && o.operator.is_some(), "{w:?}");
}

#[test]
fn unknown_keys_are_errors_unless_used_as_variables() {
    assert_eq!(
        error("port: 1\ncolour: blue"),
        "s.conf:2:1: unknown field \"colour\""
    );
    let (o, w) = options("PORT_VAR: 4999\nport: $PORT_VAR");
    assert_eq!(o.port, 4999);
    assert!(w.is_empty());
}

#[test]
fn log_pid_and_ports_settings_are_for_the_process() {
    let (o, w) = options(concat!(
        "debug: true\ntrace: true\nlogtime: false\nlogtime_utc: true\n",
        "log_file: /var/log/n.log\npid_file: /run/n.pid\nports_file_dir: /run\n",
    ));
    assert!(w.is_empty(), "{w:?}");
    let p = &o.process;
    assert!(p.debug && p.trace && !p.logtime && p.logtime_utc);
    assert_eq!(p.log_file, Some(PathBuf::from("/var/log/n.log")));
    assert_eq!(p.pid_file, Some(PathBuf::from("/run/n.pid")));
    assert_eq!(p.ports_file_dir, Some(PathBuf::from("/run")));
    let (o, _) = options("logfile: a.log\npidfile: a.pid\ntrace_verbose: true");
    assert_eq!(o.process.log_file, Some(PathBuf::from("a.log")));
    assert_eq!(o.process.pid_file, Some(PathBuf::from("a.pid")));
    assert!(o.process.trace && !o.process.debug && o.process.logtime);
    assert_eq!(
        error("debug: 1"),
        "s.conf:1:8: debug: expected true or false, found an integer"
    );
}

#[test]
fn lame_duck_settings_as_nats_server_reads_them() {
    let (o, _) = options("lame_duck_duration: \"45s\"\nlame_duck_grace_period: \"2s\"");
    assert_eq!(o.lame_duck_duration, Duration::from_secs(45));
    assert_eq!(o.lame_duck_grace, Some(Duration::from_secs(2)));
    assert_eq!(
        error("lame_duck_duration: \"5s\""),
        "s.conf:1:21: lame_duck_duration: invalid lame_duck_duration of 5s, minimum is 30 seconds"
    );
    assert_eq!(options("max_traced_msg_len: 64").0.max_traced_msg_len, 64);
}

#[test]
fn values_of_the_wrong_kind_name_the_setting() {
    for (text, want) in [
        ("port: \"4222\"", "s.conf:1:7: port: expected an integer, found a string"),
        ("port: 70000", "s.conf:1:7: port: 70000 is not a port (1 to 65535, or -1 for any free one)"),
        ("max_payload: -1", "s.conf:1:14: max_payload: must not be negative"),
        ("max_payload: 4GB", "s.conf:1:14: max_payload: 4294967296 is too big (at most 2147483647)"),
        ("ping_interval: \"soon\"", "s.conf:1:16: ping_interval: \"soon\" is not a duration (like \"2s\", \"1m30s\" or \"500ms\")"),
        ("listen: nohost", "s.conf:1:9: listen: could not parse address string \"nohost\" (host:port)"),
        ("tls { cert_file: a }", "s.conf:1:5: tls: needs cert_file and key_file"),
        ("tls { cert_file: a, key_file: b, verify: true }", "s.conf:1:5: tls: verify needs ca_file (natskit server does not verify clients against the system's CAs)"),
        ("authorization: yes", "s.conf:1:16: authorization: expected a map ({ ... }), found a boolean"),
    ] {
        assert_eq!(error(text), want, "{text}");
    }
}

#[test]
fn an_empty_file_is_a_warning_as_with_nats_server() {
    let (_, w) = options("# nothing here\n");
    assert_eq!(
        w,
        ["s.conf:1:1: the configuration has no values or is empty"]
    );
}

#[test]
fn no_auth_user_names_a_user() {
    let (o, _) =
        options("authorization { users: [ {user: guest, password: g} ] }\nno_auth_user: guest");
    assert_eq!(o.no_auth_user.as_deref(), Some("guest"));
    assert_eq!(
        error("no_auth_user: guest\nauthorization { users: [ {user: a, password: g} ] }"),
        "s.conf:1:15: no_auth_user: \"guest\" not present as user or nkey in authorization block"
    );
}

#[test]
fn jetstream_switched_on_by_flag_word_or_block() {
    use crate::jetstream::options::{JetStream, SyncPolicy};
    for text in ["jetstream: true", "jetstream: enabled", "jetstream {}"] {
        assert_eq!(options(text).0.jetstream, Some(JetStream::new()), "{text}");
    }
    for text in [
        "jetstream: false",
        "jetstream: disabled",
        "jetstream { enabled: false }",
        "",
    ] {
        assert_eq!(options(text).0.jetstream, None, "{text:?}");
    }
    let (o, _) = options(
        "jetstream { store_dir: /data/js, max_memory_store: 1GB, max_file_store: 10GB, sync_interval: always }",
    );
    let js = o.jetstream.expect("on");
    assert_eq!(js.directory(), std::path::PathBuf::from("/data/js"));
    assert_eq!((js.memory_limit(), js.file_limit()), (1 << 30, 10 << 30));
    assert_eq!(js.sync, SyncPolicy::Always);
    let (o, _) = options("jetstream { sync_interval: \"10s\" }");
    assert_eq!(
        o.jetstream.unwrap().sync,
        SyncPolicy::Interval(std::time::Duration::from_secs(10))
    );
    // The top-level store_dir, before or after the block.
    for text in [
        "store_dir: /a\njetstream: true",
        "jetstream: true\nstore_dir: /a",
    ] {
        let dir = options(text).0.jetstream.expect("on").directory();
        assert_eq!(dir, std::path::PathBuf::from("/a"), "{text:?}");
    }
    assert!(error("jetstream: sometimes").contains("expected enabled or disabled"));
    assert!(error("jetstream { nonsense: 1 }").contains("nonsense"));
}
