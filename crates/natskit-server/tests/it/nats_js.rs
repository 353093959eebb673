//! The official NATS JavaScript clients (npm's `nats` over TCP, `nats.ws` over WebSocket, run
//! by `natskit_test::NatsJs`) against the embedded broker and against nats-server 2.10.26 doing
//! the same steps: their own scenarios (JavaScript on both ends), and natskit on the other side
//! of each direction: JS publishes and natskit subscribes, natskit publishes and JS subscribes,
//! JS requests and natskit answers, natskit requests and JS answers, natskit feeds a JS queue
//! group of 4. And nats.ws's browser bundle in headless Chromium, talking to natskit through the
//! server's WebSocket port. Each server is tried with both clients on TCP, both on WebSocket,
//! and JS on WebSocket with natskit on TCP (messages crossing from one transport to the other).
//!
//! Plain tests: NatsJs and the browser block, so natskit's client runs on a runtime of its own
//! (and the embedded broker on another, see `Hosted`); the test thread is never inside either.

use futures_util::StreamExt as _;
use natskit::{Client, HeaderMap, Request};
use natskit_server::{Server, WebSocket};
use natskit_test::{Browser, NatsJs, NatsServer, PageServer};
use tokio::runtime::Runtime;

use crate::support::{fresh_port, Hosted, PATIENCE};

/// The server under test, and where each client connects to it.
struct Target {
    /// The embedded broker or nats-server, stopped when dropped.
    _server: Running,
    /// For the JavaScript client: `nats://` or `ws://`.
    js_url: String,
    /// For natskit's client.
    natskit_url: String,
    /// Where natskit's client runs.
    runtime: Runtime,
}

/// Held only to be stopped on drop.
enum Running {
    Embedded { _hosted: Hosted },
    NatsServer { _server: NatsServer },
}

impl Target {
    /// The embedded broker; JS connects over TCP.
    fn embedded_tcp() -> Target {
        let hosted = Hosted::start(Server::builder());
        let url = hosted.url();
        Target::new(Running::Embedded { _hosted: hosted }, url.clone(), url)
    }

    /// The embedded broker with a WebSocket listener; both clients connect to it.
    fn embedded_ws() -> Target {
        let (hosted, ws_url) = embedded_with_websocket();
        Target::new(
            Running::Embedded { _hosted: hosted },
            ws_url.clone(),
            ws_url,
        )
    }

    /// The embedded broker; JS connects over WebSocket, natskit over TCP: messages cross
    /// from one transport to the other.
    fn embedded_ws_natskit_tcp() -> Target {
        let (hosted, ws_url) = embedded_with_websocket();
        let url = hosted.url();
        Target::new(Running::Embedded { _hosted: hosted }, ws_url, url)
    }

    /// nats-server 2.10.26; both clients connect over TCP.
    fn nats_server_tcp() -> Target {
        let server = nats_server_with_websocket();
        let url = server.url();
        Target::new(Running::NatsServer { _server: server }, url.clone(), url)
    }

    /// nats-server 2.10.26 with a WebSocket listener; both clients connect to it.
    fn nats_server_ws() -> Target {
        let server = nats_server_with_websocket();
        let ws_url = server.ws_url().expect("a WebSocket listener");
        Target::new(
            Running::NatsServer { _server: server },
            ws_url.clone(),
            ws_url,
        )
    }

    /// nats-server 2.10.26; JS connects over WebSocket, natskit over TCP.
    fn nats_server_ws_natskit_tcp() -> Target {
        let server = nats_server_with_websocket();
        let (ws_url, url) = (server.ws_url().expect("a WebSocket listener"), server.url());
        Target::new(Running::NatsServer { _server: server }, ws_url, url)
    }

    fn new(server: Running, js_url: String, natskit_url: String) -> Target {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        Target {
            _server: server,
            js_url,
            natskit_url,
            runtime,
        }
    }

