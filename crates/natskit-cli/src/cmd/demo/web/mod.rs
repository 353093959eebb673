//! `natskit demo --device --web`: the LED matrix in a browser. The embedded broker listens for
//! NATS clients (so `natskit pub senseshow 'Hi'` and `send_sense` reach the device) and for
//! WebSocket ones; a small HTTP server serves the page, which speaks NATS over WebSocket with the
//! official JavaScript client, draws the frames the device publishes, and sends its text box to
//! the device.
//!
//! - `assets`: the page's files, and the bundled JavaScript client.
//! - `http`: the server for them.
//! - `feed`: the device's frames, published for the page.

mod assets;
mod feed;
mod http;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use natskit_ledmatrix::senseshow::{
    Senseshow, ServeOptions, Show, DEFAULT_SUBJECT, MAX_TEXT_CHARS,
};
use natskit_server::{Server, WebSocket};
use tokio::net::TcpListener;

use crate::error::CliError;

/// Where the web demo listens (port 0 picks a free one).
#[derive(Debug, Clone)]
pub struct WebPorts {
    /// The address every listener binds to.
    pub host: String,
    /// The page's HTTP port.
    pub http: u16,
    /// The broker's port for NATS clients.
    pub nats: u16,
    /// The broker's WebSocket port, which the page connects to.
    pub websocket: u16,
}

/// Runs the web demo until Ctrl-C or SIGTERM; `frame_delay` is the device's default pace.
pub async fn run(ports: WebPorts, frame_delay: Duration) -> Result<(), CliError> {
    if !assets::nats_client_bundled() {
        return Err(CliError::msg(
            "the page's NATS WebSocket client (npm's nats.ws) was not bundled into this natskit: \
             run `make deps`, then build natskit again",
        ));
    }
    let server = Server::builder()
        .name("natskit-demo")
        .host(ports.host.clone())
        .port(ports.nats)
        // Browsers offer permessage-deflate; taking it up also puts the broker's compression
        // in front of a WebSocket implementation nobody here wrote (the browser test).
        .websocket(
            WebSocket::port(ports.websocket)
                .host(ports.host.clone())
                .no_tls()
                .compression(true),
        )
        .start()
        .await
        .map_err(|e| CliError::msg(format!("could not start the embedded broker: {e}")))?;
    let page = TcpListener::bind((ports.host.as_str(), ports.http))
        .await
        .map_err(|e| {
            CliError::msg(format!(
                "could not listen for the page on {}:{}: {e}",
                ports.host, ports.http
            ))
        });
    let page = match page {
        Ok(page) => page,
        Err(e) => {
            server.shutdown().await;
            return Err(e);
        }
    };
    let outcome = serve(&server, page, frame_delay).await;
    server.shutdown().await;
    outcome
}

async fn serve(server: &Server, page: TcpListener, frame_delay: Duration) -> Result<(), CliError> {
    let link = server.in_process();
    let connect = |name: &'static str| {
        let link = link.clone();
        async move {
            natskit::ConnectOptions::new()
                .name(name)
                .connector(natskit::Connector::new(move |_| {
                    let link = link.clone();
                    async move { link.connect() }
                }))
                .connect("nats://in-process")
                .await
        }
    };
    let (sink, frames) = feed::channel();
    let device_client = connect("led-matrix").await?;
    let device = Senseshow::bind(
        &device_client,
        DEFAULT_SUBJECT,
        ServeOptions::new(sink).frame_delay(frame_delay),
    )
    .await
    .map_err(|e| CliError::msg(format!("the LED matrix could not start: {e}")))?;
    let device = tokio::spawn(device.run());
    let feed = tokio::spawn(feed::publish(connect("led-matrix-feed").await?, frames));

    let ws = server.websocket_addr().ok_or_else(|| {
        CliError::msg("the embedded broker has no WebSocket listener".to_string())
    })?;
    let http = page
        .local_addr()
        .map_err(|e| CliError::msg(format!("the page's listener has no address: {e}")))?;
    let nats = server.client_url();
    let config = page_config(ws, &nats, frame_delay);
    let pages = tokio::spawn(http::serve(page, config));

    // The page's address on standard output, for scripts; the rest is for people.
    let _ = crate::output::print(format!("http://{}/\n", browsable(http)).as_bytes());
    note!(
        "natskit demo --device --web: the LED matrix (on {DEFAULT_SUBJECT:?}) is on the page at http://{}/",
        browsable(http)
    );
    note!(
        "NATS clients reach it at {nats} and WebSocket clients at ws://{}; try: natskit pub --server {nats} {DEFAULT_SUBJECT} 'Hi'",
        browsable(ws)
    );
    note!("Serving; Ctrl-C stops");
    crate::cmd::server::stop_signal().await;
    pages.abort();
    // Draining ends the device's subscriptions, and with them its run and the feed.
    let _ = device_client.drain().await;
    let _ = device.await;
    feed.abort();
    Ok(())
}

/// An address a browser can open: the wildcard addresses are reached through loopback.
fn browsable(addr: SocketAddr) -> SocketAddr {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    addr
}

/// What the page reads from `/config.json`.
fn page_config(ws: SocketAddr, nats_url: &str, frame_delay: Duration) -> Arc<[u8]> {
    // The page waits for the device's answer as long as the longest text takes to scroll.
    let longest = Show::new("W".repeat(MAX_TEXT_CHARS)).scroll_time(frame_delay);
    let config = serde_json::json!({
        "ws_port": ws.port(),
        "subject": DEFAULT_SUBJECT,
        "frames_subject": feed::FRAMES_SUBJECT,
        "current_subject": feed::CURRENT_SUBJECT,
        "request_timeout_ms": (longest + Duration::from_secs(5)).as_millis() as u64,
        "pub_hint": format!("natskit pub --server {nats_url} {DEFAULT_SUBJECT} 'Hi'"),
    });
    Arc::from(config.to_string().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_config_names_the_ports_and_subjects() {
        let config = page_config(
            "127.0.0.1:8443".parse().unwrap(),
            "nats://127.0.0.1:4222",
            Duration::from_millis(70),
        );
        let json: serde_json::Value = serde_json::from_slice(&config).unwrap();
        assert_eq!(json["ws_port"], 8443);
        assert_eq!(json["subject"], "senseshow");
        assert_eq!(json["frames_subject"], "senseshow.live.frame");
        assert!(json["request_timeout_ms"].as_u64().unwrap() > 5_000);
    }

    #[test]
    fn wildcard_addresses_are_opened_through_loopback() {
        assert_eq!(
            browsable("0.0.0.0:80".parse().unwrap()),
            "127.0.0.1:80".parse().unwrap()
        );
        assert_eq!(
            browsable("[::]:80".parse().unwrap()),
            "[::1]:80".parse().unwrap()
        );
    }
}
