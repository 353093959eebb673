//! `natskit server` run as nats-server is run (issue 19): through the `nats-server` script
//! (scripts/nats-server-shim), by natskit-test's harness, with nats-server's flags,
//! configuration files and signals. Each test does the same steps against nats-server
//! 2.10.26 and against natskit server started the same way, and expects the same results:
//! lame duck mode on SIGUSR2, a configuration reload on SIGHUP, `-D`/`-V` lines, `-l` and
//! `-P` files, no escape codes in a redirected log.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use natskit_test::NatsServer;

use crate::support::*;

/// The script `scripts/nats-server-shim/nats-server`, copied into a directory of its own
/// beside a link named `natskit` to the binary under test (the script runs the `natskit`
/// beside it), so nothing of the environment is changed.
pub(crate) fn shim() -> PathBuf {
    let dir = fresh_dir("nats-server-shim");
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/nats-server-shim/nats-server");
    let copy = dir.join("nats-server");
    std::fs::copy(&script, &copy).expect("copy the nats-server script");
    #[cfg(unix)]
    std::os::unix::fs::symlink(BIN, dir.join("natskit")).expect("link natskit");
    copy
}

/// A new empty directory, never the same twice in this process (tests run in parallel).
fn fresh_dir(name: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    scratch(&format!("{name}-{n}"))
}

