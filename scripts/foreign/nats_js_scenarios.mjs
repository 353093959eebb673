// Drives the official NATS JavaScript clients against a NATS server and checks what they see.
//
// Usage: node nats_js_scenarios.mjs URL SCENARIO [SUBJECT_BASE]
//
// The URL's scheme picks the client: ws:// and wss:// use nats.ws (the WebSocket client, the
// same code the browser bundle esm/nats.js holds; node 20 has no WebSocket of its own, so the
// `ws` package stands in for the browser's), anything else uses nats (TCP, for node). Both come
// from web/node_modules, which `make deps` fills with `npm ci` from web/package-lock.json.
//
// Scenarios with only JavaScript on both ends (`all` runs them in turn):
//   pubsub   payloads of every kind arrive exactly and in order; reply subjects pass through
//   request  request/reply: sequential, concurrent, without the shared inbox, a queue group of
//            responders, a silent subscriber (timeout) and no subscriber (no responders)
//   queue    QUEUE_MEMBERS queue subscribers on connections of their own share QUEUE_MESSAGES
//            messages: each message goes to exactly one member, every member gets some
//   headers  single and multi-valued headers on messages, requests and replies
//
// Scenarios with natskit on the other side, under SUBJECT_BASE (required). Each prints `ready`
// once its subscriptions are in place on the server; the Rust side (natskit_test::NatsJs::
// run_cross) then does its part:
//   js_publishes    JS publishes CROSS_MESSAGES messages `js-I` to BASE.from-js; every tenth
//                   carries the header X-Index: I. natskit, subscribed before, checks them.
//   js_subscribes   JS subscribes to BASE.to-js and expects CROSS_MESSAGES messages `rs-I` in
//                   order, every tenth with the header X-Index: I, from natskit.
//   js_requests     JS sends CROSS_REQUESTS requests `req-I` (header X-Req: I) to BASE.svc, half
//                   one after the other, half at once; natskit answers each with `natskit:` and
//                   the payload, and the header X-Req copied back.
//   js_responds     JS answers CROSS_REQUESTS requests on BASE.js-svc (queue group `js`) with
//                   `js:` and the payload, and X-Req copied back; natskit sends them.
//   js_queue        QUEUE_MEMBERS JS queue subscribers of group `workers` on BASE.work share
//                   QUEUE_MESSAGES messages `job-I` that natskit publishes.
//
// Each scenario prints `ok SCENARIO` on stdout when it passes, and `FAIL SCENARIO: why` on stderr
// (exit 1) when it does not. Every wait is bounded: a scenario fails after SCENARIO_TIMEOUT_MS.
// Exit codes: 0 passed, 1 a scenario failed, 2 bad usage, 3 the node packages are not installed.
// The counts are part of the contract with natskit-test's NatsJs: change both together.

import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const SCENARIO_TIMEOUT_MS = 10_000;
// How long one expected message (or batch) may take to arrive.
const RECEIVE_TIMEOUT_MS = 5_000;
const CROSS_MESSAGES = 100;
const CROSS_REQUESTS = 20;
const QUEUE_MEMBERS = 4;
const QUEUE_MESSAGES = 100;

const SELF_CONTAINED = ["pubsub", "request", "queue", "headers"];
const CROSS = ["js_publishes", "js_subscribes", "js_requests", "js_responds", "js_queue"];

const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "web");

class ScenarioFailure extends Error {}

