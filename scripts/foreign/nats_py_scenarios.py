#!/usr/bin/env python3
"""Drives the Python NATS client nats-py against a NATS server and checks what it sees.

Usage: python nats_py_scenarios.py URL SCENARIO

SCENARIO is one of: pubsub, wildcards, queue, request, headers, no_responders, auto_unsub,
reconnect, senseshow_request, auth, auth_refused, tls, tls_refused, js_publish, js_consume,
kv_write, kv_read, obj_put, obj_get, js_broker_stream, js_broker_kv, js_broker_obj, or `all`
(every scenario except reconnect, which needs someone to restart the server, senseshow_request,
which needs the senseshow device of natskit-ledmatrix listening on the server, the four security
scenarios, which need a server set up for them and the settings below, the six JetStream ones
with natskit on the other side, and the three js_broker ones, which need a server with JetStream).

Credentials and TLS settings come from the environment, never from the command line (where other
users could read them), and apply to every nats-py connection of every scenario (not to the raw
connections of `headers`):
  NATSKIT_PY_USER, NATSKIT_PY_PASSWORD  user and password (nats-py `user=`, `password=`)
  NATSKIT_PY_TOKEN                      a token (`token=`)
  NATSKIT_PY_NKEY_SEED                  an NKey user seed, SU... (`nkeys_seed_str=`)
  NATSKIT_PY_NKEY_SEED_FILE             a file holding an NKey user seed (`nkeys_seed=`)
  NATSKIT_PY_TLS_CA                     the CA (PEM file) to verify the server with: nats-py gets
                                        an ssl.SSLContext trusting that CA alone (`tls=`)
  NATSKIT_PY_TLS_CERT, NATSKIT_PY_TLS_KEY  a client certificate and its key, for mutual TLS
`auth` checks that connections with the given credentials work (messages and requests go
through) against a server whose INFO says auth_required; `auth_refused` that a connection with
them fails with nats-py's authorization error (`Authorization Violation`); `tls` that connections
made with the given CA are encrypted, verified and work; `tls_refused` that the connection fails
verifying the server's certificate (give a CA that did not sign it). NKey seeds need the Python
package nkeys, which scripts/install-deps.sh installs next to nats-py.

Each scenario asserts exact payloads and counts, prints `ok SCENARIO` on stdout when it passes,
and prints `FAIL SCENARIO: why` on stderr and exits 1 when it does not. Every wait is bounded:
a scenario that does not finish within SCENARIO_TIMEOUT (RECONNECT_TIMEOUT for reconnect) fails.
`all` runs every scenario, even after a failure, and ends with `ok all` when all passed.

`js_publish` stores JS_MESSAGES messages in the stream JS_STREAM with js.publish (checking each
PubAck, and that a repeated message id is acknowledged as a duplicate) for natskit to consume;
`js_consume` reads and acknowledges, with a durable pull consumer, the JS_MESSAGES messages natskit
stored there, and checks the consumer's ack floor at the end. The stream must exist: the natskit
side (crates/natskit/tests/jetstream/nats_py.rs) creates it; see "JetStream" below for what each
message holds.

`obj_put` creates the object store OBJ_PY_BUCKET and puts the objects OBJ_OBJECTS into it with
nats-py's object store (checking each returned info) for natskit to read and check; `obj_get`
reads, with nats-py's object store, the objects natskit put into OBJ_RS_BUCKET (nats-py checks
each digest as it reads; the scenario checks data, size, chunks, digest and meta against its own
computation), follows natskit's link, and checks that natskit's deleted object reads as not
found. See "Object store" below; the natskit side is
crates/natskit/tests/jetstream/object/nats_py.rs.

`js_broker_stream`, `js_broker_kv` and `js_broker_obj` check a server's JetStream with nats-py
alone, each making and deleting its own streams or buckets: a stream created, published to
(checking each PubAck), read by a durable pull consumer with fetch and acks, redelivered after a
1 s ack_wait, and a work queue (acked messages leave it; a second unfiltered consumer is
refused); a KV bucket's put / get / create / update / delete / purge, history, keys and watch;
an object store's multi-chunk put, get, list and delete. See "JetStream on its own" below.

`reconnect` prints the line `restart-now` once its subscription works, then waits (bounded) until
nats-py reports it reconnected: whoever runs the script must then stop the server and start it
again on the same port. The Rust side is natskit_test::NatsPy::run_with_restart.

Exit codes: 0 passed, 1 a scenario failed, 2 bad usage, 3 nats-py is not installed.

Written for the nats-py version pinned in scripts/install-deps.sh, which installs it into
target/nats-py-venv (`make deps`).
"""

import asyncio
import base64
import hashlib
import os
import ssl
import sys
import time
import traceback
import uuid
from urllib.parse import urlparse

SCENARIO_TIMEOUT = 10.0
# The reconnect scenario also waits for the server to be stopped and started again.
RECONNECT_TIMEOUT = 30.0
# How long one expected message (or batch) may take to arrive.
RECEIVE_TIMEOUT = 5.0
# Bound on closing the connections after a scenario.
CLOSE_TIMEOUT = 5.0

USAGE = __doc__.split("\n\n", 2)[1] + "\n" if __doc__ else ""


class ScenarioFailure(Exception):
    """A check failed: the message says what was expected and what happened."""


def check(condition, message):
    if not condition:
        raise ScenarioFailure(message)


def show(data, limit=60):
    """A payload or list of payloads, shortened for failure messages."""
    if isinstance(data, (list, tuple)):
        return "[" + ", ".join(show(d, limit) for d in data) + "]"
    text = repr(bytes(data))
    return text if len(text) <= limit else f"{text[:limit]}... ({len(data)} bytes)"


class Clients:
    """The nats-py connections of one scenario; closes them all at the end.

    Asynchronous errors nats-py reports (slow consumer, protocol errors, ...) are recorded and fail
    the scenario unless it expects some (reconnect: refused connections while the server is down).
    """

    def __init__(self, nats, url, scenario):
        self.nats = nats
        self.url = url
        self.scenario = scenario
        self.conns = []
        self.errors = []

    def settings(self, name, errors=None):
        """The connect options of connection `name`: no reconnects, errors recorded (in
        `errors`, by default the scenario's), and the credentials and TLS context of the
        environment."""
        sink = self.errors if errors is None else errors

        async def error_cb(e):
            sink.append(f"{name}: {type(e).__name__}: {e}")

        # allow_reconnect=False alone does not stop nats-py from retrying a first connection
        # that fails (max_reconnect_attempts times, reconnect_time_wait apart): limit that too.
        settings = {
            "servers": [self.url],
            "name": f"natskit-{self.scenario}-{name}",
            "allow_reconnect": False,
            "max_reconnect_attempts": 1,
            "reconnect_time_wait": 0.1,
            "connect_timeout": 5,
            "error_cb": error_cb,
        }
        settings.update(security_options())
        return settings

    async def connect(self, name, **options):
        settings = self.settings(name)
        settings.update(options)
        try:
            nc = await self.nats.connect(**settings)
        except Exception as e:
            raise ScenarioFailure(f"connection {name!r} to {self.url} failed: {type(e).__name__}: {e}")
        self.conns.append(nc)
        return nc

    async def connect_refused(self, name, what):
        """A connection that must fail: returns the exception nats-py raised.

        What nats-py reports to its error callback meanwhile is that same failure, or the
        server closing the socket after it, so it does not count as an asynchronous error of
        the scenario. The client is closed whatever happened.
        """
        nc = self.nats.aio.client.Client()
        self.conns.append(nc)
        try:
            await nc.connect(**self.settings(name, errors=[]))
        except Exception as e:
            return e
        raise ScenarioFailure(f"{what}: nats-py connected to {self.url}, but the server should have refused it")

    async def close(self):
        for nc in self.conns:
            if nc.is_closed:
                continue
            try:
                await asyncio.wait_for(nc.close(), CLOSE_TIMEOUT)
            except Exception as e:
                print(f"warning: closing a connection: {type(e).__name__}: {e}", file=sys.stderr)


async def flush(*conns):
    """A round trip that the server answers only after everything sent before it.

    nats-py's own flush() is not quite that: it writes its PING straight to the socket while
    subscribe() and publish() leave their commands in a buffer that a separate task writes out
    later, so the PONG can come back before a SUB sent "earlier" has even left the client. Once
    the first round trip is over that task has run, so the second PING follows everything.
    """
    for nc in conns:
        await nc.flush(timeout=RECEIVE_TIMEOUT)
        await nc.flush(timeout=RECEIVE_TIMEOUT)


async def gather(subs, total, what):
    """Reads messages from `subs` until `total` arrived in all, within RECEIVE_TIMEOUT.

    Returns one list of messages per subscription, in arrival order.
    """
    got = [[] for _ in subs]
    deadline = time.monotonic() + RECEIVE_TIMEOUT
    while sum(len(g) for g in got) < total:
        moved = False
        for i, sub in enumerate(subs):
            while sub.pending_msgs > 0 and sum(len(g) for g in got) < total:
                got[i].append(await sub.next_msg(timeout=RECEIVE_TIMEOUT))
                moved = True
        if moved:
            continue
        if time.monotonic() >= deadline:
            counts = [len(g) for g in got]
            raise ScenarioFailure(
                f"{what}: expected {total} messages within {RECEIVE_TIMEOUT} s, got "
                f"{sum(counts)} (per subscription: {counts}): "
                f"{show([m.data for g in got for m in g])}"
            )
        await asyncio.sleep(0.01)
    return got


