//! A tour of core NATS, after the seed's nats_demo: publish and subscribe, wildcards,
//! auto-unsubscribe, reply subjects and request/reply, headers.
//!
//! ```text
//! cargo run --example tour -- nats://127.0.0.1:4222
//! ```

use std::time::Duration;

use futures_util::StreamExt;
use natskit::HeaderMap;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(natskit::default_urls);
    let client = natskit::connect(&url).await?;
    println!(
        "connected to {} (server {})",
        client.server_address(),
        client.server_info().version
    );

    // 1. Publish and subscribe.
    let mut sub = client.subscribe("tour.hello").await?;
    client.publish("tour.hello", "hello, world").await?;
    let msg = sub.next().await.ok_or("subscription ended")?;
    println!(
        "1. pub/sub:        {} -> {}",
        msg.subject,
        String::from_utf8_lossy(&msg.payload)
    );

    // 2. Wildcards: `*` is one token, `>` is the rest.
    let mut one = client.subscribe("tour.*.temp").await?;
    let mut rest = client.subscribe("tour.>").await?;
    client.publish("tour.kitchen.temp", "21.5").await?;
    client.publish("tour.garden.soil.moisture", "40%").await?;
    let a = one.next().await.ok_or("ended")?;
    println!("2. wildcard *:     {} matched tour.*.temp", a.subject);
    let mut seen = Vec::new();
    while seen.len() < 2 {
        // `*` saw only the first; `>` sees both.
        seen.push(rest.next().await.ok_or("ended")?.subject.to_string());
    }
    println!("   wildcard >:     tour.> saw {seen:?}");

    // 3. Auto-unsubscribe: the stream ends by itself after 3 messages.
    let mut three = client.subscribe("tour.count").await?;
    three.unsubscribe_after(3);
    for i in 1..=5 {
        client.publish("tour.count", i.to_string()).await?;
    }
    let got: Vec<String> = three
        .map(|m| String::from_utf8_lossy(&m.payload).into_owned())
        .collect()
        .await;
    println!("3. auto-unsub:     got {got:?} of 5");

    // 4. Reply subjects: a responder answers wherever the request says.
    let mut service = client.subscribe("tour.time").await?;
    tokio::spawn(async move {
        while let Some(request) = service.next().await {
            let _ = request.respond("it is tea time").await;
        }
    });
    let answer = client.request("tour.time", "what time is it?").await?;
    println!(
        "4. request/reply:  {}",
        String::from_utf8_lossy(&answer.payload)
    );

    // 5. Headers travel with the message.
    let mut with_headers = client.subscribe("tour.headers").await?;
    let mut headers = HeaderMap::new();
    headers.insert("Trace-Id", "tour-42")?;
    client
        .publish_with_headers("tour.headers", None, &headers, "with headers")
        .await?;
    let msg = with_headers.next().await.ok_or("ended")?;
    println!(
        "5. headers:        Trace-Id = {:?}",
        msg.headers.as_ref().and_then(|h| h.get("Trace-Id"))
    );

    // 6. Nobody listening: the server says so at once instead of a timeout.
    let nobody = client
        .send_request(
            "nobody.home",
            natskit::Request::new("hello?").timeout(Duration::from_secs(2)),
        )
        .await;
    println!(
        "6. no responders:  {}",
        nobody.err().map(|e| e.to_string()).unwrap_or_default()
    );

    println!("   round trip:     {:?}", client.rtt().await?);
    client.close().await?;
    Ok(())
}
