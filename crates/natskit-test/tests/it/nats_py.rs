//! `NatsPy`: every nats-py scenario against a real nats-server, and the harness's failure paths
//! (missing interpreter, failing script, restart asked for but not given, timeout).

use std::cell::Cell;
use std::time::{Duration, Instant};

use natskit_test::{port, Error, NatsPy, NatsServer};

use crate::support::eventually;

fn nats_py() -> NatsPy {
    NatsPy::locate().expect("nats-py (run `make deps`)")
}

/// Runs one scenario against a fresh server.
fn scenario(name: &str) {
    let server = NatsServer::start().unwrap_or_else(|e| panic!("{e}"));
    nats_py()
        .run(&server.url(), name)
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn pubsub() {
    scenario("pubsub");
}

#[test]
fn wildcards() {
    scenario("wildcards");
}

#[test]
fn queue() {
    scenario("queue");
}

#[test]
fn request() {
    scenario("request");
}

#[test]
fn headers() {
    scenario("headers");
}

#[test]
fn no_responders() {
    scenario("no_responders");
}

#[test]
fn auto_unsub() {
    scenario("auto_unsub");
}

#[test]
fn all_scenarios_in_one_process() {
    scenario("all");
}

#[test]
fn reconnect_after_a_restart_on_the_same_port() {
    let mut server = NatsServer::start().unwrap();
    let (url, pid) = (server.url(), server.pid());
    let restarts = Cell::new(0);
    nats_py()
        .run_with_restart(&url, "reconnect", || {
            restarts.set(restarts.get() + 1);
            server.restart()
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(restarts.get(), 1, "the script never asked for the restart");
    assert_ne!(server.pid(), pid, "the server was not restarted");
    assert_eq!(server.url(), url);
}

#[test]
fn scenarios_list_matches_the_script() {
    // An unknown scenario is refused with the list of known ones.
    let server = NatsServer::start().unwrap();
    let err = nats_py()
        .run(&server.url(), "no-such-scenario")
        .unwrap_err();
    let Error::NatsPyFailed { reason, stderr, .. } = &err else {
        panic!("expected NatsPyFailed, got {err}");
    };
    assert!(reason.contains("exited with"), "{err}");
    assert!(
        stderr.contains("unknown scenario 'no-such-scenario'"),
        "{err}"
    );
    for name in NatsPy::SCENARIOS {
        assert!(
            stderr.contains(name),
            "{name} missing from the script's list: {stderr}"
        );
    }
}

#[test]
fn missing_interpreter_says_make_deps() {
    let err = NatsPy::with_python("/nonexistent/nats-py-venv/bin/python").unwrap_err();
    assert!(matches!(err, Error::NatsPyNotFound { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("make deps"), "{text}");
    assert!(
        text.contains("/nonexistent/nats-py-venv/bin/python"),
        "{text}"
    );
    assert!(NatsPy::venv_python().ends_with("target/nats-py-venv/bin/python"));
}

#[test]
fn a_server_that_is_not_there_fails_fast_with_the_script_output() {
    // A free port nobody listens on.
    let url = format!("nats://127.0.0.1:{}", port::free_port().unwrap());
    let started = Instant::now();
    let err = nats_py().run(&url, "pubsub").unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    let Error::NatsPyFailed { stderr, .. } = &err else {
        panic!("expected NatsPyFailed, got {err}");
    };
    assert!(stderr.contains("FAIL pubsub"), "{err}");
    assert!(err.to_string().contains("--- nats-py stderr ---"), "{err}");
}

#[test]
fn restart_request_without_a_restart_callback_is_an_error() {
    let server = NatsServer::builder().monitoring().start().unwrap();
    let err = nats_py().run(&server.url(), "reconnect").unwrap_err();
    let Error::NatsPyFailed { reason, stdout, .. } = &err else {
        panic!("expected NatsPyFailed, got {err}");
    };
    assert!(reason.contains("run_with_restart"), "{err}");
    assert!(stdout.contains("restart-now"), "{err}");
    // The script was killed: its connections are gone.
    no_connections_left(&server);
}

#[test]
fn a_failing_restart_ends_the_run_with_its_error() {
    let server = NatsServer::builder().monitoring().start().unwrap();
    let err = nats_py()
        .run_with_restart(&server.url(), "reconnect", || {
            Err(Error::PortBusy {
                port: 1,
                waited: Duration::ZERO,
            })
        })
        .unwrap_err();
    let Error::NatsPyFailed { reason, .. } = &err else {
        panic!("expected NatsPyFailed, got {err}");
    };
    assert!(reason.contains("restarting the server failed"), "{err}");
    assert!(reason.contains("port 1"), "{err}");
    no_connections_left(&server);
}

#[test]
fn a_run_past_its_timeout_is_killed() {
    // The restart "happens" without touching the server, so nats-py never reconnects and the
    // script would wait for its own 30 s bound: the harness's 3 s one comes first.
    let server = NatsServer::builder().monitoring().start().unwrap();
    let started = Instant::now();
    let err = nats_py()
        .timeout(Duration::from_secs(3))
        .run_with_restart(&server.url(), "reconnect", || Ok(()))
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(3) && elapsed < Duration::from_secs(10),
        "took {elapsed:?}"
    );
    let Error::NatsPyTimeout { waited, stdout, .. } = &err else {
        panic!("expected NatsPyTimeout, got {err}");
    };
    assert_eq!(*waited, Duration::from_secs(3));
    assert!(stdout.contains("restart-now"), "{err}");
    assert!(err.to_string().contains("was killed"), "{err}");
    no_connections_left(&server);
}

/// The server sees no client connection (so no nats-py process is left holding one).
fn no_connections_left(server: &NatsServer) {
    eventually("the nats-py connections to close", || {
        let Ok(body) = server.monitor_get("/connz") else {
            return false;
        };
        let json: serde_json::Value = serde_json::from_str(&body).expect("/connz is JSON");
        json["num_connections"] == 0
    });
}
