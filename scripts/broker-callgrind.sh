#!/usr/bin/env bash
# Instructions the embedded broker spends per message on the PUB -> MSG path, under callgrind:
# ingest (no subscriber), fan-out to 1 and to 4 subscribers, with scripts/broker-load.py.
#
#   scripts/broker-callgrind.sh [BINARY] [COUNT]
#
# Each case runs twice in a fresh `natskit server` (COUNT and 2 x COUNT publishes): the
# difference over COUNT is the cost of one publish, with its deliveries, setup left out.
# Build first with line tables for callgrind_annotate:
#   CARGO_PROFILE_RELEASE_DEBUG=line-tables-only cargo build --release -p natskit-cli
# The callgrind files of the larger runs stay in target/broker-callgrind/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=${1:-target/release/natskit}
count=${2:-100000}
out=target/broker-callgrind
mkdir -p "$out"

total() { # subscribers publishes -> the broker's instruction total
  local subs=$1 n=$2 port=$((4300 + RANDOM % 1000)) file="$out/cg-$1-$2.out"
  valgrind --tool=callgrind --callgrind-out-file="$file" "$bin" server -p "$port" \
    >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 100); do
    (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
    sleep 0.2
  done
  python3 scripts/broker-load.py "127.0.0.1:$port" "$n" "$subs" >/dev/null
  kill -TERM "$pid"
  wait "$pid" || true
  grep -m1 '^summary:\|^totals:' "$file" | awk '{print $2}'
}

for subs in 0 1 4; do
  one=$(total "$subs" "$count")
  two=$(total "$subs" $((2 * count)))
  echo "subscribers $subs: $(( (two - one) / count )) instructions per publish ($one, $two)"
done