async def take(sub, n, what):
    """Exactly the next `n` messages of one subscription."""
    return (await gather([sub], n, what))[0]


async def expect_no_more(subs, conns, what):
    """After a round trip on every connection, nothing more is waiting on `subs`."""
    await flush(*conns)
    for sub in subs:
        extra = []
        while sub.pending_msgs > 0:
            extra.append((await sub.next_msg(timeout=1)).data)
        check(not extra, f"{what}: unexpected extra messages on {sub.subject}: {show(extra)}")


# Where the security settings come from; see the module's doc.
ENV_USER = "NATSKIT_PY_USER"
ENV_PASSWORD = "NATSKIT_PY_PASSWORD"
ENV_TOKEN = "NATSKIT_PY_TOKEN"
ENV_NKEY_SEED = "NATSKIT_PY_NKEY_SEED"
ENV_NKEY_SEED_FILE = "NATSKIT_PY_NKEY_SEED_FILE"
ENV_TLS_CA = "NATSKIT_PY_TLS_CA"
ENV_TLS_CERT = "NATSKIT_PY_TLS_CERT"
ENV_TLS_KEY = "NATSKIT_PY_TLS_KEY"

# The nats-py options that carry credentials.
CREDENTIAL_OPTIONS = ("user", "password", "token", "nkeys_seed", "nkeys_seed_str")


def security_options():
    """nats-py connect options from the environment: credentials, and a TLS context."""

    def env(name):
        value = os.environ.get(name, "")
        return value if value else None

    options = {}
    for var, option in (
        (ENV_USER, "user"),
        (ENV_PASSWORD, "password"),
        (ENV_TOKEN, "token"),
        (ENV_NKEY_SEED, "nkeys_seed_str"),
        (ENV_NKEY_SEED_FILE, "nkeys_seed"),
    ):
        if env(var) is not None:
            options[option] = env(var)
    ca, cert, key = env(ENV_TLS_CA), env(ENV_TLS_CERT), env(ENV_TLS_KEY)
    if ca is not None:
        try:
            # With a cafile, only that CA is trusted (the system's are not loaded).
            context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca)
            if cert is not None or key is not None:
                check(cert is not None and key is not None, f"set both {ENV_TLS_CERT} and {ENV_TLS_KEY}, or neither")
                context.load_cert_chain(cert, key)
        except (OSError, ssl.SSLError) as e:
            raise ScenarioFailure(f"cannot make a TLS context from {ENV_TLS_CA}={ca}: {type(e).__name__}: {e}")
        options["tls"] = context
    elif cert is not None or key is not None:
        raise ScenarioFailure(f"{ENV_TLS_CERT}/{ENV_TLS_KEY} given without {ENV_TLS_CA}")
    return options


def need_credentials(what):
    """The names of the credential options given; fails when there are none."""
    given = [o for o in CREDENTIAL_OPTIONS if o in security_options()]
    check(
        given,
        f"{what}: no credentials given: set {ENV_USER} and {ENV_PASSWORD}, {ENV_TOKEN}, "
        f"{ENV_NKEY_SEED} or {ENV_NKEY_SEED_FILE}",
    )
    return given


def ssl_object_of(nc):
    """The ssl.SSLObject under a nats-py connection, or None when it is not encrypted."""
    writer = getattr(getattr(nc, "_transport", None), "_io_writer", None)
    return writer.get_extra_info("ssl_object") if writer is not None else None


# --- scenarios ---------------------------------------------------------------------------------


async def scenario_pubsub(c, base):
    sub_nc = await c.connect("sub")
    pub_nc = await c.connect("pub")
    subject = f"{base}.greeting"
    sub = await sub_nc.subscribe(subject)
    other = await sub_nc.subscribe(f"{base}.other")
    await flush(sub_nc)

    payloads = [
        b"hello",
        b"",
        b"line one\r\nline two\r\n",
        bytes(range(256)),
        "h\u00e9llo w\u00f6rld \u2713".encode(),
        b"MSG fake 1 2\r\nPING\r\n",
        bytes(i % 251 for i in range(64 * 1024)),
    ]
    for p in payloads:
        await pub_nc.publish(subject, p)
    await pub_nc.publish(f"{base}.unrelated", b"nobody listens")
    await pub_nc.publish(f"{base}.greeting.deeper", b"not a match")
    await flush(pub_nc)

    msgs = await take(sub, len(payloads), "pubsub")
    check(
        [m.data for m in msgs] == payloads,
        f"pubsub: payloads differ or arrived out of order: sent {show(payloads)}, "
        f"got {show([m.data for m in msgs])}",
    )
    for m in msgs:
        check(m.subject == subject, f"pubsub: message subject {m.subject!r}, expected {subject!r}")
        check(m.reply == "", f"pubsub: unexpected reply subject {m.reply!r}")
        check(not m.headers, f"pubsub: unexpected headers {m.headers!r}")

    # A connection gets its own messages back (echo is on by default).
    await sub_nc.publish(subject, b"echo")
    (echo,) = await take(sub, 1, "pubsub echo")
    check(echo.data == b"echo", f"pubsub: echo payload {show(echo.data)}")

    # A publish with a reply subject delivers the reply subject as is.
    await pub_nc.publish(subject, b"with reply", reply=f"{base}.inbox")
    (with_reply,) = await take(sub, 1, "pubsub reply subject")
    check(
        (with_reply.data, with_reply.reply) == (b"with reply", f"{base}.inbox"),
        f"pubsub: got {show(with_reply.data)} with reply {with_reply.reply!r}",
    )

    await expect_no_more([sub, other], [pub_nc, sub_nc], "pubsub")
    check(pub_nc.stats["in_msgs"] == 0, f"pubsub: publisher received {pub_nc.stats['in_msgs']} messages")


async def scenario_wildcards(c, base):
    sub_nc = await c.connect("sub")
    pub_nc = await c.connect("pub")
    # Subjects published (under base), and what each subscription (under base) must receive, in
    # publication order. One connection holds every subscription: a message that matches several
    # of them arrives once per subscription.
    published = ["a", "ab", "a.b", "a.b.c", "x.c", "x.y.z", "a.q.c", "ab.c"]
    expected = {
        "*": ["a", "ab"],
        ">": published,
        "*.c": ["x.c", "ab.c"],
        "a.>": ["a.b", "a.b.c", "a.q.c"],
        "a.*.c": ["a.b.c", "a.q.c"],
        "*.*.*": ["a.b.c", "x.y.z", "a.q.c"],
        "a.b.c": ["a.b.c"],
    }
    subs = {}
    for pattern in expected:
        subs[pattern] = await sub_nc.subscribe(f"{base}.{pattern}")
    await flush(sub_nc)

    for i, tail in enumerate(published):
        await pub_nc.publish(f"{base}.{tail}", f"{tail}#{i}".encode())
    # Base itself, and a subject that merely starts with the same characters, match none.
    await pub_nc.publish(base, b"base itself")
    await pub_nc.publish(f"{base}x.a", b"sibling prefix")
    await flush(pub_nc)

    for pattern, tails in expected.items():
        msgs = await take(subs[pattern], len(tails), f"wildcards {pattern!r}")
        got = [m.subject[len(base) + 1 :] for m in msgs]
        check(
            got == tails,
            f"wildcards: subscription {base}.{pattern} expected subjects {tails} in order, got {got}",
        )
        for m in msgs:
            tail = m.subject[len(base) + 1 :]
            check(
                m.data.startswith(f"{tail}#".encode()),
                f"wildcards: message on {m.subject} carries {show(m.data)}",
            )
    await expect_no_more(list(subs.values()), [pub_nc, sub_nc], "wildcards")


async def scenario_queue(c, base):
    subject = f"{base}.jobs"
    w1 = await c.connect("worker-1")
    w2 = await c.connect("worker-2")
    a1 = await c.connect("auditor-1")
    a2 = await c.connect("auditor-2")
    watcher = await c.connect("watcher")
    pub = await c.connect("pub")
    # Three members of "workers" (two share a connection), two of "auditors", one plain subscriber.
    workers = [
        await w1.subscribe(subject, queue="workers"),
        await w2.subscribe(subject, queue="workers"),
        await w2.subscribe(subject, queue="workers"),
    ]
    auditors = [await a1.subscribe(subject, queue="auditors"), await a2.subscribe(subject, queue="auditors")]
    plain = await watcher.subscribe(subject)
    await flush(w1, w2, a1, a2, watcher)

    n = 60
    sent = [f"job-{i}".encode() for i in range(n)]
    for p in sent:
        await pub.publish(subject, p)
    await flush(pub)

    for group, members in (("workers", workers), ("auditors", auditors)):
        got = await gather(members, n, f"queue group {group}")
        payloads = [m.data for per in got for m in per]
        dups = sorted({p for p in payloads if payloads.count(p) > 1})
        check(not dups, f"queue: group {group} got these messages more than once: {show(dups)}")
        check(
            sorted(payloads) == sorted(sent),
            f"queue: group {group} did not get every message exactly once: got {len(payloads)}",
        )
        counts = [len(per) for per in got]
        check(
            sum(1 for k in counts if k > 0) >= 2,
            f"queue: group {group} delivered all {n} messages to one member (per member: {counts})",
        )
    all_msgs = await take(plain, n, "queue: plain subscriber")
    check([m.data for m in all_msgs] == sent, "queue: the plain subscriber did not get every message in order")
    await expect_no_more(workers + auditors + [plain], [pub, w1, w2, a1, a2, watcher], "queue")


