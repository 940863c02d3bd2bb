#!/bin/sh
# jit_cache.sh - the JIT's first run (issue 18 item 6): `xlc train` says once how many kernels
# it compiled and how long that took; a second run with the same kernel cache compiles nothing
# and leaves the cache as it was; each distinct kernel is one cache entry; two cold runs on 2
# compile workers (which finish in any order) write byte-identical caches.
. "$(dirname "$0")/lib.sh"
TINY="--task parity --set E=16 --set L=2 --set NH=1 --set slstm_at=[1] --batch 4 --max-len 12 --test-min-len 13 --test-max-len 20 --steps 2 --eval-batches 1 --test-batches 1"

# "compiled N kernels in X s (M more from the kernel cache)" -> "N M"
counts() { sed -n 's/^compiled \([0-9]*\) kernels\{0,1\} in [0-9.]* s (\([0-9]*\) more from the kernel cache)$/\1 \2/p' "$T/stdout"; }
# XLC_NUM_THREADS and XLC_CACHE_DIR of the next runs
use() { export XLC_NUM_THREADS=$1 XLC_CACHE_DIR=$2; }
# the cache's entries with their checksums, one per line
listing() { (cd "$1" && for f in *; do printf '%s %s\n' "$f" "$(cksum <"$f")"; done); }

say_case "a cold run compiles every kernel once and says so, once"
use 1 "$T/c1"; xrun train $TINY --out "$T/a"
expect_rc 0
[ "$(grep -c '^compiled .* kernels* in .* s' "$T/stdout")" = 1 ] || fail "no single 'compiled N kernels in X s' line"
set -- $(counts)
n1=${1:-0}
[ "$n1" -gt 0 ] && [ "${2:-x}" = 0 ] || fail "cold run: compiled '$1', from the cache '$2'"
[ "$(ls "$T/c1" | wc -l)" = "$n1" ] || fail "$n1 kernels compiled but $(ls "$T/c1" | wc -l) cache entries"
listing "$T/c1" >"$T/l1"

say_case "a warm run compiles nothing and changes no cache entry"
use 1 "$T/c1"; xrun train $TINY --out "$T/b"
expect_rc 0
set -- $(counts)
[ "${1:-x}" = 0 ] && [ "${2:-x}" = "$n1" ] || fail "warm run: compiled '$1', from the cache '$2' (want 0, $n1)"
listing "$T/c1" >"$T/l2"
cmp -s "$T/l1" "$T/l2" || fail "the warm run changed the cache"
cut -d, -f1-4,6- "$T/a/metrics.csv" >"$T/m1" # all but tokens/s
cut -d, -f1-4,6- "$T/b/metrics.csv" >"$T/m2"
cmp -s "$T/m1" "$T/m2" || fail "cold and warm runs trained differently"

say_case "two cold runs with 2 compile workers write the same cache"
use 2 "$T/c2"; xrun train $TINY --out "$T/c"
expect_rc 0
use 2 "$T/c3"; xrun train $TINY --out "$T/d"
expect_rc 0
listing "$T/c2" >"$T/l3"
listing "$T/c3" >"$T/l4"
[ -s "$T/l3" ] && cmp -s "$T/l3" "$T/l4" || fail "the caches of two cold runs differ"

say_case "XLC_CACHE_DIR=off: still compiled once per distinct kernel, nothing written"
use 2 off; xrun train $TINY --out "$T/e"
expect_rc 0
set -- $(counts)
[ "${1:-0}" -gt 0 ] && [ "${2:-x}" = 0 ] || fail "cache off: compiled '$1', from the cache '$2'"
finish
