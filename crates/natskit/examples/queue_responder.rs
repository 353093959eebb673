//! A responder in the queue group "rogers": start four, send 100 requests with
//! `make_requests`, and each answers about 25. No registry, no configuration: the server
//! gives each request to one member of the group.
//!
//! ```text
//! cargo run --example queue_responder -- nats://127.0.0.1:4222 worker-1
//! ```

use futures_util::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args.next().unwrap_or_else(natskit::default_urls);
    let id = args
        .next()
        .unwrap_or_else(|| std::process::id().to_string());
    let client = natskit::connect(&url).await?;
    let mut requests = client.queue_subscribe("roger", "rogers").await?;
    // Make sure the server has the subscription before saying we are ready.
    client.flush().await?;
    println!("queue responder {id} ready");
    let mut answered = 0u64;
    while let Some(request) = requests.next().await {
        answered += 1;
        request.respond(format!("Roger, from {id}!")).await?;
    }
    println!("{id} answered {answered}");
    Ok(())
}
