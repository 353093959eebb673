#!/usr/bin/env bash
# The seed's demo: four queue responders share 100 requests.
#
# Starts a nats-server on a free loopback port, four `queue_responder` examples in the group
# "rogers", waits until each says it is ready, runs `make_requests <url> 100` (which prints who
# answered each request and a tally, about 25 each), then stops everything it started.
#
# Usage: bash scripts/demo.sh            (DEMO_PROFILE=release for an optimised build)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

responders=4
requests=100
profile="${DEMO_PROFILE:-debug}"
patience=15 # seconds allowed for the server and each responder to come up

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

# 1. nats-server.
if [[ -f scripts/install-deps.sh ]]; then
    bash scripts/install-deps.sh
elif [[ -z ${NATS_SERVER_BIN:-} ]] && ! command -v nats-server >/dev/null 2>&1 && [[ ! -x /usr/sbin/nats-server ]]; then
    command -v apt-get >/dev/null 2>&1 || die "nats-server is not installed and apt-get is unavailable; install nats-server"
    say "installing nats-server"
    sudo=""
    if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
    $sudo apt-get update
    $sudo apt-get install -y nats-server
fi
# NATS_SERVER_BIN first, as the test harness does; then PATH and the sbin directories that a
# non-root PATH often lacks (the Debian package puts it in /usr/sbin).
nats_server="${NATS_SERVER_BIN:-}"
if [[ -z $nats_server ]]; then
    for candidate in "$(command -v nats-server || true)" /usr/sbin/nats-server /usr/local/sbin/nats-server /sbin/nats-server; do
        if [[ -n $candidate && -x $candidate ]]; then
            nats_server="$candidate"
            break
        fi
    done
fi
[[ -n $nats_server && -x $nats_server ]] || die "nats-server not found; run scripts/install-deps.sh or set NATS_SERVER_BIN"

# 2. The examples.
say "building the examples ($profile)"
build_flags=()
if [[ $profile == release ]]; then build_flags+=(--release); fi
cargo build "${build_flags[@]}" -p natskit --examples
examples="${CARGO_TARGET_DIR:-$root/target}/$profile/examples"
for example in queue_responder make_requests; do
    [[ -x $examples/$example ]] || die "example $example was not built at $examples"
done

# 3. Everything started from here on is stopped on exit, whatever happens.
work="$(mktemp -d)"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

port_is_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
        return
    fi
    local port
    for _ in $(seq 100); do
        port=$((20000 + RANDOM % 30000))
        if ! port_is_open "$port"; then
            echo "$port"
            return
        fi
    done
    die "found no free port"
}

port="$(free_port)"
url="nats://127.0.0.1:$port"
say "starting nats-server on $url"
"$nats_server" -a 127.0.0.1 -p "$port" >"$work/nats-server.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
deadline=$((SECONDS + patience))
until port_is_open "$port"; do
    kill -0 "$server_pid" 2>/dev/null || die "nats-server exited: $(cat "$work/nats-server.log")"
    ((SECONDS < deadline)) || die "nats-server did not listen on $port within ${patience}s"
    sleep 0.05
done

# 4. The responders, each awaited on its ready line.
for i in $(seq "$responders"); do
    "$examples/queue_responder" "$url" "responder-$i" >"$work/responder-$i.log" 2>&1 &
    pids+=("$!")
done
for i in $(seq "$responders"); do
    deadline=$((SECONDS + patience))
    until grep -q "queue responder responder-$i ready" "$work/responder-$i.log"; do
        ((SECONDS < deadline)) || die "responder-$i not ready within ${patience}s: $(cat "$work/responder-$i.log")"
        sleep 0.05
    done
done
say "$responders responders ready in queue group \"rogers\"; sending $requests requests"

# 5. The requests and their tally.
"$examples/make_requests" "$url" "$requests"
