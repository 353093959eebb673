//! Sends 100 requests to "roger", prints who answered each, then a tally per responder.
//!
//! ```text
//! cargo run --example make_requests -- nats://127.0.0.1:4222 [count]
//! ```

use std::collections::BTreeMap;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args.next().unwrap_or_else(natskit::default_urls);
    let count: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(100);
    let client = natskit::connect(&url).await?;
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    for i in 1..=count {
        let answer = client.request("roger", format!("request {i}")).await?;
        let text = String::from_utf8_lossy(&answer.payload).into_owned();
        println!("{i:>3}: {text}");
        *tally.entry(text).or_default() += 1;
    }
    println!("\ntally:");
    for (who, n) in &tally {
        println!("  {n:>3}  {who}");
    }
    client.close().await?;
    Ok(())
}