async def scenario_request(c, base):
    nats = c.nats
    responder = await c.connect("responder")
    requester = await c.connect("requester")
    subject = f"{base}.echo"
    seen_replies = []

    async def echo(msg):
        seen_replies.append(msg.reply)
        await responder.publish(msg.reply, b"echo:" + msg.data)

    await responder.subscribe(subject, cb=echo)
    await flush(responder)

    for i in range(5):
        r = await requester.request(subject, f"ping-{i}".encode(), timeout=RECEIVE_TIMEOUT)
        check(r.data == f"echo:ping-{i}".encode(), f"request: ping-{i} answered with {show(r.data)}")
    check(
        len(seen_replies) == 5 and all(seen_replies) and len(set(seen_replies)) == 5,
        f"request: the responder saw reply subjects {seen_replies}, expected 5 distinct ones",
    )

    # Concurrent requests share nats-py's one response subscription; each gets its own answer.
    replies = await asyncio.gather(
        *(requester.request(subject, f"par-{i}".encode(), timeout=RECEIVE_TIMEOUT) for i in range(20))
    )
    for i, r in enumerate(replies):
        check(r.data == f"echo:par-{i}".encode(), f"request: par-{i} answered with {show(r.data)}")

    # Old-style requests (a fresh inbox with an auto-unsubscribe of 1 per request) work too.
    r = await requester.request(subject, b"old", timeout=RECEIVE_TIMEOUT, old_style=True)
    check(r.data == b"echo:old", f"request: old-style request answered with {show(r.data)}")

    # A queue group of responders: each request is answered, and handled by exactly one member.
    handled = {"svc-1": [], "svc-2": []}
    svc = [await c.connect("svc-1"), await c.connect("svc-2")]
    svc_subs = []
    for name, nc in zip(handled, svc):

        async def answer(msg, name=name, nc=nc):
            handled[name].append(msg.data)
            await nc.publish(msg.reply, msg.data + b" by " + name.encode())

        svc_subs.append(await nc.subscribe(f"{base}.svc", queue="svc", cb=answer))
    await flush(*svc)
    for i in range(20):
        r = await requester.request(f"{base}.svc", f"job-{i}".encode(), timeout=RECEIVE_TIMEOUT)
        check(
            r.data in (f"job-{i} by svc-1".encode(), f"job-{i} by svc-2".encode()),
            f"request: queue responder answered job-{i} with {show(r.data)}",
        )
    await flush(requester, *svc)
    deadline = time.monotonic() + RECEIVE_TIMEOUT
    while any(s.pending_msgs for s in svc_subs) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    both = handled["svc-1"] + handled["svc-2"]
    check(
        sorted(both) == sorted(f"job-{i}".encode() for i in range(20)),
        f"request: the queue responders handled {len(both)} requests for 20 sent: {show(both)}",
    )

    # A responder that stays silent: a timeout, not "no responders".
    await responder.subscribe(f"{base}.silent")
    await flush(responder)
    started = time.monotonic()
    try:
        r = await requester.request(f"{base}.silent", b"hello?", timeout=0.5)
        raise ScenarioFailure(f"request: a silent subscriber answered {show(r.data)}")
    except nats.errors.NoRespondersError:
        raise ScenarioFailure("request: got no-responders although a subscriber exists")
    except nats.errors.TimeoutError:
        pass
    check(time.monotonic() - started >= 0.4, "request: the timeout fired early")


RAW_MULTI_HEADERS = b"NATS/1.0\r\nX-Multi: one\r\nX-Multi: two\r\nX-Single: solo\r\nX-Multi: three\r\n\r\n"


class RawConn:
    """A bare-protocol connection (no client library), for what nats-py cannot express."""

    def __init__(self, reader, writer):
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, url):
        u = urlparse(url if "://" in url else f"nats://{url}")
        reader, writer = await asyncio.open_connection(u.hostname or "127.0.0.1", u.port or 4222)
        conn = cls(reader, writer)
        info = await conn.line()
        check(info.startswith(b"INFO "), f"raw connection: expected INFO, got {show(info)}")
        writer.write(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,"protocol":1}\r\n')
        await conn.ping()
        return conn

    async def line(self):
        return await asyncio.wait_for(self.reader.readline(), RECEIVE_TIMEOUT)

    async def ping(self):
        """PING and wait for the PONG (answering the server's PINGs meanwhile)."""
        self.writer.write(b"PING\r\n")
        await self.writer.drain()
        while True:
            line = await self.line()
            if line == b"PONG\r\n":
                return
            if line == b"PING\r\n":
                self.writer.write(b"PONG\r\n")
                continue
            raise ScenarioFailure(f"raw connection: expected PONG, got {show(line)}")

    async def hmsg(self):
        """The next HMSG: (subject, header block, payload)."""
        while True:
            line = await self.line()
            if line == b"PING\r\n":
                self.writer.write(b"PONG\r\n")
                continue
            break
        parts = line.split()
        check(parts and parts[0] == b"HMSG", f"raw connection: expected HMSG, got {show(line)}")
        hdr_len, total = int(parts[-2]), int(parts[-1])
        body = await asyncio.wait_for(self.reader.readexactly(total + 2), RECEIVE_TIMEOUT)
        check(body.endswith(b"\r\n"), "raw connection: HMSG body not followed by CRLF")
        return parts[1].decode(), body[:hdr_len], body[hdr_len:total]

    def close(self):
        self.writer.close()


async def scenario_headers(c, base):
    sub_nc = await c.connect("sub")
    pub_nc = await c.connect("pub")
    subject = f"{base}.h"
    sub = await sub_nc.subscribe(subject)
    await flush(sub_nc)

    sent = [
        (
            {"X-Trace": "abc-123", "Content-Type": "text/plain; charset=utf-8", "X-Unicode": "gr\u00fc\u00dfe \u2713"},
            b"with headers",
        ),
        ({"X-Only": "header"}, b""),
        (None, b"no headers"),
        ({"Nats-Msg-Id": "id-1", "X-Colon": "a:b: c"}, b"after"),
    ]
    for headers, payload in sent:
        await pub_nc.publish(subject, payload, headers=headers)
    await flush(pub_nc)
    msgs = await take(sub, len(sent), "headers")
    for (headers, payload), m in zip(sent, msgs):
        check(m.data == payload, f"headers: payload {show(m.data)}, expected {show(payload)}")
        check(
            (m.headers or None) == headers,
            f"headers: message {show(payload)} arrived with headers {m.headers!r}, expected {headers!r}",
        )

    # Request and reply both carry headers.
    async def answer(msg):
        await sub_nc.publish(
            msg.reply, b"pong", headers={"X-Answer-To": msg.headers.get("X-Req", "?") if msg.headers else "none"}
        )

    await sub_nc.subscribe(f"{base}.rpc", cb=answer)
    await flush(sub_nc)
    r = await pub_nc.request(f"{base}.rpc", b"ping", timeout=RECEIVE_TIMEOUT, headers={"X-Req": "r-42"})
    check(
        (r.data, r.headers) == (b"pong", {"X-Answer-To": "r-42"}),
        f"headers: request answered with {show(r.data)} and headers {r.headers!r}",
    )

    # Multi-valued headers: nats-py's headers are a dict (one value per key), so a bare-protocol
    # publisher sends a repeated key. The server must pass the header block through byte for byte
    # (checked by a bare-protocol subscriber), and nats-py must still deliver the message.
    multi = f"{base}.multi"
    raw_sub = await RawConn.open(c.url)
    raw_pub = await RawConn.open(c.url)
    try:
        msub = await sub_nc.subscribe(multi)
        await flush(sub_nc)
        raw_sub.writer.write(f"SUB {multi} 1\r\n".encode())
        await raw_sub.ping()
        payload = b"multi"
        raw_pub.writer.write(
            f"HPUB {multi} {len(RAW_MULTI_HEADERS)} {len(RAW_MULTI_HEADERS) + len(payload)}\r\n".encode()
            + RAW_MULTI_HEADERS
            + payload
            + b"\r\n"
        )
        await raw_pub.ping()
        got_subject, got_hdr, got_payload = await raw_sub.hmsg()
        check(
            (got_subject, got_hdr, got_payload) == (multi, RAW_MULTI_HEADERS, payload),
            f"headers: a multi-valued header block was not passed through unchanged: "
            f"got {got_subject} {show(got_hdr, 200)} {show(got_payload)}",
        )
        (m,) = await take(msub, 1, "headers: multi-valued, nats-py subscriber")
        check(m.data == payload, f"headers: multi-valued message payload {show(m.data)}")
        # nats-py keeps one value per key: the last one.
        check(
            m.headers == {"X-Multi": "three", "X-Single": "solo"},
            f"headers: nats-py parsed the multi-valued block as {m.headers!r}",
        )
    finally:
        raw_sub.close()
        raw_pub.close()
    await expect_no_more([sub], [pub_nc, sub_nc], "headers")


