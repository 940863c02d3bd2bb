#!/bin/sh
# bench_chain.sh [XLC] [N...] - JIT compile time of an N-op fused elementwise chain
# (scripts/gen_chain.py) for N = 250 500 1000 2000 by default, each with an empty kernel cache
# (a fresh XLC_CACHE_DIR). Prints per N: the kernels the chain became, the compile time that
# `xlc build` reports (all kernels, wall clock) and the process's CPU time (user + sys: less
# sensitive to other load on a shared machine). A benchmark, not a test (docs/performance.md).
XLC=${1:-build/xlc}
[ $# -gt 0 ] && shift
NS=${*:-250 500 1000 2000}
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/xlc-chain.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT
printf '%6s %8s %12s %10s\n' N kernels "compile ms" "cpu s"
for n in $NS; do
  python3 "$HERE/gen_chain.py" "$n" "$W/chain.xl" || exit 1
  rm -rf "$W/cache" "$W/emit"
  mkdir "$W/cache"
  /usr/bin/time -f '%U %S' -o "$W/time" env XLC_CACHE_DIR="$W/cache" \
    "$XLC" build "$W/chain.xl" chain --set D=64 --set B=2 --emit-dir "$W/emit" >/dev/null 2>"$W/err" ||
    { cat "$W/err"; exit 1; }
  # total: kernels K, vectorized K; compiled K in X ms, disk-cache hits 0 in 0.0 ms
  tot=$(grep '^total:' "$W/emit/report.txt")
  k=$(echo "$tot" | sed 's/^total: kernels \([0-9]*\).*/\1/')
  ms=$(echo "$tot" | sed 's/.*compiled [0-9]* in \([0-9.]*\) ms.*/\1/')
  cpu=$(awk '{printf "%.2f", $1 + $2}' "$W/time")
  printf '%6d %8s %12s %10s\n' "$n" "$k" "$ms" "$cpu"
done
