//! A small calculator service: a `calc` group with JSON requests and JSON answers, and errors
//! for what cannot be computed. Ctrl-C stops it gracefully.
//!
//! ```text
//! cargo run -p natskit-micro --example calculator -- nats://127.0.0.1:4222
//! natskit req calc.add '{"a": 1, "b": 2}'    # {"result":3.0}
//! natskit req calc.div '{"a": 1, "b": 0}'    # error headers: 400 division by zero
//! natskit micro info calculator              # its endpoints, subjects and metadata
//! natskit micro stats calculator             # counts the error, and the last one
//! ```

use natskit_micro::{Request, Response, Service, ServiceError};
use serde::{Deserialize, Serialize};

/// What every endpoint takes.
#[derive(Deserialize)]
struct Operands {
    a: f64,
    b: f64,
}

/// What every endpoint answers.
#[derive(Serialize)]
struct Answer {
    result: f64,
}

async fn add(request: Request) -> Result<Response, ServiceError> {
    let Operands { a, b } = request.json()?;
    Response::json(&Answer { result: a + b })
}

async fn div(request: Request) -> Result<Response, ServiceError> {
    let Operands { a, b } = request.json()?;
    if b == 0.0 {
        return Err(ServiceError::bad_request("division by zero"));
    }
    Response::json(&Answer { result: a / b })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(natskit::default_urls);
    let client = natskit::connect(&url).await?;
    let service = Service::builder("calculator", "0.2.0")
        .description("Adds and divides numbers sent as JSON {a, b}")
        .metadata("example", "natskit-micro")
        .start(&client)
        .await?;
    let calc = service.group("calc");
    calc.endpoint_builder("add")
        .metadata("answer", "{result}")
        .handle(add)
        .await?;
    calc.endpoint_builder("div")
        .metadata("errors", "400: division by zero, invalid JSON")
        .handle(div)
        .await?;
    // The server has the subscriptions once this returns: "answering" is then true.
    client.flush().await?;
    println!(
        "calculator {} answering on calc.add and calc.div",
        service.id()
    );
    tokio::signal::ctrl_c().await?;
    service.stop().await;
    client.close().await?;
    Ok(())
}