    /// A natskit client of the server.
    fn natskit(&self) -> Client {
        self.runtime
            .block_on(natskit::connect(&self.natskit_url))
            .unwrap_or_else(|e| panic!("natskit connecting to {}: {e}", self.natskit_url))
    }
}

/// The embedded broker with a plain `ws://` listener (on a fresh port, as its client port), and
/// that listener's URL.
fn embedded_with_websocket() -> (Hosted, String) {
    let hosted = Hosted::start(Server::builder().websocket(WebSocket::port(fresh_port()).no_tls()));
    let ws_url = hosted
        .server()
        .websocket_url()
        .expect("a WebSocket listener");
    (hosted, ws_url)
}

/// nats-server 2.10.26 (the issue's reference; the Debian package is 2.9) with a plain `ws://`
/// listener.
fn nats_server_with_websocket() -> NatsServer {
    let binary = natskit_test::binary::newer_nats_server().unwrap_or_else(|e| panic!("{e}"));
    NatsServer::builder()
        .binary(binary)
        .websocket()
        .start()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn nats_js() -> NatsJs {
    NatsJs::locate().unwrap_or_else(|e| panic!("{e}"))
}

/// The X-Index header of cross message `i`, when it has one.
fn index_headers(index: Option<String>) -> Option<HeaderMap> {
    index.map(|i| {
        let mut headers = HeaderMap::new();
        headers.insert("X-Index", i).unwrap();
        headers
    })
}

/// The JavaScript client's own scenarios: pub/sub, request/reply, a queue group of 4, headers.
fn js_alone(target: &Target) {
    nats_js()
        .run(&target.js_url, "all")
        .unwrap_or_else(|e| panic!("{e}"));
}

/// JS publishes; natskit, subscribed before, gets every message, in order, headers included.
fn js_publishes_natskit_subscribes(target: &Target) {
    let base = "interop.from";
    let client = target.natskit();
    let mut sub = target.runtime.block_on(async {
        let sub = client.subscribe(format!("{base}.from-js")).await.unwrap();
        client.flush().await.unwrap();
        sub
    });
    nats_js()
        .run_cross(&target.js_url, "js_publishes", base, || Ok(()))
        .unwrap_or_else(|e| panic!("{e}"));
    target.runtime.block_on(async {
        for i in 0..NatsJs::CROSS_MESSAGES {
            let msg = tokio::time::timeout(PATIENCE, sub.next())
                .await
                .unwrap_or_else(|_| panic!("message {i} from JS did not come"))
                .unwrap();
            let (payload, index) = NatsJs::cross_message("js", i);
            assert_eq!(msg.payload, payload.as_bytes(), "message {i}");
            let got = msg.headers.as_ref().and_then(|h| h.get("X-Index"));
            assert_eq!(got, index.as_deref(), "X-Index of message {i}");
        }
    });
}

/// natskit publishes once JS is subscribed; JS checks payloads, order and headers.
fn natskit_publishes_js_subscribes(target: &Target) {
    let base = "interop.to";
    let client = target.natskit();
    nats_js()
        .run_cross(&target.js_url, "js_subscribes", base, || {
            target.runtime.block_on(async {
                for i in 0..NatsJs::CROSS_MESSAGES {
                    let (payload, index) = NatsJs::cross_message("rs", i);
                    let subject = format!("{base}.to-js");
                    match index_headers(index) {
                        Some(headers) => client
                            .publish_with_headers(subject, None, &headers, payload)
                            .await
                            .unwrap(),
                        None => client.publish(subject, payload).await.unwrap(),
                    }
                }
                client.flush().await.unwrap();
            });
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}

/// JS requests (one after the other, then all at once); natskit answers each.
fn js_requests_natskit_responds(target: &Target) {
    let base = "interop.rpc";
    let client = target.natskit();
    let mut sub = target.runtime.block_on(async {
        let sub = client.subscribe(format!("{base}.svc")).await.unwrap();
        client.flush().await.unwrap();
        sub
    });
    let responder = target.runtime.spawn(async move {
        let mut answered = 0;
        while answered < NatsJs::CROSS_REQUESTS {
            let Some(msg) = sub.next().await else { break };
            let mut headers = HeaderMap::new();
            let req = msg.headers.as_ref().and_then(|h| h.get("X-Req"));
            headers.insert("X-Req", req.unwrap_or("none")).unwrap();
            let mut payload = b"natskit:".to_vec();
            payload.extend_from_slice(&msg.payload);
            msg.respond_with_headers(Some(&headers), payload)
                .await
                .unwrap();
            answered += 1;
        }
        answered
    });
    nats_js()
        .run_cross(&target.js_url, "js_requests", base, || Ok(()))
        .unwrap_or_else(|e| panic!("{e}"));
    let answered = target
        .runtime
        .block_on(async { tokio::time::timeout(PATIENCE, responder).await })
        .expect("the responder finished")
        .unwrap();
    assert_eq!(answered, NatsJs::CROSS_REQUESTS);
}

/// natskit requests once JS answers; each reply carries JS's prefix and the request's X-Req.
fn natskit_requests_js_responds(target: &Target) {
    let base = "interop.svc";
    let client = target.natskit();
    nats_js()
        .run_cross(&target.js_url, "js_responds", base, || {
            target.runtime.block_on(async {
                for i in 0..NatsJs::CROSS_REQUESTS {
                    let mut headers = HeaderMap::new();
                    headers.insert("X-Req", i.to_string()).unwrap();
                    let request = Request::new(format!("req-{i}"))
                        .headers(headers)
                        .timeout(PATIENCE);
                    let reply = client
                        .send_request(format!("{base}.js-svc"), request)
                        .await
                        .unwrap_or_else(|e| panic!("request {i} to JS: {e}"));
                    assert_eq!(reply.payload, format!("js:req-{i}").as_bytes());
                    let got = reply.headers.as_ref().and_then(|h| h.get("X-Req"));
                    assert_eq!(got, Some(i.to_string().as_str()), "X-Req of reply {i}");
                }
            });
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}

/// natskit publishes to a JS queue group of 4: each message to exactly one member, each member
/// some (JS checks).
fn natskit_feeds_a_js_queue_group(target: &Target) {
    let base = "interop.queue";
    let client = target.natskit();
    nats_js()
        .run_cross(&target.js_url, "js_queue", base, || {
            target.runtime.block_on(async {
                for i in 0..NatsJs::QUEUE_MESSAGES {
                    client
                        .publish(format!("{base}.work"), format!("job-{i}"))
                        .await
                        .unwrap();
                }
                client.flush().await.unwrap();
            });
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}

/// A page that loads nats.ws's browser bundle from the test's page server, connects to the
/// WebSocket URL in its query string, lists what arrives on `browser.to-page`, and publishes
/// `window.send(text)` to `browser.from-page`.
const PAGE: &str = r#"<!doctype html>
<html><head><title>nats.ws</title></head>
<body data-state="loading">
<ol id="received"></ol>
<script type="module">
  import { connect, StringCodec } from "/nats.js";
  const sc = StringCodec();
  const ws = new URLSearchParams(location.search).get("ws");
  try {
    const nc = await connect({ servers: ws, reconnect: false });
    const sub = nc.subscribe("browser.to-page");
    await nc.flush();
    window.send = async (text) => { nc.publish("browser.from-page", sc.encode(text)); await nc.flush(); };
    document.body.dataset.state = "subscribed";
    for await (const m of sub) {
      const li = document.createElement("li");
      li.textContent = sc.decode(m.data);
      document.getElementById("received").append(li);
    }
  } catch (e) {
    document.body.dataset.state = "failed: " + e.message;
  }
</script>
</body></html>"#;

/// nats.ws in headless Chromium: natskit publishes and the page shows it; the page publishes and
/// natskit receives it.
fn browser_talks_to_natskit(target: &Target) {
    let bundle = natskit_test::node::package_file("nats.ws", "esm/nats.js")
        .unwrap_or_else(|e| panic!("{e}"));
    let pages = PageServer::start([
        ("/", "text/html; charset=utf-8", PAGE.as_bytes().to_vec()),
        (
            "/nats.js",
            "text/javascript",
            std::fs::read(bundle).unwrap(),
        ),
    ])
    .unwrap();
    let client = target.natskit();
    let mut from_page = target.runtime.block_on(async {
        let sub = client.subscribe("browser.from-page").await.unwrap();
        client.flush().await.unwrap();
        sub
    });

    let browser = Browser::locate().unwrap_or_else(|e| panic!("{e}"));
    let mut page = browser
        .open(&pages.url(&format!("/?ws={}", target.js_url)))
        .unwrap_or_else(|e| panic!("{e}"));
    if let Err(e) = page.wait_until("document.body.dataset.state !== 'loading'") {
        panic!("{e}; console: {:?}", page.console());
    }
    let state = page.eval("document.body.dataset.state").unwrap();
    assert_eq!(state, "subscribed", "console: {:?}", page.console());

    target.runtime.block_on(async {
        for text in ["one", "two", "three"] {
            client.publish("browser.to-page", text).await.unwrap();
        }
        client.flush().await.unwrap();
    });
    page.wait_until("document.querySelectorAll('#received li').length >= 3")
        .unwrap_or_else(|e| panic!("{e}"));
    let shown = page
        .eval("[...document.querySelectorAll('#received li')].map(li => li.textContent)")
        .unwrap();
    assert_eq!(shown, serde_json::json!(["one", "two", "three"]));

    page.eval("send('from the browser')").unwrap();
    let msg = target
        .runtime
        .block_on(async { tokio::time::timeout(PATIENCE, from_page.next()).await })
        .expect("the page's message arrived")
        .unwrap();
    assert_eq!(msg.payload, "from the browser".as_bytes());
    page.close().unwrap_or_else(|e| panic!("{e}"));
}

/// Tests for one target: each named function of this file, run against `Target::$target()`.
macro_rules! interop {
    ($target:ident: $($test:ident),+ $(,)?) => {
        mod $target {
            use super::Target;
            $(
                #[test]
                fn $test() {
                    super::$test(&Target::$target());
                }
            )+
        }
    };
}

interop!(embedded_tcp: js_alone, js_publishes_natskit_subscribes, natskit_publishes_js_subscribes,
    js_requests_natskit_responds, natskit_requests_js_responds, natskit_feeds_a_js_queue_group);
interop!(embedded_ws: js_alone, js_publishes_natskit_subscribes, natskit_publishes_js_subscribes,
    js_requests_natskit_responds, natskit_requests_js_responds, natskit_feeds_a_js_queue_group,
    browser_talks_to_natskit);
interop!(embedded_ws_natskit_tcp: js_publishes_natskit_subscribes, natskit_publishes_js_subscribes,
    js_requests_natskit_responds, natskit_requests_js_responds, natskit_feeds_a_js_queue_group,
    browser_talks_to_natskit);
interop!(nats_server_tcp: js_alone, js_publishes_natskit_subscribes,
    natskit_publishes_js_subscribes, js_requests_natskit_responds, natskit_requests_js_responds,
    natskit_feeds_a_js_queue_group);
interop!(nats_server_ws: js_alone, js_publishes_natskit_subscribes, natskit_publishes_js_subscribes,
    js_requests_natskit_responds, natskit_requests_js_responds, natskit_feeds_a_js_queue_group,
    browser_talks_to_natskit);
interop!(nats_server_ws_natskit_tcp: js_publishes_natskit_subscribes,
    natskit_publishes_js_subscribes, js_requests_natskit_responds, natskit_requests_js_responds,
    natskit_feeds_a_js_queue_group, browser_talks_to_natskit);
