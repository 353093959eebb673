//! The WebSocket listener with a WebSocket client nobody here wrote (tokio-tungstenite):
//! INFO, CONNECT/PING/PONG, publish/subscribe and request/reply through the broker, with TCP
//! clients on the other side, and with compression configured on and off.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use natskit_server::{Server, WebSocket};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

type Ws = WebSocketStream<TcpStream>;

/// How long any one answer may take.
const WAIT: Duration = Duration::from_secs(5);

async fn start(compression: bool) -> Server {
    Server::builder()
        .port(0)
        .websocket(WebSocket::port(0).no_tls().compression(compression))
        .start()
        .await
        .unwrap()
}

/// The NATS bytes of the next data message, skipping pings and pongs.
async fn next_bytes(ws: &mut Ws) -> Vec<u8> {
    loop {
        let message = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("an answer in time")
            .expect("the connection open")
            .unwrap();
        match message {
            Message::Binary(bytes) => return bytes.to_vec(),
            Message::Text(text) => return text.as_bytes().to_vec(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// Reads until the bytes read end with `suffix`; returns them.
async fn read_until(ws: &mut Ws, suffix: &str) -> String {
    let mut seen = Vec::new();
    while !seen.ends_with(suffix.as_bytes()) {
        seen.extend(next_bytes(ws).await);
    }
    String::from_utf8(seen).unwrap()
}

async fn send(ws: &mut Ws, text: &str) {
    ws.send(Message::binary(text.as_bytes().to_vec()))
        .await
        .unwrap();
}

/// Opens a WebSocket to the broker's listener (tungstenite's handshake over our TCP socket).
async fn open(server: &Server) -> Ws {
    let url = server.websocket_url().unwrap();
    let socket = TcpStream::connect(server.websocket_addr().unwrap())
        .await
        .unwrap();
    let (ws, response) = tokio_tungstenite::client_async(url, socket).await.unwrap();
    assert_eq!(response.status(), 101);
    ws
}

async fn connect(server: &Server) -> Ws {
    let mut ws = open(server).await;
    let info = read_until(&mut ws, "\r\n").await;
    assert!(info.starts_with("INFO {"), "{info}");
    ws
}

#[tokio::test]
async fn info_names_the_websocket_port_and_ping_is_answered() {
    for compression in [false, true] {
        let server = start(compression).await;
        let mut ws = open(&server).await;
        let info = read_until(&mut ws, "\r\n").await;
        let json: serde_json::Value =
            serde_json::from_str(info.trim_start_matches("INFO ").trim()).unwrap();
        let port = server.websocket_addr().unwrap().port();
        assert_eq!(json["port"], port, "{info}");
        assert!(json.get("tls_required").is_none(), "{info}");
        send(&mut ws, "CONNECT {\"verbose\":false}\r\nPING\r\n").await;
        assert_eq!(read_until(&mut ws, "PONG\r\n").await, "PONG\r\n");
        // A WebSocket ping is answered with a pong carrying the same bytes.
        ws.send(Message::Ping(b"hi".to_vec().into())).await.unwrap();
        let pong = tokio::time::timeout(WAIT, ws.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(pong, Message::Pong(b"hi".to_vec().into()));
        server.shutdown().await;
    }
}

#[tokio::test]
async fn messages_cross_between_websocket_and_tcp_clients() {
    for compression in [false, true] {
        let server = start(compression).await;
        let mut ws = connect(&server).await;
        send(
            &mut ws,
            "CONNECT {\"verbose\":false}\r\nSUB from.tcp 1\r\nPING\r\n",
        )
        .await;
        read_until(&mut ws, "PONG\r\n").await;
        let tcp = natskit::connect(&server.client_url()).await.unwrap();
        let mut from_ws = tcp.subscribe("from.ws").await.unwrap();
        tcp.flush().await.unwrap();

        tcp.publish("from.tcp", "hello browser").await.unwrap();
        tcp.flush().await.unwrap();
        assert_eq!(
            read_until(&mut ws, "hello browser\r\n").await,
            "MSG from.tcp 1 13\r\nhello browser\r\n"
        );
        // A payload big enough to be compressed when compression is on.
        let big = "x".repeat(10_000);
        send(&mut ws, &format!("PUB from.ws {}\r\n{big}\r\n", big.len())).await;
        let got = tokio::time::timeout(WAIT, from_ws.next())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.payload.as_ref(), big.as_bytes());
        server.shutdown().await;
    }
}

#[tokio::test]
async fn requests_over_websocket_are_answered_by_a_tcp_responder_and_back() {
    let server = start(false).await;
    let tcp = natskit::connect(&server.client_url()).await.unwrap();
    let mut service = tcp.subscribe("svc.echo").await.unwrap();
    tcp.flush().await.unwrap();
    let responder = {
        let tcp = tcp.clone();
        tokio::spawn(async move {
            let request = service.next().await.unwrap();
            let reply = request.reply.clone().unwrap();
            tcp.publish(reply, request.payload.clone()).await.unwrap();
            tcp.flush().await.unwrap();
        })
    };
    let mut ws = connect(&server).await;
    send(
        &mut ws,
        "CONNECT {\"verbose\":false,\"headers\":true,\"no_responders\":true}\r\n\
         SUB _INBOX.me 1\r\nPUB svc.echo _INBOX.me 4\r\nping\r\n",
    )
    .await;
    assert_eq!(
        read_until(&mut ws, "ping\r\n").await,
        "MSG _INBOX.me 1 4\r\nping\r\n"
    );
    tokio::time::timeout(WAIT, responder)
        .await
        .unwrap()
        .unwrap();
    // Nobody listens here: the no-responders status comes back as an HMSG.
    send(&mut ws, "PUB nobody _INBOX.me 0\r\n\r\n").await;
    assert!(read_until(&mut ws, "\r\n\r\n")
        .await
        .starts_with("HMSG _INBOX.me 1 "));
    server.shutdown().await;
}

#[tokio::test]
async fn a_websocket_client_that_closes_gets_its_close_echoed() {
    let server = start(false).await;
    let mut ws = connect(&server).await;
    ws.close(None).await.unwrap();
    // tungstenite reads the server's answering close, then the end of the stream.
    let rest = tokio::time::timeout(WAIT, async {
        let mut frames = Vec::new();
        while let Some(frame) = ws.next().await {
            frames.push(frame);
        }
        frames
    })
    .await
    .unwrap();
    assert!(rest.iter().all(|f| f.is_ok()), "{rest:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn varz_describes_the_listener_and_connz_lists_websocket_clients() {
    let server = Server::builder()
        .port(0)
        .http_port(0)
        .websocket(WebSocket::port(0).no_tls().compression(true))
        .start()
        .await
        .unwrap();
    let mut ws = connect(&server).await;
    send(&mut ws, "CONNECT {\"verbose\":false}\r\nPING\r\n").await;
    read_until(&mut ws, "PONG\r\n").await;
    let http = server.http_addr().unwrap();
    let (_, varz) = crate::backends::get(http, "/varz").await;
    let varz: serde_json::Value = serde_json::from_str(&varz).unwrap();
    let port = server.websocket_addr().unwrap().port();
    assert_eq!(varz["websocket"]["port"], port, "{varz}");
    assert_eq!(varz["websocket"]["no_tls"], true);
    assert_eq!(varz["websocket"]["compression"], true);
    let (_, connz) = crate::backends::get(http, "/connz").await;
    let connz: serde_json::Value = serde_json::from_str(&connz).unwrap();
    assert_eq!(connz["connections"][0]["type"], "websocket", "{connz}");
    server.shutdown().await;
}
