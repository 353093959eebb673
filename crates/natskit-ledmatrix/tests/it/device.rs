//! The senseshow device on the embedded broker, driven by a natskit client in the same process.

use std::time::Duration;

use futures_util::future::join;
use natskit::Request;
use natskit_ledmatrix::led_matrix::{Matrix, PngStyle, Rgb, ScrollText};
use natskit_ledmatrix::senseshow::MAX_TEXT_CHARS;

use crate::support::{broker, client, decode_png, pixel_at, scratch, Device, PATIENCE};

/// Sends a request and returns the answer as text, failing the test after PATIENCE.
async fn ask(client: &natskit::Client, subject: &str, body: impl Into<String>) -> String {
    let request = Request::new(body.into()).timeout(PATIENCE);
    let answer = client
        .send_request(subject, request)
        .await
        .unwrap_or_else(|e| panic!("request to {subject}: {e}"));
    String::from_utf8(answer.payload.to_vec()).expect("a UTF-8 answer")
}

fn frames_of(scroll: &ScrollText) -> Vec<Matrix> {
    scroll.frames().collect()
}

#[tokio::test]
async fn answers_done_once_the_whole_text_has_scrolled_by() {
    let server = broker().await;
    let device = Device::start(&server, |o| o).await;
    let laptop = client(&server).await;

    assert_eq!(ask(&laptop, "senseshow", "Hi").await, "done: Hi");
    // The answer came after the last frame: all of them are there, in order.
    assert_eq!(device.frames.frames(), frames_of(&ScrollText::new("Hi")));

    // The JSON form: colours of its own.
    let json = r#"{"text": "ok", "color": [255, 0, 0], "background": [0, 0, 64], "speed_ms": 0}"#;
    assert_eq!(ask(&laptop, "senseshow", json).await, "done: ok");
    let ok = ScrollText::new("ok")
        .color(Rgb::RED)
        .background(Rgb(0, 0, 64));
    let all = device.frames.frames();
    assert_eq!(all[15..], frames_of(&ok)[..]);

    laptop.close().await.expect("close");
    assert_eq!(device.stop().await, 2);
    server.shutdown().await;
}

#[tokio::test]
async fn requests_sent_together_are_shown_one_after_the_other() {
    let server = broker().await;
    // A small real delay between frames: handling two requests at once would interleave them.
    let device = Device::start(&server, |o| o.frame_delay(Duration::from_millis(2))).await;
    let (a, b) = (client(&server).await, client(&server).await);

    let (first, second) = join(ask(&a, "senseshow", "AB"), ask(&b, "senseshow", "xyz")).await;
    assert_eq!((first.as_str(), second.as_str()), ("done: AB", "done: xyz"));

    let ab = frames_of(&ScrollText::new("AB"));
    let xyz = frames_of(&ScrollText::new("xyz"));
    let shown = device.frames.frames();
    let in_order = |x: &[Matrix], y: &[Matrix]| [x, y].concat() == shown;
    assert!(
        in_order(&ab, &xyz) || in_order(&xyz, &ab),
        "the two scrolls were mixed: {} frames shown for {} + {}",
        shown.len(),
        ab.len(),
        xyz.len()
    );

    a.close().await.expect("close");
    b.close().await.expect("close");
    assert_eq!(device.stop().await, 2);
    server.shutdown().await;
}

#[tokio::test]
async fn a_published_text_is_shown_too_before_a_later_request_is_answered() {
    let server = broker().await;
    let device = Device::start(&server, |o| o).await;
    let laptop = client(&server).await;

    // No reply subject: shown, not answered. The request after it, on the same subject from the
    // same connection, arrives after it and is handled after it.
    laptop.publish("senseshow", "fire").await.expect("publish");
    assert_eq!(
        ask(&laptop, "senseshow", "and forget").await,
        "done: and forget"
    );
    let want = [
        frames_of(&ScrollText::new("fire")),
        frames_of(&ScrollText::new("and forget")),
    ]
    .concat();
    assert_eq!(device.frames.frames(), want);

    laptop.close().await.expect("close");
    assert_eq!(device.stop().await, 2);
    server.shutdown().await;
}

