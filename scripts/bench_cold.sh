#!/bin/sh
# bench_cold.sh - the cost of a first run (issue 18 item 6): `xlc bench --config B --steps 3`
# with XLC_NUM_THREADS=2, cold (an empty XLC_CACHE_DIR, so no other cache is consulted) and warm
# (the cache that cold run filled), alternately N times: cold, warm, cold, warm, ... Prints each
# run's wall time, training and generation tokens/s, the machine's load, then the medians and
# cold - warm (the requirement: at most 3 s). With OLD (another xlc binary, e.g. a build of the
# commit before), every round also runs OLD warm on its own filled cache, and the medians of
# warm training and generation tokens/s new/old are printed (the requirement: within 3%).
#
# usage: scripts/bench_cold.sh [N [XLC [OLD]]]     N = 5, XLC = build/xlc
# Run it on an idle machine: the cold run is CPU-bound compilation on both cores.
set -eu
N=${1:-5}
XLC=${2:-build/xlc}
OLD=${3:-}
CMD="bench --config B --steps 3"
T=$(mktemp -d "${TMPDIR:-/tmp}/xlc-bench-cold.XXXXXX")
trap 'rm -rf "$T"' EXIT
export XLC_NUM_THREADS=2

now() { date +%s.%N; }
# one run: label binary cache-dir -> appends "label wall train_tok/s gen_tok/s cpu" to $T/rows
# (cpu: user + system seconds, from /usr/bin/time where there is one: less sensitive to other
# processes than the wall time; on an idle machine the wall difference is about cpu / 2)
one() {
  t0=$(now)
  if [ -x /usr/bin/time ]; then
    XLC_CACHE_DIR=$3 /usr/bin/time -f "%U %S" -o "$T/cpu" "$2" $CMD >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; exit 1; }
  else
    echo "0 0" >"$T/cpu"
    XLC_CACHE_DIR=$3 "$2" $CMD >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; exit 1; }
  fi
  t1=$(now)
  tr=$(awk '$1 == "train" {print $2}' "$T/out")
  ge=$(awk '$1 == "generate" {print $2}' "$T/out")
  w=$(echo "$t1 $t0" | awk '{printf "%.2f", $1 - $2}')
  c=$(awk '{printf "%.2f", $1 + $2}' "$T/cpu")
  echo "$1 $w $tr $ge $c" >>"$T/rows"
  printf '%-9s %7s s  cpu %7s s   train %7s tok/s   generate %6s tok/s   load %s\n' "$1" "$w" "$c" "$tr" "$ge" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
}

date -u "+%F %T UTC: $N rounds of cold/warm, $XLC $CMD, XLC_NUM_THREADS=2"
uptime
if [ -n "$OLD" ]; then one old-fill "$OLD" "$T/old"; fi
for i in $(seq "$N"); do
  rm -rf "$T/c"
  one cold "$XLC" "$T/c"
  one warm "$XLC" "$T/c"
  if [ -n "$OLD" ]; then one old-warm "$OLD" "$T/old"; fi
done
uptime
# median of column $2 of the rows labelled $1
med() { awk -v l="$1" -v c="$2" '$1 == l {print $c}' "$T/rows" | sort -g | awk '{v[NR] = $1} END {
  if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
cw=$(med cold 2)
ww=$(med warm 2)
echo "median wall: cold $cw s, warm $ww s, cold - warm $(echo "$cw $ww" | awk '{printf "%.2f", $1 - $2}') s"
cc=$(med cold 5)
wc=$(med warm 5)
echo "median cpu (user + system): cold $cc s, warm $wc s, cold - warm $(echo "$cc $wc" | awk '{printf "%.2f", $1 - $2}') s"
echo "median warm tokens/s: train $(med warm 3), generate $(med warm 4)"
if [ -n "$OLD" ]; then
  echo "median old warm tokens/s: train $(med old-warm 3), generate $(med old-warm 4);" \
    "new/old train $(echo "$(med warm 3) $(med old-warm 3)" | awk '{printf "%.3f", $1 / $2}')," \
    "generate $(echo "$(med warm 4) $(med old-warm 4)" | awk '{printf "%.3f", $1 / $2}')"
fi
