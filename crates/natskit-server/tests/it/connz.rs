//! `/connz` as nats-server 2.9.10 answers it (issue 23, finding 8): `limit`, `offset`, `cid`,
//! `sort`, `subs` and `auth`, its defaults, and a 400 with its text for a bad parameter. Every
//! request goes to nats-server and to the embedded broker, and the answers are compared.

use natskit_server::Server;
use serde_json::Value;

use crate::backends::{get, Backend};
use crate::support::Raw;

/// The connections of a test, each with a name, subscriptions and messages published, so that
/// each sort order is a different order.
struct Clients {
    /// Held open while the test asks about them.
    _raws: Vec<Raw>,
    cids: Vec<u64>,
}

/// (name, subscriptions, messages published)
const CLIENTS: [(&str, usize, usize); 3] = [("one", 0, 2), ("two", 2, 0), ("three", 1, 1)];

impl Clients {
    async fn connect(backend: &Backend) -> Clients {
        let mut raws = Vec::new();
        let mut cids = Vec::new();
        for (name, subs, pubs) in CLIENTS {
            let mut raw = backend.raw().await;
            let info: Value =
                serde_json::from_str(raw.text().trim_start_matches("INFO ").trim()).unwrap();
            cids.push(info["client_id"].as_u64().unwrap());
            raw.clear();
            let mut steps = format!("CONNECT {{\"verbose\":false,\"name\":\"{name}\"}}\r\n");
            for sid in 1..=subs {
                steps.push_str(&format!("SUB {name}.{sid} q{sid} {sid}\r\n"));
            }
            for _ in 0..pubs {
                steps.push_str("PUB nobody 2\r\nhi\r\n");
            }
            raw.send(format!("{steps}PING\r\n")).await;
            raw.read_until("PONG\r\n").await;
            raws.push(raw);
        }
        Clients { _raws: raws, cids }
    }
}

/// The JSON of a 200 answer, failing the test otherwise.
async fn connz(backend: &Backend, query: &str) -> Value {
    let (status, body) = get(backend.http_addr(), &format!("/connz{query}")).await;
    assert_eq!(status, 200, "{} {query}: {body}", backend.name());
    serde_json::from_str(&body).unwrap()
}