#[tokio::test]
async fn clear_fill_and_pixel_set_the_leds() {
    let server = broker().await;
    let device = Device::start(&server, |o| o).await;
    let laptop = client(&server).await;

    let answer = ask(&laptop, "senseshow.fill", r#"{"color": [0, 0, 255]}"#).await;
    assert_eq!(answer, "done: fill [0,0,255]");
    assert_eq!(device.frames.last(), Some(Matrix::filled(Rgb::BLUE)));

    let answer = ask(
        &laptop,
        "senseshow.pixel",
        r#"{"x": 7, "y": 0, "color": [255, 0, 0]}"#,
    )
    .await;
    assert_eq!(answer, "done: pixel (7, 0) [255,0,0]");
    let mut want = Matrix::filled(Rgb::BLUE);
    want.set_pixel(7, 0, Rgb::RED).expect("in range");
    assert_eq!(device.frames.last(), Some(want));

    assert_eq!(ask(&laptop, "senseshow.clear", "").await, "done: clear");
    assert_eq!(device.frames.last(), Some(Matrix::new()));
    assert_eq!(device.frames.len(), 3);

    laptop.close().await.expect("close");
    assert_eq!(device.stop().await, 3);
    server.shutdown().await;
}

#[tokio::test]
async fn png_requests_write_the_current_matrix_or_a_texts_still_picture() {
    let dir = scratch("device-png");
    let server = broker().await;
    let png_dir = dir.path().to_path_buf();
    let device = Device::start(&server, |o| o.png_dir(png_dir)).await;
    let laptop = client(&server).await;
    let style = PngStyle::default();

    // The current matrix: one green LED.
    ask(
        &laptop,
        "senseshow.pixel",
        r#"{"x": 2, "y": 5, "color": [0, 255, 0]}"#,
    )
    .await;
    let answer = ask(&laptop, "senseshow.png", "now.png").await;
    let path = dir.path().join("now.png");
    assert_eq!(answer, format!("done: {}", path.display()));
    let (width, height, rgb) = decode_png(&path);
    assert_eq!((width, height), (style.image_size(), style.image_size()));
    let (px, py) = style.led_origin(2, 5);
    assert_eq!(pixel_at(&rgb, width, px + 8, py + 8), [0, 255, 0]);
    let (ox, oy) = style.led_origin(3, 5);
    assert_eq!(pixel_at(&rgb, width, ox + 8, oy + 8), [0, 0, 0]);

    // A text's still picture, in the text's colours; the matrix itself is left alone.
    let json = r#"{"path": "hi.png", "text": "Hi", "color": [255, 255, 0]}"#;
    let answer = ask(&laptop, "senseshow.png", json).await;
    assert_eq!(
        answer,
        format!("done: {}", dir.path().join("hi.png").display())
    );
    let (width, _, rgb) = decode_png(&dir.path().join("hi.png"));
    let (hx, hy) = style.led_origin(0, 3); // the H's crossbar starts at the left edge
    assert_eq!(pixel_at(&rgb, width, hx + 8, hy + 8), [255, 255, 0]);
    let (gx, gy) = style.led_origin(5, 3); // the blank column after the H
    assert_eq!(pixel_at(&rgb, width, gx + 8, gy + 8), [0, 0, 0]);
    assert_eq!(device.frames.len(), 1, "writing a PNG shows no frame");

    // Paths outside the PNG directory are refused, and nothing is written.
    for bad in ["../escape.png", "/tmp/abs.png", "notes.txt"] {
        let answer = ask(&laptop, "senseshow.png", bad).await;
        assert!(answer.starts_with("error: PNG path"), "{bad}: {answer}");
    }
    assert!(!dir.path().join("../escape.png").exists());

    laptop.close().await.expect("close");
    assert_eq!(device.stop().await, 6);
    server.shutdown().await;
}

#[tokio::test]
async fn bad_requests_get_an_error_and_the_device_carries_on() {
    let server = broker().await;
    let device = Device::start(&server, |o| o).await;
    let laptop = client(&server).await;

    let cases = [
        (
            "senseshow.dance",
            "".to_string(),
            "error: unknown command \"dance\"",
        ),
        (
            "senseshow",
            r#"{"txt": "typo"}"#.to_string(),
            "error: bad JSON for senseshow: unknown field `txt`",
        ),
        (
            "senseshow.pixel",
            r#"{"x": 8, "y": 0}"#.to_string(),
            "error: pixel (8, 0) is outside the 8x8 matrix",
        ),
        (
            "senseshow.fill",
            "red".to_string(),
            "error: bad JSON for fill",
        ),
        (
            "senseshow",
            "x".repeat(MAX_TEXT_CHARS + 1),
            "error: text of 281 characters",
        ),
    ];
    for (subject, body, want) in cases {
        let answer = ask(&laptop, subject, body).await;
        assert!(
            answer.starts_with(want),
            "{subject}: {answer:?}, expected {want:?}"
        );
    }
    assert!(device.frames.is_empty(), "a refused request showed frames");
    assert_eq!(
        ask(&laptop, "senseshow", "still here").await,
        "done: still here"
    );

    laptop.close().await.expect("close");
    assert_eq!(device.stop().await, 6);
    server.shutdown().await;
}
