#!/usr/bin/env python3
"""nats-py's service API module (nats.micro) against natskit-micro, both ways.

Usage:
  python nats_py_micro.py URL discover NAME ID   check the natskit-micro service NAME (instance ID)
  python nats_py_micro.py URL serve NAME         run a nats-py service until standard input closes

`discover` asks $SRV.PING|INFO|STATS (all, by name, by id), parses every answer with nats.micro's
own ServicePing / ServiceInfo / ServiceStats, checks the fields, calls the service's endpoints
`hello` and `math.div` (which must answer 1/0 with error 400), and prints `ok discover`.
The natskit side (crates/natskit-micro/tests/it/nats_py.rs) starts that service.

`serve` starts a nats.micro service NAME with endpoints `echo` and `math.double`, prints
`ready <id>` on stdout, and stops when standard input is closed (bounded by SERVE_TIMEOUT).

Failures print `FAIL: why` on stderr and exit 1; every wait is bounded.
"""

import asyncio
import json
import sys

import nats
from nats.micro import add_service
from nats.micro.service import ServiceInfo, ServicePing, ServiceStats

TIMEOUT = 5.0
SERVE_TIMEOUT = 60.0
GATHER = 0.5


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


async def gather(nc, subject):
    """Every answer to one request on `subject` within GATHER seconds."""
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    await nc.publish(subject, b"", reply=inbox)
    answers = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + GATHER
    while True:
        left = deadline - loop.time()
        if left <= 0:
            break
        try:
            msg = await sub.next_msg(timeout=left)
        except (asyncio.TimeoutError, nats.errors.TimeoutError):
            break
        if msg.data:  # an empty 503 says nobody listens: not an answer
            answers.append(json.loads(msg.data))
    await sub.unsubscribe()
    return answers


async def discover(nc, name, sid):
    pings = [ServicePing.from_dict(d) for d in await gather(nc, "$SRV.PING")]
    check(any(p.id == sid and p.name == name for p in pings), f"PING misses {sid}: {pings}")

    ping = ServicePing.from_dict(json.loads((await nc.request(f"$SRV.PING.{name}.{sid}", b"", timeout=TIMEOUT)).data))
    check((ping.name, ping.id, ping.type) == (name, sid, "io.nats.micro.v1.ping_response"), f"ping: {ping}")

    infos = [ServiceInfo.from_dict(d) for d in await gather(nc, f"$SRV.INFO.{name}")]
    check([i.id for i in infos] == [sid], f"INFO.{name}: {infos}")
    info = infos[0]
    check(info.type == "io.nats.micro.v1.info_response", f"info type: {info.type}")
    check(info.description == "natskit-micro for nats-py", f"description: {info.description!r}")
    check(info.metadata == {"lang": "rust"}, f"metadata: {info.metadata}")
    subjects = {e.name: (e.subject, e.queue_group) for e in info.endpoints}
    check(subjects == {"hello": ("hello", "q"), "div": ("math.div", "q")}, f"endpoints: {subjects}")

    answer = await nc.request("hello", b"py", timeout=TIMEOUT)
    check(answer.data == b"Hello, py!", f"hello: {answer.data!r}")
    answer = await nc.request("math.div", b"[1, 0]", timeout=TIMEOUT)
    headers = answer.headers or {}
    check(headers.get("Nats-Service-Error-Code") == "400", f"error code: {headers}")
    check(headers.get("Nats-Service-Error") == "division by zero", f"error text: {headers}")

    raw = json.loads((await nc.request(f"$SRV.STATS.{name}.{sid}", b"", timeout=TIMEOUT)).data)
    stats = ServiceStats.from_dict(raw)
    check(stats.type == "io.nats.micro.v1.stats_response", f"stats type: {stats.type}")
    check(stats.started.year >= 2024, f"started: {stats.started}")
    counts = {e.name: (e.num_requests, e.num_errors, e.last_error) for e in stats.endpoints}
    check(counts == {"hello": (1, 0, ""), "div": (1, 1, "400:division by zero")}, f"stats: {counts}")
    check(all(e.processing_time > 0 for e in stats.endpoints), f"times: {stats.endpoints}")
    print("ok discover", flush=True)


async def serve(nc, name):
    async def echo(req):
        await req.respond(req.data)

    async def double(req):
        await req.respond(json.dumps(2 * json.loads(req.data)).encode())

    service = await add_service(nc, name=name, version="2.0.0", description="nats-py service",
                                metadata={"lang": "python"})
    await service.add_endpoint(name="echo", handler=echo)
    await service.add_group(name="math").add_endpoint(name="double", handler=double)
    await nc.flush()  # the server has the subscriptions before anyone is told to ask
    print(f"ready {service.id}", flush=True)
    loop = asyncio.get_running_loop()
    closed = loop.run_in_executor(None, sys.stdin.read)
    try:
        await asyncio.wait_for(closed, SERVE_TIMEOUT)
    except asyncio.TimeoutError:
        raise Failure(f"standard input still open after {SERVE_TIMEOUT}s")
    finally:
        await service.stop()


async def main(argv):
    if len(argv) < 3 or argv[2] not in ("discover", "serve"):
        print(__doc__, file=sys.stderr)
        return 2
    url, mode = argv[1], argv[2]
    nc = await nats.connect(url, connect_timeout=TIMEOUT, allow_reconnect=False)
    try:
        if mode == "discover":
            await asyncio.wait_for(discover(nc, argv[3], argv[4]), 4 * TIMEOUT)
        else:
            await serve(nc, argv[3])
    except (Failure, AssertionError, asyncio.TimeoutError, KeyError, ValueError) as e:
        print(f"FAIL: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        return 1
    finally:
        await nc.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv)))
