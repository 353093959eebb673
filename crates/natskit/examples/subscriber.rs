//! The seed's first HOW TO: subscribe to the subject "happy" and print what arrives.
//!
//! ```text
//! cargo run --example subscriber -- nats://127.0.0.1:4222
//! natskit pub happy "I am happy"      # in another terminal
//! ```

use futures_util::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(natskit::default_urls);
    let client = natskit::connect(&url).await?;
    let mut happy = client.subscribe("happy").await?;
    println!("listening on \"happy\" at {}", client.server_address());
    while let Some(msg) = happy.next().await {
        println!("{}: {}", msg.subject, String::from_utf8_lossy(&msg.payload));
    }
    Ok(())
}
