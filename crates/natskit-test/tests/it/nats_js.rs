//! `NatsJs`: the official JavaScript clients' scenarios against a real nats-server, and the
//! harness's failure paths (missing node, failing script, a caller side that fails, timeout).
//! The scenarios against the embedded broker, over TCP and WebSocket and with natskit on the
//! other side, are natskit-server's tests/it/nats_js.rs.

use std::cell::Cell;
use std::time::{Duration, Instant};

use natskit_test::{port, Error, NatsJs, NatsServer};

fn nats_js() -> NatsJs {
    NatsJs::locate().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_scenario_passes_against_nats_server() {
    let server = NatsServer::start().unwrap();
    nats_js()
        .run(&server.url(), "all")
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_cross_scenario_calls_ready_once() {
    let server = NatsServer::start().unwrap();
    let calls = Cell::new(0);
    nats_js()
        .run_cross(&server.url(), "js_publishes", "harness.ready", || {
            calls.set(calls.get() + 1);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(calls.get(), 1);
}

#[test]
fn a_failing_caller_side_ends_the_run_with_its_error() {
    let server = NatsServer::start().unwrap();
    let err = nats_js()
        .run_cross(&server.url(), "js_subscribes", "harness.fail", || {
            Err(Error::PortBusy {
                port: 1,
                waited: Duration::ZERO,
            })
        })
        .unwrap_err();
    let Error::NatsJsFailed { reason, .. } = &err else {
        panic!("expected NatsJsFailed, got {err}");
    };
    assert!(reason.contains("the caller's side failed"), "{err}");
    assert!(reason.contains("port 1"), "{err}");
}

#[test]
fn a_cross_scenario_without_its_other_side_fails_with_the_clients_words() {
    // Nobody answers BASE.svc: the server says "no responders" and the script reports it.
    let server = NatsServer::start().unwrap();
    let err = nats_js()
        .run_cross(&server.url(), "js_requests", "harness.nobody", || Ok(()))
        .unwrap_err();
    let Error::NatsJsFailed { reason, stderr, .. } = &err else {
        panic!("expected NatsJsFailed, got {err}");
    };
    assert!(reason.contains("exited with"), "{err}");
    assert!(
        stderr.contains("FAIL js_requests") && stderr.contains("503"),
        "{err}"
    );
}

#[test]
fn a_cross_scenario_needs_run_cross() {
    // Without a subject base the script refuses, listing what it knows.
    let server = NatsServer::start().unwrap();
    let err = nats_js().run(&server.url(), "js_queue").unwrap_err();
    let Error::NatsJsFailed { stderr, .. } = &err else {
        panic!("expected NatsJsFailed, got {err}");
    };
    for name in NatsJs::SCENARIOS.iter().chain(&NatsJs::CROSS_SCENARIOS) {
        assert!(stderr.contains(name), "{name} missing from: {stderr}");
    }
}

#[test]
fn a_run_past_its_timeout_is_killed() {
    // js_subscribes waits 5 s for messages nobody sends; the 1 s bound comes first.
    let server = NatsServer::start().unwrap();
    let started = Instant::now();
    let err = nats_js()
        .timeout(Duration::from_secs(1))
        .run_cross(&server.url(), "js_subscribes", "harness.slow", || Ok(()))
        .unwrap_err();
    let Error::NatsJsTimeout { waited, stdout, .. } = &err else {
        panic!("expected NatsJsTimeout, got {err}");
    };
    assert_eq!(*waited, Duration::from_secs(1));
    assert!(stdout.contains("ready"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(4), "{err}");
}

#[test]
fn a_server_that_is_not_there_fails_with_the_clients_message() {
    let port = port::free_port().unwrap();
    let err = nats_js()
        .run(&format!("nats://127.0.0.1:{port}"), "pubsub")
        .unwrap_err();
    let Error::NatsJsFailed { stderr, .. } = &err else {
        panic!("expected NatsJsFailed, got {err}");
    };
    assert!(
        stderr.contains("FAIL pubsub: connection sub") && stderr.contains("CONNECTION_REFUSED"),
        "{err}"
    );
}

#[test]
fn missing_node_says_make_deps() {
    let err = NatsJs::with_node("/nonexistent/node").unwrap_err();
    assert!(matches!(err, Error::JsSetupMissing { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("make deps") && text.contains("/nonexistent/node"),
        "{text}"
    );
}
