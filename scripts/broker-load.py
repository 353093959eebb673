#!/usr/bin/env python3
"""A fixed raw-socket load for a broker's PUB -> MSG path, for instruction counts (callgrind).

    scripts/broker-load.py HOST:PORT COUNT SUBSCRIBERS

One publisher sends COUNT x `PUB bench.ps 16` in 64 KiB writes, then a PING, and waits for the
PONG; SUBSCRIBERS connections (0 for ingest alone) subscribed to `bench.ps` read until each has
every MSG. The same bytes every run, so two runs with different COUNTs give the broker's
instructions per message by difference (setup cancels out):

    valgrind --tool=callgrind --callgrind-out-file=cg.%p target/release/natskit server -p 4300 &
    scripts/broker-load.py 127.0.0.1:4300 100000 1; kill %1
"""
import socket
import sys
import threading

CONNECT = b'CONNECT {"verbose":false,"pedantic":false,"headers":true,"protocol":1}\r\n'
PAYLOAD = b"0123456789abcdef"


def connect(addr):
    host, port = addr.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.recv(4096)  # INFO
    return sock


def until(sock, marker, data=b""):
    while marker not in data:
        chunk = sock.recv(1 << 16)
        if not chunk:
            raise SystemExit("connection closed")
        data += chunk
    return data


def subscriber(sock, count, done):
    want = count * len(b"MSG bench.ps 1 16\r\n" + PAYLOAD + b"\r\n")
    got = 0
    while got < want:
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise SystemExit("subscriber closed")
        got += len(chunk)
    done.append(got)


def main():
    addr, count, subs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    readers, done = [], []
    for _ in range(subs):
        sock = connect(addr)
        sock.sendall(CONNECT + b"SUB bench.ps 1\r\nPING\r\n")
        until(sock, b"PONG\r\n")
        readers.append(threading.Thread(target=subscriber, args=(sock, count, done)))
    for thread in readers:
        thread.start()
    publisher = connect(addr)
    publisher.sendall(CONNECT)
    subject = b"bench.ps" if subs else b"bench.pub"
    frame = b"PUB " + subject + b" 16\r\n" + PAYLOAD + b"\r\n"
    per_write = (1 << 16) // len(frame)
    sent = 0
    while sent < count:
        n = min(per_write, count - sent)
        publisher.sendall(frame * n)
        sent += n
    publisher.sendall(b"PING\r\n")
    until(publisher, b"PONG\r\n")
    for thread in readers:
        thread.join()
    print(f"published {sent}, subscribers got {len(done)} x all")


if __name__ == "__main__":
    main()