async def scenario_no_responders(c, base):
    nats = c.nats
    requester = await c.connect("requester")
    responder = await c.connect("responder")
    subject = f"{base}.svc"

    async def expect_no_responders(what, **kwargs):
        started = time.monotonic()
        try:
            r = await requester.request(subject, b"anyone?", timeout=RECEIVE_TIMEOUT, **kwargs)
            raise ScenarioFailure(f"no_responders ({what}): got a reply {show(r.data)}")
        except nats.errors.NoRespondersError:
            pass
        except nats.errors.TimeoutError:
            raise ScenarioFailure(
                f"no_responders ({what}): timed out after {RECEIVE_TIMEOUT} s instead of "
                "NoRespondersError: the server sent no 503 status"
            )
        elapsed = time.monotonic() - started
        check(elapsed < RECEIVE_TIMEOUT / 2, f"no_responders ({what}): took {elapsed:.2f} s")

    await expect_no_responders("nobody subscribed")
    await expect_no_responders("old-style request", old_style=True)
    await expect_no_responders("request with headers", headers={"X-Req": "1"})

    async def answer(msg):
        await responder.publish(msg.reply, b"here")

    sub = await responder.subscribe(subject, cb=answer)
    await flush(responder)
    r = await requester.request(subject, b"anyone?", timeout=RECEIVE_TIMEOUT)
    check(r.data == b"here", f"no_responders: with a responder the reply was {show(r.data)}")

    await sub.unsubscribe()
    await flush(responder)
    await expect_no_responders("after the responder unsubscribed")

    # Interest through a queue group counts as a responder.
    qsub = await responder.subscribe(subject, queue="q", cb=answer)
    await flush(responder)
    r = await requester.request(subject, b"anyone?", timeout=RECEIVE_TIMEOUT)
    check(r.data == b"here", f"no_responders: with a queue responder the reply was {show(r.data)}")
    await qsub.unsubscribe()
    await flush(responder)

    # A responder that disconnects takes its interest with it.
    await responder.close()
    await expect_no_responders("after the responder disconnected")


async def limit_after_deliveries(
    sub_nc, pub_nc, subject, prefix, delivered, limit, published, what
):
    """Subscribes to `subject`, takes `delivered` messages, then sets the auto-unsubscribe
    `limit` and publishes the rest of `published` messages (`<prefix><i>` each).

    Returns the payloads that arrived: the `delivered` ones and the `limit - delivered` after.
    """
    sub = await sub_nc.subscribe(subject)
    await flush(sub_nc)
    for i in range(delivered):
        await pub_nc.publish(subject, f"{prefix}{i}".encode())
    await flush(pub_nc)
    early = await take(sub, delivered, what)
    await sub.unsubscribe(limit=limit)
    await flush(sub_nc)
    for i in range(delivered, published):
        await pub_nc.publish(subject, f"{prefix}{i}".encode())
    await flush(pub_nc)
    late = await take(sub, limit - delivered, "auto_unsub: after the limit")
    await flush(pub_nc, sub_nc)
    return [m.data for m in early + late]


async def scenario_auto_unsub(c, base):
    sub_nc = await c.connect("sub")
    pub_nc = await c.connect("pub")

    # Limit set before any message: the server delivers exactly 3, then drops the interest.
    first = f"{base}.first"
    sub = await sub_nc.subscribe(first)
    await sub.unsubscribe(limit=3)  # sends UNSUB <sid> 3
    await flush(sub_nc)
    for i in range(6):
        await pub_nc.publish(first, f"m{i}".encode())
    await flush(pub_nc)
    msgs = await take(sub, 3, "auto_unsub: limit 3")
    check(
        [m.data for m in msgs] == [b"m0", b"m1", b"m2"],
        f"auto_unsub: expected m0..m2, got {show([m.data for m in msgs])}",
    )
    await flush(pub_nc, sub_nc)
    # nats-py drops messages for a finished subscription silently but counts them in stats, so the
    # count shows what the server actually sent.
    check(
        sub_nc.stats["in_msgs"] == 3,
        f"auto_unsub: the server sent {sub_nc.stats['in_msgs']} messages for a limit of 3",
    )

    # The limit counts every delivery, including those before the UNSUB: 2 delivered, limit 3
    # means one more.
    second = f"{base}.second"
    got = await limit_after_deliveries(
        sub_nc, pub_nc, second, "s", 2, 3, 6, "auto_unsub: before the limit"
    )
    check(got == [b"s0", b"s1", b"s2"], f"auto_unsub: expected s0..s2, got {show(got)}")
    check(
        sub_nc.stats["in_msgs"] == 6,
        f"auto_unsub: the server sent {sub_nc.stats['in_msgs'] - 3} messages on {second}, expected 3",
    )

    # A limit already reached removes the subscription at once.
    third = f"{base}.third"
    await limit_after_deliveries(
        sub_nc, pub_nc, third, "t", 1, 1, 2, "auto_unsub: limit already reached"
    )
    check(
        sub_nc.stats["in_msgs"] == 7,
        f"auto_unsub: the server sent {sub_nc.stats['in_msgs'] - 6} messages on {third}, expected 1",
    )


