//! `natskit bench`: pub, sub, pubsub and req against a real nats-server, their tables, JSON and
//! CSV, and their failures.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{
    assert_cannot_connect, command, error_without_server, natskit, natskit_bare, one_error_line,
    server, Running, PATIENCE,
};

/// Standard output of a successful run.
fn run_ok(server: &natskit_test::NatsServer, args: &[&str]) -> String {
    let out = natskit(server, args).assert().success();
    String::from_utf8_lossy(&out.get_output().stdout).into_owned()
}

/// Standard output of a successful run with `--json`, parsed.
fn run_json(server: &natskit_test::NatsServer, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let stdout = run_ok(server, &all);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// The cells of the table line starting with `label` (`pub #1`, `sub all`): columns are two or
/// more spaces apart.
fn cells<'a>(table: &'a str, label: &str) -> Vec<&'a str> {
    let line = table
        .lines()
        .find(|l| l.starts_with(&format!("{label} ")))
        .unwrap_or_else(|| panic!("no line {label:?} in:\n{table}"));
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

/// `1,000` as 1000.
fn count(cell: &str) -> u64 {
    cell.replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("not a count: {cell:?}"))
}

/// `745.9 k msgs/s` as 745900.0.
fn rate(cell: &str) -> f64 {
    let mut words = cell.split(' ');
    let number: f64 = words.next().and_then(|n| n.parse().ok()).expect("number");
    let scale = match words.next() {
        Some("k") => 1e3,
        Some("M") => 1e6,
        Some("G") => 1e9,
        _ => 1.0,
    };
    number * scale
}

/// The clients of `role` in a JSON report, in order.
fn clients<'a>(doc: &'a Value, role: &str) -> Vec<&'a Value> {
    doc["clients"]
        .as_array()
        .expect("clients")
        .iter()
        .filter(|c| c["role"] == role)
        .collect()
}

/// The aggregate of `role` in a JSON report.
fn aggregate<'a>(doc: &'a Value, role: &str) -> &'a Value {
    doc["aggregate"]
        .as_array()
        .expect("aggregate")
        .iter()
        .find(|c| c["role"] == role)
        .unwrap_or_else(|| panic!("no {role} aggregate in {doc}"))
}

/// Asserts a JSON row has every field, a positive rate and latency percentiles in order.
fn assert_row(row: &Value, msgs: u64, size: u64) {
    assert_eq!(row["msgs"], msgs, "{row}");
    assert_eq!(row["bytes"], msgs * size, "{row}");
    assert!(row["seconds"].as_f64().expect("seconds") > 0.0, "{row}");
    assert!(row["msgs_per_sec"].as_f64().expect("rate") > 0.0, "{row}");
    assert!(
        row["bytes_per_sec"].as_f64().expect("bytes rate") > 0.0,
        "{row}"
    );
    let latency = &row["latency_us"];
    assert!(latency["samples"].as_u64().expect("samples") >= 1, "{row}");
    let order: Vec<f64> = ["min", "p50", "p90", "p99", "p99_9", "max"]
        .iter()
        .map(|k| {
            latency[k]
                .as_f64()
                .unwrap_or_else(|| panic!("{k} in {row}"))
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]), "{row}");
    assert!(order[0] > 0.0, "{row}");
    let avg = latency["avg"].as_f64().expect("avg");
    assert!(order[0] <= avg && avg <= order[5], "{row}");
}

#[test]
fn pub_prints_each_client_and_the_aggregate() {
    let server = server();
    let out = natskit(
        &server,
        &[
            "bench", "pub", "b.pub", "-c", "2", "-n", "1000", "--size", "16",
        ],
    )
    .assert()
    .success();
    let output = out.get_output();
    let stdout = String::from_utf8_lossy(&output.stdout);
    // No progress bar: standard error is not a terminal.
    assert!(output.stderr.is_empty(), "{output:?}");
    assert!(
        stdout.starts_with("pub on \"b.pub\": 2 publishers, 1,000 msgs of 16 B\n"),
        "{stdout}"
    );
    let (throughput, latency) = stdout.split_once("\nlatency").expect("two tables");
    for (label, msgs) in [("pub #1", 500), ("pub #2", 500), ("pub all", 1_000)] {
        let row = cells(throughput, label);
        assert_eq!(count(row[1]), msgs, "{stdout}");
        assert!(
            row[3].ends_with(" msgs/s") && rate(row[3]) > 0.0,
            "{stdout}"
        );
        assert!(row[4].ends_with("B/s"), "{stdout}");
        let lat = cells(latency, label);
        assert_eq!(lat.len(), 9, "{stdout}");
        assert!(count(lat[1]) >= 1, "{stdout}");
        assert!(lat[2..].iter().all(|c| c.ends_with('s')), "{stdout}");
    }
    assert!(
        stdout.contains("pub latency: flush round trips"),
        "{stdout}"
    );
}