function check(condition, message) {
  if (!condition) {
    throw new ScenarioFailure(message);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (s) => encoder.encode(s);
const text = (b) => decoder.decode(b);

/** A payload, shortened for failure messages. */
function show(data, limit = 60) {
  const s = JSON.stringify(data instanceof Uint8Array ? text(data) : data);
  return s.length <= limit ? s : `${s.slice(0, limit)}... (${data.length} long)`;
}

function equalBytes(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Rejects with a failure naming `what` when `promise` takes longer than `ms`. */
function bounded(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new ScenarioFailure(`${what}: not done within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Loads the client for `url` from web/node_modules. */
function loadClient(url) {
  const require = createRequire(join(WEB_DIR, "package.json"));
  if (/^wss?:\/\//i.test(url)) {
    globalThis.WebSocket ??= require("ws");
    return require("nats.ws");
  }
  return require("nats");
}

/** The connections of one scenario; closes them all at the end. Asynchronous errors the client
 * reports (its status stream) are recorded and fail the scenario. */
class Clients {
  constructor(nats, url, scenario) {
    this.nats = nats;
    this.url = url;
    this.scenario = scenario;
    this.conns = [];
    this.errors = [];
  }

  async connect(name) {
    let nc;
    try {
      nc = await this.nats.connect({
        servers: this.url,
        name: `natskit-js-${this.scenario}-${name}`,
        reconnect: false,
        timeout: 5_000,
      });
    } catch (e) {
      throw new ScenarioFailure(`connection ${name} to ${this.url} failed: ${e.code ?? e.name}: ${e.message}`);
    }
    this.conns.push(nc);
    (async () => {
      for await (const s of nc.status()) {
        if (s.type === "error" || s.type === "disconnect") {
          this.errors.push(`${name}: ${s.type}: ${s.data}`);
        }
      }
    })().catch(() => {});
    return nc;
  }

  async close() {
    for (const nc of this.conns) {
      if (!nc.isClosed()) {
        await bounded(nc.close(), 5_000, "closing a connection").catch((e) =>
          console.error(`warning: ${e.message}`),
        );
      }
    }
  }
}

/** Messages of a subscription, gathered as they come, to be taken in batches with a bound. */
class Inbox {
  constructor(sub) {
    this.sub = sub;
    this.msgs = [];
    this.wake = null;
    (async () => {
      for await (const m of sub) {
        this.msgs.push(m);
        this.wake?.();
      }
    })().catch(() => {});
  }

  /** Exactly the next `n` messages (waits for them within RECEIVE_TIMEOUT_MS). */
  async take(n, what) {
    const deadline = Date.now() + RECEIVE_TIMEOUT_MS;
    while (this.msgs.length < n) {
      const left = deadline - Date.now();
      check(left > 0, `${what}: expected ${n} messages within ${RECEIVE_TIMEOUT_MS} ms, got ${this.msgs.length}: ${show(this.msgs.map((m) => m.string()))}`);
      let timer;
      await new Promise((resolve) => {
        this.wake = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
    return this.msgs.splice(0, n);
  }

  /** After a round trip on every connection, nothing more has arrived. */
  async expectNoMore(conns, what) {
    for (const nc of conns) {
      await nc.flush();
    }
    check(this.msgs.length === 0, `${what}: unexpected extra messages on ${this.sub.getSubject()}: ${show(this.msgs.map((m) => m.string()))}`);
  }
}

/** Takes messages from several inboxes until `total` arrived in all; one list per inbox. */
async function gather(inboxes, total, what) {
  const deadline = Date.now() + RECEIVE_TIMEOUT_MS;
  for (;;) {
    const counts = inboxes.map((i) => i.msgs.length);
    const sum = counts.reduce((a, b) => a + b, 0);
    if (sum >= total) {
      check(sum === total, `${what}: expected ${total} messages, got ${sum} (per member: ${counts})`);
      return inboxes.map((i) => i.msgs.splice(0));
    }
    check(Date.now() < deadline, `${what}: expected ${total} messages within ${RECEIVE_TIMEOUT_MS} ms, got ${sum} (per member: ${counts})`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function scenarioPubsub(c, base) {
  const subNc = await c.connect("sub");
  const pubNc = await c.connect("pub");
  const subject = `${base}.greeting`;
  const inbox = new Inbox(subNc.subscribe(subject));
  const other = new Inbox(subNc.subscribe(`${base}.other`));
  await subNc.flush();

  const payloads = [
    bytes("hello"),
    new Uint8Array(0),
    bytes("line one\r\nline two\r\n"),
    Uint8Array.from({ length: 256 }, (_, i) => i),
    bytes("h\u00e9llo w\u00f6rld \u2713"),
    bytes("MSG fake 1 2\r\nPING\r\n"),
    Uint8Array.from({ length: 64 * 1024 }, (_, i) => i % 251),
  ];
  for (const p of payloads) {
    pubNc.publish(subject, p);
  }
  pubNc.publish(`${base}.unrelated`, bytes("nobody listens"));
  pubNc.publish(`${base}.greeting.deeper`, bytes("not a match"));
  await pubNc.flush();

  const msgs = await inbox.take(payloads.length, "pubsub");
  msgs.forEach((m, i) => {
    check(equalBytes(m.data, payloads[i]), `pubsub: message ${i} is ${show(m.data)}, sent ${show(payloads[i])}`);
    check(m.subject === subject, `pubsub: message subject ${m.subject}, expected ${subject}`);
    check(!m.reply, `pubsub: unexpected reply subject ${m.reply}`);
    check(!m.headers, "pubsub: unexpected headers");
  });

  pubNc.publish(subject, bytes("with reply"), { reply: `${base}.inbox` });
  const [withReply] = await inbox.take(1, "pubsub reply subject");
  check(
    withReply.string() === "with reply" && withReply.reply === `${base}.inbox`,
    `pubsub: got ${show(withReply.data)} with reply ${withReply.reply}`,
  );
  await inbox.expectNoMore([pubNc, subNc], "pubsub");
  await other.expectNoMore([pubNc, subNc], "pubsub");
}

async function scenarioRequest(c, base) {
  const { ErrorCode } = c.nats;
  const responder = await c.connect("responder");
  const requester = await c.connect("requester");
  const subject = `${base}.echo`;
  const seenReplies = new Set();
  responder.subscribe(subject, {
    callback: (err, msg) => {
      if (!err) {
        seenReplies.add(msg.reply);
        msg.respond(bytes(`echo:${msg.string()}`));
      }
    },
  });
  await responder.flush();

  for (let i = 0; i < 5; i++) {
    const r = await requester.request(subject, bytes(`ping-${i}`), { timeout: RECEIVE_TIMEOUT_MS });
    check(r.string() === `echo:ping-${i}`, `request: ping-${i} answered with ${show(r.data)}`);
  }
  check(seenReplies.size === 5, `request: the responder saw ${seenReplies.size} distinct reply subjects for 5 requests`);

  // Concurrent requests share the client's one response subscription; each gets its own answer.
  const replies = await Promise.all(
    Array.from({ length: 20 }, (_, i) => requester.request(subject, bytes(`par-${i}`), { timeout: RECEIVE_TIMEOUT_MS })),
  );
  replies.forEach((r, i) => check(r.string() === `echo:par-${i}`, `request: par-${i} answered with ${show(r.data)}`));

  // A request with an inbox of its own (no shared subscription).
  const own = await requester.request(subject, bytes("own"), { timeout: RECEIVE_TIMEOUT_MS, noMux: true });
  check(own.string() === "echo:own", `request: noMux request answered with ${show(own.data)}`);

  // A queue group of responders: every request answered by exactly one member.
  const handled = { "svc-1": 0, "svc-2": 0 };
  for (const name of Object.keys(handled)) {
    const nc = await c.connect(name);
    nc.subscribe(`${base}.svc`, {
      queue: "svc",
      callback: (err, msg) => {
        if (!err) {
          handled[name] += 1;
          msg.respond(bytes(`${msg.string()} by ${name}`));
        }
      },
    });
    await nc.flush();
  }
  for (let i = 0; i < 20; i++) {
    const r = await requester.request(`${base}.svc`, bytes(`job-${i}`), { timeout: RECEIVE_TIMEOUT_MS });
    check(/^job-\d+ by svc-[12]$/.test(r.string()) && r.string().startsWith(`job-${i} `), `request: job-${i} answered with ${show(r.data)}`);
  }
  check(handled["svc-1"] + handled["svc-2"] === 20, `request: the queue responders handled ${JSON.stringify(handled)} for 20 requests`);

  // A subscriber that stays silent: a timeout, not "no responders".
  responder.subscribe(`${base}.silent`);
  await responder.flush();
  const started = Date.now();
  try {
    const r = await requester.request(`${base}.silent`, bytes("hello?"), { timeout: 500 });
    throw new ScenarioFailure(`request: a silent subscriber answered ${show(r.data)}`);
  } catch (e) {
    if (e instanceof ScenarioFailure) throw e;
    check(e.code === ErrorCode.Timeout, `request: a silent subscriber gave ${e.code}: ${e.message}, expected a timeout`);
  }
  check(Date.now() - started >= 400, "request: the timeout fired early");

  // Nobody subscribed: the server says so at once (no responders).
  try {
    const r = await requester.request(`${base}.nobody`, bytes("anyone?"), { timeout: RECEIVE_TIMEOUT_MS });
    throw new ScenarioFailure(`request: nobody is subscribed, yet ${show(r.data)} came back`);
  } catch (e) {
    if (e instanceof ScenarioFailure) throw e;
    check(e.code === ErrorCode.NoResponders, `request: no subscriber gave ${e.code}: ${e.message}, expected no responders (503)`);
  }
}

/** QUEUE_MEMBERS queue subscribers of `group` on `subject`, each on its own connection. */
async function queueMembers(c, subject, group) {
  const members = [];
  for (let i = 0; i < QUEUE_MEMBERS; i++) {
    const nc = await c.connect(`member-${i}`);
    members.push({ nc, inbox: new Inbox(nc.subscribe(subject, { queue: group })) });
    await nc.flush();
  }
  return members;
}

/** Every one of `sent` arrived at exactly one member, and every member got some. */
async function checkQueueShare(members, sent, conns, what) {
  const got = await gather(members.map((m) => m.inbox), sent.length, what);
  const payloads = got.flat().map((m) => m.string());
  const counts = got.map((g) => g.length);
  check(new Set(payloads).size === payloads.length, `${what}: a message arrived twice (per member: ${counts})`);
  check(
    JSON.stringify([...payloads].sort()) === JSON.stringify([...sent].sort()),
    `${what}: the members got ${show(payloads, 200)}, not the ${sent.length} sent`,
  );
  check(counts.every((n) => n > 0), `${what}: some member got nothing (per member: ${counts})`);
  for (const m of members) {
    await m.inbox.expectNoMore(conns, what);
  }
  return counts;
}

async function scenarioQueue(c, base) {
  const subject = `${base}.jobs`;
  const members = await queueMembers(c, subject, "workers");
  const watcher = await c.connect("watcher");
  const plain = new Inbox(watcher.subscribe(subject));
  await watcher.flush();
  const pub = await c.connect("pub");
  const sent = Array.from({ length: QUEUE_MESSAGES }, (_, i) => `job-${i}`);
  for (const p of sent) {
    pub.publish(subject, bytes(p));
  }
  await pub.flush();
  const counts = await checkQueueShare(members, sent, [pub, watcher, ...members.map((m) => m.nc)], "queue");
  const all = await plain.take(QUEUE_MESSAGES, "queue: plain subscriber");
  check(all.map((m) => m.string()).join() === sent.join(), "queue: the plain subscriber did not get every message in order");
  console.log(`queue shares: ${counts.join(" ")}`);
}

async function scenarioHeaders(c, base) {
  const { headers } = c.nats;
  const subNc = await c.connect("sub");
  const pubNc = await c.connect("pub");
  const subject = `${base}.h`;
  const inbox = new Inbox(subNc.subscribe(subject));
  await subNc.flush();

  const h = headers();
  h.set("X-Trace", "abc-123");
  h.set("Content-Type", "text/plain; charset=utf-8");
  h.append("X-Multi", "one");
  h.append("X-Multi", "two");
  h.append("X-Multi", "three");
  h.set("X-Colon", "a:b: c");
  pubNc.publish(subject, bytes("with headers"), { headers: h });
  const only = headers();
  only.set("X-Only", "header");
  pubNc.publish(subject, new Uint8Array(0), { headers: only });
  pubNc.publish(subject, bytes("no headers"));
  await pubNc.flush();

  const [m1, m2, m3] = await inbox.take(3, "headers");
  check(m1.string() === "with headers" && m1.headers, `headers: first message ${show(m1.data)}, headers ${m1.headers}`);
  check(m1.headers.get("X-Trace") === "abc-123", `headers: X-Trace is ${m1.headers.get("X-Trace")}`);
  check(m1.headers.get("Content-Type") === "text/plain; charset=utf-8", `headers: Content-Type is ${m1.headers.get("Content-Type")}`);
  check(m1.headers.values("X-Multi").join("|") === "one|two|three", `headers: X-Multi is ${m1.headers.values("X-Multi")}`);
  check(m1.headers.get("X-Colon") === "a:b: c", `headers: X-Colon is ${m1.headers.get("X-Colon")}`);
  check(m2.data.length === 0 && m2.headers?.get("X-Only") === "header", `headers: header-only message ${show(m2.data)}`);
  check(m3.string() === "no headers" && !m3.headers, "headers: a message without headers got some");

  // Request and reply both carry headers.
  subNc.subscribe(`${base}.rpc`, {
    callback: (err, msg) => {
      if (!err) {
        const back = headers();
        back.set("X-Answer-To", msg.headers?.get("X-Req") || "none");
        msg.respond(bytes("pong"), { headers: back });
      }
    },
  });
  await subNc.flush();
  const req = headers();
  req.set("X-Req", "r-42");
  const r = await pubNc.request(`${base}.rpc`, bytes("ping"), { timeout: RECEIVE_TIMEOUT_MS, headers: req });
  check(r.string() === "pong" && r.headers?.get("X-Answer-To") === "r-42", `headers: request answered with ${show(r.data)}, X-Answer-To ${r.headers?.get("X-Answer-To")}`);
  await inbox.expectNoMore([pubNc, subNc], "headers");
}

/** Payload and headers of cross message `i` from `side` (`js` or `rs`). */
function crossMessage(nats, side, i) {
  let h;
  if (i % 10 === 0) {
    h = nats.headers();
    h.set("X-Index", String(i));
  }
  return { payload: `${side}-${i}`, headers: h };
}

async function scenarioJsPublishes(c, base) {
  const nc = await c.connect("pub");
  await nc.flush();
  console.log("ready");
  for (let i = 0; i < CROSS_MESSAGES; i++) {
    const { payload, headers } = crossMessage(c.nats, "js", i);
    nc.publish(`${base}.from-js`, bytes(payload), headers ? { headers } : undefined);
  }
  await nc.flush();
}

async function scenarioJsSubscribes(c, base) {
  const nc = await c.connect("sub");
  const inbox = new Inbox(nc.subscribe(`${base}.to-js`));
  await nc.flush();
  console.log("ready");
  const msgs = await inbox.take(CROSS_MESSAGES, "js_subscribes");
  msgs.forEach((m, i) => {
    const want = crossMessage(c.nats, "rs", i);
    check(m.string() === want.payload, `js_subscribes: message ${i} is ${show(m.data)}, expected ${want.payload}`);
    const index = m.headers?.get("X-Index") || null;
    const wantIndex = want.headers ? String(i) : null;
    check(index === wantIndex, `js_subscribes: message ${i} has X-Index ${index}, expected ${wantIndex}`);
  });
  await inbox.expectNoMore([nc], "js_subscribes");
}

async function scenarioJsRequests(c, base) {
  const nc = await c.connect("requester");
  await nc.flush();
  console.log("ready");
  const ask = async (i) => {
    const h = c.nats.headers();
    h.set("X-Req", String(i));
    const r = await nc.request(`${base}.svc`, bytes(`req-${i}`), { timeout: RECEIVE_TIMEOUT_MS, headers: h });
    check(r.string() === `natskit:req-${i}`, `js_requests: req-${i} answered with ${show(r.data)}`);
    check(r.headers?.get("X-Req") === String(i), `js_requests: req-${i} answered with X-Req ${r.headers?.get("X-Req")}`);
  };
  const half = CROSS_REQUESTS / 2;
  for (let i = 0; i < half; i++) {
    await ask(i);
  }
  await Promise.all(Array.from({ length: CROSS_REQUESTS - half }, (_, k) => ask(half + k)));
}

async function scenarioJsResponds(c, base) {
  const nc = await c.connect("responder");
  const seen = new Set();
  let done;
  const allDone = new Promise((resolve) => (done = resolve));
  nc.subscribe(`${base}.js-svc`, {
    queue: "js",
    callback: (err, msg) => {
      if (err) return;
      const back = c.nats.headers();
      back.set("X-Req", msg.headers?.get("X-Req") || "none");
      msg.respond(bytes(`js:${msg.string()}`), { headers: back });
      seen.add(msg.string());
      if (seen.size === CROSS_REQUESTS) done();
    },
  });
  await nc.flush();
  console.log("ready");
  await bounded(allDone, RECEIVE_TIMEOUT_MS, `js_responds: waiting for ${CROSS_REQUESTS} requests (${seen.size} came)`);
  // The last reply leaves before the connection closes.
  await nc.flush();
}

async function scenarioJsQueue(c, base) {
  const members = await queueMembers(c, `${base}.work`, "workers");
  console.log("ready");
  const sent = Array.from({ length: QUEUE_MESSAGES }, (_, i) => `job-${i}`);
  const counts = await checkQueueShare(members, sent, members.map((m) => m.nc), "js_queue");
  console.log(`queue shares: ${counts.join(" ")}`);
}

const SCENARIOS = {
  pubsub: scenarioPubsub,
  request: scenarioRequest,
  queue: scenarioQueue,
  headers: scenarioHeaders,
  js_publishes: scenarioJsPublishes,
  js_subscribes: scenarioJsSubscribes,
  js_requests: scenarioJsRequests,
  js_responds: scenarioJsResponds,
  js_queue: scenarioJsQueue,
};

/** Runs one scenario; returns undefined when it passed, else why it failed. */
async function runOne(nats, url, name, base) {
  const c = new Clients(nats, url, name);
  let failure;
  try {
    await bounded(SCENARIOS[name](c, base), SCENARIO_TIMEOUT_MS, name);
  } catch (e) {
    failure = e instanceof ScenarioFailure ? e.message : `unexpected ${e.code ?? e.name}: ${e.message}\n${e.stack}`;
  } finally {
    await c.close();
  }
  if (c.errors.length > 0) {
    failure = `${failure ?? "the client reported asynchronous errors"}\n  asynchronous errors: ${c.errors.join("; ")}`;
  }
  return failure;
}

async function main(argv) {
  const [url, scenario, givenBase] = argv;
  const known = [...SELF_CONTAINED, ...CROSS, "all"];
  if (argv.length < 2 || argv.length > 3 || !known.includes(scenario) || (CROSS.includes(scenario) && !givenBase)) {
    console.error("usage: node nats_js_scenarios.mjs URL SCENARIO [SUBJECT_BASE]");
    console.error(`scenarios: ${known.join(", ")} (${CROSS.join(", ")} need SUBJECT_BASE)`);
    return 2;
  }
  let nats;
  try {
    nats = loadClient(url);
  } catch (e) {
    console.error(`error: the NATS JavaScript client is not installed in ${WEB_DIR}/node_modules (${e.message}); run \`make deps\` (scripts/install-deps.sh runs npm ci there)`);
    return 3;
  }
  const names = scenario === "all" ? SELF_CONTAINED : [scenario];
  let failed = 0;
  for (const name of names) {
    const base = givenBase ?? `natskit.js.${name}.${randomBytes(6).toString("hex")}`;
    const failure = await runOne(nats, url, name, base);
    if (failure === undefined) {
      console.log(`ok ${name}`);
    } else {
      failed += 1;
      console.error(`FAIL ${name}: ${failure}`);
    }
  }
  if (failed > 0) return 1;
  if (scenario === "all") console.log("ok all");
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
