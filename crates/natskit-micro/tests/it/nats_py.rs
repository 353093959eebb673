//! Interoperability with code nobody here wrote: nats-py's own service API module (nats.micro)
//! asks a natskit-micro service for discovery and parses the answers with its own classes
//! (scripts/foreign/nats_py_micro.py). nats-py comes from the virtualenv `make test` creates.

use std::process::Stdio;

use natskit_micro::{Request, Response, Service, ServiceError};
use natskit_test::NatsPy;

use crate::support::{bounded, client, server};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scripts/foreign/nats_py_micro.py"
);

async fn hello(request: Request) -> Result<Response, ServiceError> {
    let name = String::from_utf8_lossy(request.payload()).into_owned();
    Ok(Response::new(format!("Hello, {name}!")))
}

async fn div(request: Request) -> Result<Response, ServiceError> {
    let [a, b]: [f64; 2] = request.json()?;
    if b == 0.0 {
        return Err(ServiceError::bad_request("division by zero"));
    }
    Response::json(&(a / b))
}

#[tokio::test]
async fn nats_py_discovers_a_natskit_micro_service_and_parses_its_documents() {
    let nats_py = NatsPy::locate().expect("nats-py: run `bash scripts/install-deps.sh`");
    let server = server();
    let client = client(&server).await;
    let service = Service::builder("rusty", "1.0.0")
        .description("natskit-micro for nats-py")
        .metadata("lang", "rust")
        .start(&client)
        .await
        .unwrap();
    service.handle("hello", hello).await.unwrap();
    service.group("math").handle("div", div).await.unwrap();
    client.flush().await.unwrap();

    let python = tokio::process::Command::new(nats_py.python())
        .args([
            SCRIPT,
            &server.url(),
            "discover",
            service.name(),
            service.id(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true) // also when the bounded wait below gives up
        .spawn()
        .unwrap();
    let output = bounded("nats-py", python.wait_with_output()).await.unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(
        output.status.success() && stdout.contains("ok discover"),
        "nats-py failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    service.stop().await;
}