#[test]
fn pub_json_has_every_field() {
    let server = server();
    let doc = run_json(
        &server,
        &["bench", "pub", "b.json", "-n", "300", "--size", "1KiB"],
    );
    assert_eq!(doc["command"], "pub");
    assert_eq!(doc["subject"], "b.json");
    assert_eq!(doc["size"], 1024);
    let pubs = clients(&doc, "pub");
    assert_eq!(pubs.len(), 1);
    assert_eq!(pubs[0]["client"], 1);
    assert!(pubs[0]["lost"].is_null());
    assert!(pubs[0]["dropped"].is_null());
    assert_row(pubs[0], 300, 1024);
    assert_row(aggregate(&doc, "pub"), 300, 1024);
}

#[test]
fn sub_counts_what_bench_pub_sends() {
    let server = server();
    let sub = Running::start(
        &server,
        &["bench", "sub", "b.sub", "-c", "2", "-n", "500", "--json"],
        "Subscribing on b.sub: 2 subscribers, waiting for 500 msgs each",
    );
    run_ok(
        &server,
        &["bench", "pub", "b.sub", "-n", "500", "--size", "32"],
    );
    let done = sub.finish();
    assert!(done.status.success(), "{done:?}");
    let doc: Value = serde_json::from_str(&done.stdout).expect("JSON");
    assert!(doc["size"].is_null());
    let subs = clients(&doc, "sub");
    assert_eq!(subs.len(), 2);
    for sub in subs {
        assert_eq!(sub["lost"], 0, "{sub}");
        // Publish-to-receive latency from the stamped payloads (1 in 64: 8 of 500).
        assert_row(sub, 500, 32);
        assert_eq!(sub["latency_us"]["samples"], 8, "{sub}");
    }
    assert_eq!(aggregate(&doc, "sub")["msgs"], 1_000);
    assert_eq!(aggregate(&doc, "sub")["lost"], 0);
}

#[test]
fn sub_counts_what_did_not_come_as_lost() {
    let server = server();
    // After its last message a subscriber waits --timeout, then counts the rest as lost.
    let sub = Running::start(
        &server,
        &["bench", "sub", "b.lost", "-n", "100", "--timeout", "300ms"],
        "Subscribing on",
    );
    run_ok(
        &server,
        &["bench", "pub", "b.lost", "-n", "60", "--size", "8"],
    );
    let done = sub.finish();
    assert!(done.status.success(), "{done:?}");
    let row = cells(&done.stdout, "sub #1");
    assert_eq!((count(row[1]), count(row[2])), (60, 40), "{}", done.stdout);
    assert_eq!(count(cells(&done.stdout, "sub all")[2]), 40);
}

#[test]
fn pubsub_delivers_every_message_to_every_subscriber() {
    let server = server();
    let doc = run_json(
        &server,
        &[
            "bench", "pubsub", "b.ps", "-c", "2", "--subs", "3", "-n", "2000", "--size", "64",
        ],
    );
    assert_eq!(doc["command"], "pubsub");
    let pubs = clients(&doc, "pub");
    assert_eq!(pubs.len(), 2);
    for publisher in pubs {
        assert_row(publisher, 1_000, 64);
    }
    let subs = clients(&doc, "sub");
    assert_eq!(subs.len(), 3);
    for sub in subs {
        assert_row(sub, 2_000, 64);
        assert_eq!(sub["lost"], 0, "{sub}");
        assert_eq!(sub["dropped"], 0, "{sub}");
    }
    assert_eq!(aggregate(&doc, "pub")["msgs"], 2_000);
    assert_eq!(aggregate(&doc, "sub")["msgs"], 6_000);
    assert_eq!(aggregate(&doc, "sub")["lost"], 0);
}

#[test]
fn pubsub_table_shows_lost_and_both_latencies() {
    let server = server();
    let stdout = run_ok(&server, &["bench", "pubsub", "-n", "500", "--size", "16"]);
    assert!(
        stdout.starts_with(
            "pubsub on \"natskit.bench\": 1 publisher, 1 subscriber, 500 msgs of 16 B\n"
        ),
        "{stdout}"
    );
    let row = cells(&stdout, "sub #1");
    assert_eq!((count(row[1]), count(row[2])), (500, 0), "{stdout}");
    assert_eq!(cells(&stdout, "pub #1")[2], "-", "{stdout}");
    assert!(
        stdout.contains("sub latency: publish to receive"),
        "{stdout}"
    );
}