/// nats-server 2.10.26, then natskit server through the script: what each test runs on.
fn binaries() -> [(&'static str, PathBuf); 2] {
    [
        (
            "nats-server",
            natskit_test::binary::newer_nats_server().expect("nats-server 2.10 (make deps)"),
        ),
        ("natskit server", shim()),
    ]
}

/// Runs `steps` on each binary and checks both gave the same transcript; returns it.
fn same_on_both(steps: impl Fn(&Path) -> Vec<String>) -> Vec<String> {
    let [(_, reference), (_, ours)] = binaries();
    let expected = steps(&reference);
    let got = steps(&ours);
    assert_eq!(
        got, expected,
        "natskit server (left) and nats-server (right) differ"
    );
    got
}

/// A runtime for the clients of one step.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// Starts `binary` as natskit-test starts nats-server, with `config` and `args`.
fn start(binary: &Path, config: Option<&str>, args: &[&str]) -> NatsServer {
    let mut builder = NatsServer::builder()
        .binary(binary)
        .with_args(args.iter().copied());
    if let Some(text) = config {
        builder = builder.with_config(text);
    }
    builder
        .start()
        .unwrap_or_else(|e| panic!("{} starts: {e}", binary.display()))
}

/// `binary --signal COMMAND=PID`, as an operator signals nats-server.
fn signal(binary: &Path, command: &str, pid: u32) {
    let out = Command::new(binary)
        .arg("--signal")
        .arg(format!("{command}={pid}"))
        .output()
        .expect("run --signal");
    assert!(
        out.status.success(),
        "{} --signal {command}={pid}: {}",
        binary.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Waits (bounded) for `done`.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "not in time: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A client of `url`: "connected", or how it was refused.
async fn connect(url: &str, options: natskit::ConnectOptions) -> Result<natskit::Client, String> {
    match options.reconnect(false).connect(url).await {
        Ok(client) => Ok(client),
        Err(e) if e.to_string().contains("Authorization Violation") => {
            Err("Authorization Violation".into())
        }
        Err(_) => Err("refused".into()),
    }
}

fn user(name: &str, password: &str) -> natskit::ConnectOptions {
    natskit::ConnectOptions::new().user_and_password(name, password)
}

/// The next `-ERR` text among `events` (bounded), or how the connection ended.
async fn next_error(events: &mut natskit::Events) -> String {
    let found = tokio::time::timeout(PATIENCE, async {
        loop {
            match events.next().await {
                Some(natskit::Event::ServerError(text)) => return text,
                Some(natskit::Event::Closed { .. }) | None => return "closed".to_owned(),
                Some(_) => {}
            }
        }
    });
    found.await.unwrap_or_else(|_| "nothing".to_owned())
}

/// Whether `events` tell of lame duck mode, then of the connection's end (bounded).
async fn lame_duck_then_closed(events: &mut natskit::Events) -> String {
    let mut seen = Vec::new();
    let ended = tokio::time::timeout(PATIENCE, async {
        while let Some(event) = events.next().await {
            match event {
                natskit::Event::LameDuckMode => seen.push("lame duck mode"),
                natskit::Event::Disconnected { .. } => seen.push("disconnected"),
                natskit::Event::Closed { .. } => {
                    seen.push("closed");
                    return;
                }
                _ => {}
            }
        }
    })
    .await;
    if ended.is_err() {
        seen.push("(still connected)");
    }
    seen.join(", ")
}

#[test]
fn the_nats_server_script_runs_natskit_server_with_nats_servers_flags() {
    let [_, (_, script)] = binaries();
    let version = Command::new(&script).arg("-v").output().unwrap();
    assert!(version.status.success());
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("natskit server: v"));
    // Go's spellings: one dash, several letters, a value joined with `=`.
    let transcript = same_on_both(|binary| {
        let server = start(
            binary,
            None,
            &["-user", "alice", "-pass=s3cret", "-n", "flags-test", "-DV"],
        );
        let url = server.url();
        let mut t = runtime().block_on(async {
            let mut t = Vec::new();
            let anonymous = connect(&url, natskit::ConnectOptions::new()).await;
            t.push(format!("anonymous: {:?}", anonymous.err()));
            let alice = connect(&url, user("alice", "s3cret")).await.expect("alice");
            let info = alice.server_info();
            t.push(format!("server_name {}", info.server_name));
            t.push(format!("auth_required {}", info.auth_required));
            alice.flush().await.unwrap();
            t
        });
        eventually("trace lines in the log", || server.log().contains("[TRC] "));
        t.push(format!("debug lines {}", server.log().contains("[DBG] ")));
        t
    });
    assert_eq!(
        transcript,
        [
            "anonymous: Some(\"Authorization Violation\")",
            "server_name flags-test",
            "auth_required true",
            "debug lines true"
        ]
    );
}

#[test]
fn tls_flags_as_nats_server_has_them() {
    let pki = natskit_test::pki::Pki::new();
    let (cert, key, ca) = (
        pki.server.cert.to_str().unwrap(),
        pki.server.key.to_str().unwrap(),
        pki.ca.to_str().unwrap(),
    );
    same_on_both(|binary| {
        let tls = start(binary, None, &["--tls", "--tlscert", cert, "--tlskey", key]);
        let verify = start(
            binary,
            None,
            &[
                "-tlsverify",
                "-tlscert",
                cert,
                "-tlskey",
                key,
                "-tlscacert",
                ca,
            ],
        );
        runtime().block_on(async {
            let trusted = || natskit::ConnectOptions::new().add_root_certificate(&pki.ca);
            let mut t = Vec::new();
            let client = connect(&tls.url(), trusted()).await.expect("TLS");
            t.push(format!(
                "tls_required {}",
                client.server_info().tls_required
            ));
            let without_cert = connect(&verify.url(), trusted()).await.err();
            t.push(format!("verify, no client certificate: {without_cert:?}"));
            let with_cert = trusted().client_certificate(&pki.client.cert, &pki.client.key);
            let client = connect(&verify.url(), with_cert).await.expect("mutual TLS");
            t.push(format!("tls_verify {}", client.server_info().tls_verify));
            t
        })
    });
}

/// Lame duck mode as nats-server's documentation sets it up: evictions spread over the
/// duration (30 s at least), after a grace period.
const LAME_DUCK: &str = "lame_duck_duration: \"30s\"\nlame_duck_grace_period: \"1s\"\n";

#[test]
fn sigusr2_is_lame_duck_mode() {
    let transcript = same_on_both(|binary| {
        let mut server = start(binary, Some(LAME_DUCK), &[]);
        let url = server.url();
        let pid = server.pid().expect("running");
        let rt = runtime();
        let (first, second) = rt.block_on(async {
            let a = connect(&url, natskit::ConnectOptions::new()).await.unwrap();
            let b = connect(&url, natskit::ConnectOptions::new()).await.unwrap();
            (a, b)
        });
        let (mut first_events, mut second_events) = (first.events(), second.events());
        let started = Instant::now();
        signal(binary, "ldm", pid);
        let mut t = rt.block_on(async {
            let mut t = Vec::new();
            // The INFO with `ldm` comes once the listener is closed.
            let mut first_seen = Vec::new();
            while let Some(event) = first_events.next().await {
                if event == natskit::Event::LameDuckMode {
                    first_seen.push("lame duck mode");
                    break;
                }
            }
            t.push(format!("first: {}", first_seen.join(", ")));
            t.push(format!(
                "a new client: {:?}",
                connect(&url, natskit::ConnectOptions::new()).await.err()
            ));
            t.push(format!(
                "first then: {}",
                lame_duck_then_closed(&mut first_events).await
            ));
            t.push(format!(
                "second: {}",
                lame_duck_then_closed(&mut second_events).await
            ));
            t
        });
        let evicted_after = started.elapsed();
        t.push(format!(
            "evicted after the grace period: {}",
            evicted_after >= Duration::from_secs(1)
        ));
        eventually("the process exits", || !server.is_running());
        t.push("exited".into());
        drop((first, second));
        t
    });
    assert_eq!(
        transcript,
        [
            "first: lame duck mode",
            "a new client: Some(\"refused\")",
            "first then: disconnected, closed",
            "second: lame duck mode, disconnected, closed",
            "evicted after the grace period: true",
            "exited"
        ]
    );
}

/// Before a reload: alice may publish on `a.>` and subscribe to `a.>` and `b.>`; bob may do
/// anything; obs watches.
const USERS_BEFORE: &str = r#"
authorization {
  users = [
    {user: alice, password: a, permissions: {publish: "a.>", subscribe: ["a.>", "b.>", "_INBOX.>"]}}
    {user: bob, password: b}
    {user: dave, password: d1}
    {user: obs, password: o}
  ]
}
"#;

/// After: alice may publish on `b.>` only and no longer subscribe to `b.>`; bob is gone,
/// carol is new, dave has a new password.
const USERS_AFTER: &str = r#"
authorization {
  users = [
    {user: alice, password: a, permissions: {publish: "b.>", subscribe: ["a.>", "_INBOX.>"]}}
    {user: carol, password: c}
    {user: dave, password: d2}
    {user: obs, password: o}
  ]
}
"#;

#[test]
fn sighup_reloads_users_and_permissions() {
    let transcript = same_on_both(|binary| {
        let server = start(binary, Some(USERS_BEFORE), &[]);
        let url = server.url();
        let pid = server.pid().expect("running");
        let rt = runtime();
        let (alice, bob, dave, obs, mut alice_sub) = rt.block_on(async {
            let alice = connect(&url, user("alice", "a")).await.unwrap();
            let bob = connect(&url, user("bob", "b")).await.unwrap();
            let dave = connect(&url, user("dave", "d1")).await.unwrap();
            let obs = connect(&url, user("obs", "o")).await.unwrap();
            let sub = alice.subscribe("b.x").await.unwrap();
            alice.flush().await.unwrap();
            (alice, bob, dave, obs, sub)
        });
        let mut alice_events = alice.events();
        let mut bob_events = bob.events();
        let mut dave_events = dave.events();
        let mut t = Vec::new();
        t.push(format!(
            "carol before: {:?}",
            rt.block_on(connect(&url, user("carol", "c"))).err()
        ));
        let config = server.dir().join("nats-server.conf");
        std::fs::write(&config, USERS_AFTER).expect("rewrite the configuration");
        signal(binary, "reload", pid);
        t.extend(rt.block_on(async {
            let mut t = Vec::new();
            t.push(format!("bob is told: {}", next_error(&mut bob_events).await));
            t.push(format!("dave is told: {}", next_error(&mut dave_events).await));
            t.push(format!(
                "alice is told: {}",
                next_error(&mut alice_events).await
            ));
            let carol = connect(&url, user("carol", "c")).await;
            t.push(format!("carol after: {:?}", carol.as_ref().err()));
            t.push(format!(
                "bob again: {:?}",
                connect(&url, user("bob", "b")).await.err()
            ));
            t.push(format!(
                "alice still connected: {:?}",
                *alice.connection_state().borrow()
            ));
            // Her subscription to b.x is gone: a message there does not reach her. A marker
            // on a subject she still has, sent after it by the same publisher, comes after it
            // if it comes at all.
            let mut marker = alice.subscribe("a.marker").await.unwrap();
            alice.flush().await.unwrap();
            obs.publish("b.x", "x").await.unwrap();
            obs.publish("a.marker", "x").await.unwrap();
            obs.flush().await.unwrap();
            marker.next().await.expect("the marker");
            let got = futures_util::FutureExt::now_or_never(alice_sub.next());
            t.push(format!("alice gets b.x: {}", matches!(got, Some(Some(_)))));
            // Her new publish permissions apply to her live connection.
            for subject in ["a.1", "b.1"] {
                let mut seen = obs.subscribe(subject).await.unwrap();
                obs.flush().await.unwrap();
                alice.publish(subject, "x").await.unwrap();
                alice.flush().await.unwrap();
                let outcome = tokio::select! {
                    m = seen.next() => if m.is_some() { "delivered".to_owned() } else { "ended".to_owned() },
                    e = next_error(&mut alice_events) => e,
                };
                t.push(format!("alice publishes {subject}: {outcome}"));
            }
            t
        }));
        drop((alice, bob, dave, obs));
        t
    });
    assert_eq!(
        transcript,
        [
            "carol before: Some(\"Authorization Violation\")",
            // A user the new file no longer has is closed without a word, as nats-server
            // closes a client whose user "moved" (a changed password gets an -ERR).
            "bob is told: closed",
            "dave is told: Authorization Violation",
            "alice is told: Permissions Violation for Subscription to \"b.x\" (sid \"1\")",
            "carol after: None",
            "bob again: Some(\"Authorization Violation\")",
            "alice still connected: Connected",
            "alice gets b.x: false",
            "alice publishes a.1: Permissions Violation for Publish to \"a.1\"",
            "alice publishes b.1: delivered"
        ]
    );
}

#[test]
fn sighup_reloads_tls_certificates_for_new_connections() {
    let pki = natskit_test::pki::Pki::new();
    let before = pki.tls_block(&pki.server, false);
    // A certificate for another host name: clients checking 127.0.0.1 refuse it.
    let after = pki.tls_block(&pki.wrong_name, false);
    let transcript = same_on_both(|binary| {
        let server = start(binary, Some(&before), &[]);
        let url = server.url();
        let trusted = || natskit::ConnectOptions::new().add_root_certificate(&pki.ca);
        let rt = runtime();
        let first = rt
            .block_on(connect(&url, trusted()))
            .expect("TLS before the reload");
        std::fs::write(server.dir().join("nats-server.conf"), &after).unwrap();
        signal(binary, "reload", server.pid().unwrap());
        rt.block_on(async {
            let deadline = Instant::now() + PATIENCE;
            let refused = loop {
                match connect(&url, trusted()).await {
                    Err(e) => break e,
                    Ok(_) if Instant::now() > deadline => break "still accepted".into(),
                    Ok(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            };
            vec![
                format!("a new client: {refused}"),
                format!("the first one flushes: {}", first.flush().await.is_ok()),
            ]
        })
    });
    assert_eq!(
        transcript,
        ["a new client: refused", "the first one flushes: true"]
    );
}

#[test]
fn a_reload_without_a_configuration_file_is_refused_and_logged() {
    same_on_both(|binary| {
        let server = start(binary, None, &[]);
        signal(binary, "reload", server.pid().unwrap());
        eventually("the refusal in the log", || {
            server
                .log()
                .contains("Failed to reload server configuration: can only reload config when a file is provided using -c or --config")
        });
        vec![format!("serving: {}", server.info().is_ok())]
    });
}

/// A log line as nats-server writes it: `[PID] YYYY/MM/DD HH:MM:SS.UUUUUU [LVL] text`; its
/// pid, label and text.
fn parse_line(line: &str) -> Option<(u32, &str, &str)> {
    let rest = line.strip_prefix('[')?;
    let (pid, rest) = rest.split_once("] ")?;
    let (date, rest) = rest.split_once(' ')?;
    let (time, rest) = rest.split_once(' ')?;
    let date_ok = date.len() == 10 && date.as_bytes()[4] == b'/' && date.as_bytes()[7] == b'/';
    let time_ok = time.len() == 15 && time.as_bytes()[8] == b'.';
    let label = rest.get(..6)?;
    if !date_ok || !time_ok || !label.starts_with('[') || !label.ends_with("] ") {
        return None;
    }
    Some((pid.parse().ok()?, &label[1..4], &rest[6..]))
}

/// `127.0.0.1:50312 - cid:7 - text` as `CLIENT - text`.
fn without_client(text: &str) -> String {
    match text.split_once(" - cid:") {
        Some((_, rest)) => match rest.split_once(" - ") {
            Some((_, text)) => format!("CLIENT - {text}"),
            None => text.to_owned(),
        },
        None => text.to_owned(),
    }
}

#[test]
fn debug_trace_log_file_and_pid_file() {
    let transcript = same_on_both(|binary| {
        let dir = fresh_dir("log-files");
        let (log, pid_file) = (dir.join("server.log"), dir.join("server.pid"));
        let server = start(
            binary,
            None,
            &[
                "-DV",
                "-l",
                log.to_str().unwrap(),
                "-P",
                pid_file.to_str().unwrap(),
            ],
        );
        let pid = server.pid().unwrap();
        runtime().block_on(async {
            let client = connect(&server.url(), natskit::ConnectOptions::new())
                .await
                .unwrap();
            let mut sub = client.subscribe("foo").await.unwrap();
            client.publish("foo", "hello").await.unwrap();
            client.flush().await.unwrap();
            sub.next().await.expect("the message");
            client.close().await.unwrap();
        });
        eventually("the close in the log", || {
            std::fs::read_to_string(&log).is_ok_and(|l| l.contains("Client connection closed"))
        });
        let text = std::fs::read_to_string(&log).unwrap();
        let lines: Vec<_> = text.lines().filter_map(parse_line).collect();
        let mut t = vec![
            format!(
                "pid file: {}",
                std::fs::read_to_string(&pid_file).unwrap().trim() == pid.to_string()
            ),
            format!(
                "every line in nats-server's format: {}",
                lines.len() == text.lines().count()
            ),
            format!(
                "every line has the pid: {}",
                lines.iter().all(|l| l.0 == pid)
            ),
            format!("escape codes: {}", text.contains('\x1b')),
        ];
        let has = |label: &str, start: &str| {
            lines
                .iter()
                .any(|(_, l, text)| *l == label && without_client(text).starts_with(start))
        };
        for (label, start) in [
            ("INF", "Listening for client connections on 127.0.0.1:"),
            ("INF", "Server is ready"),
            ("DBG", "CLIENT - Client connection created"),
            ("TRC", "CLIENT - <<- [CONNECT {"),
            ("TRC", "CLIENT - <<- [PING]"),
            ("TRC", "CLIENT - ->> [PONG]"),
            ("TRC", "CLIENT - <<- [SUB foo 1]"),
            ("TRC", "CLIENT - <<- [PUB foo 5]"),
            ("TRC", "CLIENT - <<- MSG_PAYLOAD: [\"hello\"]"),
            ("TRC", "CLIENT - ->> [MSG foo 1 5]"),
            ("DBG", "CLIENT - Client connection closed: "),
        ] {
            t.push(format!("[{label}] {start}: {}", has(label, start)));
        }
        t
    });
    assert!(
        transcript
            .iter()
            .all(|l| l.ends_with("true") || l.ends_with("escape codes: false")),
        "{transcript:#?}"
    );
}

#[test]
fn sigusr1_reopens_the_log_file_after_a_rotation() {
    same_on_both(|binary| {
        let dir = fresh_dir("rotation");
        let log = dir.join("server.log");
        let server = start(binary, None, &["-D", "-l", log.to_str().unwrap()]);
        eventually("the log file", || log.exists());
        std::fs::rename(&log, dir.join("server.log.1")).unwrap();
        signal(binary, "reopen", server.pid().unwrap());
        eventually("a new log file", || log.exists());
        runtime().block_on(async {
            let client = connect(&server.url(), natskit::ConnectOptions::new())
                .await
                .unwrap();
            client.flush().await.unwrap();
        });
        eventually("the connection in the new file", || {
            std::fs::read_to_string(&log).is_ok_and(|l| l.contains("Client connection created"))
        });
        vec!["reopened".into()]
    });
}

#[test]
fn a_redirected_log_has_no_escape_codes_and_debug_only_with_d() {
    let transcript = same_on_both(|binary| {
        let quiet = start(binary, None, &[]);
        let debug = start(binary, None, &["-D"]);
        runtime().block_on(async {
            for server in [&quiet, &debug] {
                let client = connect(&server.url(), natskit::ConnectOptions::new())
                    .await
                    .unwrap();
                client.flush().await.unwrap();
            }
        });
        eventually("the connection in the debug log", || {
            debug.log().contains("Client connection created")
        });
        let (quiet_log, debug_log) = (quiet.log(), debug.log());
        vec![
            format!("ready: {}", quiet_log.contains("[INF] Server is ready")),
            format!(
                "escape codes: {}",
                quiet_log.contains('\x1b') || debug_log.contains('\x1b')
            ),
            format!("debug without -D: {}", quiet_log.contains("[DBG]")),
            format!("debug with -D: {}", debug_log.contains("[DBG]")),
            format!("trace with -D: {}", debug_log.contains("[TRC]")),
        ]
    });
    assert_eq!(
        transcript,
        [
            "ready: true",
            "escape codes: false",
            "debug without -D: false",
            "debug with -D: true",
            "trace with -D: false"
        ]
    );
}

#[test]
fn t_checks_a_configuration_file() {
    let dir = scratch("check-config");
    let good = dir.join("good.conf");
    let bad = dir.join("bad.conf");
    std::fs::write(&good, "port: 4222\nmax_payload: 64KB\n").unwrap();
    std::fs::write(&bad, "port: 4222\nmax_payload: {\n").unwrap();
    same_on_both(|binary| {
        let check = |path: &Path| {
            let out = Command::new(binary)
                .args(["-c", path.to_str().unwrap(), "-t"])
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            format!(
                "{}: success {}, says valid {}",
                path.file_name().unwrap().to_string_lossy(),
                out.status.success(),
                stderr.contains("is valid")
            )
        };
        vec![check(&good), check(&bad)]
    });
}

#[test]
fn json_logs_when_asked() {
    let [_, (_, script)] = binaries();
    let server = start(&script, None, &["--log-json", "-D"]);
    runtime().block_on(async {
        let client = connect(&server.url(), natskit::ConnectOptions::new())
            .await
            .unwrap();
        client.flush().await.unwrap();
    });
    eventually("the connection in the log", || {
        server.log().contains("Client connection created")
    });
    let log = server.log();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert!(lines
        .iter()
        .any(|l| l["level"] == "info" && l["msg"] == "Server is ready"));
    assert!(lines.iter().any(|l| l["level"] == "debug"
        && l["msg"]
            .as_str()
            .unwrap()
            .ends_with("Client connection created")));
    assert!(lines
        .iter()
        .all(|l| l["pid"] == server.pid().unwrap() && l["time"].as_str().unwrap().ends_with('Z')));
}

/// `-js -sd DIR` starts JetStream on both, with the stream kept under DIR; a stream made and
/// published to answers the same way, and a cluster flag is still refused by natskit server.
#[test]
fn jetstream_flags_start_jetstream_on_both() {
    let transcript = same_on_both(|binary| {
        let dir = natskit_test::TempDir::new("js-flags").unwrap();
        let store = dir.path().to_str().unwrap().to_owned();
        let mut server = start(binary, None, &["-js", "-sd", &store]);
        let url = server.url();
        let lines = runtime().block_on(async move {
            let client = natskit::connect(&url).await.unwrap();
            let js = natskit::jetstream::new(client.clone());
            let mut lines = vec![format!(
                "jetstream in INFO: {}",
                client.server_info().jetstream
            )];
            js.create_stream(natskit::jetstream::StreamConfig::new("FLAGS").subjects(["flags.>"]))
                .await
                .unwrap();
            let ack = js.publish("flags.a", "x").await.unwrap();
            lines.push(format!("published as {} in {}", ack.seq, ack.stream));
            let info = js.stream_info("FLAGS").await.unwrap();
            lines.push(format!("messages {}", info.state.messages));
            client.close().await.unwrap();
            lines
        });
        server.stop().unwrap();
        assert!(
            dir.path().join("jetstream").is_dir(),
            "{}: nothing under the store directory",
            binary.display()
        );
        lines
    });
    assert_eq!(transcript[0], "jetstream in INFO: true");
    let [_, (_, script)] = binaries();
    let out = Command::new(&script)
        .args(["--cluster", "nats://127.0.0.1:6222"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no clustering"));
}
