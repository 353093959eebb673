//! The seed's responder as a service: `greeter` answers requests on "roger" with
//! "Roger, from <id>!", in queue group `q`, and discovery finds it. Ctrl-C stops it gracefully.
//!
//! ```text
//! cargo run -p natskit-micro --example greeter -- nats://127.0.0.1:4222
//! natskit micro ls                # every instance, with its id
//! natskit req roger ''            # Roger, from <id>!
//! natskit micro stats greeter     # requests, errors and times per endpoint
//! ```

use natskit_micro::{Request, Response, Service, ServiceError};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(natskit::default_urls);
    let client = natskit::connect(&url).await?;
    let service = Service::builder("greeter", "1.0.0")
        .description("Answers on \"roger\", like the seed's responder")
        .start(&client)
        .await?;
    let id = service.id().to_owned();
    service
        .endpoint_builder("roger")
        .handle(move |_request: Request| {
            let answer = format!("Roger, from {id}!");
            async move { Ok::<_, ServiceError>(Response::new(answer)) }
        })
        .await?;
    // The server has the subscriptions once this returns: "answering" is then true.
    client.flush().await?;
    println!("greeter {} answering on \"roger\"", service.id());
    tokio::signal::ctrl_c().await?;
    service.stop().await; // requests in flight are still answered
    client.close().await?;
    Ok(())
}