#[test]
fn req_with_built_in_responders() {
    let server = server();
    let doc = run_json(
        &server,
        &[
            "bench",
            "req",
            "--subject",
            "b.req",
            "-c",
            "2",
            "--responders",
            "3",
            "-n",
            "200",
            "--size",
            "16",
        ],
    );
    assert_eq!(doc["subject"], "b.req");
    let reqs = clients(&doc, "req");
    assert_eq!(reqs.len(), 2);
    for requester in reqs {
        assert_row(requester, 100, 16);
        // Every request is a latency sample.
        assert_eq!(requester["latency_us"]["samples"], 100, "{requester}");
    }
    assert_row(aggregate(&doc, "req"), 200, 16);
}

#[test]
fn req_against_a_running_natskit_reply() {
    let server = server();
    let reply = Running::start(&server, &["reply", "svc.echo", "--echo"], "Listening on");
    let stdout = run_ok(
        &server,
        &["bench", "req", "svc.echo", "--external", "-n", "50"],
    );
    assert!(
        stdout.starts_with("req on \"svc.echo\": 1 requester, a running service, 50 requests"),
        "{stdout}"
    );
    let row = cells(&stdout, "req all");
    assert_eq!(count(row[1]), 50, "{stdout}");
    assert!(row[3].ends_with(" req/s") && rate(row[3]) > 0.0, "{stdout}");
    assert_eq!(count(cells(&stdout, "req #1")[1]), 50);
    drop(reply);
}

#[test]
fn csv_to_a_file_and_to_standard_output() {
    let server = server();
    let dir = std::env::temp_dir().join(format!("natskit-bench-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("req.csv");
    let file_arg = file.to_str().expect("UTF-8 path");
    let stdout = run_ok(
        &server,
        &[
            "bench", "req", "b.csv", "-c", "2", "-n", "20", "--csv", file_arg,
        ],
    );
    // The tables still go to standard output.
    assert!(stdout.contains("req all"), "{stdout}");
    let csv = std::fs::read_to_string(&file).expect("CSV file");
    std::fs::remove_dir_all(&dir).expect("remove temp dir");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(
        lines[0].starts_with("role,client,msgs,bytes,lost,dropped,seconds,msgs_per_sec,"),
        "{csv}"
    );
    let columns = lines[0].split(',').count();
    for (line, client) in lines[1..].iter().zip(["1", "2", "all"]) {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), columns, "{csv}");
        assert_eq!(&fields[..2], ["req", client], "{csv}");
    }
    assert_eq!(lines[3].split(',').nth(2), Some("20"), "{csv}");

    let stdout = run_ok(
        &server,
        &["bench", "pub", "b.csv", "-n", "10", "--csv", "-"],
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "only CSV on standard output: {stdout}");
    assert!(lines[0].starts_with("role,client,"), "{stdout}");
    assert!(lines[1].starts_with("pub,1,10,1280,,"), "{stdout}");
    assert!(lines[2].starts_with("pub,all,10,1280,,"), "{stdout}");
}

#[test]
fn duration_runs_stop_by_themselves() {
    let server = server();
    for mode in ["pub", "pubsub", "req"] {
        let started = Instant::now();
        let doc = run_json(
            &server,
            &["bench", mode, "b.time", "-d", "300ms", "--size", "16"],
        );
        assert!(started.elapsed() >= Duration::from_millis(300), "{mode}");
        let role = if mode == "req" { "req" } else { "pub" };
        let sent = aggregate(&doc, role)["msgs"].as_u64().expect("msgs");
        assert!(sent > 0, "{mode}: {doc}");
        if mode == "pubsub" {
            let sub = aggregate(&doc, "sub");
            let received = sub["msgs"].as_u64().expect("msgs");
            assert_eq!(sub["lost"], sent - received, "{doc}");
        }
    }
    // A subscriber with no publisher ends on time with nothing.
    let started = Instant::now();
    let doc = run_json(&server, &["bench", "sub", "b.quiet", "-d", "300ms"]);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(aggregate(&doc, "sub")["msgs"], 0);
    assert!(aggregate(&doc, "sub")["lost"].is_null());
}

#[test]
fn unreachable_server_is_one_line() {
    for mode in ["pub", "sub", "pubsub", "req"] {
        assert_cannot_connect(&["bench", mode, "-n", "10"]);
    }
}

#[test]
fn invalid_subjects_are_refused_before_connecting() {
    // The server is unreachable: the subject is checked first.
    for (args, expected) in [
        (
            &["pub", "orders.*"][..],
            "error: invalid publish subject \"orders.*\"",
        ),
        (&["pubsub", "a b"], "error: invalid publish subject \"a b\""),
        (
            &["req", "--subject", "x.>"],
            "error: invalid publish subject \"x.>\"",
        ),
        (
            &["sub", "a..b"],
            "error: invalid subscribe subject \"a..b\"",
        ),
    ] {
        let mut all = vec!["bench"];
        all.extend(args);
        let line = error_without_server(&all);
        assert!(line.starts_with(expected), "{line}");
    }
}

