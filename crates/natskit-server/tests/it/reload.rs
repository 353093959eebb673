//! `Server::reload` (SIGHUP in `natskit server`) and `Server::lame_duck` (SIGUSR2): the
//! library side. The same steps against nats-server 2.10.26 are in natskit-cli's
//! tests/it/server_ops.rs.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use natskit::Event;
use natskit_server::{Permissions, Rule, Server, ServerError, User};

use crate::support::*;

/// The next `-ERR` (or the end) among `events`.
async fn next_error(events: &mut natskit::Events) -> String {
    tokio::time::timeout(PATIENCE, async {
        loop {
            match events.next().await {
                Some(Event::ServerError(text)) => return text,
                Some(Event::Closed { .. }) | None => return "closed".to_owned(),
                Some(_) => {}
            }
        }
    })
    .await
    .unwrap_or_else(|_| "nothing".into())
}

fn no_reconnect() -> natskit::ConnectOptions {
    natskit::ConnectOptions::new().reconnect(false)
}

#[tokio::test]
async fn a_reload_changes_who_may_connect_and_what_live_connections_may_do() {
    let reader =
        |subjects: &[&str]| Permissions::default().subscribe(Rule::allow(subjects.iter().copied()));
    let server = broker_with(
        Server::builder()
            .add_user(User::new("ann", "pa").permissions(reader(&["news.>"])))
            .add_user(User::new("ben", "pb"))
            .user("pub", "pp"),
    )
    .await;
    let url = server.client_url();
    let ann = no_reconnect()
        .user_and_password("ann", "pa")
        .connect(&url)
        .await
        .unwrap();
    let ben = no_reconnect()
        .user_and_password("ben", "pb")
        .connect(&url)
        .await
        .unwrap();
    let publisher = connect_as(&server, "pub", "pp").await;
    let mut wide = ann.subscribe("news.>").await.unwrap();
    let mut sport = ann.subscribe("news.sport").await.unwrap();
    ann.flush().await.unwrap();
    let (mut ann_events, mut ben_events) = (ann.events(), ben.events());

    let port = server.addr().port();
    server
        .reload(
            Server::builder()
                .port(port)
                .add_user(User::new("ann", "pa").permissions(
                    Permissions::default().subscribe(Rule::allow(["news.>"]).deny(["news.sport"])),
                ))
                .add_user(User::new("ben", "changed"))
                .user("pub", "pp"),
        )
        .unwrap();

    assert_eq!(next_error(&mut ben_events).await, "Authorization Violation");
    assert_eq!(
        next_error(&mut ann_events).await,
        "Permissions Violation for Subscription to \"news.sport\" (sid \"2\")"
    );
    // Her wildcard subscription stays, but no longer gets the denied subject.
    publisher.publish("news.sport", "goal").await.unwrap();
    publisher.publish("news.world", "hello").await.unwrap();
    publisher.flush().await.unwrap();
    let got = tokio::time::timeout(PATIENCE, wide.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.subject.as_str(), "news.world");
    // The subscription taken away got nothing: news.sport came first, so it would be there.
    let removed = futures_util::FutureExt::now_or_never(sport.next());
    assert!(!matches!(removed, Some(Some(_))));
    let ben_again = no_reconnect()
        .user_and_password("ben", "changed")
        .connect(&url)
        .await;
    assert!(ben_again.is_ok(), "the new password works");
}

#[tokio::test]
async fn what_a_reload_cannot_change_is_refused_and_nothing_changes() {
    let server = broker_with(Server::builder().token("t")).await;
    let port = server.addr().port();
    let err = server
        .reload(Server::builder().port(port).name("other").token("u"))
        .unwrap_err();
    assert!(
        matches!(
            err,
            ServerError::Reload {
                setting: "server_name",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        server
            .reload(Server::builder().port(port + 1).token("u"))
            .unwrap_err()
            .to_string(),
        format!(
            "config reload not supported for port: old={port}, new={}",
            port + 1
        )
    );
    // The token is still the old one.
    let client = no_reconnect()
        .token("t")
        .connect(&server.client_url())
        .await;
    assert!(client.is_ok());
    // Port 0 keeps the port bound; a bad new option is refused too.
    assert!(server
        .reload(Server::builder().port(0).no_auth_user("nobody").token("u"))
        .is_err());
    server.reload(Server::builder().port(0).token("u")).unwrap();
    assert!(no_reconnect()
        .token("u")
        .connect(&server.client_url())
        .await
        .is_ok());
}

#[tokio::test]
async fn lame_duck_closes_the_listener_then_evicts_clients_after_the_grace_period() {
    let server = broker_with(
        Server::builder()
            .http_port(0)
            .lame_duck_duration(Duration::from_secs(3))
            .lame_duck_grace(Duration::from_millis(300)),
    )
    .await;
    let url = server.client_url();
    let clients = [
        no_reconnect().connect(&url).await.unwrap(),
        no_reconnect().connect(&url).await.unwrap(),
    ];
    let mut events: Vec<_> = clients.iter().map(natskit::Client::events).collect();
    let started = Instant::now();
    {
        let lame_duck = server.lame_duck();
        tokio::pin!(lame_duck);
        // Monitoring stays up; new clients (in-process ones too) are refused.
        let during = async {
            for e in &mut events {
                loop {
                    if e.next().await == Some(Event::LameDuckMode) {
                        break;
                    }
                }
            }
            assert!(natskit::ConnectOptions::new()
                .reconnect(false)
                .connect(&url)
                .await
                .is_err());
            assert!(server.in_process().connect().is_err());
            let http = server.http_addr().unwrap();
            assert!(tokio::net::TcpStream::connect(http).await.is_ok());
        };
        tokio::select! {
            () = &mut lame_duck => panic!("lame duck mode ended before the grace period"),
            () = during => {}
        }
        tokio::time::timeout(PATIENCE, lame_duck).await.unwrap();
    }
    assert!(started.elapsed() >= Duration::from_millis(300));
    for e in &mut events {
        let end = tokio::time::timeout(PATIENCE, async {
            loop {
                match e.next().await {
                    Some(Event::Closed { .. } | Event::Disconnected { .. }) | None => return,
                    _ => {}
                }
            }
        });
        end.await.unwrap();
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_grace_period_as_long_as_the_lame_duck_duration_is_refused() {
    let err = Server::builder()
        .port(0)
        .lame_duck_duration(Duration::from_secs(5))
        .start()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "lame duck grace period (10s) should be strictly lower than lame duck duration (5s)"
    );
}
