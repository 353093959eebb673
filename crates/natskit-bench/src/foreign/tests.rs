//! Both contender programs build and run one small round of every scenario against a real
//! nats-server, so they do not rot between benchmark runs.

use super::*;

fn round(kind: Kind) {
    let program = Program::build(kind).unwrap_or_else(|e| panic!("{}: {e}", kind.name()));
    let server = natskit_test::NatsServer::start().expect("nats-server");
    let url = server.url();

    let publish = program.run(Scenario::Publish, &url, 2_000).unwrap();
    assert!(publish.get("rate").unwrap() > 0.0);

    let pubsub = program.run(Scenario::PubSub, &url, 2_000).unwrap();
    assert!(pubsub.get("rate").unwrap() > 0.0);
    // Far below every client's pending limit: nothing may be lost.
    assert_eq!(pubsub.get("lost").unwrap(), 0.0);

    let request = program.run(Scenario::Request, &url, 200).unwrap();
    let (p50, p99) = (
        request.get("p50_us").unwrap(),
        request.get("p99_us").unwrap(),
    );
    assert!(p50 > 0.0 && p50 <= p99, "p50 {p50} us, p99 {p99} us");

    let concurrent = program
        .run(Scenario::Concurrent { requesters: 64 }, &url, 640)
        .unwrap();
    assert!(concurrent.get("rate").unwrap() > 0.0);
}

#[test]
fn nats_c_runs_every_scenario() {
    round(Kind::NatsC);
}

#[test]
fn nats_go_runs_every_scenario() {
    round(Kind::NatsGo);
}

#[test]
fn figures_are_read_up_to_done() {
    let figures = parse("rate 12.5\nlost 0\ndone\n").unwrap();
    assert_eq!(figures.get("rate").unwrap(), 12.5);
    assert_eq!(figures.get("lost").unwrap(), 0.0);
    assert!(figures.get("p50_us").is_err());
    assert!(parse("rate fast\ndone\n").is_err());
}
