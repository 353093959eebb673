//! `Browser`, `Page` and `PageServer`: a page served by the test, driven step by step in headless
//! Chromium, with the test acting between the steps; the failure paths (a wait that never comes
//! true, a throwing expression, an unreachable URL, no Chromium); and no browser left behind.

use std::time::Duration;

use natskit_test::{port, Browser, Error, PageServer, TempDir};

/// A page that loads text on demand: the test calls `load(path)`, the page fetches it from the
/// test's server and shows it.
const PAGE: &str = r#"<!doctype html>
<html><head><title>harness page</title></head>
<body>
<p id="out">empty</p>
<script>
  window.load = async (path) => {
    const text = await (await fetch(path)).text();
    document.getElementById("out").textContent = text;
    document.body.dataset.loaded = path;
    return text.length;
  };
  console.log("page ready");
</script>
</body></html>"#;

fn browser() -> Browser {
    Browser::locate()
        .unwrap_or_else(|e| panic!("{e}"))
        .step_timeout(Duration::from_secs(5))
}

fn pages() -> PageServer {
    PageServer::start([
        ("/", "text/html; charset=utf-8", PAGE.as_bytes()),
        ("/alpha.txt", "text/plain", b"alpha".as_slice()),
    ])
    .expect("a page server")
}

/// The processes whose command line mentions `needle`.
fn processes_mentioning(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains(needle) {
                found.push(cmdline);
            }
        }
    }
    found
}

#[test]
fn a_page_is_driven_step_by_step_and_leaves_no_browser_behind() {
    let pages = pages();
    let mut page = browser().open(&pages.url("/")).unwrap();
    page.wait_for_selector("#out").unwrap();
    assert_eq!(page.text("#out").unwrap(), "empty");
    assert_eq!(page.eval("document.title").unwrap(), "harness page");

    // The test acts, then reads what the page made of it.
    assert_eq!(page.eval("load('/alpha.txt')").unwrap(), 5);
    page.wait_until("document.body.dataset.loaded === '/alpha.txt'")
        .unwrap();
    assert_eq!(page.text("#out").unwrap(), "alpha");
    let missing = page.eval("load('/missing')").unwrap();
    assert_eq!(missing, 9, "the 404 body is `not found`");

    let shots = TempDir::new("browser-shot").unwrap();
    let shot = shots.path().join("page.png");
    page.screenshot(&shot).unwrap();
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 1000);

    let logs = page.console().unwrap();
    assert!(
        logs.contains(&"console.log: page ready".to_string()),
        "{logs:?}"
    );

    // Failures are typed, name the step, and leave the page usable.
    let err = page.wait_for_selector("#never").unwrap_err();
    let Error::BrowserFailed { step, reason, .. } = &err else {
        panic!("expected BrowserFailed, got {err}");
    };
    assert!(
        step.contains("#never") && reason.contains("5000ms"),
        "{err}"
    );
    let err = page
        .eval("(() => { throw new Error('boom') })()")
        .unwrap_err();
    assert!(err.to_string().contains("boom"), "{err}");
    assert!(page.text("#nothing-here").is_err());
    assert_eq!(page.text("#out").unwrap(), "not found");

    let profile = page.profile_dir().to_string_lossy().into_owned();
    assert!(!processes_mentioning(&profile).is_empty(), "Chromium runs");
    page.close().unwrap();
    let left = processes_mentioning(&profile);
    assert!(left.is_empty(), "left running: {left:?}");
}

#[test]
fn an_unreachable_page_fails_to_open() {
    let port = port::free_port().unwrap();
    let err = browser()
        .open(&format!("http://127.0.0.1:{port}/"))
        .unwrap_err();
    let Error::BrowserFailed { step, reason, .. } = &err else {
        panic!("expected BrowserFailed, got {err}");
    };
    assert_eq!(step, "open");
    assert!(reason.contains("ERR_CONNECTION_REFUSED"), "{err}");
}

#[test]
fn missing_chromium_says_make_deps() {
    let err = Browser::with_chromium("/nonexistent/chromium").unwrap_err();
    assert!(matches!(err, Error::JsSetupMissing { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("make deps") && text.contains("/nonexistent/chromium"),
        "{text}"
    );
}

#[test]
fn the_page_server_answers_404_and_405() {
    use std::io::{Read, Write};
    let pages = pages();
    let ask = |request: &str| {
        let mut stream = std::net::TcpStream::connect(pages.addr()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    };
    assert!(ask("GET /nope HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
    assert!(ask("POST / HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405"));
    let head = ask("HEAD /alpha.txt HTTP/1.1\r\n\r\n");
    assert!(
        head.starts_with("HTTP/1.1 200") && head.ends_with("\r\n\r\n"),
        "{head}"
    );
    assert!(ask("GET /alpha.txt?x=1 HTTP/1.1\r\n\r\n").ends_with("\r\n\r\nalpha"));
}