async def scenario_reconnect(c, base):
    events = {}

    async def reconnecting(name):
        disconnected, reconnected = asyncio.Event(), asyncio.Event()
        events[name] = (disconnected, reconnected)

        async def on_disconnect():
            disconnected.set()

        async def on_reconnect():
            reconnected.set()

        return await c.connect(
            name,
            allow_reconnect=True,
            reconnect_time_wait=0.1,
            max_reconnect_attempts=1000,
            connect_timeout=2,
            disconnected_cb=on_disconnect,
            reconnected_cb=on_reconnect,
        )

    sub_nc = await reconnecting("sub")
    pub_nc = await reconnecting("pub")
    subject = f"{base}.events"
    sub = await sub_nc.subscribe(subject)
    await flush(sub_nc)
    await pub_nc.publish(subject, b"before")
    await flush(pub_nc)
    (before,) = await take(sub, 1, "reconnect: before the restart")
    check(before.data == b"before", f"reconnect: got {show(before.data)} before the restart")

    print("restart-now", flush=True)
    deadline = time.monotonic() + RECONNECT_TIMEOUT - RECEIVE_TIMEOUT - 1
    for name, (disconnected, reconnected) in events.items():
        for what, event in (("disconnected", disconnected), ("reconnected", reconnected)):
            try:
                await asyncio.wait_for(event.wait(), max(0.1, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                raise ScenarioFailure(
                    f"reconnect: connection {name!r} was not {what} within "
                    f"{RECONNECT_TIMEOUT - RECEIVE_TIMEOUT - 1:.0f} s of restart-now"
                )
    check(
        sub_nc.is_connected and pub_nc.is_connected,
        "reconnect: a connection is not connected after its reconnected callback",
    )

    sent = [f"after-{i}".encode() for i in range(5)]
    for p in sent:
        await pub_nc.publish(subject, p)
    await flush(pub_nc)
    msgs = await take(sub, len(sent), "reconnect: after the restart, on the existing subscription")
    check([m.data for m in msgs] == sent, f"reconnect: got {show([m.data for m in msgs])}")
    check(sub_nc.stats["reconnects"] >= 1, "reconnect: nats-py counted no reconnect")
    await expect_no_more([sub], [pub_nc, sub_nc], "reconnect")


async def scenario_senseshow_request(c, base):
    """Talks to the senseshow device (natskit-ledmatrix) as the Python talk's laptop did.

    The device listens on the fixed subject `senseshow`, not under `base`: it must be running.
    Each answer comes once the text has scrolled by, so the timeout allows for a slow device.
    """
    nc = await c.connect("laptop")
    text = "Hello from nats-py"
    r = await nc.request("senseshow", text.encode(), timeout=RECEIVE_TIMEOUT)
    check(r.data == f"done: {text}".encode(), f"senseshow_request: {text!r} answered with {show(r.data)}")

    # The JSON form, with colours and a speed of its own.
    r = await nc.request(
        "senseshow",
        b'{"text": "Hi", "color": [255, 0, 0], "background": [0, 0, 64], "speed_ms": 0}',
        timeout=RECEIVE_TIMEOUT,
    )
    check(r.data == b"done: Hi", f"senseshow_request: the JSON form answered with {show(r.data)}")

    # Requests sent together are handled one at a time, and each gets its own answer.
    texts = [f"n{i}" for i in range(3)]
    replies = await asyncio.gather(
        *(nc.request("senseshow", t.encode(), timeout=RECEIVE_TIMEOUT) for t in texts)
    )
    got = [r.data for r in replies]
    want = [f"done: {t}".encode() for t in texts]
    check(got == want, f"senseshow_request: concurrent requests answered with {show(got)}")

    # The other commands, and an error for a command the device does not know.
    r = await nc.request("senseshow.pixel", b'{"x": 3, "y": 4, "color": [0, 255, 0]}', timeout=RECEIVE_TIMEOUT)
    check(r.data == b"done: pixel (3, 4) [0,255,0]", f"senseshow_request: pixel answered with {show(r.data)}")
    r = await nc.request("senseshow.clear", b"", timeout=RECEIVE_TIMEOUT)
    check(r.data == b"done: clear", f"senseshow_request: clear answered with {show(r.data)}")
    r = await nc.request("senseshow.dance", b"", timeout=RECEIVE_TIMEOUT)
    check(r.data.startswith(b"error: unknown command"), f"senseshow_request: dance answered with {show(r.data)}")


async def round_trip(c, base, what):
    """Two connections made with the environment's settings; a message and a request go through."""
    sub_nc = await c.connect("sub")
    pub_nc = await c.connect("pub")
    sub = await sub_nc.subscribe(f"{base}.msg")

    async def echo(msg):
        await msg.respond(b"echo: " + msg.data)

    await sub_nc.subscribe(f"{base}.echo", cb=echo)
    await flush(sub_nc)
    await pub_nc.publish(f"{base}.msg", what.encode())
    await flush(pub_nc)
    (msg,) = await take(sub, 1, what)
    check(msg.data == what.encode(), f"{what}: got {show(msg.data)}, expected {what!r}")
    r = await pub_nc.request(f"{base}.echo", b"ping", timeout=RECEIVE_TIMEOUT)
    check(r.data == b"echo: ping", f"{what}: the request was answered with {show(r.data)}")
    await expect_no_more([sub], [pub_nc, sub_nc], what)
    return sub_nc, pub_nc


async def scenario_auth(c, base):
    given = need_credentials("auth")
    conns = await round_trip(c, base, "auth")
    for nc in conns:
        info = nc._server_info
        check(info.get("auth_required") is True, f"auth: the server's INFO does not say auth_required: {info}")
        if "nkeys_seed" in given or "nkeys_seed_str" in given:
            check(info.get("nonce"), f"auth: an NKey seed is given, but the server's INFO has no nonce to sign: {info}")
    print(f"authenticated with {', '.join(given)}", flush=True)


async def scenario_auth_refused(c, base):
    given = need_credentials("auth_refused")
    err = await c.connect_refused("refused", "auth_refused")
    errors = c.nats.errors
    # nats-py 2.16 raises a plain nats.errors.Error carrying the server's `-ERR` when the CONNECT
    # is refused, and AuthorizationError when that error arrives later; both are its
    # authorization error.
    authorization = isinstance(err, errors.AuthorizationError) or (
        isinstance(err, errors.Error) and "authorization violation" in str(err).lower()
    )
    check(
        authorization,
        f"auth_refused: expected nats-py's authorization error, got {type(err).__name__}: {err}",
    )
    print(f"refused with {', '.join(given)}: {type(err).__name__}: {err}", flush=True)


async def scenario_tls(c, base):
    check("tls" in security_options(), f"tls: no CA given: set {ENV_TLS_CA}")
    conns = await round_trip(c, base, "tls")
    for nc in conns:
        info = nc._server_info
        check(info.get("tls_required") is True, f"tls: the server's INFO does not say tls_required: {info}")
        tls = ssl_object_of(nc)
        check(tls is not None, "tls: the connection is not encrypted")
        check(tls.version() in ("TLSv1.2", "TLSv1.3"), f"tls: negotiated {tls.version()}")
        # Only a certificate that was verified is returned as a dict with its subject.
        peer = tls.getpeercert()
        check(peer and peer.get("subject"), f"tls: no verified server certificate: {peer!r}")
    print(f"tls {tls.version()} {tls.cipher()[0]}", flush=True)


async def scenario_tls_refused(c, base):
    check("tls" in security_options(), f"tls_refused: no CA given: set {ENV_TLS_CA}")
    err = await c.connect_refused("refused", "tls_refused")
    check(
        isinstance(err, ssl.SSLCertVerificationError),
        f"tls_refused: expected a certificate verification error, got {type(err).__name__}: {err}",
    )
    print(f"refused: {type(err).__name__}: {err.verify_message}", flush=True)


# --- JetStream: nats-py on one side, natskit on the other -------------------------------------
#
# The two scenarios share a contract with crates/natskit/tests/jetstream/nats_py.rs, which
# creates the stream before running them and plays the other side: natskit consumes what
# `js_publish` stored, and `js_consume` reads what natskit published. The stream is JS_STREAM
# (subjects `pyjs.>`); message i (0-based) of a side is stored on `pyjs.<side>.<i>`, as stream
# sequence i + 1, with the payload js_payload(i) and the headers js_stored_headers(i, side):
# both publishers send a message id and say which stream they expect. Subjects are fixed, not
# under `base`, because the Rust side has to know them: each run gets a server of its own.

JS_STREAM = "PYJS"
JS_MESSAGES = 100
# The durable pull consumer js_consume reads with (the natskit side checks it afterwards).
JS_PY_CONSUMER = "nats-py"
# How many messages one nats-py fetch asks for.
JS_BATCH = 16


def js_payload(i):
    """Message i's payload: text, every byte value, empty, protocol look-alikes with UTF-8, and
    every 25th one 64 KiB."""
    if i % 25 == 24:
        return bytes((k + i) % 251 for k in range(64 * 1024))
    kind = i % 4
    if kind == 0:
        return f"job {i}".encode()
    if kind == 1:
        return bytes((i + k) % 256 for k in range(256))
    if kind == 2:
        return b""
    return f"job {i}\r\nPUB fake 1\r\n \u2713".encode()


def js_headers(i, side):
    """The headers message i is published with (a fresh dict: nats-py adds to the one it is
    given)."""
    return {
        "X-Index": str(i),
        "X-Source": side,
        "X-Text": "gr\u00fc\u00dfe \u2713 a:b",
        "Nats-Msg-Id": f"{side}-{i}",
    }


def js_stored_headers(i, side):
    """The headers message i is stored and delivered with: its own, and the stream expected."""
    return {**js_headers(i, side), "Nats-Expected-Stream": JS_STREAM}


async def js_stream_messages(c, js, what):
    """The number of messages in JS_STREAM, after checking that it is there as agreed."""
    try:
        info = await js.stream_info(JS_STREAM)
    except c.nats.js.errors.NotFoundError:
        raise ScenarioFailure(f"{what}: stream {JS_STREAM} does not exist (the natskit side creates it)")
    check(
        info.config.subjects == ["pyjs.>"],
        f"{what}: stream {JS_STREAM} has subjects {info.config.subjects}, expected ['pyjs.>']",
    )
    return info.state.messages


async def scenario_js_publish(c, base):
    """nats-py stores JS_MESSAGES messages with js.publish; natskit consumes them afterwards."""
    nc = await c.connect("js-publisher")
    js = nc.jetstream(timeout=RECEIVE_TIMEOUT)
    before = await js_stream_messages(c, js, "js_publish")
    check(before == 0, f"js_publish: stream {JS_STREAM} holds {before} messages before the first publish")

    for i in range(JS_MESSAGES):
        ack = await js.publish(f"pyjs.py.{i}", js_payload(i), stream=JS_STREAM, headers=js_headers(i, "py"))
        check(
            (ack.stream, ack.seq, bool(ack.duplicate)) == (JS_STREAM, i + 1, False),
            f"js_publish: message {i} acknowledged as {ack}, expected stream {JS_STREAM}, seq {i + 1}, no duplicate",
        )
    # The same Nats-Msg-Id again: acknowledged as a duplicate of the first, and not stored.
    ack = await js.publish("pyjs.py.0", js_payload(0), stream=JS_STREAM, headers=js_headers(0, "py"))
    check(
        (ack.stream, ack.seq, bool(ack.duplicate)) == (JS_STREAM, 1, True),
        f"js_publish: a repeated message id acknowledged as {ack}, expected a duplicate of seq 1",
    )
    after = await js_stream_messages(c, js, "js_publish")
    check(after == JS_MESSAGES, f"js_publish: stream {JS_STREAM} holds {after} messages, expected {JS_MESSAGES}")
    print(f"published {JS_MESSAGES}", flush=True)


async def scenario_js_consume(c, base):
    """nats-py's pull consumer reads and acknowledges the JS_MESSAGES messages natskit stored."""
    nc = await c.connect("js-consumer")
    js = nc.jetstream(timeout=RECEIVE_TIMEOUT)
    stored = await js_stream_messages(c, js, "js_consume")
    check(stored == JS_MESSAGES, f"js_consume: stream {JS_STREAM} holds {stored} messages, expected {JS_MESSAGES}")

    sub = await js.pull_subscribe("pyjs.rs.>", durable=JS_PY_CONSUMER, stream=JS_STREAM)
    seen = []
    while len(seen) < JS_MESSAGES:
        want = min(JS_BATCH, JS_MESSAGES - len(seen))
        try:
            msgs = await sub.fetch(want, timeout=RECEIVE_TIMEOUT)
        except asyncio.TimeoutError:  # nats-py's TimeoutError is one too
            raise ScenarioFailure(
                f"js_consume: a fetch got nothing within {RECEIVE_TIMEOUT} s after {len(seen)} of "
                f"{JS_MESSAGES} messages"
            )
        check(0 < len(msgs) <= want, f"js_consume: a fetch of {want} returned {len(msgs)} messages")
        for n, m in enumerate(msgs):
            meta = m.metadata
            seq = meta.sequence.stream
            check(seq not in seen, f"js_consume: stream sequence {seq} delivered twice")
            seen.append(seq)
            i = seq - 1
            check(0 <= i < JS_MESSAGES, f"js_consume: unexpected stream sequence {seq}")
            check(m.subject == f"pyjs.rs.{i}", f"js_consume: seq {seq} arrived on {m.subject!r}, expected pyjs.rs.{i}")
            check(
                m.data == js_payload(i),
                f"js_consume: seq {seq} carries {show(m.data)}, expected {show(js_payload(i))}",
            )
            check(
                m.headers == js_stored_headers(i, "rs"),
                f"js_consume: seq {seq} arrived with headers {m.headers!r}, "
                f"expected {js_stored_headers(i, 'rs')!r}",
            )
            check(
                (meta.stream, meta.consumer, meta.num_delivered) == (JS_STREAM, JS_PY_CONSUMER, 1),
                f"js_consume: seq {seq} has metadata {meta}",
            )
            # The last of each batch waits for the server's confirmation; the server handles a
            # connection's acknowledgements in order, so the ones before it are in too.
            if n == len(msgs) - 1:
                await m.ack_sync(timeout=RECEIVE_TIMEOUT)
            else:
                await m.ack()
    check(
        seen == list(range(1, JS_MESSAGES + 1)),
        f"js_consume: stream sequences arrived as {seen}, expected 1..{JS_MESSAGES} in order",
    )

    info = await sub.consumer_info()
    got = (info.ack_floor.stream_seq, info.num_ack_pending, info.num_pending, info.num_redelivered)
    check(
        got == (JS_MESSAGES, 0, 0, 0),
        f"js_consume: consumer {JS_PY_CONSUMER} has (ack floor, ack pending, pending, redelivered) "
        f"= {got}, expected ({JS_MESSAGES}, 0, 0, 0)",
    )
    print(f"consumed {JS_MESSAGES}", flush=True)


# --- Key-value: nats-py on one side, natskit on the other --------------------------------------
#
# A contract shared with crates/natskit/tests/jetstream/kv_interop.rs. The writing side makes
# bucket KV_BUCKET_PY (kv_write, nats-py) or KV_BUCKET_RS (natskit) with history KV_HISTORY and
# writes, in this order: `k.<i>` = kv_value(i) for i in 0..KV_KEYS, then `k.1` = kv_value(1) +
# b" again", then deletes `k.3` and purges `k.5`. The reading side checks: the latest values, the
# two revisions of k.1, k.3 and k.5 gone (k.5 with only its purge left), the keys, and a watch of
# the whole bucket: the latest entry of each of the KV_KEYS keys, then the end of the initial
# values.

KV_BUCKET_PY = "PYKV"
KV_BUCKET_RS = "RSKV"
KV_HISTORY = 5
KV_KEYS = 10


def kv_value(i):
    """The first value of key k.<i>: text, or every byte value for odd i."""
    return bytes(range(256)) if i % 2 else f"value {i} \u2713".encode()


def kv_latest(i):
    """What k.<i> holds at the end; None for the deleted and purged keys."""
    if i == 1:
        return kv_value(1) + b" again"
    if i in (3, 5):
        return None
    return kv_value(i)


async def scenario_kv_write(c, base):
    """nats-py makes bucket KV_BUCKET_PY and writes the contract's keys."""
    nc = await c.connect("kv-writer")
    js = nc.jetstream(timeout=RECEIVE_TIMEOUT)
    kv = await js.create_key_value(bucket=KV_BUCKET_PY, history=KV_HISTORY)
    revisions = []
    for i in range(KV_KEYS):
        revisions.append(await kv.put(f"k.{i}", kv_value(i)))
    check(revisions == list(range(1, KV_KEYS + 1)), f"kv_write: revisions {revisions}")
    await kv.put("k.1", kv_latest(1))
    await kv.delete("k.3")
    await kv.purge("k.5")
    print(f"wrote {KV_KEYS} keys", flush=True)


async def scenario_kv_read(c, base):
    """nats-py reads bucket KV_BUCKET_RS, written by natskit, and watches it."""
    nc = await c.connect("kv-reader")
    js = nc.jetstream(timeout=RECEIVE_TIMEOUT)
    kv = await js.key_value(KV_BUCKET_RS)
    for i in range(KV_KEYS):
        want = kv_latest(i)
        if want is None:
            try:
                entry = await kv.get(f"k.{i}")
                raise ScenarioFailure(f"kv_read: k.{i} should be gone, got {show(entry.value)}")
            except c.nats.js.errors.KeyNotFoundError:
                continue
        entry = await kv.get(f"k.{i}")
        check(entry.value == want, f"kv_read: k.{i} = {show(entry.value)}, expected {show(want)}")
    history = await kv.history("k.1")
    check(
        [e.value for e in history] == [kv_value(1), kv_latest(1)],
        f"kv_read: history of k.1 is {[show(e.value) for e in history]}",
    )
    purged = await kv.history("k.5")
    check(
        len(purged) == 1 and purged[0].operation == "PURGE",
        f"kv_read: k.5 should keep only its purge, got {[(e.revision, e.operation) for e in purged]}",
    )
    keys = sorted(await kv.keys())
    want_keys = sorted(f"k.{i}" for i in range(KV_KEYS) if kv_latest(i) is not None)
    check(keys == want_keys, f"kv_read: keys {keys}, expected {want_keys}")
    watcher = await kv.watchall()
    seen = {}
    while True:
        entry = await watcher.updates(timeout=RECEIVE_TIMEOUT)
        if entry is None:
            break
        seen[entry.key] = (entry.value, entry.operation)
    await watcher.stop()
    check(len(seen) == KV_KEYS, f"kv_read: the watch saw {sorted(seen)} before its marker")
    for i in range(KV_KEYS):
        value, op = seen[f"k.{i}"]
        if kv_latest(i) is None:
            check(op in ("DEL", "PURGE"), f"kv_read: the watch saw k.{i} as {op}, expected a delete")
        else:
            check(value == kv_latest(i), f"kv_read: the watch saw k.{i} = {show(value)}")
    print(f"read {KV_KEYS} keys", flush=True)
# --- Object store: nats-py on one side, natskit on the other ----------------------------------
#
# The two scenarios share a contract with crates/natskit/tests/jetstream/object/nats_py.rs.
# `obj_put`: nats-py creates OBJ_PY_BUCKET (memory storage) and puts OBJ_OBJECTS; natskit then
# reads them. `obj_get`: natskit creates OBJ_RS_BUCKET and puts OBJ_OBJECTS, a link
# OBJ_LINK -> the object OBJ_LINK_TARGET, and an object OBJ_DELETED it then deletes; nats-py
# reads them. Object data is obj_payload(size, seed); digests are computed here with hashlib,
# independently of either client.

OBJ_PY_BUCKET = "py_objects"
OBJ_RS_BUCKET = "rs_objects"
# (name, size, seed, chunk size or None for the default 128 KiB, description, headers)
OBJ_OBJECTS = [
    ("empty", 0, 0, None, None, None),
    ("hello.txt", 19, 1, None, "a greeting", {"Content-Type": ["text/plain"]}),
    ("dir/na\u00efve file \u2713.bin", 300 * 1024, 2, None, None, None),
    ("multi.bin", 1024 * 1024 + 1, 3, 64 * 1024, "1 MiB and a byte", {"X-Parts": ["17", "chunks"]}),
]
OBJ_LINK = "latest"
OBJ_LINK_TARGET = "hello.txt"
OBJ_DELETED = "removed"


def obj_payload(size, seed):
    """Object data: a pattern that depends on the seed and does not repeat every chunk."""
    return bytes(((k * 7 + k // 251) + seed) % 256 for k in range(size))


def obj_digest(data):
    """The digest text ADR-20 specifies: SHA-256= and the padded base64url of the sum."""
    return "SHA-256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode()


def obj_chunks(size, chunk):
    """How many chunks an object of `size` bytes takes in chunks of `chunk` bytes."""
    return -(-size // chunk)


async def scenario_obj_put(c, base):
    """nats-py creates a bucket and puts the OBJ_OBJECTS; natskit reads them afterwards."""
    from nats.js import api

    nc = await c.connect("obj-putter")
    js = nc.jetstream(timeout=RECEIVE_TIMEOUT)
    obs = await js.create_object_store(OBJ_PY_BUCKET, storage=api.StorageType.MEMORY)
    for name, size, seed, chunk, description, headers in OBJ_OBJECTS:
        data = obj_payload(size, seed)
        meta = api.ObjectMeta(name=name, description=description, headers=headers)
        if chunk is not None:
            meta.options = api.ObjectMetaOptions(max_chunk_size=chunk)
        info = await obs.put(name, data, meta=meta)
        want_chunks = obj_chunks(size, chunk or 128 * 1024)
        got = (info.size, info.chunks, info.digest)
        check(
            got == (size, want_chunks, obj_digest(data)),
            f"obj_put: {name!r} stored as (size, chunks, digest) {got}, expected "
            f"{(size, want_chunks, obj_digest(data))}",
        )
    print(f"put {len(OBJ_OBJECTS)}", flush=True)


async def scenario_obj_get(c, base):
    """nats-py reads the objects natskit put, its link, and its deleted object."""
    nc = await c.connect("obj-getter")
    js = nc.jetstream(timeout=RECEIVE_TIMEOUT)
    obs = await js.object_store(OBJ_RS_BUCKET)
    for name, size, seed, chunk, description, headers in OBJ_OBJECTS:
        data = obj_payload(size, seed)
        try:
            result = await obs.get(name)
        except c.nats.js.errors.DigestMismatchError:
            raise ScenarioFailure(f"obj_get: nats-py found the digest of {name!r} wrong")
        info = result.info
        check(
            result.data == data,
            f"obj_get: {name!r} read as {show(result.data)}, expected {show(data)}",
        )
        want = (name, OBJ_RS_BUCKET, size, obj_chunks(size, chunk or 128 * 1024), obj_digest(data), False)
        got = (info.name, info.bucket, info.size, info.chunks, info.digest, bool(info.deleted))
        check(got == want, f"obj_get: {name!r} has (name, bucket, size, chunks, digest, deleted) {got}, expected {want}")
        check(
            (info.description, info.headers) == (description, headers),
            f"obj_get: {name!r} has description {info.description!r} and headers {info.headers!r}, "
            f"expected {description!r} and {headers!r}",
        )
        check(
            info.options is not None and info.options.max_chunk_size == (chunk or 128 * 1024),
            f"obj_get: {name!r} has options {info.options}",
        )
        check(bool(info.nuid), f"obj_get: {name!r} has no nuid")

    # The link reads as its target.
    link = await obs.get_info(OBJ_LINK)
    check(
        link.is_link() and (link.options.link.bucket, link.options.link.name) == (OBJ_RS_BUCKET, OBJ_LINK_TARGET),
        f"obj_get: link {OBJ_LINK!r} has info {link}",
    )
    followed = await obs.get(OBJ_LINK)
    target = next(o for o in OBJ_OBJECTS if o[0] == OBJ_LINK_TARGET)
    check(
        followed.data == obj_payload(target[1], target[2]),
        f"obj_get: link {OBJ_LINK!r} read as {show(followed.data)}",
    )

    # The deleted object is not found, but its deleted meta is there.
    try:
        await obs.get_info(OBJ_DELETED)
        raise ScenarioFailure(f"obj_get: deleted object {OBJ_DELETED!r} was found")
    except c.nats.js.errors.ObjectNotFoundError:
        pass
    deleted = await obs.get_info(OBJ_DELETED, show_deleted=True)
    check(
        (bool(deleted.deleted), deleted.size, deleted.chunks) == (True, 0, 0),
        f"obj_get: deleted object {OBJ_DELETED!r} has info {deleted}",
    )

    listed = sorted(info.name for info in await obs.list(ignore_deletes=True))
    want = sorted([o[0] for o in OBJ_OBJECTS] + [OBJ_LINK])
    check(listed == want, f"obj_get: nats-py lists {listed}, expected {want}")
    print(f"got {len(OBJ_OBJECTS)}", flush=True)


# --- JetStream on its own: nats-py against a broker's JetStream ---------------------------------
#
# js_broker_stream, js_broker_kv and js_broker_obj need only a server with JetStream (nats-server
# -js or natskit's embedded broker, crates/natskit-server/tests/it/jetstream_nats_py.rs runs them
# against both): each makes what it uses, checks exact results, and deletes it again.

BROKER_ORDERS = [
    ("pyorders.eu", b"one"),
    ("pyorders.us", b"two"),
    ("pyorders.eu", b""),
    ("pyorders.asia", b"four"),
    ("pyorders.us", "five \u2713".encode()),
    ("pyorders.eu", b"six"),
]


def positions(msgs):
    """(stream sequence, consumer sequence, delivery count) of each message."""
    return [(m.metadata.sequence.stream, m.metadata.sequence.consumer, m.metadata.num_delivered) for m in msgs]


async def ack_all(msgs):
    """Acks every message; the last waits for the server, which handles a connection's acks in
    order, so the ones before it are in too."""
    for m in msgs[:-1]:
        await m.ack()
    await msgs[-1].ack_sync(timeout=RECEIVE_TIMEOUT)


async def fetch_exactly(sub, n, what):
    """Exactly the next `n` messages of a pull subscription, within RECEIVE_TIMEOUT."""
    got = []
    deadline = time.monotonic() + RECEIVE_TIMEOUT
    while len(got) < n:
        left = deadline - time.monotonic()
        try:
            if left <= 0:
                raise asyncio.TimeoutError
            got += await sub.fetch(n - len(got), timeout=left)
        except asyncio.TimeoutError:  # nats-py's TimeoutError is one too
            raise ScenarioFailure(f"{what}: {len(got)} of {n} messages within {RECEIVE_TIMEOUT} s")
    check(len(got) == n, f"{what}: a fetch of {n} returned {len(got)} messages")
    return got


async def published(js, subject, payload, stream, seq, what):
    """Publishes and checks the PubAck names `stream` and `seq`, no duplicate."""
    ack = await js.publish(subject, payload)
    check(
        (ack.stream, ack.seq, bool(ack.duplicate)) == (stream, seq, False),
        f"{what}: publish to {subject} acknowledged as {ack}, expected {stream} seq {seq}",
    )


async def stream_state(js, name):
    """(messages, first sequence, last sequence) of a stream."""
    state = (await js.stream_info(name)).state
    return (state.messages, state.first_seq, state.last_seq)


async def scenario_js_broker_stream(c, base):
    """Stream create, publish with acks, pull consumer with fetch and acks, redelivery after
    ack_wait, and work-queue retention."""
    from nats.js import api

    nc = await c.connect("js-broker-stream")
    js = nc.jetstream(timeout=RECEIVE_TIMEOUT)

    # A limits stream, read in two fetches by a durable pull consumer.
    info = await js.add_stream(name="PYORDERS", subjects=["pyorders.>"])
    check((info.config.name, info.state.messages) == ("PYORDERS", 0), f"stream: created as {info}")
    for i, (subject, payload) in enumerate(BROKER_ORDERS):
        await published(js, subject, payload, "PYORDERS", i + 1, "stream")
    got = await stream_state(js, "PYORDERS")
    check(got == (6, 1, 6), f"stream: (messages, first, last) = {got}, expected (6, 1, 6)")
    sub = await js.pull_subscribe("pyorders.>", durable="reader", stream="PYORDERS")
    msgs = []
    for n in (4, 2):
        batch = await fetch_exactly(sub, n, "stream")
        await ack_all(batch)
        msgs += batch
    got = [(p, m.subject, m.data) for p, m in zip(positions(msgs), msgs)]
    want = [((i + 1, i + 1, 1), s, p) for i, (s, p) in enumerate(BROKER_ORDERS)]
    check(got == want, f"stream: read {got}, expected {want}")
    info = await sub.consumer_info()
    got = (info.ack_floor.stream_seq, info.num_ack_pending, info.num_pending)
    check(got == (6, 0, 0), f"stream: (ack floor, ack pending, pending) = {got}, expected (6, 0, 0)")
    got = await stream_state(js, "PYORDERS")
    check(got == (6, 1, 6), f"stream: acked messages stay in a limits stream, state {got}")
    await sub.unsubscribe()

    # Nothing acked: after ack_wait the same messages come again, counted as redelivered.
    await js.add_stream(name="PYJOBS", subjects=["pyjobs.*"])
    for i, payload in enumerate((b"a", b"b", b"c")):
        await published(js, f"pyjobs.{i}", payload, "PYJOBS", i + 1, "redelivery")
    slow = await js.pull_subscribe(
        "pyjobs.*", durable="slow", stream="PYJOBS", config=api.ConsumerConfig(ack_wait=1.0)
    )
    first = await fetch_exactly(slow, 3, "redelivery")
    check(positions(first) == [(1, 1, 1), (2, 2, 1), (3, 3, 1)], f"redelivery: first delivery {positions(first)}")
    # This fetch waits past ack_wait: the server redelivers into it.
    again = await fetch_exactly(slow, 3, "redelivery")
    check(
        positions(again) == [(1, 4, 2), (2, 5, 2), (3, 6, 2)],
        f"redelivery: second delivery {positions(again)}, expected sequences 1-3 delivered twice",
    )
    check([m.data for m in again] == [b"a", b"b", b"c"], f"redelivery: payloads {show([m.data for m in again])}")
    info = await slow.consumer_info()
    got = (info.num_ack_pending, info.num_redelivered)
    check(got == (3, 3), f"redelivery: (ack pending, redelivered) = {got}, expected (3, 3)")
    await ack_all(again)
    info = await slow.consumer_info()
    got = (info.ack_floor.stream_seq, info.num_ack_pending, info.num_redelivered)
    check(got == (3, 0, 0), f"redelivery: after the acks (ack floor, ack pending, redelivered) = {got}")
    await slow.unsubscribe()

    # Work queue: acked messages leave the stream; one unfiltered consumer only.
    await js.add_stream(name="PYWORK", subjects=["pywork.>"], retention=api.RetentionPolicy.WORK_QUEUE)
    for i in range(5):
        await published(js, "pywork.item", b"job", "PYWORK", i + 1, "work queue")
    await js.add_consumer("PYWORK", durable_name="workers", ack_policy=api.AckPolicy.EXPLICIT)
    try:
        await js.add_consumer("PYWORK", durable_name="others", ack_policy=api.AckPolicy.EXPLICIT)
        raise ScenarioFailure("work queue: a second unfiltered consumer was accepted")
    except c.nats.js.errors.BadRequestError as e:
        check(e.err_code == 10099, f"work queue: the second consumer refused with {e}, expected err_code 10099")
    workers = await js.pull_subscribe_bind(durable="workers", stream="PYWORK")
    msgs = await fetch_exactly(workers, 5, "work queue")
    got = await stream_state(js, "PYWORK")
    check(got == (5, 1, 5), f"work queue: pulled but unacked, state {got}, expected (5, 1, 5)")
    await ack_all(msgs[:3])
    got = await stream_state(js, "PYWORK")
    check(got == (2, 4, 5), f"work queue: three acked, state {got}, expected (2, 4, 5)")
    await ack_all(msgs[3:])
    got = await stream_state(js, "PYWORK")
    check(got == (0, 6, 5), f"work queue: all acked, state {got}, expected (0, 6, 5)")
    await workers.unsubscribe()
    await js.delete_consumer("PYWORK", "workers")
    await js.add_consumer("PYWORK", durable_name="others", ack_policy=api.AckPolicy.EXPLICIT)

    for name in ("PYORDERS", "PYJOBS", "PYWORK"):
        check(await js.delete_stream(name), f"stream: deleting {name} failed")


def kv_seen(entry):
    """What a test compares of a KV entry: (key, value, revision, operation)."""
    return (entry.key, entry.value, entry.revision, entry.operation)


async def scenario_js_broker_kv(c, base):
    """KV put / get / create / update / delete / purge, history, keys and watch."""
    errors = c.nats.js.errors
    nc = await c.connect("js-broker-kv")
    js = nc.jetstream(timeout=RECEIVE_TIMEOUT)
    kv = await js.create_key_value(bucket="pysettings", history=5)

    check(await kv.put("color", b"red") == 1, "kv: the first put is not revision 1")
    got = kv_seen(await kv.get("color"))
    check(got == ("color", b"red", 1, None), f"kv: color read as {got}")
    try:
        entry = await kv.get("missing")
        raise ScenarioFailure(f"kv: a missing key read as {entry}")
    except errors.KeyNotFoundError:
        pass

    # create: only when the key has no value.
    check(await kv.create("size", b"L") == 2, "kv: create of a new key is not revision 2")
    try:
        await kv.create("size", b"XL")
        raise ScenarioFailure("kv: create over an existing value succeeded")
    except errors.KeyWrongLastSequenceError:
        pass
    check((await kv.get("size")).value == b"L", "kv: a refused create changed the value")

    # update: only with the key's last revision.
    check(await kv.update("color", b"green", last=1) == 3, "kv: update is not revision 3")
    try:
        await kv.update("color", b"blue", last=1)
        raise ScenarioFailure("kv: update with a stale revision succeeded")
    except errors.KeyWrongLastSequenceError:
        pass
    check((await kv.get("color")).value == b"green", "kv: a refused update changed the value")

    # delete leaves a marker; create works again on a deleted key.
    await kv.delete("size")
    try:
        await kv.get("size")
        raise ScenarioFailure("kv: a deleted key is still read")
    except errors.KeyNotFoundError:
        pass
    check(await kv.create("size", b"M") == 5, "kv: create of a deleted key is not revision 5")

    # purge keeps only its own marker.
    for v in (b"1", b"2", b"3"):
        await kv.put("tmp", v)
    await kv.purge("tmp")
    got = [(e.revision, e.operation) for e in await kv.history("tmp")]
    check(got == [(9, "PURGE")], f"kv: tmp's history after the purge is {got}")

    got = [kv_seen(e) for e in await kv.history("color")]
    want = [("color", b"red", 1, None), ("color", b"green", 3, None)]
    check(got == want, f"kv: color's history is {got}, expected {want}")
    got = [(e.revision, e.operation) for e in await kv.history("size")]
    check(got == [(2, None), (4, "DEL"), (5, None)], f"kv: size's history is {got}")
    keys = sorted(await kv.keys())
    check(keys == ["color", "size"], f"kv: keys {keys}, expected ['color', 'size']")

    # A watch: each key's latest entry, the end-of-initial marker, then what changes later.
    watcher = await kv.watchall()
    initial = []
    while (entry := await watcher.updates(timeout=RECEIVE_TIMEOUT)) is not None:
        initial.append(kv_seen(entry))
    want = [("color", b"green", 3, None), ("size", b"M", 5, None), ("tmp", b"", 9, "PURGE")]
    check(initial == want, f"kv: the watch began with {initial}, expected {want}")
    await kv.put("color", b"blue")
    await kv.put("shape", b"round")
    await kv.delete("shape")
    later = [kv_seen(await watcher.updates(timeout=RECEIVE_TIMEOUT)) for _ in range(3)]
    want = [("color", b"blue", 10, None), ("shape", b"round", 11, None), ("shape", b"", 12, "DEL")]
    check(later == want, f"kv: the watch saw {later}, expected {want}")
    await watcher.stop()

    check(await js.delete_key_value("pysettings"), "kv: deleting the bucket failed")


async def scenario_js_broker_obj(c, base):
    """Object store: a multi-chunk object and a small one put, read back, listed, one deleted."""
    from nats.js import api

    nc = await c.connect("js-broker-obj")
    js = nc.jetstream(timeout=RECEIVE_TIMEOUT)
    obs = await js.create_object_store("pyfiles")

    # 300 KiB and a byte in 64 KiB chunks: five chunks.
    objects = [("dir/big.bin", obj_payload(300 * 1024 + 1, 5), 64 * 1024), ("small.txt", b"hello, objects", None)]
    for name, data, chunk in objects:
        meta = api.ObjectMeta(name=name)
        if chunk is not None:
            meta.options = api.ObjectMetaOptions(max_chunk_size=chunk)
        info = await obs.put(name, data, meta=meta)
        want = (len(data), obj_chunks(len(data), chunk or 128 * 1024), obj_digest(data))
        got = (info.size, info.chunks, info.digest)
        check(got == want, f"obj: {name!r} stored as (size, chunks, digest) {got}, expected {want}")
    for name, data, _ in objects:
        try:
            result = await obs.get(name)
        except c.nats.js.errors.DigestMismatchError:
            raise ScenarioFailure(f"obj: nats-py found the digest of {name!r} wrong")
        check(result.data == data, f"obj: {name!r} read back as {show(result.data)}, expected {show(data)}")

    listed = sorted((i.name, i.size) for i in await obs.list(ignore_deletes=True))
    want = sorted((name, len(data)) for name, data, _ in objects)
    check(listed == want, f"obj: listed {listed}, expected {want}")

    await obs.delete("small.txt")
    try:
        await obs.get("small.txt")
        raise ScenarioFailure("obj: a deleted object is still read")
    except c.nats.js.errors.ObjectNotFoundError:
        pass
    listed = sorted(i.name for i in await obs.list(ignore_deletes=True))
    check(listed == ["dir/big.bin"], f"obj: after the delete, listed {listed}")
    # Left: big's five chunks and meta, and small's meta marking it deleted.
    got = (await js.stream_info("OBJ_pyfiles")).state.messages
    check(got == 7, f"obj: the bucket's stream holds {got} messages, expected 7")

    check(await js.delete_object_store("pyfiles"), "obj: deleting the bucket failed")


SCENARIOS = {
    "pubsub": scenario_pubsub,
    "wildcards": scenario_wildcards,
    "queue": scenario_queue,
    "request": scenario_request,
    "headers": scenario_headers,
    "no_responders": scenario_no_responders,
    "auto_unsub": scenario_auto_unsub,
    "reconnect": scenario_reconnect,
    "senseshow_request": scenario_senseshow_request,
    "auth": scenario_auth,
    "auth_refused": scenario_auth_refused,
    "tls": scenario_tls,
    "tls_refused": scenario_tls_refused,
    "js_publish": scenario_js_publish,
    "js_consume": scenario_js_consume,
    "kv_write": scenario_kv_write,
    "kv_read": scenario_kv_read,
    "obj_put": scenario_obj_put,
    "obj_get": scenario_obj_get,
    "js_broker_stream": scenario_js_broker_stream,
    "js_broker_kv": scenario_js_broker_kv,
    "js_broker_obj": scenario_js_broker_obj,
}
# The ones that need nobody to restart the server, no device listening, no security settings,
# and no JetStream with natskit on the other side.
ALL = [
    name
    for name in SCENARIOS
    if name
    not in (
        "reconnect",
        "senseshow_request",
        "auth",
        "auth_refused",
        "tls",
        "tls_refused",
        "js_publish",
        "js_consume",
        "kv_write",
        "kv_read",
        "obj_put",
        "obj_get",
        "js_broker_stream",
        "js_broker_kv",
        "js_broker_obj",
    )
]


async def run_one(nats, url, name):
    """Runs one scenario; returns None when it passed, else why it failed."""
    c = Clients(nats, url, name)
    base = f"natskit.{name}.{uuid.uuid4().hex[:12]}"
    timeout = RECONNECT_TIMEOUT if name == "reconnect" else SCENARIO_TIMEOUT
    failure = None
    try:
        await asyncio.wait_for(SCENARIOS[name](c, base), timeout)
    except ScenarioFailure as e:
        failure = str(e)
    except asyncio.TimeoutError:
        failure = f"did not finish within {timeout:.0f} s"
    except Exception as e:
        failure = f"unexpected {type(e).__name__}: {e}\n{traceback.format_exc()}"
    finally:
        await c.close()
    if failure is None and c.errors and name != "reconnect":
        failure = "nats-py reported asynchronous errors: " + "; ".join(c.errors)
    if failure is not None and c.errors:
        failure += "\n  asynchronous errors: " + "; ".join(c.errors)
    return failure


async def main(url, scenario):
    try:
        import nats
        import nats.aio.client
        import nats.errors
    except ImportError as e:
        print(
            f"error: nats-py is not installed for {sys.executable} ({e}); run `make deps` "
            "(scripts/install-deps.sh installs it into target/nats-py-venv)",
            file=sys.stderr,
        )
        return 3
    names = ALL if scenario == "all" else [scenario]
    failed = 0
    for name in names:
        failure = await run_one(nats, url, name)
        if failure is None:
            print(f"ok {name}", flush=True)
        else:
            failed += 1
            print(f"FAIL {name}: {failure}", file=sys.stderr, flush=True)
    if failed:
        return 1
    if scenario == "all":
        print("ok all", flush=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in list(SCENARIOS) + ["all"]:
        print(USAGE, end="", file=sys.stderr)
        print(f"scenarios: {', '.join(SCENARIOS)}, all", file=sys.stderr)
        if len(sys.argv) == 3:
            print(f"error: unknown scenario {sys.argv[2]!r}", file=sys.stderr)
        sys.exit(2)
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2])))
