// The LED matrix page: draws every frame the device publishes and sends the text box's text to
// the device, through the official NATS WebSocket client (served by natskit as nats.js).
import { connect } from "./nats.js";

const SIZE = 8;

// What the page has seen, for people poking at it and for natskit's browser test.
const seen = { frames: [], answers: [] };
window.natskitDemo = seen;

const matrix = document.getElementById("matrix");
const leds = [];
for (let i = 0; i < SIZE * SIZE; i++) {
  const led = document.createElement("div");
  led.className = "led";
  led.dataset.x = String(i % SIZE);
  led.dataset.y = String(Math.floor(i / SIZE));
  matrix.appendChild(led);
  leds.push(led);
}

const status = (text) => { document.getElementById("status").textContent = text; };

// A frame is 192 bytes: 64 pixels, row by row, 3 bytes (red, green, blue) each.
function draw(bytes) {
  if (bytes.length !== SIZE * SIZE * 3) {
    status(`ignored a frame of ${bytes.length} bytes (expected ${SIZE * SIZE * 3})`);
    return;
  }
  for (let i = 0; i < SIZE * SIZE; i++) {
    const [r, g, b] = bytes.subarray(i * 3, i * 3 + 3);
    const color = `rgb(${r}, ${g}, ${b})`;
    leds[i].style.backgroundColor = color;
    leds[i].style.color = color;
    leds[i].classList.toggle("lit", r + g + b > 0);
  }
  seen.frames.push(Array.from(bytes, (v) => v.toString(16).padStart(2, "0")).join(""));
  if (seen.frames.length > 5000) seen.frames.shift();
}

async function main() {
  const config = await (await fetch("config.json")).json();
  const server = `ws://${location.hostname}:${config.ws_port}`;
  document.getElementById("frames-subject").textContent = config.frames_subject;
  document.getElementById("text-subject").textContent = config.subject;
  document.getElementById("server").textContent = server;
  document.getElementById("pub-hint").textContent = config.pub_hint;

  const nc = await connect({ servers: server, name: "led-matrix-page" });
  const frames = nc.subscribe(config.frames_subject);
  // The picture on the matrix now, so a page opened between scrolls is not blank.
  try {
    draw((await nc.request(config.current_subject, new Uint8Array(0), { timeout: 2000 })).data);
  } catch (err) {
    status(`No current picture: ${err.message}`);
  }

  const form = document.getElementById("send");
  const button = document.getElementById("send-button");
  button.disabled = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = document.getElementById("text").value;
    status(`Sent ${JSON.stringify(text)}; scrolling...`);
    try {
      const answer = await nc.request(config.subject, new TextEncoder().encode(text),
        { timeout: config.request_timeout_ms });
      const said = new TextDecoder().decode(answer.data);
      seen.answers.push(said);
      status(`The device answered: ${said}`);
    } catch (err) {
      seen.answers.push(`failed: ${err.message}`);
      status(`The device did not answer: ${err.message}`);
    }
  });

  document.body.dataset.state = "connected";
  status("Connected. Waiting for frames.");
  nc.closed().then((err) => {
    document.body.dataset.state = "failed";
    button.disabled = true;
    status(err ? `Connection closed: ${err.message}` : "Connection closed.");
  });
  for await (const msg of frames) draw(msg.data);
}

main().catch((err) => {
  document.body.dataset.state = "failed";
  status(`Could not connect: ${err.message}`);
});
