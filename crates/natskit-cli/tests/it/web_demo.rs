//! `natskit demo --device --web`: the LED-matrix page in headless Chromium (Debian's, driven by
//! natskit-test's `Browser`), talking NATS over WebSocket to the demo's embedded broker with the
//! official JavaScript client. Text reaches the device from `natskit req` and from the page's
//! own text box; the page's frames and its LEDs' colours are read back.

use natskit_ledmatrix::led_matrix::{Matrix, Rgb, ScrollText};
use natskit_test::{Browser, Page};

use crate::support::*;

/// The demo, and the page's and the broker's URLs from its ready lines.
struct WebDemo {
    demo: Running,
    page_url: String,
    nats_url: String,
}

/// Starts the web demo on free ports, with a short frame delay.
fn start() -> WebDemo {
    let args = [
        "demo",
        "--device",
        "--web",
        "--port",
        "0",
        "--nats-port",
        "0",
        "--frame-delay",
        "20ms",
    ];
    let demo = Running::start_bare(&args, "Ctrl-C stops");
    let url_in = |marker: &str, scheme: &str| {
        demo.stderr_seen()
            .iter()
            .filter(|line| line.contains(marker))
            .flat_map(|line| line.split_whitespace())
            .find(|word| word.starts_with(scheme))
            .map(|word| word.trim_end_matches([';', ',']).to_owned())
            .unwrap_or_else(|| panic!("no {scheme} URL in {:?}", demo.stderr_seen()))
    };
    let page_url = url_in("on the page at", "http://");
    let nats_url = url_in("NATS clients reach it at", "nats://");
    WebDemo {
        demo,
        page_url,
        nats_url,
    }
}

/// A frame as the page records it: 192 bytes in hex, row by row, red, green, blue.
fn hex(frame: &Matrix) -> String {
    frame
        .rows()
        .iter()
        .flatten()
        .flat_map(|pixel| pixel.channels())
        .map(|channel| format!("{channel:02x}"))
        .collect()
}

/// Every frame the page has drawn so far.
fn frames_drawn(page: &mut Page) -> Vec<String> {
    let frames = page
        .eval("window.natskitDemo.frames")
        .expect("the page's frames");
    serde_json::from_value(frames).expect("a list of hex strings")
}

/// Opens the page once it has connected to the broker.
fn open(demo: &WebDemo) -> Page {
    let browser = Browser::locate().expect("headless Chromium and playwright-core (make deps)");
    let mut page = browser.open(&demo.page_url).expect("the page opens");
    page.wait_for_selector("body[data-state='connected']")
        .expect("the page connects over WebSocket");
    page
}

#[test]
fn text_from_natskit_and_from_the_text_box_scrolls_on_the_page() {
    let demo = start();
    let mut page = open(&demo);
    assert_eq!(
        page.eval("document.querySelectorAll('#matrix .led').length")
            .unwrap(),
        64
    );
    // The page starts from the picture on the matrix now: all off.
    let blank = hex(&Matrix::new());
    assert_eq!(frames_drawn(&mut page), vec![blank.clone()]);

    // natskit asks the device to scroll; the page draws every frame, in order.
    natskit_bare(&[
        "req",
        "senseshow",
        "Hi",
        "--server",
        &demo.nats_url,
        "--timeout",
        "20s",
    ])
    .assert()
    .success()
    .stdout("done: Hi\n");
    let mut want = vec![blank];
    want.extend(ScrollText::new("Hi").frames().map(|frame| hex(&frame)));
    page.wait_until(&format!(
        "window.natskitDemo.frames.length >= {}",
        want.len()
    ))
    .expect("every frame reaches the page");
    assert_eq!(frames_drawn(&mut page), want);

    // One LED set through NATS shows in the page's DOM, in its colour; the others stay off.
    natskit_bare(&[
        "req",
        "senseshow.pixel",
        r#"{"x": 3, "y": 4, "color": [0, 255, 0]}"#,
        "--server",
        &demo.nats_url,
    ])
    .assert()
    .success();
    page.wait_until(
        "document.querySelector('.led[data-x=\"3\"][data-y=\"4\"]').classList.contains('lit')",
    )
    .expect("the LED lights up on the page");
    let colours = page
        .eval("Array.from(document.querySelectorAll('#matrix .led'), (led) => getComputedStyle(led).backgroundColor)")
        .unwrap();
    let colours: Vec<String> = serde_json::from_value(colours).unwrap();
    for (i, colour) in colours.iter().enumerate() {
        let want = if (i % 8, i / 8) == (3, 4) {
            "rgb(0, 255, 0)"
        } else {
            "rgb(0, 0, 0)"
        };
        assert_eq!(colour, want, "LED {i}");
    }
    let mut lit = Matrix::new();
    lit.set_pixel(3, 4, Rgb(0, 255, 0)).unwrap();
    assert_eq!(frames_drawn(&mut page).last(), Some(&hex(&lit)));

    // The page's text box sends to the device, which answers the page once it has scrolled.
    let before = frames_drawn(&mut page).len();
    page.eval(
        "document.getElementById('text').value = 'Yo'; \
         document.getElementById('send').requestSubmit(); true",
    )
    .unwrap();
    page.wait_until("window.natskitDemo.answers.includes('done: Yo')")
        .expect("the device answers the page");
    let scrolled: Vec<String> = ScrollText::new("Yo")
        .frames()
        .map(|frame| hex(&frame))
        .collect();
    page.wait_until(&format!(
        "window.natskitDemo.frames.length >= {}",
        before + scrolled.len()
    ))
    .unwrap();
    assert_eq!(frames_drawn(&mut page)[before..], scrolled[..]);
    assert_eq!(
        page.text("#status").unwrap(),
        "The device answered: done: Yo"
    );

    page.close().expect("the browser stops");
    demo.demo.terminate();
    let done = demo.demo.finish();
    assert!(done.status.success(), "{done:?}");
    assert_eq!(
        done.stdout.trim(),
        demo.page_url,
        "the page's URL is on stdout"
    );
}

#[test]
fn the_page_serves_the_javascript_client_with_its_licence_and_refuses_other_paths() {
    let demo = start();
    let get = |path: &str| -> (String, String) {
        let addr = demo
            .page_url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let mut stream = std::net::TcpStream::connect(&addr).expect("the page server");
        use std::io::{Read, Write};
        write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
        (
            head.lines().next().unwrap_or_default().to_owned(),
            body.to_owned(),
        )
    };
    let (status, body) = get("/nats.js");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(body.contains("function connect"), "the nats.ws bundle");
    let (status, body) = get("/nats.js.LICENSE.txt");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(body.contains("Apache License"), "{body:.200}");
    let (status, body) = get("/secret");
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    assert_eq!(body, "nothing at /secret\n");
    demo.demo.terminate();
    assert!(demo.demo.finish().status.success());
}

#[test]
fn web_needs_its_own_broker_and_a_free_page_port() {
    let output = natskit_bare(&[
        "demo",
        "--device",
        "--web",
        "--server",
        "nats://127.0.0.1:1",
    ])
    .assert()
    .failure()
    .get_output()
    .clone();
    assert!(one_error_line(&output).contains("--web runs its own broker"));

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = natskit_bare(&[
        "demo",
        "--device",
        "--web",
        "--port",
        &port,
        "--nats-port",
        "0",
    ])
    .assert()
    .failure()
    .get_output()
    .clone();
    let line = one_error_line(&output);
    assert!(
        line.contains(&format!(
            "could not listen for the page on 127.0.0.1:{port}"
        )),
        "{line}"
    );
}
