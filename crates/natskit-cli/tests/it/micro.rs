//! `natskit micro ls|info|stats|ping` against a natskit-micro service in this process, and
//! `natskit micro ls|info` against a service written with nats-py's own service API module.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

use natskit_micro::{Request, Response, Service, ServiceError};
use natskit_test::{NatsPy, NatsServer};

use crate::support::{json_lines, natskit, server, PATIENCE};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scripts/foreign/nats_py_micro.py"
);

async fn add(request: Request) -> Result<Response, ServiceError> {
    let [a, b]: [i64; 2] = request.json()?;
    Response::json(&(a + b))
}

/// Starts `count` instances of the `calc` service on a runtime the caller keeps alive.
fn calc_instances(server: &NatsServer, count: usize) -> (tokio::runtime::Runtime, Vec<Service>) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let services = runtime.block_on(async {
        let client = natskit::connect(&server.url()).await.unwrap();
        let mut services = Vec::new();
        for _ in 0..count {
            let service = Service::builder("calc", "1.4.0")
                .description("Adds numbers")
                .metadata("team", "math")
                .start(&client)
                .await
                .unwrap();
            service
                .group("math")
                .endpoint_builder("add")
                .metadata("input", "[a, b]")
                .handle(add)
                .await
                .unwrap();
            services.push(service);
        }
        client.flush().await.unwrap();
        services
    });
    (runtime, services)
}

fn stdout_of(server: &NatsServer, args: &[&str]) -> String {
    let output = natskit(server, args).output().unwrap();
    assert!(output.status.success(), "{args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn micro_commands_show_natskit_micro_instances() {
    let server = server();
    let (runtime, services) = calc_instances(&server, 2);
    natskit(&server, &["req", "math.add", "[2, 3]"])
        .assert()
        .success()
        .stdout("5\n");

    let ls = stdout_of(&server, &["micro", "ls", "--timeout", "300ms"]);
    let mut lines = ls.lines();
    assert!(lines.next().unwrap().starts_with("NAME"), "{ls}");
    for service in &services {
        assert!(
            ls.lines().any(|l| l.starts_with("calc")
                && l.contains(service.id())
                && l.contains("1.4.0")
                && l.ends_with("Adds numbers")),
            "{ls}"
        );
    }

    let ping = stdout_of(&server, &["micro", "ping", "calc", "--timeout", "300ms"]);
    assert_eq!(ping.lines().count(), 3, "header and two instances: {ping}");
    assert!(ping.contains("team=math"), "{ping}");

    let id = services[0].id();
    let info = stdout_of(&server, &["micro", "info", "calc", id]);
    assert!(info.starts_with(&format!("calc 1.4.0 ({id})")), "{info}");
    assert!(info.contains("description: Adds numbers"), "{info}");
    assert!(
        info.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["add", "math.add", "q", "input=[a,", "b]"]),
        "{info}"
    );

    let stats = stdout_of(
        &server,
        &["micro", "stats", "calc", "--timeout", "300ms", "--json"],
    );
    let documents = json_lines(&stats);
    assert_eq!(documents.len(), 2);
    let requests: u64 = documents
        .iter()
        .map(|d| d["endpoints"][0]["num_requests"].as_u64().unwrap())
        .sum();
    assert_eq!(requests, 1, "{stats}");
    let table = stdout_of(&server, &["micro", "stats", "calc", id]);
    assert!(
        table.contains("ENDPOINT") && table.contains("REQUESTS"),
        "{table}"
    );

    let nobody = natskit(&server, &["micro", "ls", "nobody", "--timeout", "200ms"])
        .output()
        .unwrap();
    assert!(
        nobody.status.success() && nobody.stdout.is_empty(),
        "{nobody:?}"
    );
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("0 service instances answered"));

    runtime.block_on(async {
        for service in &services {
            service.stop().await;
        }
    });
}

/// A nats-py service process; killed on drop if it has not ended.
struct PyService(Child);

impl Drop for PyService {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn micro_ls_lists_a_nats_py_service() {
    let nats_py = NatsPy::locate().expect("nats-py: run `bash scripts/install-deps.sh`");
    let server = server();
    let mut child = PyService(
        Command::new(nats_py.python())
            .args([SCRIPT, &server.url(), "serve", "pyservice"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let ready = rx
        .recv_timeout(PATIENCE)
        .expect("the nats-py service to start");
    let id = ready
        .trim()
        .strip_prefix("ready ")
        .unwrap_or_else(|| panic!("unexpected first line {ready:?}"))
        .to_owned();

    let ls = stdout_of(&server, &["micro", "ls", "--timeout", "300ms"]);
    assert!(
        ls.lines().any(|l| l.starts_with("pyservice")
            && l.contains(&id)
            && l.contains("2.0.0")
            && l.ends_with("nats-py service")),
        "{ls}"
    );
    let info = stdout_of(&server, &["micro", "info", "pyservice", &id, "--json"]);
    let info: serde_json::Value = serde_json::from_str(info.trim()).unwrap();
    let subjects: Vec<_> = info["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["subject"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(subjects, ["echo", "math.double"]);
    natskit(&server, &["req", "math.double", "21"])
        .assert()
        .success()
        .stdout("42\n");
    let stats = stdout_of(&server, &["micro", "stats", "pyservice", &id]);
    assert!(
        stats
            .lines()
            .any(|l| l.trim_start().starts_with("double") && l.contains(" 1 ")),
        "{stats}"
    );
    let ping = stdout_of(&server, &["micro", "ping", "--timeout", "300ms"]);
    assert!(ping.contains(&id) && ping.contains("lang=python"), "{ping}");

    // Closing its standard input stops the service; it must exit on its own, in time.
    drop(child.0.stdin.take());
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            assert!(status.success(), "nats-py service exited with {status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the nats-py service did not stop"
        );
        std::thread::sleep(std::time::Duration::from_millis(20)); // polling a process exit
    }
}
