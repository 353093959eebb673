//! Discovery finds every instance: all services, by name, and by id.

use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::StreamExt;
use natskit_micro::{Discovery, PingResponse, Service, Verb};

use crate::support::{bounded, client, server};

fn ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    ids.into_iter().map(str::to_owned).collect()
}

#[tokio::test]
async fn discovery_finds_every_instance_by_name_and_by_id() {
    let server = server();
    let client = client(&server).await;
    let mut greeters = Vec::new();
    for _ in 0..3 {
        let service = Service::builder("greeter", "1.2.3")
            .start(&client)
            .await
            .unwrap();
        greeters.push(service);
    }
    let other = Service::builder("other", "0.0.1")
        .start(&client)
        .await
        .unwrap();
    client.flush().await.unwrap();
    let greeter_ids = ids(greeters.iter().map(|s| s.id()));

    let asker = natskit::connect(&server.url()).await.unwrap();
    let discovery = Discovery::new(&asker).timeout(Duration::from_millis(500));

    let everyone = discovery.ping(None).await.unwrap();
    let mut all_ids = greeter_ids.clone();
    all_ids.insert(other.id().to_owned());
    assert_eq!(ids(everyone.iter().map(|p| p.id.as_str())), all_ids);

    for verb_answer in [
        ids(discovery
            .ping(Some("greeter"))
            .await
            .unwrap()
            .iter()
            .map(|p| p.id.as_str())),
        ids(discovery
            .info(Some("greeter"))
            .await
            .unwrap()
            .iter()
            .map(|p| p.id.as_str())),
        ids(discovery
            .stats(Some("greeter"))
            .await
            .unwrap()
            .iter()
            .map(|p| p.id.as_str())),
    ] {
        assert_eq!(verb_answer, greeter_ids);
    }

    for service in &greeters {
        let info = discovery
            .info_of("greeter", service.id())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (info.name.as_str(), info.id.as_str()),
            ("greeter", service.id())
        );
        let stats = discovery
            .stats_of("greeter", service.id())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stats.id, service.id());
        let answer = asker
            .request(Verb::Ping.subject(Some("greeter"), Some(service.id())), "")
            .await
            .unwrap();
        let ping: PingResponse = serde_json::from_slice(&answer.payload).unwrap();
        assert_eq!(ping, service.ping());
    }

    // A name nobody has: no answers, and no error.
    assert!(discovery.ping(Some("nobody")).await.unwrap().is_empty());
    assert!(discovery
        .info_of("greeter", "not-an-id")
        .await
        .unwrap()
        .is_none());
    for service in greeters.iter().chain([&other]) {
        service.stop().await;
    }
}

#[tokio::test]
async fn discovery_uses_the_inbox_prefix_and_ignores_an_id_without_a_name() {
    let server = server();
    let client = client(&server).await;
    let mut services = Vec::new();
    for _ in 0..2 {
        services.push(
            Service::builder("twin", "1.0.0")
                .start(&client)
                .await
                .unwrap(),
        );
    }
    let mut questions = client.subscribe("$SRV.PING").await.unwrap();
    client.flush().await.unwrap();

    let asker = natskit::ConnectOptions::new()
        .inbox_prefix("_MY")
        .connect(&server.url())
        .await
        .unwrap();
    let discovery = Discovery::new(&asker).timeout(Duration::from_millis(300));
    // `$SRV.PING` with an id but no name: every instance answers, and all answers count.
    let found: Vec<PingResponse> = discovery
        .ask(Verb::Ping, None, Some("ignored"))
        .await
        .unwrap();
    assert_eq!(
        ids(found.iter().map(|p| p.id.as_str())),
        ids(services.iter().map(|s| s.id()))
    );
    let question = bounded("the question", questions.next()).await.unwrap();
    let reply = question.reply.unwrap();
    assert!(reply.starts_with("_MY."), "{reply}");
    for service in &services {
        service.stop().await;
    }
}
