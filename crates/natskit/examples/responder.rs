//! The seed's responder: answers every request on "roger" with "Roger, from <id>!".
//!
//! ```text
//! cargo run --example responder -- nats://127.0.0.1:4222 [id]
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
    let mut requests = client.subscribe("roger").await?;
    println!("responder {id} answering on \"roger\"");
    while let Some(request) = requests.next().await {
        request.respond(format!("Roger, from {id}!")).await?;
    }
    Ok(())
}