/// What is compared of a `/connz` answer: the paging figures and the names in order.
fn summary(connz: &Value) -> (Value, Value, Value, Value, Vec<String>) {
    let names = connz["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    (
        connz["num_connections"].clone(),
        connz["total"].clone(),
        connz["offset"].clone(),
        connz["limit"].clone(),
        names,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_parameters_get_400_with_nats_server_texts() {
    let queries = [
        "limit=x",
        "limit=99999999999999999999",
        "limit=+1",
        "offset=y",
        "cid=x",
        "cid=-1",
        "subs=maybe",
        "auth=x",
        "sort=rtt",
        "sort=bogus",
        "sort=Cid",
        "sort=stop",
        "sort=reason",
        "state=bogus",
    ];
    for backend in Backend::both(None, Server::builder()).await {
        for query in queries {
            let (status, body) = get(backend.http_addr(), &format!("/connz?{query}")).await;
            assert_eq!(status, 400, "{} {query}: {body}", backend.name());
            let expected = match query {
                "limit=x" => "Error decoding int for 'limit': strconv.Atoi: parsing \"x\": invalid syntax",
                "limit=99999999999999999999" => "Error decoding int for 'limit': strconv.Atoi: parsing \"99999999999999999999\": value out of range",
                "limit=+1" => "Error decoding int for 'limit': strconv.Atoi: parsing \" 1\": invalid syntax",
                "offset=y" => "Error decoding int for 'offset': strconv.Atoi: parsing \"y\": invalid syntax",
                "cid=x" => "Error decoding uint64 for 'cid': strconv.ParseUint: parsing \"x\": invalid syntax",
                "cid=-1" => "Error decoding uint64 for 'cid': strconv.ParseUint: parsing \"-1\": invalid syntax",
                "subs=maybe" => "Error decoding boolean for 'subs': strconv.ParseBool: parsing \"maybe\": invalid syntax",
                "auth=x" => "Error decoding boolean for 'auth': strconv.ParseBool: parsing \"x\": invalid syntax",
                "sort=rtt" => "invalid sorting option: rtt",
                "sort=bogus" => "invalid sorting option: bogus",
                "sort=Cid" => "invalid sorting option: Cid",
                "sort=stop" => "sort by stop only valid on closed connections",
                "sort=reason" => "sort by reason only valid on closed connections",
                _ => "Error decoding state for bogus",
            };
            assert_eq!(body, expected, "{} {query}", backend.name());
        }
        backend.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_cid_and_sort_orders_match_nats_server() {
    let mut answers = Vec::new();
    for backend in Backend::both(None, Server::builder()).await {
        let clients = Clients::connect(&backend).await;
        let mut got = Vec::new();
        for query in [
            "",
            "?limit=1&offset=1",
            "?limit=2",
            "?offset=-3",
            "?limit=0&offset=5",
            "?sort=cid",
            "?sort=start",
            "?sort=subs",
            "?sort=msgs_from",
            "?sort=bytes_from",
            "?sort=uptime",
            "?sort=subs&limit=1&offset=1",
        ] {
            got.push((query.to_owned(), summary(&connz(&backend, query).await)));
        }
        // One connection by its id; the rest are still counted in the total.
        let cid = clients.cids[2];
        let by_cid = connz(&backend, &format!("?cid={cid}")).await;
        assert_eq!(by_cid["connections"][0]["cid"], cid, "{}", backend.name());
        got.push(("?cid=".into(), summary(&by_cid)));
        got.push((
            "?cid=<none>".into(),
            summary(&connz(&backend, "?cid=999999").await),
        ));
        // The subscriptions: subjects, or their details.
        let subs = connz(&backend, &format!("?cid={}&subs=1", clients.cids[1])).await;
        let mut list: Vec<String> = subs["connections"][0]["subscriptions_list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect();
        list.sort();
        assert_eq!(list, ["two.1", "two.2"], "{}", backend.name());
        let detail = connz(&backend, &format!("?cid={}&subs=detail", clients.cids[2])).await;
        let detail = &detail["connections"][0]["subscriptions_list_detail"][0];
        let expected = serde_json::json!({
            "subject": "three.1", "qgroup": "q1", "sid": "1", "msgs": 0, "cid": clients.cids[2]
        });
        assert_eq!(detail, &expected, "{}", backend.name());
        drop(clients);
        answers.push((backend.name(), got));
        backend.stop().await;
    }
    let (embedded, ours) = answers.pop().unwrap();
    let (nats, theirs) = answers.pop().unwrap();
    for ((query, a), (_, b)) in theirs.iter().zip(&ours) {
        assert_eq!(a, b, "/connz{query}: {nats} then {embedded}");
    }
    // And the figures are the expected ones, not merely the same.
    assert_eq!(
        ours[0].1,
        (
            3.into(),
            3.into(),
            0.into(),
            1024.into(),
            vec!["one".into(), "two".into(), "three".into()]
        )
    );
    assert_eq!(ours[7].1 .4, ["two", "three", "one"]); // sort=subs
    assert_eq!(ours[8].1 .4, ["one", "three", "two"]); // sort=msgs_from
    assert_eq!(ours[10].1 .4, ["three", "two", "one"]); // sort=uptime
}

#[tokio::test]
async fn subjects_that_are_not_utf8_are_listed_with_replacement_characters() {
    for backend in Backend::both(None, Server::builder()).await {
        let mut raw = backend.raw().await;
        let info: Value =
            serde_json::from_str(raw.text().trim_start_matches("INFO ").trim()).unwrap();
        let cid = info["client_id"].as_u64().unwrap();
        raw.send(b"CONNECT {\"verbose\":false}\r\nSUB a\xff.b q\xfe 1\r\nPING\r\n")
            .await;
        raw.read_until("PONG\r\n").await;
        let subs = connz(&backend, &format!("?cid={cid}&subs=1")).await;
        let list = &subs["connections"][0]["subscriptions_list"];
        assert_eq!(
            list,
            &serde_json::json!(["a\u{fffd}.b"]),
            "{}",
            backend.name()
        );
        let detail = connz(&backend, &format!("?cid={cid}&subs=detail")).await;
        let detail = &detail["connections"][0]["subscriptions_list_detail"][0];
        assert_eq!(
            (&detail["subject"], &detail["qgroup"]),
            (&"a\u{fffd}.b".into(), &"q\u{fffd}".into()),
            "{}",
            backend.name()
        );
        drop(raw);
        backend.stop().await;
    }
}
