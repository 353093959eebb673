#!/usr/bin/env bash
# Records what `natskit sub` and `natskit bench` print on a terminal (colours and all) and draws
# the pictures in docs/ that the README shows: docs/cli-sub.svg and docs/cli-bench.svg.
#
#   bash scripts/record-cli.sh
#
# Runs its own embedded broker (`natskit server`) on a free port and stops it at the end; the
# terminal comes from util-linux `script`, the pictures from scripts/term-to-svg.py.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo build --release -q -p natskit-cli
natskit="$PWD/target/release/natskit"
work="$(mktemp -d)"
broker_pid=""
cleanup() {
    [[ -n $broker_pid ]] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# The broker prints its URL on standard output once it listens.
"$natskit" server -p 0 >"$work/url" 2>/dev/null &
broker_pid=$!
for _ in $(seq 100); do
    [[ -s $work/url ]] && break
    sleep 0.05
done
export NATS_URL="$(head -1 "$work/url")"

# Runs "$@" on a pseudo-terminal 100 columns wide; its output (escape codes kept) goes to stdout.
on_terminal() {
    local command
    printf -v command '%q ' "$@"
    COLUMNS=100 script -qfec "stty cols 100; $command" /dev/null
}

# natskit sub: three messages, one with a header, two from a template.
{
    printf '$ natskit sub "greet.*" --count 3\n'
    on_terminal "$natskit" sub 'greet.*' --count 3 &
    sub=$!
    # The subscriber says "Subscribing on" once its SUB is on the server; give it that moment.
    sleep 1
    printf '\n# meanwhile, in another terminal:\n$ natskit pub greet.joe "hello joe" -H Trace-Id:42\n' >"$work/pubs"
    "$natskit" pub greet.joe 'hello joe' -H Trace-Id:42 2>>"$work/pubs"
    printf '$ natskit pub greet.ann "message {{Count}} at {{TimeStamp}}" --count 2\n' >>"$work/pubs"
    "$natskit" pub greet.ann 'message {{Count}} at {{TimeStamp}}' --count 2 2>>"$work/pubs"
    wait "$sub"
    cat "$work/pubs"
} >"$work/sub.txt"
python3 scripts/term-to-svg.py --title "natskit sub" <"$work/sub.txt" >docs/cli-sub.svg

# natskit bench: request/reply with built-in responders, then pub/sub.
{
    printf '$ natskit bench req svc.bench --clients 4 --msgs 20000 --size 64\n'
    on_terminal "$natskit" bench req svc.bench --clients 4 --msgs 20000 --size 64
    printf '\n$ natskit bench pubsub bench.data --msgs 1000000 --size 128\n'
    on_terminal "$natskit" bench pubsub bench.data --msgs 1000000 --size 128
} >"$work/bench.txt"
python3 scripts/term-to-svg.py --title "natskit bench" <"$work/bench.txt" >docs/cli-bench.svg

echo "wrote docs/cli-sub.svg and docs/cli-bench.svg"
