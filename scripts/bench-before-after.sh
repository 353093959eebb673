#!/usr/bin/env bash
# natskit-bench at two commits on the same machine, runs alternating, medians per figure.
#
#   scripts/bench-before-after.sh BEFORE AFTER [RUNS] [natskit-bench args...]
#   scripts/bench-before-after.sh e8b16b8 HEAD 5 --only publish,pubsub,request,concurrent
#
# Builds the release natskit-bench of each commit in a worktree under target/ (one shared
# target dir, so dependencies build once), then runs BEFORE, AFTER, BEFORE, AFTER... each
# with --runs 1 (round 2 runs AFTER first, round 3 BEFORE first, ...), and prints every figure's
# median for each side and the ratio after/before.
# Every run's table is kept in target/bench-before-after/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Commits by hash, so a worktree made for an earlier HEAD is never taken for today's.
before=$(git rev-parse --short "${1:?usage: $0 BEFORE AFTER [RUNS] [natskit-bench args...]}")
after=$(git rev-parse --short "${2:?usage: $0 BEFORE AFTER [RUNS] [natskit-bench args...]}")
runs=${3:-5}
shift $(( $# < 3 ? $# : 3 ))
out=target/bench-before-after
mkdir -p "$out"
rm -f "$out"/*.md

build() { # commit -> path of its natskit-bench binary
  local commit=$1 tree="target/bench-tree-$1"
  [ -d "$tree" ] || git worktree add --detach "$tree" "$commit" >/dev/null
  (cd "$tree" && CARGO_TARGET_DIR="$PWD/../bench-target" cargo build --release --quiet -p natskit-bench)
  cp target/bench-target/release/natskit-bench "$out/natskit-bench-$commit"
  echo "$out/natskit-bench-$commit"
}
before_bin=$(build "$before")
after_bin=$(build "$after")

# Each round swaps which side goes first, so neither always runs on a warmer (or busier) machine.
for i in $(seq 1 "$runs"); do
  order="before after"
  [ $((i % 2)) -eq 0 ] && order="after before"
  for side in $order; do
    bin=${side}_bin
    echo "run $i: $side" >&2
    "${!bin}" --runs 1 "$@" > "$out/$side-$i.md"
  done
done

python3 - "$out" "$runs" <<'PY'
import statistics, sys, re, pathlib
out, runs = pathlib.Path(sys.argv[1]), int(sys.argv[2])
def figures(path):
    rows = {}
    for line in path.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells) >= 2 and cells[0] not in ('benchmark', '') and not cells[0].startswith('---'):
            m = re.match(r'([\d.]+)\s*(M|k)?\b', cells[1])
            if m:
                scale = {'M': 1e6, 'k': 1e3}.get(m.group(2), 1)
                rows[cells[0]] = float(m.group(1)) * scale
    return rows
sides = {s: [figures(out / f'{s}-{i}.md') for i in range(1, runs + 1)] for s in ('before', 'after')}
print(f'| benchmark (natskit column) | before median | after median | after / before | before runs | after runs |')
print('|---|---|---|---|---|---|')
for name in sides['before'][0]:
    b = [r[name] for r in sides['before'] if name in r]
    a = [r[name] for r in sides['after'] if name in r]
    if not a:
        continue
    mb, ma = statistics.median(b), statistics.median(a)
    show = lambda x: f'{x / 1e6:.2f} M' if x >= 1e6 else f'{x / 1e3:.1f} k' if x >= 1e4 else f'{x:g}'
    fmt = lambda xs: ', '.join(show(x) for x in xs)
    ratio = f'{ma / mb:.2f}x' if mb else '-'
    print(f'| {name} | {show(mb)} | {show(ma)} | {ratio} | {fmt(b)} | {fmt(a)} |')
PY