#[test]
fn no_responders_for_an_external_service() {
    let server = server();
    let out = natskit(
        &server,
        &["bench", "req", "svc.none", "--external", "-n", "5"],
    )
    .assert()
    .code(1);
    assert_eq!(
        one_error_line(out.get_output()),
        "error: no responders for \"svc.none\""
    );
}

#[test]
fn impossible_runs_are_one_line() {
    let server = server();
    let out = natskit(&server, &["bench", "pub", "-c", "4", "-n", "3"])
        .assert()
        .code(1);
    assert_eq!(
        one_error_line(out.get_output()),
        "error: --msgs 3 is fewer than --clients 4: each client needs at least one"
    );
    let out = natskit(&server, &["bench", "pub", "--json", "--csv", "-"])
        .assert()
        .code(1);
    assert!(one_error_line(out.get_output()).starts_with("error: --json and --csv -"));
    // nats-server takes at most 1 MiB per message.
    let out = natskit(&server, &["bench", "pub", "-n", "1", "--size", "2MiB"])
        .assert()
        .code(1);
    let line = one_error_line(out.get_output());
    assert!(
        line.starts_with("error: message of 2097152 bytes exceeds the server's max_payload"),
        "{line}"
    );
}

#[test]
fn usage_errors_exit_with_2() {
    // Without a benchmark: the list of them.
    let out = natskit_bare(&["bench"]).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("Usage: natskit bench"), "{stderr}");
    for args in [
        &["bench", "pub", "--bogus"][..],
        &["bench", "pub", "-c", "0"],
        &["bench", "pub", "-n", "0"],
        &["bench", "pubsub", "--subs", "0"],
        // More clients than a server takes (this many aborted allocating room for them).
        &["bench", "pub", "-c", "100000000000", "-n", "100000000000"],
        &["bench", "pubsub", "--subs", "65537"],
        &["bench", "req", "--responders", "100000000000"],
        &["bench", "pub", "--size", "1 parsec"],
        &["bench", "pub", "-n", "5", "-d", "1s"],
        &["bench", "pub", "-d", "soon"],
        &["bench", "req", "--external", "--responders", "2"],
        &["bench", "pub", "a", "--subject", "b"],
        &["bench", "sub", "--size", "16"],
    ] {
        let out = natskit_bare(args).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    }
}

#[test]
fn sub_with_a_duration_outlasts_a_pause_in_the_publishing() {
    let server = server();
    // --timeout is the idle wait of a --msgs run; with --duration only the time ends it.
    let started = Instant::now();
    let sub = Running::start(
        &server,
        &[
            "bench",
            "sub",
            "b.pause",
            "-d",
            "1s",
            "--timeout",
            "10ms",
            "--json",
        ],
        "Subscribing on",
    );
    run_ok(
        &server,
        &["bench", "pub", "b.pause", "-n", "5", "--size", "8"],
    );
    let done = sub.finish();
    assert!(done.status.success(), "{done:?}");
    assert!(started.elapsed() >= Duration::from_secs(1), "{done:?}");
    let doc: Value = serde_json::from_str(&done.stdout).expect("JSON");
    assert_eq!(aggregate(&doc, "sub")["msgs"], 5, "{doc}");
}

#[test]
fn ctrl_c_ends_a_requester_waiting_for_a_silent_service() {
    let server = server();
    // A subscriber that prints each request and answers none: the requester waits --timeout.
    let mut silent = command(&["sub", "svc.silent", "--server", &server.url()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn natskit sub");
    let mut silent_err = BufReader::new(silent.stderr.take().expect("stderr"));
    let mut line = String::new();
    silent_err.read_line(&mut line).expect("ready line");
    assert!(line.starts_with("Subscribing on"), "{line}");
    let (got_request, request_seen) = mpsc::channel();
    let silent_out = silent.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        let mut first = String::new();
        let _ = BufReader::new(silent_out).read_line(&mut first);
        let _ = got_request.send(first);
    });

    let started = Instant::now();
    let bench = command(&[
        "bench",
        "req",
        "svc.silent",
        "--external",
        "-n",
        "5",
        "--timeout",
        "20s",
        "--server",
        &server.url(),
    ])
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("spawn natskit bench");
    // The request is out, so the run has started and Ctrl-C is handled.
    request_seen
        .recv_timeout(PATIENCE)
        .expect("the request reached the silent service");
    let status = Command::new("kill")
        .args(["-INT", &bench.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let out = bench.wait_with_output().expect("natskit bench ends");
    let _ = silent.kill();
    let _ = silent.wait();
    assert!(out.status.success(), "{out:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The request given up is not counted.
    assert_eq!(count(cells(&stdout, "req #1")[1]), 0, "{stdout}");
}
